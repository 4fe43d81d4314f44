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

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <utility>

namespace stag {

namespace detail {
template <class Shape>
struct shape_count;
template <std::size_t... Dims>
struct shape_count<std::index_sequence<Dims...>> : std::integral_constant<std::size_t, (std::size_t{1} * ... * Dims)> {};

/// Position in an argument of shape In of the element that broadcasts to output element e of
/// shape Out: e itself where the shapes agree, 0 for a number, the general map otherwise.
template <class In, class Out>
[[gnu::always_inline]] constexpr std::size_t broadcast_at(std::size_t e) noexcept {
    if constexpr (std::is_same_v<In, Out>) return e;
    else if constexpr (shape_count<In>::value == 1) return 0;
    else return broadcast_index<In, Out>::offset(e);
}

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

}  // namespace detail

/// The shapes of a tensor-level op's node: its own (`out`) and its arguments' (`arg<J>`), passed to
/// the op's loops as a tag.
template <class Out, class... In>
struct shapes {
    using out = Out;
    template <std::size_t J>
    using arg = graph::type_at<J, graph::node_list<In...>>;
    static constexpr std::size_t out_count = detail::shape_count<Out>::value;
    template <std::size_t J>
    static constexpr std::size_t arg_count = detail::shape_count<arg<J>>::value;
};

/// One piece of a window op (slice, concat, reshape: an op each of whose elements is an element of
/// one of its arguments, moved): its elements begin .. end - 1 are argument `arg`'s elements from
/// `from` on, in order. An op states its pieces as `static constexpr std::array<window_piece, K>
/// window(shapes)`; the tensor sweep then reads it through them instead of copying (views below).
struct window_piece {
    std::size_t begin = 0, end = 0, arg = 0, from = 0;
};

namespace detail {

// ---- views: window ops read in place -------------------------------------------------------------
// A window op whose every user is an elementwise op of its shape (whose arguments all have that
// shape), or another such window op, is a view: it has no values of its own, and an elementwise op
// reads it (and pushes its adjoint back) element by element from the nodes it moves, the
// `sources`, at the offsets its pieces give. slice, concat, stack, take and reshape then cost no
// pass through memory of their own, and do not end a fused loop (fusion, engine/tensor_sweep.hpp).

/// The most pieces a view may have (after composing views of views); a window op with more is
/// copied, as a tensor-level op.
inline constexpr std::size_t view_pieces = 8;

struct own_window {
    bool is = false;
    std::size_t count = 0;
    std::array<window_piece, view_pieces> piece{};
};
/// The window of op Op at shapes Sh (shapes<out, args...>), if it states one: asked once per op and
/// shapes, not once per node, so a graph without window ops pays little for the question.
template <class Op, class Sh>
struct op_window {
    static constexpr own_window of() {
        own_window r{};
        if constexpr (requires { Op::window(Sh{}); }) {
            constexpr auto pieces = Op::window(Sh{});
            if (pieces.size() <= view_pieces) {
                r.is = true;
                r.count = pieces.size();
                for (std::size_t k = 0; k < pieces.size(); ++k) r.piece[k] = pieces[k];
            }
        }
        return r;
    }
    static constexpr own_window value = of();
};
/// A node's window: its op's at its shapes; none for a leaf.
template <class N, class P = pattern_t<N>>
struct window_rule {
    static constexpr own_window value{};
};
template <class N, class Op, class... Args>
struct window_rule<N, expr_base<Op, Args...>> : op_window<Op, shapes<node_shape_t<N>, node_shape_t<Args>...>> {};

template <std::size_t N>
struct view_plan {
    std::array<bool, N> view{};        ///< the views
    std::array<bool, N> source{};      ///< the nodes some view reads
    std::array<std::size_t, N> count{};  ///< a view's pieces, each reading a source (`arg`: its node)
    std::array<std::array<window_piece, view_pieces>, N> piece{};
    /// The pieces of node c, each reading its source `arg`, if c is a view; none otherwise.
    constexpr std::span<const window_piece> pieces_of(std::size_t c) const noexcept {
        if (!view[c]) return {};
        return {piece[c].data(), count[c]};
    }
};

/// The views of a node list, from each node's window (if its op states one), whether it reads its
/// arguments element by element at its own shape (`reader`), and its arguments.
template <std::size_t N, std::size_t C>
constexpr view_plan<N> plan_views(const std::array<graph::node_info<C>, N>& nodes, const std::array<own_window, N>& own,
                                  const std::array<bool, N>& reader) noexcept {
    view_plan<N> p{};
    // An upper bound of each window's pieces once composed, whatever becomes a view.
    std::array<std::size_t, N> bound{};
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t k = 0; own[i].is && k < own[i].count; ++k) {
            const std::size_t c = nodes[i].child[own[i].piece[k].arg];
            bound[i] += own[c].is ? bound[c] : 1;
        }
    // A node's users come after it: last to first, each node knows its users when it is decided.
    std::array<bool, N> used{}, barred{};
    for (std::size_t i = N; i-- > 0;) {
        p.view[i] = own[i].is && bound[i] <= view_pieces && used[i] && !barred[i];
        for (std::size_t j = 0; j < nodes[i].arity; ++j) {
            used[nodes[i].child[j]] = true;
            if (!p.view[i] && !reader[i]) barred[nodes[i].child[j]] = true;
        }
    }
    // Each view's pieces, composed down to nodes with values.
    for (std::size_t i = 0; i < N; ++i) {
        if (!p.view[i]) continue;
        auto add = [&](window_piece q) {
            p.piece[i][p.count[i]++] = q;
            p.source[q.arg] = true;
        };
        for (std::size_t k = 0; k < own[i].count; ++k) {
            const window_piece q = own[i].piece[k];
            const std::size_t c = nodes[i].child[q.arg];
            if (!p.view[c]) {
                add({q.begin, q.end, c, q.from});
                continue;
            }
            for (std::size_t r = 0; r < p.count[c]; ++r) {
                const window_piece s = p.piece[c][r];
                const std::size_t lo = std::max(s.begin, q.from), hi = std::min(s.end, q.from + (q.end - q.begin));
                if (lo < hi) add({q.begin + (lo - q.from), q.begin + (hi - q.from), s.arg, s.from + (lo - s.begin)});
            }
        }
    }
    return p;
}

/// Whether a node reads each argument element by element at its own shape: an elementwise op of
/// more than one element whose arguments all have its shape.
template <class N, class P = pattern_t<N>>
struct reads_in_place : std::false_type {};
template <class N, class Op, class... Args>
    requires(!tensor_level_op<Op>)
struct reads_in_place<N, expr_base<Op, Args...>>
    : std::bool_constant<(shape_count<node_shape_t<N>>::value > 1) && (std::is_same_v<node_shape_t<Args>, node_shape_t<N>> && ...)> {};

template <class List, class Pack = List>
struct views;
template <class List, class... Ks>
struct views<List, graph::node_list<Ks...>> {
    static constexpr std::size_t n = sizeof...(Ks);
    static constexpr bool windows[n + 1] = {window_rule<graph::node_t<Ks>>::value.is..., false};  // not a fold: clang limits those to 256
    static constexpr bool any = graph::detail::count_true(windows) > 0;
    /// The plan (only where the list has a window op: a list without one pays for no more).
    static constexpr auto plan = [] {
        if constexpr (any)
            return plan_views<n>(graph::info<List>::nodes, {window_rule<graph::node_t<Ks>>::value...}, {reads_in_place<graph::node_t<Ks>>::value...});
        else
            return view_plan<0>{};
    }();
    /// The views, and the nodes they read.
    static constexpr std::array<bool, n> view = [] {
        if constexpr (any) return plan.view;
        else return std::array<bool, n>{};
    }();
    static constexpr std::array<bool, n> source = [] {
        if constexpr (any) return plan.source;
        else return std::array<bool, n>{};
    }();
    /// The piece of view I that holds its element e.
    static constexpr window_piece piece_at(std::size_t i, std::size_t e) noexcept {
        for (const window_piece& q : plan.pieces_of(i))
            if (q.begin <= e && e < q.end) return q;
        return {};
    }
};

template <std::size_t N>
constexpr std::array<std::size_t, N + 1> prefix_sums(const std::array<std::size_t, N>& counts) noexcept {
    std::array<std::size_t, N + 1> at{};
    for (std::size_t i = 0; i < N; ++i) at[i + 1] = at[i] + counts[i];
    return at;
}
/// The numbers a sweep's slab is aligned to (64 bytes of doubles), and each node of four elements
/// or more within it: a vector load or store of a node's elements then never splits a cache line.
/// (AVX2 code that keeps a node's values in the slab, 16 registers being too few for a whole sweep,
/// otherwise reads and writes them across lines.)
inline constexpr std::size_t slab_alignment = 8;
constexpr std::size_t aligned_up(std::size_t n, std::size_t to = slab_alignment) noexcept { return (n + to - 1) / to * to; }
/// The offsets of nodes of these element counts in a slab: packed, those of four elements or more
/// starting at a multiple of slab_alignment; the last entry is the slab's length.
template <std::size_t N>
constexpr std::array<std::size_t, N + 1> aligned_offsets(const std::array<std::size_t, N>& counts) noexcept {
    std::array<std::size_t, N + 1> at{};
    std::size_t next = 0;
    for (std::size_t i = 0; i < N; ++i) {
        if (counts[i] >= 4) next = aligned_up(next);
        at[i] = next;
        next += counts[i];
    }
    at[N] = next;
    return at;
}

/// Where the tensor engine keeps each node's elements: node i at `offset[i]` in the slab of values
/// (and at the same place in the slab of adjoints), `count[i]` of them. A variable takes no room:
/// its value is read from its binding and its adjoint is written into the gradient; nor does a
/// view, read in place.
template <class List, class Pack = List>
struct layout;
template <class List, class... Ks>
struct layout<List, graph::node_list<Ks...>> {
    static constexpr std::array<std::size_t, sizeof...(Ks)> count{shape_count<node_shape_t<graph::node_t<Ks>>>::value...};
    static constexpr std::array<std::size_t, sizeof...(Ks)> stored = [] {
        std::array<std::size_t, sizeof...(Ks)> r{(variable<graph::node_t<Ks>> ? 0 : shape_count<node_shape_t<graph::node_t<Ks>>>::value)...};
        for (std::size_t i = 0; i < r.size(); ++i)
            if (views<List>::view[i]) r[i] = 0;  // read in place: no values of its own
        return r;
    }();
    static constexpr auto offset = aligned_offsets(stored);
    static constexpr std::size_t total = offset[sizeof...(Ks)];
};
}  // namespace detail

/// Whether F is an expression over tensors (it has a tensor variable): eval, grad, value_and_grad
/// and scan take it, and every tool but d, which says
/// so in their error.
template <class F>
inline constexpr bool tensor_expression = detail::tensor_expression_test<std::remove_cvref_t<F>>::value;

}  // namespace stag
