// The chain rule, stated once: seed * (partial derivative of an op with respect to argument I).
#pragma once

#include <stag/ops/arithmetic.hpp>

namespace stag::detail {

/// The term that argument I of an Op node contributes: seed * partial<I>, or the op's cheaper
/// adjoint<I> form when it has one. Symbolic d passes expressions (the seed is d(arg)), the
/// reverse sweep passes run-time constants (the seed is the node's adjoint), so one rule per op
/// serves both.
/// Whether Op states adjoint<I>, asked with run-time constants for arguments: a requirement over
/// the caller's (possibly deep) expression types would make clang print them when it fails.
template <class Op, std::size_t I, class... Args>
inline constexpr bool has_adjoint =
    requires(const lit_t<double>& s) { Op::template adjoint<I>(s, (static_cast<void>(sizeof(Args*)), s)...); };

template <class Op, std::size_t I, class Seed, class... Args>
constexpr auto chain_term(const Seed& seed, const Args&... args_and_result) {
    if constexpr (has_adjoint<Op, I, Args...>)
        return Op::template adjoint<I>(seed, args_and_result...);
    else
        return mul(Op::template partial<I>(args_and_result...), seed);
}

}  // namespace stag::detail
