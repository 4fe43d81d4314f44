// Exponential family: exp, log, log1p, expm1, sqrt, cbrt, square and pow.
#pragma once

#include <stag/detail/lanes.hpp>
#include <stag/ops/arithmetic.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace stag {

/// exp(a); derivative exp(a), the node's own value. Tensor loops use lane_apply, which vectorises
/// and is within 1 ulp of std::exp (detail/lanes.hpp).
struct exp_op {
    static constexpr call notation{"exp"};
    static constexpr std::string_view latex = "e^{$0}";
    template <class A> static constexpr auto apply(const A& a) { using std::exp; return exp(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::exp_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return r; }
};
/// log(a), natural logarithm; log(0) = -inf, log(a < 0) = NaN; derivative 1/a (+inf at 0).
struct log_op {
    static constexpr call notation{"log"};
    template <class A> static constexpr auto apply(const A& a) { using std::log; return log(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::log_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&) { return div(one_t{}, a); }
    template <std::size_t I, class S, class A, class R> static constexpr auto adjoint(const S& s, const A& a, const R&) { return div(s, a); }
};
/// log(1 + a), accurate for small a; derivative 1/(1 + a).
struct log1p_op {
    static constexpr call notation{"log1p"};
    static constexpr std::string_view latex = "\\log\\left(1 + $0\\right)";
    template <class A> static constexpr auto apply(const A& a) { using std::log1p; return log1p(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::log1p_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&) { return div(one_t{}, add(one_t{}, a)); }
    template <std::size_t I, class S, class A, class R> static constexpr auto adjoint(const S& s, const A& a, const R&) { return div(s, add(one_t{}, a)); }
};
/// exp(a) - 1, accurate for small a; derivative exp(a) = r + 1.
struct expm1_op {
    static constexpr call notation{"expm1"};
    static constexpr std::string_view latex = "\\left(e^{$0} - 1\\right)";
    template <class A> static constexpr auto apply(const A& a) { using std::expm1; return expm1(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::expm1_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return add(r, one_t{}); }
};
/// Square root; sqrt(0) = 0 with derivative +inf, sqrt(a < 0) = NaN; derivative 1/(2 sqrt(a)).
struct sqrt_op {
    static constexpr call notation{"sqrt"};
    static constexpr std::string_view latex = "\\sqrt{$0}";
    template <class A> static constexpr auto apply(const A& a) { using std::sqrt; return sqrt(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::sqrt_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return div(c<1, 2>, r); }
};
/// Cube root, defined for negative a; derivative 1/(3 cbrt(a)^2), +inf at 0.
struct cbrt_op {
    static constexpr call notation{"cbrt"};
    static constexpr std::string_view latex = "\\sqrt[3]{$0}";
    template <class A> static constexpr auto apply(const A& a) { using std::cbrt; return cbrt(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return div(c<1, 3>, mul(r, r)); }
};
/// a * a; derivative 2a.
struct square_op {
    static constexpr call notation{"square"};
    static constexpr std::string_view c_code = "($0 * $0)";
    static constexpr std::string_view latex = "$(0)^{2}";
    template <class A> static constexpr auto apply(const A& a) { return a * a; }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&) { return mul(c<2>, a); }
};
/// a^b for expression exponents; derivatives b a^(b-1) and a^b log(a) (NaN for a <= 0).
struct pow_op {
    static constexpr call notation{"pow"};
    static constexpr std::string_view latex = "$(0)^{$1}";
    template <class A, class B> static constexpr auto apply(const A& a, const B& b) { using std::pow; return pow(a, b); }
    template <std::size_t I, class A, class B, class R> static constexpr auto partial(const A& a, const B& b, const R& r);
    // In a sweep, the seed times b a^(b-1) is computed as s b r / a, without a second pow, where r
    // is a normal number (and so a is neither 0 nor infinite); elsewhere as the partial says.
    template <std::size_t I, class S, class A, class B, class R> static constexpr auto adjoint(const S& s, const A& a, const B& b, const R& r);
};
/// a^(N/D) for a compile-time rational exponent; integer exponents up to 16 multiply, 1/2 is sqrt.
template <std::intmax_t N, std::intmax_t D>
struct powc_op {
    static constexpr call notation{"pow"};
    static inline const std::string c_code = "pow($0, " + std::to_string(N) + (D == 1 ? ".0)" : ".0 / " + std::to_string(D) + ".0)");
    static inline const std::string latex =
        "$(0)^{" + (D == 1 ? std::to_string(N) : "\\frac{" + std::to_string(N) + "}{" + std::to_string(D) + "}") + "}";
    static std::string trailing_arguments() {
        // Appends only: `", " + std::to_string(N)` makes g++ 12 give a false -Wrestrict warning.
        std::string out = ", ";
        out += std::to_string(N);
        if constexpr (D != 1) {
            out += '/';
            out += std::to_string(D);
        }
        return out;
    }
    template <class A>
    static constexpr auto apply(const A& a) {
        if constexpr (D == 1 && N > 0 && N <= 16) {
            A r = a;
            for (std::intmax_t i = 1; i < N; ++i) r = r * a;
            return r;
        } else if constexpr (D == 1 && N < 0 && N >= -16) {
            A r = a;
            for (std::intmax_t i = 1; i < -N; ++i) r = r * a;
            return A(1) / r;
        } else if constexpr (N == 1 && D == 2) {
            using std::sqrt;
            return sqrt(a);
        } else {
            using std::pow;
            return pow(a, static_cast<A>(N) / static_cast<A>(D));
        }
    }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&);
};

template <expression A> constexpr auto exp(const A& a) noexcept { return make_node<exp_op>(a); }
template <expression A> constexpr auto log(const A& a) noexcept { return make_node<log_op>(a); }
template <expression A> constexpr auto log1p(const A& a) noexcept { return make_node<log1p_op>(a); }
template <expression A> constexpr auto expm1(const A& a) noexcept { return make_node<expm1_op>(a); }
template <expression A> constexpr auto sqrt(const A& a) noexcept { return make_node<sqrt_op>(a); }
template <expression A> constexpr auto cbrt(const A& a) noexcept { return make_node<cbrt_op>(a); }
template <expression A> constexpr auto square(const A& a) noexcept { return make_node<square_op>(a); }

/// pow(a, b): b may be an expression, a plain number (stored as a run-time constant) or a
/// compile-time constant (c<2>, 2_c), which simplifies: pow(a, 0) = 1, pow(a, 1) = a.
template <class A, class B>
    requires mixable<A, B>
constexpr auto pow(const A& a, const B& b) noexcept {
    using EB = as_expr_t<B>;
    if constexpr (detail::is_rational<EB>) {
        if constexpr (EB::num == 0) return one_t{};
        else if constexpr (EB::num == 1 && EB::den == 1) return as_expr(a);
        else return make_node<powc_op<EB::num, EB::den>>(as_expr(a));
    } else {
        return make_node<pow_op>(as_expr(a), as_expr(b));
    }
}

template <std::size_t I, class A, class B, class R>
constexpr auto pow_op::partial(const A& a, const B& b, const R& r) {
    if constexpr (I == 0) return mul(b, pow(a, sub(b, one_t{})));
    else return mul(r, log(a));
}
template <std::size_t I, class S, class A, class B, class R>
constexpr auto pow_op::adjoint(const S& s, const A& a, const B& b, const R& r) {
    if constexpr (I == 0 && literal<S> && literal<A> && literal<B> && literal<R>) {
        using T = std::common_type_t<decltype(s.value), decltype(a.value), decltype(b.value), decltype(r.value)>;
        const T v = r.value, magnitude = v < 0 ? -v : v;
        if (magnitude >= std::numeric_limits<T>::min() && magnitude <= std::numeric_limits<T>::max()) [[likely]]
            return lit_t<T>{s.value * b.value * (v / a.value)};
        using std::pow;
        return lit_t<T>{s.value * b.value * pow(T(a.value), T(b.value) - T(1))};
    } else
        return mul(partial<I>(a, b, r), s);
}
template <std::intmax_t N, std::intmax_t D>
template <std::size_t I, class A, class R>
constexpr auto powc_op<N, D>::partial(const A& a, const R&) {
    return mul(cst_t<N, D>{}, pow(a, typename detail::make_rational<N - D, D>::type{}));
}

}  // namespace stag
