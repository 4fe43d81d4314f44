// Evaluation of small expressions without variables (the partial derivatives inside a sweep).
#pragma once

#include <stag/core/expr.hpp>

#include <type_traits>
#include <utility>

namespace stag::detail {

/// Value of an expression made of constants and operation nodes, in scalar type S. Used for the
/// local derivative terms of the backward sweep, whose leaves are run-time constants.
template <class S, class E>
constexpr auto tree_eval(const E& e) {
    if constexpr (literal<E>)
        return e.value;
    else if constexpr (constant<E>)
        return E::template value<S>();
    else if constexpr (op_node<E>) {
        if constexpr (detail::is_op_node<E>::arity == 1)
            return E::op::apply(tree_eval<S>(arg<0>(e)));
        else if constexpr (detail::is_op_node<E>::arity == 2)
            return E::op::apply(tree_eval<S>(arg<0>(e)), tree_eval<S>(arg<1>(e)));
        else
            return [&]<std::size_t... J>(std::index_sequence<J...>) {
                return E::op::apply(tree_eval<S>(arg<J>(e))...);
            }(std::make_index_sequence<detail::is_op_node<E>::arity>{});
    } else
        static_assert(!variable<E>, "stag: internal error: a variable inside a local derivative");
}

}  // namespace stag::detail
