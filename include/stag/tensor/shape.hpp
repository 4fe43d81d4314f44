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

template <class A, class B>
struct broadcast_checked {
    static_assert(elementwise_shapes_broadcast<A, B>,
                  "stag: the shapes of the arguments of an elementwise operation do not broadcast");
    using type = std::conditional_t<shapes_broadcast<A, B>, broadcast_shape<A, B>, A>;
};
template <class... Shapes>
struct elementwise_shape;
template <class A>
struct elementwise_shape<A> {
    using type = A;
};
template <class A, class B, class... Rest>
struct elementwise_shape<A, B, Rest...> : elementwise_shape<typename broadcast_checked<A, B>::type, Rest...> {};

template <class Op, class... Shapes>
struct op_shape : elementwise_shape<Shapes...> {};
template <class Op, class... Shapes>
    requires requires { typename Op::template shape<Shapes...>; }
struct op_shape<Op, Shapes...> {
    using type = typename Op::template shape<Shapes...>;
};
}  // namespace detail

/// Whether Op has tensor-level rules (its own shape, forward and backward loops) rather than being
/// lifted elementwise from its scalar rules.
template <class Op>
concept tensor_level_op = requires { Op::tensor_level; };

/// The shape of node N: `std::index_sequence<Dims...>`, empty for a number.
template <class N>
struct node_shape {
    using type = std::index_sequence<>;
};
template <class Name, class T>
struct node_shape<var_t<Name, T>> : detail::shape_of<T> {};
template <class T>
struct node_shape<lit_t<T>> : detail::shape_of<T> {};
template <class Op, class... Args>
struct node_shape<expr<Op, Args...>> : detail::op_shape<Op, typename node_shape<Args>::type...> {};
template <class N>
using node_shape_t = typename node_shape<std::remove_cvref_t<N>>::type;

/// Whether node N is a number (a tensor of rank 0).
template <class N>
inline constexpr bool scalar_node = std::is_same_v<node_shape_t<N>, std::index_sequence<>>;

namespace detail {
/// Whether a leaf holds a tensor. Only leaves are asked: a graph without a tensor leaf has no
/// tensor node, and the question costs nothing per operation node.
template <class N>
struct tensor_leaf : std::false_type {};
template <class Name, class T>
struct tensor_leaf<var_t<Name, T>> : std::bool_constant<is_tensor<T>> {};
template <class T>
struct tensor_leaf<lit_t<T>> : std::bool_constant<is_tensor<T>> {};

template <class List, class Seq = std::make_index_sequence<graph::heights<List>::index.count[0]>>
struct tensor_graph;
template <class List, std::size_t... J>
struct tensor_graph<List, std::index_sequence<J...>>
    : std::bool_constant<(tensor_leaf<graph::node_t<graph::type_at<graph::heights<List>::leaves[J], List>>>::value || ...)> {};

template <std::size_t N>
constexpr std::array<std::size_t, N + 1> prefix_sums(const std::size_t (&counts)[N]) noexcept {
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
    static constexpr std::size_t count[] = {shape_count<node_shape_t<graph::node_t<Ks>>>::value...};
    static constexpr std::size_t stored[] = {(variable<graph::node_t<Ks>> ? 0 : shape_count<node_shape_t<graph::node_t<Ks>>>::value)...};
    static constexpr auto offset = prefix_sums(stored);
    static constexpr std::size_t total = offset[sizeof...(Ks)];
};
}  // namespace detail

}  // namespace stag
