// What an op states besides its value rule: its printing, and the helpers that build op nodes.
#pragma once

#include <stag/core/expr.hpp>

#include <string_view>

namespace stag {

/// Binding strength used when printing; larger binds tighter.
namespace precedence {
inline constexpr int comparison = 1;
inline constexpr int additive = 2;
inline constexpr int multiplicative = 3;
inline constexpr int unary = 4;
inline constexpr int atom = 5;
}  // namespace precedence

/// Printed between its two arguments: `x + y`.
struct infix {
    std::string_view symbol;
    int precedence;
};
/// Printed before its argument: `-x`.
struct prefix {
    std::string_view symbol;
};
/// Printed as a function call: `sin(x)`, `pow(x, 2)`.
struct call {
    std::string_view name;
};

/// Ops whose value is piecewise constant (comparisons) set `piecewise_constant = true`:
/// their derivative is zero and no adjoint flows through them.
template <class Op>
inline constexpr bool piecewise_constant_op = requires { requires Op::piecewise_constant; };

/// The node R from its arguments. A node without run-time data is value-initialised instead:
/// that instantiates no constructor, and so gives g++ no constructor names to mangle, whose cost
/// grows with the square of the depth of a deep node type (see graph/node_list.hpp).
template <class R, class... Args>
constexpr R build(const Args&... args) noexcept {
    if constexpr (R::stateless) return R{};
    else return R(args...);
}

/// Builds the node for Op without any simplification.
template <class Op, class... Args>
constexpr auto make_node(const Args&... args) noexcept {
    using R = expr<Op, as_expr_t<Args>...>;
    if constexpr (R::stateless) return R{};
    else return R(as_expr(args)...);
}

}  // namespace stag
