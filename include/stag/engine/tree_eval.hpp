// Evaluation of small expressions without variables (the partial derivatives inside a sweep).
#pragma once

#include <stag/core/expr.hpp>

#include <type_traits>
#include <utility>

namespace stag::detail {

/// Op applied to already evaluated arguments: by its vectorisable form (lane_apply) when Lanes is
/// set and the op states one for these arguments, by its value rule otherwise.
template <class Op, bool Lanes, class... A>
[[gnu::always_inline]] constexpr auto apply_op(const A&... a) {
    if constexpr (Lanes && requires { Op::lane_apply(a...); }) return Op::lane_apply(a...);
    else return Op::apply(a...);
}

/// Value of an expression made of constants and operation nodes, in scalar type S. Used for the
/// local derivative terms of the backward sweep, whose leaves are run-time constants. Tensor loops
/// set Lanes, so that the terms use the ops' vectorisable forms as their forward loops do.
template <class S, bool Lanes = false, class E>
constexpr auto tree_eval(const E& e) {
    if constexpr (literal<E>)
        return e.value;
    else if constexpr (constant<E>)
        return E::template value<S>();
    else if constexpr (op_node<E>) {
        // (Unary and binary nodes, nearly all of them, without the lambda: cheaper to compile.)
        if constexpr (detail::is_op_node<E>::arity == 1)
            return apply_op<typename E::op, Lanes>(tree_eval<S, Lanes>(arg<0>(e)));
        else if constexpr (detail::is_op_node<E>::arity == 2)
            return apply_op<typename E::op, Lanes>(tree_eval<S, Lanes>(arg<0>(e)), tree_eval<S, Lanes>(arg<1>(e)));
        else
            return [&]<std::size_t... J>(std::index_sequence<J...>) {
                return apply_op<typename E::op, Lanes>(tree_eval<S, Lanes>(arg<J>(e))...);
            }(std::make_index_sequence<detail::is_op_node<E>::arity>{});
    } else
        static_assert(!variable<E>, "stag: internal error: a variable inside a local derivative");
}

}  // namespace stag::detail
