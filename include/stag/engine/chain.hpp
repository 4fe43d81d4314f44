// The chain rule, stated once: seed * (partial derivative of an op with respect to argument I).
#pragma once

#include <stag/ops/arithmetic.hpp>

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

}  // namespace stag::detail
