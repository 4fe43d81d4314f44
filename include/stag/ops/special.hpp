// Special functions: erf, sigmoid (logistic) and softplus.
#pragma once

#include <stag/detail/lanes.hpp>
#include <stag/ops/arithmetic.hpp>
#include <stag/ops/exponential.hpp>

#include <cmath>

namespace stag {

/// Error function; derivative 2/sqrt(pi) exp(-a^2).
struct erf_op {
    static constexpr call notation{"erf"};
    template <class A> static constexpr auto apply(const A& a) { using std::erf; return erf(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::erf_lanes(a); }
    template <std::size_t I, class A, class R>
    static constexpr auto partial(const A& a, const R&) { return mul(div(c<2>, sqrt(pi)), exp(neg(mul(a, a)))); }
};
/// Logistic sigmoid 1/(1 + exp(-a)), in [0, 1] for every a; derivative s(1 - s), s its value.
struct sigmoid_op {
    static constexpr call notation{"sigmoid"};
    static constexpr std::string_view c_code = "(1.0 / (1.0 + exp(-$0)))";
    static constexpr std::string_view latex = "\\sigma\\left($0\\right)";
    template <class A> static constexpr auto apply(const A& a) { using std::exp; return A(1) / (A(1) + exp(-a)); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::sigmoid_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return mul(r, sub(one_t{}, r)); }
};
/// softplus log(1 + exp(a)), computed as max(a, 0) + log1p(exp(-|a|)) so it never overflows;
/// derivative sigmoid(a).
struct softplus_op {
    static constexpr call notation{"softplus"};
    static constexpr std::string_view c_code = "(($0 > 0.0 ? $0 : 0.0) + log1p(exp(-fabs($0))))";
    template <class A>
    static constexpr auto apply(const A& a) {
        using std::exp;
        using std::fabs;
        using std::log1p;
        return (a > A(0) ? a : A(0)) + log1p(exp(-fabs(a)));
    }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::softplus_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&);
};

template <expression A> constexpr auto erf(const A& a) noexcept { return make_node<erf_op>(a); }
template <expression A> constexpr auto sigmoid(const A& a) noexcept { return make_node<sigmoid_op>(a); }
template <expression A> constexpr auto softplus(const A& a) noexcept { return make_node<softplus_op>(a); }

template <std::size_t I, class A, class R>
constexpr auto softplus_op::partial(const A& a, const R&) { return sigmoid(a); }

}  // namespace stag
