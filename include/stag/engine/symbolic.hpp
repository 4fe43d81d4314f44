// Symbolic reverse mode: d(loss, W) of an expression over tensors, as a new expression.
//
// The graph's unique nodes are visited from the root down: the adjoint of a node is the sum, over
// the edges into it from nodes the root reaches, of the parent's vector-Jacobian product for that
// argument, applied to the parent's adjoint. An elementwise op's product is the chain term of its
// scalar rule (seed * partial, or its adjoint form), summed back over the dimensions it broadcast;
// a tensor-level op states its own (`vjp<J>(seed, node)`, in ops/tensor.hpp). So every op states
// its derivative as an expression once, and this file lists none of them.
#pragma once

#include <stag/engine/chain.hpp>
#include <stag/graph/walk.hpp>
#include <stag/ops/tensor.hpp>
#include <stag/tensor/shape.hpp>

#include <array>
#include <cstddef>
#include <utility>

namespace stag::detail {

/// t in the shape Shape: summed down where t is larger, broadcast where it is smaller; a zero
/// stays a zero.
template <class Shape, class T>
constexpr auto fit_shape(const T& t) {
    using ST = node_shape_t<T>;
    if constexpr (is_zero<T> || std::is_same_v<ST, Shape>) return t;
    else if constexpr (shape_count<ST>::value > shape_count<Shape>::value) return sum_as<Shape>(t);
    else return broadcast_as<Shape>(t);
}

/// The adjoint of an elementwise op's argument of shape SA from the chain term t, which stands
/// for a tensor of the node's shape SN (t's own shape broadcasts to SN: a seed is kept as small as
/// it is, a number where the adjoint is uniform, and broadcast only where an op needs its shape).
/// Where the op broadcast the argument, t is summed over those dimensions: by a factor where t is
/// constant along them.
template <class SA, class SN, class T>
constexpr auto argument_adjoint(const T& t) {
    using ST = node_shape_t<T>;
    if constexpr (is_zero<T> || std::is_same_v<SA, SN>) return t;
    else if constexpr (std::is_same_v<ST, SN>) return sum_as<SA>(t);
    else if constexpr (shapes_broadcast<ST, SA> && std::is_same_v<broadcast_shape<ST, SA>, SA>)
        return c<static_cast<std::intmax_t>(shape_count<SN>::value / shape_count<SA>::value)> * t;
    else return sum_as<SA>(broadcast_as<SN>(t));
}

/// The edges (parent, argument position) into node I from nodes that pass an adjoint on (reached,
/// not piecewise constant).
struct edge {
    std::size_t parent = 0, position = 0;
};
template <class List, class Act, std::size_t I>
struct parent_edges {
    static constexpr auto& nodes = graph::info<List>::nodes;
    static constexpr std::size_t count = [] {
        std::size_t c = 0;
        for (std::size_t j = I + 1; j < nodes.size(); ++j)
            if (Act::reached[j] && !nodes[j].piecewise_constant)
                for (std::size_t k = 0; k < nodes[j].arity; ++k) c += nodes[j].child[k] == I;
        return c;
    }();
    static constexpr std::array<edge, count + 1> of = [] {
        std::array<edge, count + 1> r{};
        std::size_t c = 0;
        for (std::size_t j = I + 1; j < nodes.size(); ++j)
            if (Act::reached[j] && !nodes[j].piecewise_constant)
                for (std::size_t k = 0; k < nodes[j].arity; ++k)
                    if (nodes[j].child[k] == I) r[c++] = {j, k};
        return r;
    }();
};

/// Whether a tensor-level op's vjp takes a seed of any shape that broadcasts to its node's (it
/// says so with `broadcast_seed = true`); the others get the seed in the node's shape.
template <class Op>
concept takes_broadcast_seed = requires { requires Op::broadcast_seed; };

/// The vector-Jacobian product of node n for its argument J, applied to the seed g: of a shape
/// that broadcasts to the argument's.
template <std::size_t J, class G, class N>
constexpr auto node_vjp(const G& g, const N& n) {
    using Op = typename N::op;
    using SA = node_shape_t<decltype(arg<J>(n))>;
    using SN = node_shape_t<N>;
    if constexpr (tensor_level_op<Op>) {
        constexpr bool stated = requires { Op::template vjp<J>(fit_shape<SN>(g), n); };
        static_assert(stated, "stag: d: a tensor-level op of the expression states no vector-Jacobian product (vjp<J>(seed, node))");
        if constexpr (!stated) return zero_t{};
        else if constexpr (takes_broadcast_seed<Op>) return Op::template vjp<J>(g, n);
        else return Op::template vjp<J>(fit_shape<SN>(g), n);
    } else
        return [&]<std::size_t... K>(std::index_sequence<K...>) {
            return argument_adjoint<SA, SN>(chain_term<Op, J>(g, arg<K>(n)..., n));
        }(std::make_index_sequence<is_op_node<N>::arity>{});
}

template <class List, class Act, std::size_t I, class F>
constexpr auto adjoint_expr(const F& f);

template <class List, class Act, std::size_t Parent, std::size_t Position, class F>
constexpr auto edge_term(const F& f) {
    const auto g = adjoint_expr<List, Act, Parent>(f);
    if constexpr (is_zero<decltype(g)>) return zero_t{};
    else return node_vjp<Position>(g, graph::node_in<graph::type_at<Parent, List>>(f));
}

template <class List, class Act, std::size_t I, class F>
constexpr auto adjoint_sum(const F& f) {
    if constexpr (I + 1 == List::size) return one_t{};
    else
        return [&]<std::size_t... P>(std::index_sequence<P...>) {
            using E = parent_edges<List, Act, I>;
            return (zero_t{} + ... + edge_term<List, Act, E::of[P].parent, E::of[P].position>(f));
        }(std::make_index_sequence<parent_edges<List, Act, I>::count>{});
}

/// The adjoint of node I as an expression. One without run-time data is its type alone, so that
/// the run-time work stays linear in the unique nodes, as for d on numbers.
template <class List, class Act, std::size_t I, class F>
constexpr auto adjoint_expr(const F& f) {
    using R = decltype(adjoint_sum<List, Act, I>(f));
    if constexpr (R::stateless) return R{};
    else return adjoint_sum<List, Act, I>(f);
}

/// A tensor of zeros of shape Shape (a number for the empty shape).
template <class Shape>
constexpr auto zeros_of() {
    if constexpr (dims<Shape>::rank == 0) return zero_t{};
    else return [&]<std::size_t... D>(std::index_sequence<D...>) { return make_node<broadcast_op<D...>>(zero_t{}); }(Shape{});
}

/// The index of the first variable named as V in List, or List::size.
template <class List, class V, class Pack = List>
struct variable_position;
template <class List, class V, class... Ks>
struct variable_position<List, V, graph::node_list<Ks...>> {
    static constexpr std::size_t value = [] {
        constexpr bool named[] = {graph::is_one_of_vars<graph::node_t<Ks>, V>::value..., false};
        std::size_t i = 0;
        while (i < sizeof...(Ks) && !named[i]) ++i;
        return i;
    }();
};

/// d(f, v) of a number-valued expression over tensors: the adjoint of v's node, of v's shape.
template <class V, class F>
constexpr auto reverse_derive(const F& f) {
    using List = graph::nodes_t<F>;
    constexpr std::size_t at = variable_position<List, V>::value;
    if constexpr (at == List::size) return zeros_of<typename shape_of<typename V::value_type>::type>();
    else {
        using Shape = node_shape_t<graph::node_t<graph::type_at<at, List>>>;
        using Act = graph::activity<List, V>;
        if constexpr (!Act::reached[at]) return zeros_of<Shape>();
        else {
            const auto a = adjoint_expr<List, Act, at>(f);
            if constexpr (is_zero<decltype(a)>) return zeros_of<Shape>();
            else return fit_shape<Shape>(a);
        }
    }
}

}  // namespace stag::detail
