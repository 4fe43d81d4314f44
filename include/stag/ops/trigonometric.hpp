// Trigonometric family: sin, cos, tan, asin, acos, atan, atan2 and hypot.
#pragma once

#include <stag/ops/arithmetic.hpp>
#include <stag/ops/exponential.hpp>

#include <cmath>

namespace stag {

/// sin(a); derivative cos(a).
struct sin_op {
    static constexpr call notation{"sin"};
    template <class A> static constexpr auto apply(const A& a) { using std::sin; return sin(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&);
};
/// cos(a); derivative -sin(a).
struct cos_op {
    static constexpr call notation{"cos"};
    template <class A> static constexpr auto apply(const A& a) { using std::cos; return cos(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&);
};
/// tan(a); derivative 1 + tan(a)^2, reusing the node's value.
struct tan_op {
    static constexpr call notation{"tan"};
    template <class A> static constexpr auto apply(const A& a) { using std::tan; return tan(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return add(one_t{}, mul(r, r)); }
};
/// asin(a) on [-1, 1] (NaN outside); derivative 1/sqrt(1 - a^2), +inf at |a| = 1.
struct asin_op {
    static constexpr call notation{"asin"};
    static constexpr std::string_view latex = "\\arcsin\\left($0\\right)";
    template <class A> static constexpr auto apply(const A& a) { using std::asin; return asin(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&) { return div(one_t{}, sqrt(sub(one_t{}, mul(a, a)))); }
};
/// acos(a) on [-1, 1] (NaN outside); derivative -1/sqrt(1 - a^2), -inf at |a| = 1.
struct acos_op {
    static constexpr call notation{"acos"};
    static constexpr std::string_view latex = "\\arccos\\left($0\\right)";
    template <class A> static constexpr auto apply(const A& a) { using std::acos; return acos(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&) { return div(c<-1>, sqrt(sub(one_t{}, mul(a, a)))); }
};
/// atan(a); derivative 1/(1 + a^2).
struct atan_op {
    static constexpr call notation{"atan"};
    static constexpr std::string_view latex = "\\arctan\\left($0\\right)";
    template <class A> static constexpr auto apply(const A& a) { using std::atan; return atan(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&) { return div(one_t{}, add(one_t{}, mul(a, a))); }
};
/// atan2(y, x), the angle of the point (x, y); derivatives x/(x^2+y^2) and -y/(x^2+y^2)
/// (NaN at the origin).
struct atan2_op {
    static constexpr call notation{"atan2"};
    template <class Y, class X> static constexpr auto apply(const Y& y, const X& x) { using std::atan2; return atan2(y, x); }
    template <std::size_t I, class Y, class X, class R>
    static constexpr auto partial(const Y& y, const X& x, const R&) {
        if constexpr (I == 0) return div(x, add(mul(x, x), mul(y, y)));
        else return div(neg(y), add(mul(x, x), mul(y, y)));
    }
};
/// hypot(a, b) = sqrt(a^2 + b^2) without overflow; derivatives a/r and b/r (NaN at the origin).
struct hypot_op {
    static constexpr call notation{"hypot"};
    template <class A, class B> static constexpr auto apply(const A& a, const B& b) { using std::hypot; return hypot(a, b); }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A& a, const B& b, const R& r) {
        if constexpr (I == 0) return div(a, r);
        else return div(b, r);
    }
};

template <expression A> constexpr auto sin(const A& a) noexcept { return make_node<sin_op>(a); }
template <expression A> constexpr auto cos(const A& a) noexcept { return make_node<cos_op>(a); }
template <expression A> constexpr auto tan(const A& a) noexcept { return make_node<tan_op>(a); }
template <expression A> constexpr auto asin(const A& a) noexcept { return make_node<asin_op>(a); }
template <expression A> constexpr auto acos(const A& a) noexcept { return make_node<acos_op>(a); }
template <expression A> constexpr auto atan(const A& a) noexcept { return make_node<atan_op>(a); }
template <class Y, class X> requires mixable<Y, X>
constexpr auto atan2(const Y& y, const X& x) noexcept { return make_node<atan2_op>(as_expr(y), as_expr(x)); }
template <class A, class B> requires mixable<A, B>
constexpr auto hypot(const A& a, const B& b) noexcept { return make_node<hypot_op>(as_expr(a), as_expr(b)); }

template <std::size_t I, class A, class R>
constexpr auto sin_op::partial(const A& a, const R&) { return cos(a); }
template <std::size_t I, class A, class R>
constexpr auto cos_op::partial(const A& a, const R&) { return neg(sin(a)); }

}  // namespace stag
