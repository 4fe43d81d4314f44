// The literal suffix _c for compile-time constants: 2_c, 0.5_c (an exact rational, 1/2).
#pragma once

#include <stag/core/expr.hpp>

#include <cstdint>

namespace stag {
namespace detail {
template <char... Cs>
struct parse_constant {
    static constexpr auto value = [] {
        struct result {
            std::intmax_t num = 0, den = 1;
            bool ok = true;
        } r;
        bool after_point = false;
        for (char ch : {Cs...}) {
            if (ch == '.') {
                if (after_point) r.ok = false;
                after_point = true;
            } else if (ch >= '0' && ch <= '9') {
                r.num = r.num * 10 + (ch - '0');
                if (after_point) r.den *= 10;
            } else if (ch != '\'')
                r.ok = false;
        }
        return r;
    }();
    static_assert(value.ok, "stag: _c takes a decimal literal such as 2_c or 0.25_c (no exponent, no hex)");
};
}  // namespace detail

namespace literals {
/// `2_c` is `stag::c<2>`, `0.25_c` is `stag::c<1, 4>`: exact compile-time constants.
template <char... Cs>
constexpr auto operator""_c() noexcept {
    using P = detail::parse_constant<Cs...>;
    return typename detail::make_rational<P::value.num, P::value.den>::type{};
}
}  // namespace literals
}  // namespace stag
