// What a public entry point returns after its `stag:` static_assert has failed.
#pragma once

#include <type_traits>

namespace stag {
namespace detail {
/// What a public entry point returns after its `stag:` static_assert has failed: it converts to
/// anything and can be called or indexed, so that one misuse gives one error, not a cascade.
struct failed {
    template <class T>
    constexpr operator T() const noexcept { return T{}; }
    template <class... Ts>
    constexpr failed operator()(const Ts&...) const noexcept { return {}; }
    template <class T>
    constexpr failed operator[](const T&) const noexcept { return {}; }
};
/// Whether T is the result of a failed check: passing it on (eval(d(f, 2.0), ...)) reports nothing
/// more, since the first error has said what is wrong.
template <class T>
inline constexpr bool is_failed = std::is_same_v<std::remove_cvref_t<T>, failed>;
}  // namespace detail
}  // namespace stag
