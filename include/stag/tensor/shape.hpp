// Shapes of graph nodes, and where each node's elements live in the tensor engine's flat slab.
//
// A node's shape is a type (std::index_sequence of its dimensions, empty for a number), computed
// from its arguments' shapes by its op's shape rule: elementwise ops broadcast their arguments,
// tensor-level ops (matmul, reductions, ...) state `template <class... Shapes> using shape`.
// The scalar engine never asks for shapes: graphs without a tensor leaf keep its code unchanged.
#pragma once

#include <stag/core/expr.hpp>
#include <stag/graph/walk.hpp>
#include <stag/tensor/tensor.hpp>

#include <array>
#include <cstddef>
#include <utility>

namespace stag {

namespace detail {
template <class Shape>
struct shape_count;
template <std::size_t... Dims>
struct shape_count<std::index_sequence<Dims...>> : std::integral_constant<std::size_t, (std::size_t{1} * ... * Dims)> {};

/// Shapes of an elementwise op's arguments that must broadcast; where they do not, stag's error has
/// a note showing both, as `elementwise_shapes_broadcast<std::integer_sequence<unsigned long, 8>,
/// std::integer_sequence<unsigned long, 4>>`.
template <class A, class B>
inline constexpr bool elementwise_shapes_broadcast = shapes_broadcast<A, B>;

/// The broadcast of an elementwise op's argument shapes; where they do not broadcast, `ok` is false
/// (and the type is the first shape, so that nothing else fails): the engine's entry points then
/// give stag's error (report_shapes below), once, rather than a class that fails to instantiate.
template <class... Shapes>
struct elementwise_shape;
template <class A>
struct elementwise_shape<A> {
    using type = A;
    static constexpr bool ok = true;
};
template <class A, class B, class... Rest>
struct elementwise_shape<A, B, Rest...> {
    using rest = elementwise_shape<std::conditional_t<shapes_broadcast<A, B>, broadcast_shape<A, B>, A>, Rest...>;
    using type = typename rest::type;
    static constexpr bool ok = shapes_broadcast<A, B> && rest::ok;
};

template <class Op, class... Shapes>
struct op_shape : elementwise_shape<Shapes...> {};
template <class Op, class... Shapes>
    requires requires { typename Op::template shape<Shapes...>; }
struct op_shape<Op, Shapes...> {
    using type = typename Op::template shape<Shapes...>;
    static constexpr bool ok = true;  // a tensor-level op checks its shapes where it is written
};

/// stag's error for two argument shapes of an elementwise op that do not broadcast, both shapes in
/// the note.
template <class A, class B>
constexpr bool check_broadcast() {
    constexpr bool ok = elementwise_shapes_broadcast<A, B>;
    static_assert(ok, "stag: the shapes of the arguments of an elementwise operation do not broadcast");
    return ok;
}
template <class A, class B, class C>
constexpr bool check_broadcast() {
    if constexpr (check_broadcast<A, B>()) return check_broadcast<broadcast_shape<A, B>, C>();
    else return false;
}
}  // namespace detail

/// Whether Op has tensor-level rules (its own shape, forward and backward loops) rather than being
/// lifted elementwise from its scalar rules.
template <class Op>
concept tensor_level_op = requires { Op::tensor_level; };

/// The shape of node N: `std::index_sequence<Dims...>`, empty for a number.
template <class N, class P = pattern_t<N>>
struct node_shape {
    using type = std::index_sequence<>;
};
template <class Name, class T>
struct node_shape<var_t<Name, T>> : detail::shape_of<T> {};
template <class T>
struct node_shape<lit_t<T>> : detail::shape_of<T> {};
template <class N, class Op, class... Args>
struct node_shape<N, expr_base<Op, Args...>> : detail::op_shape<Op, typename node_shape<Args>::type...> {};
template <class N>
using node_shape_t = typename node_shape<std::remove_cvref_t<N>>::type;

/// Whether every elementwise op of N has arguments whose shapes broadcast.
template <class N, class P = pattern_t<N>>
struct shapes_valid : std::true_type {};
template <class N, class Op, class... Args>
struct shapes_valid<N, expr_base<Op, Args...>>
    : std::bool_constant<detail::op_shape<Op, node_shape_t<Args>...>::ok && (shapes_valid<Args>::value && ...)> {};

namespace detail {
/// Gives stag's error for the first elementwise op of N (from the leaves up) whose shapes do not
/// broadcast; true where there is none.
template <class N>
constexpr bool report_shapes() {
    if constexpr (shapes_valid<N>::value) return true;
    else return []<class Op, class... Args>(std::type_identity<expr_base<Op, Args...>>) {
        if constexpr ((shapes_valid<Args>::value && ...)) return check_broadcast<node_shape_t<Args>...>();
        else return (report_shapes<Args>() && ...);
    }(std::type_identity<pattern_t<N>>{});
}
}  // namespace detail

/// Whether node N is a number (a tensor of rank 0).
template <class N>
inline constexpr bool scalar_node = std::is_same_v<node_shape_t<N>, std::index_sequence<>>;

namespace detail {
/// Whether a leaf holds a tensor. Leaves are asked first; a graph without a tensor leaf has a
/// tensor node only where an op makes one (makes_tensor), a question of one trait per node.
template <class N>
struct tensor_leaf : std::false_type {};
template <class Name, class T>
struct tensor_leaf<var_t<Name, T>> : std::bool_constant<is_tensor<T>> {};
template <class T>
struct tensor_leaf<lit_t<T>> : std::bool_constant<is_tensor<T>> {};

/// Whether node N's op makes a tensor of numbers (broadcast_to, one_hot): the only way to a
/// tensor without a tensor leaf.
template <class N>
struct makes_tensor : std::false_type {};
template <class N>
    requires requires { requires N::op::makes_tensor; }
struct makes_tensor<N> : std::true_type {};
template <class List, class Pack = List>
struct makes_tensor_in;
template <class List, class... Ks>
struct makes_tensor_in<List, graph::node_list<Ks...>> {
    static constexpr bool of[sizeof...(Ks) + 1] = {makes_tensor<graph::node_t<Ks>>::value..., false};  // not a fold: clang limits those to 256
    static constexpr bool value = graph::detail::count_true(of) > 0;
};

template <class List, class Seq = std::make_index_sequence<graph::heights<List>::index.count[0]>>
struct tensor_graph;
template <class List, std::size_t... J>
struct tensor_graph<List, std::index_sequence<J...>>
    : std::disjunction<std::bool_constant<(tensor_leaf<graph::node_t<graph::type_at<graph::heights<List>::leaves[J], List>>>::value || ...)>,
                       makes_tensor_in<List>> {};

template <class F, bool = expression<F>>
struct tensor_expression_test : std::false_type {};
template <class F>
struct tensor_expression_test<F, true> : tensor_graph<graph::nodes_t<F>> {};

template <std::size_t N>
constexpr std::array<std::size_t, N + 1> prefix_sums(const std::array<std::size_t, N>& counts) noexcept {
    std::array<std::size_t, N + 1> at{};
    for (std::size_t i = 0; i < N; ++i) at[i + 1] = at[i] + counts[i];
    return at;
}

/// Where the tensor engine keeps each node's elements: node i at `offset[i]` in the slab of values
/// (and at the same place in the slab of adjoints), `count[i]` of them. A variable takes no room:
/// its value is read from its binding and its adjoint is written into the gradient.
template <class List, class Pack = List>
struct layout;
template <class List, class... Ks>
struct layout<List, graph::node_list<Ks...>> {
    static constexpr std::array<std::size_t, sizeof...(Ks)> count{shape_count<node_shape_t<graph::node_t<Ks>>>::value...};
    static constexpr std::array<std::size_t, sizeof...(Ks)> stored{
        (variable<graph::node_t<Ks>> ? 0 : shape_count<node_shape_t<graph::node_t<Ks>>>::value)...};
    static constexpr auto offset = prefix_sums(stored);
    static constexpr std::size_t total = offset[sizeof...(Ks)];
};
}  // namespace detail

/// Whether F is an expression over tensors (it has a tensor variable): eval, grad, value_and_grad
/// and scan take it, and every tool but d, which says
/// so in their error.
template <class F>
inline constexpr bool tensor_expression = detail::tensor_expression_test<std::remove_cvref_t<F>>::value;

}  // namespace stag
