// Compile-time names of variables: the literal in var<"x"> becomes boost::hana::string<'x'>.
#pragma once

#include <boost/hana/string.hpp>

#include <cstddef>
#include <string_view>
#include <utility>

namespace stag {

/// A string literal usable as a template argument: the "x" in `stag::var<"x">`.
template <std::size_t N>
struct fixed_string {
    char data[N]{};
    constexpr fixed_string(const char (&s)[N]) noexcept {
        for (std::size_t i = 0; i < N; ++i) data[i] = s[i];
    }
    static constexpr std::size_t length = N - 1;
};

namespace detail {
template <fixed_string S, std::size_t... I>
auto to_hana_string(std::index_sequence<I...>) -> boost::hana::string<S.data[I]...>;

template <class HanaString>
struct name_view;
template <char... C>
struct name_view<boost::hana::string<C...>> {
    static constexpr char chars[] = {C..., '\0'};
    static constexpr std::string_view value{chars, sizeof...(C)};
};
}  // namespace detail

/// The Hana string type for a literal: `name_t<"x">` is `boost::hana::string<'x'>`.
/// Compilers print it with its characters, so diagnostics show variable names readably.
template <fixed_string S>
using name_t = decltype(detail::to_hana_string<S>(std::make_index_sequence<S.length>{}));

/// The characters of a Hana string as a std::string_view.
template <class HanaString>
inline constexpr std::string_view name_v = detail::name_view<HanaString>::value;

namespace detail {
template <class HanaString>
struct spelled_name;
template <char... C>
struct spelled_name<boost::hana::string<C...>> {
    static constexpr fixed_string<sizeof...(C) + 1> value{{C..., '\0'}};
};
}  // namespace detail

/// A name as the user spelled it, as a template argument: `spelled<name_t<"yy">>` is the
/// fixed_string "yy". The notes under stag's errors that name a variable take it, so that g++ 12 and
/// clang 19 print `fixed_string<3>{"yy"}` (clang 14 prints its character codes).
template <class HanaString>
inline constexpr auto spelled = detail::spelled_name<HanaString>::value;

}  // namespace stag
