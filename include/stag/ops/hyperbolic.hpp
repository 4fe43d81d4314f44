// Hyperbolic family: sinh, cosh, tanh.
#pragma once

#include <stag/detail/lanes.hpp>
#include <stag/ops/arithmetic.hpp>

#include <cmath>

namespace stag {

/// sinh(a); derivative cosh(a).
struct sinh_op {
    static constexpr call notation{"sinh"};
    template <class A> static constexpr auto apply(const A& a) { using std::sinh; return sinh(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&);
};
/// cosh(a); derivative sinh(a).
struct cosh_op {
    static constexpr call notation{"cosh"};
    template <class A> static constexpr auto apply(const A& a) { using std::cosh; return cosh(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A& a, const R&);
};
/// tanh(a); derivative 1 - tanh(a)^2, reusing the node's value.
struct tanh_op {
    static constexpr call notation{"tanh"};
    template <class A> static constexpr auto apply(const A& a) { using std::tanh; return tanh(a); }
    template <detail::lanes_type A> [[gnu::always_inline]] static constexpr A lane_apply(const A& a) { return detail::tanh_lanes(a); }
    template <std::size_t I, class A, class R> static constexpr auto partial(const A&, const R& r) { return sub(one_t{}, mul(r, r)); }
};

template <expression A> constexpr auto sinh(const A& a) noexcept { return make_node<sinh_op>(a); }
template <expression A> constexpr auto cosh(const A& a) noexcept { return make_node<cosh_op>(a); }
template <expression A> constexpr auto tanh(const A& a) noexcept { return make_node<tanh_op>(a); }

template <std::size_t I, class A, class R>
constexpr auto sinh_op::partial(const A& a, const R&) { return cosh(a); }
template <std::size_t I, class A, class R>
constexpr auto cosh_op::partial(const A& a, const R&) { return sinh(a); }

}  // namespace stag
