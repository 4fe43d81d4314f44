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

/// Builds the node for Op without any simplification, for an op the contract has been checked for
/// (make_node below checks it). A node without run-time data is value-initialised: that
/// instantiates no constructor (nor as_expr), and so gives g++ no constructor names to mangle, whose
/// cost grows with the square of the depth of a deep node type (see graph/node_list.hpp).
template <class Op, class... Args>
constexpr auto make_checked_node(const Args&... args) noexcept {
    using R = expr<Op, as_expr_t<Args>...>;
    if constexpr (R::stateless) return R{};
    else return R(as_expr(args)...);
}

namespace detail {
/// What an op of N arguments leaves out of the op contract (docs/design.md, "One op, one place")
/// that make_node can see: its derivative rules are asked for where they are used (chain_term),
/// since an op's partial may build a node of the op itself (select's does).
enum class op_gap { none, notation, apply };
template <class Op, std::size_t... I>
constexpr op_gap op_contract_gap(std::index_sequence<I...>) {
    if constexpr (!requires { Op::notation; }) return op_gap::notation;
    else if constexpr (requires { Op::tensor_level; }) return op_gap::none;  // the tensor engine checks its hooks where it uses them
    else if constexpr (!requires { Op::apply((static_cast<void>(I), 1.0)...); }) return op_gap::apply;
    else return op_gap::none;
}
template <class Op, std::size_t N>
inline constexpr op_gap op_gap_of = op_contract_gap<Op>(std::make_index_sequence<N>{});

/// stag's error for an op that leaves out part of the contract, once per op and arity.
template <class Op, std::size_t N>
constexpr bool check_op_contract() {
    constexpr op_gap gap = op_gap_of<Op, N>;
    static_assert(gap != op_gap::notation, "stag: make_node<Op>: the op states no notation (stag::infix, stag::prefix or stag::call)");
    static_assert(gap != op_gap::apply, "stag: make_node<Op>: the op states no value rule apply(args...) callable with one number per argument");
    return gap == op_gap::none;
}

/// Whether Op states adjoint<I>, asked with run-time constants for arguments: a requirement over
/// the caller's (possibly deep) expression types would make clang print them when it fails.
template <class Op, std::size_t I, class... Args>
inline constexpr bool has_adjoint =
    requires(const lit_t<double>& s) { Op::template adjoint<I>(s, (static_cast<void>(sizeof(Args*)), s)...); };

template <class Op, std::size_t I, class... Args>
inline constexpr bool has_partial = requires(const lit_t<double>& s) { Op::template partial<I>((static_cast<void>(sizeof(Args*)), s)...); };

/// Whether Op states a derivative rule for each of its arguments (or needs none).
template <class Op, std::size_t... I>
constexpr bool states_derivatives(std::index_sequence<I...>) {
    if constexpr (requires { Op::tensor_level; } || piecewise_constant_op<Op>) return true;
    else return ((has_adjoint<Op, I, decltype(I)..., void> || has_partial<Op, I, decltype(I)..., void>) && ...);
}
}  // namespace detail

/// The op contract: an op states `notation` (stag::infix, prefix or call); an elementwise op also
/// `apply(args...)`, its value rule, and for each argument I either `partial<I>(args..., result)`
/// or `adjoint<I>(seed, args..., result)` as stag expressions, unless `piecewise_constant = true`
/// says its derivative is zero. Optional, with their defaults: `lane_apply` (a vectorisable value
/// rule; default apply), `adjoint<I>` (default seed * partial<I>), `latex` and `c_code` patterns
/// (default: from the notation). A tensor-level op (`tensor_level = true`) states instead a shape
/// rule, forward and backward loops, `vjp<J>(seed, node)` and its C forms (ops/tensor.hpp), which
/// the tensor engine, d and to_c each check with a stag: error where they use them. make_node
/// checks the notation and the value rule, the chain rule (engine/chain.hpp) the derivative rules,
/// each with a stag: error; an optional hook that is misspelt cannot be detected and is not used.
template <class Op, std::size_t Arity>
concept meets_op_contract =
    detail::op_gap_of<Op, Arity> == detail::op_gap::none && detail::states_derivatives<Op>(std::make_index_sequence<Arity>{});

/// Builds the node for Op without any simplification.
template <class Op, class... Args>
constexpr auto make_node(const Args&... args) noexcept {
    if constexpr (!detail::check_op_contract<Op, sizeof...(Args)>()) return detail::failed{};
    else return make_checked_node<Op>(args...);
}
}  // namespace stag
