// stag::same: structural equality of expressions, usable in static_assert.
#pragma once

#include <stag/core/expr.hpp>

#include <type_traits>
#include <utility>

namespace stag {

/// True when a and b are the same graph: the same type and, for run-time constants, equal values.
template <expression A, expression B>
constexpr bool same(const A& a, const B& b) noexcept {
    if constexpr (!std::is_same_v<A, B>) return false;
    else if constexpr (A::stateless) return true;
    else if constexpr (literal<A>) return a.value == b.value;
    else
        return [&]<std::size_t... Is>(std::index_sequence<Is...>) {
            return (same(arg<Is>(a), arg<Is>(b)) && ...);
        }(std::make_index_sequence<detail::is_op_node<A>::arity>{});
}

}  // namespace stag
