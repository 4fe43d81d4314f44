// The interface between node types and the graph layer: what graph/* reads of a node, and nothing
// else. The node types themselves (variables, constants, operation nodes) live in core/ and meet
// this interface; the graph layer includes no header of core/.
//
// A node type N states:
// - `nodes`, its graph's unique nodes as a graph::node_list (graph/node_list.hpp), and
//   `stateless`: whether it holds no run-time data (then its type alone identifies it);
// - for a leaf, one of the flags `is_variable` (with `name`, a type that tells variables apart),
//   `is_constant` and `is_literal`; for an operation node, `pattern`, the class
//   `expr_base<Op, Args...>` it derives from (op Op applied to Args), and `height`, 1 + the
//   largest height of its arguments (a leaf's is 0);
// - `arg<I>(n)`, argument I of an operation node (declared here, defined with the node types).
// An op states `piecewise_constant = true` if its derivative is zero everywhere (comparisons), or
// is to be taken as zero (logsumexp's shift, whose part cancels where it is used).
#pragma once

#include <cstddef>
#include <type_traits>

namespace stag {
template <class Op, class... Args>
struct expr_base;
/// Argument I of an operation node (core/node.hpp).
template <std::size_t I, class Op, class... Args>
constexpr decltype(auto) arg(const expr_base<Op, Args...>& e) noexcept;

namespace detail {
/// What the graph knows of an operation node N: `N::pattern` is `expr_base<Op, Args...>`, which
/// partial specialisations match (N itself may be a nested class, which deduction cannot take
/// apart; see core/node.hpp). void for a leaf.
template <class T, class = void>
struct pattern_of {
    using type = void;
};
template <class T>
struct pattern_of<T, std::void_t<typename T::pattern>> {
    using type = typename T::pattern;
};
}  // namespace detail
template <class T>
using pattern_t = typename detail::pattern_of<T>::type;

/// Height of a node: 0 for a leaf, 1 + the largest height of its arguments for an operation node.
template <class N, class = void>
struct node_height : std::integral_constant<std::size_t, 0> {};
template <class N>
struct node_height<N, std::enable_if_t<(N::height > 0)>> : std::integral_constant<std::size_t, N::height> {};

namespace detail {
// The flags are read by partial specialisation rather than by requires-expressions: clang renders
// every failed requirement into a diagnostic string as long as the type's name, and for a shared
// graph that name grows exponentially with the depth (variable<E> fails for every op node E).
// They are classes rather than variable templates: g++ gives every variable it instantiates a
// mangled name, whose cost grows with the square of the depth of the type (see graph/node_list.hpp).
template <class T, class = void>
struct flag_stag_node : std::false_type {};
template <class T>
struct flag_stag_node<T, std::enable_if_t<bool(T::is_stag_node)>> : std::true_type {};
template <class T, class = void>
struct flag_variable : std::false_type {};
template <class T>
struct flag_variable<T, std::enable_if_t<bool(T::is_variable)>> : std::true_type {};
template <class T, class = void>
struct flag_constant : std::false_type {};
template <class T>
struct flag_constant<T, std::enable_if_t<bool(T::is_constant)>> : std::true_type {};
template <class T, class = void>
struct flag_literal : std::false_type {};
template <class T>
struct flag_literal<T, std::enable_if_t<bool(T::is_literal)>> : std::true_type {};
}  // namespace detail

/// Ops whose value is piecewise constant (comparisons, masks) set `piecewise_constant = true`:
/// their derivative is zero and no adjoint flows through them. (So does logsumexp's shift, whose
/// derivative cancels exactly where logsumexp uses it.) An elementwise one's value is a boolean.
template <class Op>
inline constexpr bool piecewise_constant_op = requires { requires Op::piecewise_constant; };
}  // namespace stag
