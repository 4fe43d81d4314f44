// The chain rule, stated once: seed * (partial derivative of an op with respect to argument I).
#pragma once

#include <stag/engine/tree_eval.hpp>
#include <stag/ops/arithmetic.hpp>

#include <cstdint>
#include <type_traits>

namespace stag::detail {

/// The term that argument I of an Op node contributes: seed * partial<I>, or the op's cheaper
/// adjoint<I> form when it has one. Symbolic d passes expressions (the seed is d(arg)), the
/// reverse sweep passes run-time constants (the seed is the node's adjoint), so one rule per op
/// serves both.
template <class Op, std::size_t I, class Seed, class... Args>
constexpr auto chain_term(const Seed& seed, const Args&... args_and_result) {
    if constexpr (has_adjoint<Op, I, Args...>)
        return Op::template adjoint<I>(seed, args_and_result...);
    else {
        constexpr bool stated = has_partial<Op, I, Args...>;
        static_assert(stated, "stag: for some argument I an op of the expression states neither partial<I>(args..., result) nor adjoint<I>(seed, "
                              "args..., result) (or says piecewise_constant = true); see the op contract, stag::meets_op_contract");
        if constexpr (stated) return mul(Op::template partial<I>(args_and_result...), seed);
        else return zero_t{};
    }
}

/// Whether a chain term T is k * (x * y), k a compile-time power of two: what a partial with a
/// constant factor times the seed becomes (square's 2a, times the seed: 2 * (a * seed)).
constexpr bool power_of_two(std::intmax_t n) noexcept {
    if (n < 0) n = -n;
    return n > 0 && (n & (n - 1)) == 0;
}
template <class T, class P = pattern_t<T>>
struct product_node : std::false_type {};
template <class T, class A, class B>
struct product_node<T, expr_base<mul_op, A, B>> : std::true_type {};
template <class T, class P = pattern_t<T>>
struct scaled_product : std::false_type {};
template <class T, std::intmax_t N, std::intmax_t D, class Inner>
struct scaled_product<T, expr_base<mul_op, cst_t<N, D>, Inner>> : std::bool_constant<power_of_two(N) && power_of_two(D) && product_node<Inner>::value> {};

/// A sweep's value of a chain term whose leaves are numbers (tree_eval), with k * (x * y) for a
/// power of two k taken as x * (k * y): the same number (a product with a power of two is exact,
/// short of overflow and underflow), but where y, the seed, is a constant the compiler sees (the 1/2
/// of `c<1, 2> * sum(square(r))`), k * y folds and the chain is one multiplication shorter, or none
/// at all where k * y is 1.
template <class S, bool Lanes, class T>
[[gnu::always_inline]] constexpr auto chain_value(const T& t) {
    if constexpr (scaled_product<T>::value) {
        const auto& inner = arg<1>(t);
        return apply_op<mul_op, Lanes>(tree_eval<S, Lanes>(arg<0>(inner)), apply_op<mul_op, Lanes>(tree_eval<S, Lanes>(arg<0>(t)), tree_eval<S, Lanes>(arg<1>(inner))));
    } else
        return tree_eval<S, Lanes>(t);
}

}  // namespace stag::detail
