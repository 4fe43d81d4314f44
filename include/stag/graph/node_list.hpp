// Type-level lists of graph nodes, built while the user builds expressions.
//
// Compile-time rules for this file, graph/walk.hpp and engine/* (measured with g++ 12 on the
// recurrence h(k+1) = tanh(h(k) * y + h(k)) up to 256 levels, 770 unique nodes; see docs/design.md):
// - g++ gives a mangled name to every function and every variable it instantiates, those used only
//   in constant expressions included, and builds each name by a linear search through the name's
//   parts: a name that mentions a node list or a deep node type costs time quadratic in its size.
//   So a fact computed per node or per list is a class template whose answer is a type or an
//   enumerator (`contains<K, List>::value`), never a variable template, a static data member, a
//   function or a lambda. The exceptions are a few arrays per graph, and functions over values.
// - Folds over a list's pack ((... || ...), (... , ...)) cost g++ time quadratic in the pack, and
//   clang refuses more than 256 terms: expansions go into braced lists or template argument lists.
// - Every template that takes a list's pack apart, or builds a new list, costs time and memory
//   linear in the list (some 200 bytes per key with g++): per node, the work is kept independent
//   of the size of the graph (segmented lists, membership settled near the node, look-ups by height).
// - Deduction against a deep node type compares it level by level: look-ups by type deduce against
//   bases that differ first in a cheap number.
#pragma once

#include <stag/graph/node.hpp>

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>


namespace stag::graph {

/// Key of a node without run-time data: the node is told apart by its type alone. The key is a
/// class that is declared and never defined: the compilers check each element of a list that a
/// template deduces, and walk the members of a complete class to do so (with g++, a cache miss per
/// member), while an incomplete class has none.
template <class Node>
struct key;
/// Key of a node that holds run-time data (a run-time constant somewhere below it): such nodes
/// are told apart by their position, the path of child indices from the root that lists them.
template <std::size_t... I>
struct path {};
template <class Node, class Path>
struct at;

/// The unique nodes of a graph in topological order: every node comes after its arguments.
template <class... Ks>
struct node_list {
    enum : std::size_t { size = sizeof...(Ks) };
};

/// The same, in segments: the keys of Prefix (a node_list or another rope), then Ks. An expression
/// type keeps its list as a rope with a short last segment, so that a new node copies only that
/// segment, not the whole list (g++ spends some 200 bytes and a few allocations per key it copies
/// from one list to another): building a graph costs time linear in its number of nodes. The root's
/// list is flattened once (flat_list), by the sweeps.
template <class Prefix, class... Ks>
struct rope {
    enum : std::size_t { size = Prefix::size + sizeof...(Ks) };
};
/// The longest last segment push_back extends; beyond, it starts a new one.
inline constexpr std::size_t segment_size = 64;

template <bool...>
struct bool_pack {};

/// Whether K is in the list. The matches {K == Ks...} are all false exactly when the packs
/// {false, matches...} and {matches..., false} are the same: one type-identity test.
template <class K, class List>
struct contains : std::false_type {};
template <class K, class... Ks>
struct contains<K, node_list<Ks...>>
    : std::bool_constant<!__is_same(bool_pack<false, __is_same(K, Ks)...>, bool_pack<__is_same(K, Ks)..., false>)> {};
template <class K, class Prefix, class... Ks>
struct contains<K, rope<Prefix, Ks...>> : std::disjunction<contains<K, node_list<Ks...>>, contains<K, Prefix>> {};

template <class List, class... Ks>
struct append;
template <class... As, class... Ks>
struct append<node_list<As...>, Ks...> {
    using type = node_list<As..., Ks...>;
};
/// A list's keys in one node_list (one copy per segment: done once per graph, at its root).
template <class List>
struct flat_list_t {
    using type = List;
};
template <class Prefix, class... Ks>
struct flat_list_t<rope<Prefix, Ks...>> : append<typename flat_list_t<Prefix>::type, Ks...> {};
template <class List>
using flat_list = typename flat_list_t<List>::type;

/// One base per element: type_at deduces an element from its index with a quick scan of the bases.
template <std::size_t I, class K>
struct indexed {};
template <std::size_t I, class K>
K type_at_impl(const indexed<I, K>*);
template <class Seq, class... Ks>
struct indexed_list;
template <std::size_t... Is, class... Ks>
struct indexed_list<std::index_sequence<Is...>, Ks...> : indexed<Is, Ks>... {};
template <class List>
struct indexed_list_of;
template <class... Ks>
struct indexed_list_of<node_list<Ks...>> {
    using type = indexed_list<std::index_sequence_for<Ks...>, Ks...>;
};

/// Element I of a list.
template <std::size_t I, class List>
using type_at = decltype(graph::type_at_impl<I>(static_cast<const typename indexed_list_of<List>::type*>(nullptr)));

// ---- building lists while the user builds expressions ------------------------------------------
// Each expression type computes its node list from its arguments' lists when it is instantiated,
// that is, bottom-up, in the order the user wrote the expression. No walk ever recurses down a
// deep graph, so template depth stays small whatever the depth of the expression. The common step
// (an argument without run-time data that is listed already, found near the node) costs a few
// small instantiations and a copy of the list's last segment.

template <std::size_t I, class K>
struct lift_key {
    using type = K;
};
template <std::size_t I, class N, std::size_t... P>
struct lift_key<I, at<N, path<P...>>> {
    using type = at<N, path<I, P...>>;
};

template <std::size_t I, class List>
struct lift;
template <std::size_t I, class... Ks>
struct lift<I, node_list<Ks...>> {
    using type = node_list<typename lift_key<I, Ks>::type...>;
};
template <std::size_t I, class Prefix, class... Ks>
struct lift<I, rope<Prefix, Ks...>> {
    using type = rope<typename lift<I, Prefix>::type, typename lift_key<I, Ks>::type...>;
};

/// The keys of argument I of a node, as its parent lists them. Positional keys get I in front of
/// their paths; an argument without run-time data has none, and its list is taken as it is.
template <std::size_t I, class A>
using lifted_nodes =
    typename std::conditional_t<A::stateless, std::type_identity<typename A::nodes>, lift<I, typename A::nodes>>::type;

namespace detail {
template <std::size_t N>
constexpr std::size_t count_true(const bool (&values)[N]) noexcept {
    std::size_t n = 0;
    for (bool v : values) n += v ? 1 : 0;
    return n;
}
/// Positions of the true values (Count of them), then a trailing zero.
template <std::size_t Count, std::size_t N>
constexpr std::array<std::size_t, Count + 1> true_positions(const bool (&values)[N]) noexcept {
    std::array<std::size_t, Count + 1> idx{};
    std::size_t n = 0;
    for (std::size_t j = 0; j < N; ++j)
        if (values[j]) idx[n++] = j;
    return idx;
}

/// The positions of the true values of a bool_pack, as an index_sequence.
template <class Bools, class Seq = void>
struct true_indices;
template <bool... B>
struct true_indices<bool_pack<B...>, void> {
    static constexpr bool values[] = {B..., false};
    static constexpr std::size_t count = count_true(values);
    static constexpr auto positions = true_positions<count>(values);
    using type = typename true_indices<bool_pack<B...>, std::make_index_sequence<count>>::type;
};
template <bool... B, std::size_t... J>
struct true_indices<bool_pack<B...>, std::index_sequence<J...>> {
    using type = std::index_sequence<true_indices<bool_pack<B...>, void>::positions[J]...>;
};
}  // namespace detail

/// List, then Ks: in its last segment while that stays within segment_size, else in a new one.
template <class List, class... Ks>
struct push_back;
template <class... As, class... Ks>
struct push_back<node_list<As...>, Ks...>
    : std::conditional<sizeof...(As) + sizeof...(Ks) <= segment_size, node_list<As..., Ks...>,
                       rope<node_list<As...>, Ks...>> {};
template <class Prefix, class... As, class... Ks>
struct push_back<rope<Prefix, As...>, Ks...>
    : std::conditional<sizeof...(As) + sizeof...(Ks) <= segment_size, rope<Prefix, As..., Ks...>,
                       rope<rope<Prefix, As...>, Ks...>> {};

template <class L1, class L2, class Kept>
struct append_kept;
template <class L1, class L2, std::size_t... Js>
struct append_kept<L1, L2, std::index_sequence<Js...>> : push_back<L1, type_at<Js, L2>...> {};

/// L1, then the keys of L2 that L1 does not list, in order. (The arrays live in a class keyed by
/// booleans only, whose name is short.)
template <class L1, class L2, class Flat1, class Flat2>
struct merge_impl;
template <class L1, class L2, class Flat1, class... Bs>
struct merge_impl<L1, L2, Flat1, node_list<Bs...>> {
    using kept = typename detail::true_indices<bool_pack<!contains<Bs, Flat1>::value...>>::type;
    using type = typename append_kept<L1, node_list<Bs...>, kept>::type;
};
template <class L1, class L2>
struct merge : merge_impl<L1, L2, flat_list<L1>, flat_list<L2>> {};

/// Whether B is N or one of N's arguments.
template <class B, class N, class P = pattern_t<N>>
struct near : std::bool_constant<__is_same(B, N)> {};
template <class B, class N, class Op, class... Xs>
struct near<B, N, expr_base<Op, Xs...>> : std::bool_constant<(__is_same(B, N) || ... || __is_same(B, Xs))> {};

/// Whether B is found near N: N, an argument of N, or (up to Steps times) the same again from N's
/// first argument. Then N's list has B. A test in constant time that settles the common cases of a
/// shared graph (the h and the y of tanh(h * y + h)) without searching the list.
template <class B, class N, int Steps = 4, bool Near = near<B, N>::value, class P = pattern_t<N>>
struct nearby : std::bool_constant<Near> {};
template <class B, class N, class Op, class X, class... Xs, int Steps>
struct nearby<B, N, Steps, false, expr_base<Op, X, Xs...>> : nearby<B, X, Steps - 1> {};
template <class B, class N, class Op, class X, class... Xs>
struct nearby<B, N, 0, false, expr_base<Op, X, Xs...>> : std::false_type {};

/// Whether argument B, which holds no run-time data, is listed in Acc (which lists A) already.
template <class B, class A, class Acc, bool Stateless = B::stateless>
struct listed : std::false_type {};
template <class B, class A, class Acc>
struct listed<B, A, Acc, true> : std::conditional_t<nearby<B, A>::value, std::true_type, contains<key<B>, Acc>> {};

/// Acc (which lists A), then the nodes of argument I = B not in Acc yet. A B without run-time data
/// that Acc lists already brings nothing new (its arguments are listed too): the common case in a
/// shared graph.
template <class Acc, class A, std::size_t I, class B>
using merge_arg =
    typename std::conditional_t<listed<B, A, Acc>::value, std::type_identity<Acc>, merge<Acc, lifted_nodes<I, B>>>::type;

template <class Node>
using self_key = std::conditional_t<Node::stateless, key<Node>, at<Node, path<>>>;

/// Acc, then argument I onwards (Bs), merged one by one.
template <class Acc, class A, std::size_t I, class... Bs>
struct merge_args {
    using type = Acc;
};
template <class Acc, class A, std::size_t I, class B, class... Bs>
struct merge_args<Acc, A, I, B, Bs...> : merge_args<merge_arg<Acc, A, I, B>, A, I + 1, Bs...> {};

/// Any number of arguments; one to three, the common cases, are spelled out below.
template <class Node, class A, class... Bs>
struct nodes_of_t {
    using type = typename push_back<typename merge_args<lifted_nodes<0, A>, A, 1, Bs...>::type, self_key<Node>>::type;
};
template <class Node, class A>
struct nodes_of_t<Node, A> {
    using type = typename push_back<lifted_nodes<0, A>, self_key<Node>>::type;
};
template <class Node, class A, class B>
struct nodes_of_t<Node, A, B> {
    using type = typename push_back<merge_arg<lifted_nodes<0, A>, A, 1, B>, self_key<Node>>::type;
};
template <class Node, class A, class B, class C>
struct nodes_of_t<Node, A, B, C> {
    using type = typename push_back<merge_arg<merge_arg<lifted_nodes<0, A>, A, 1, B>, A, 2, C>, self_key<Node>>::type;
};

/// Node list of an operation node: its arguments' lists merged, then the node itself.
template <class Node, class... Args>
using nodes_of = typename nodes_of_t<Node, Args...>::type;

/// The unique nodes of expression E, in one node_list.
template <class E>
using nodes_t = flat_list<typename E::nodes>;

template <class L1, class L2>
struct concat;
template <class L1, class... Bs>
struct concat<L1, node_list<Bs...>> : append<L1, Bs...> {};
template <class List, class Seq = std::make_index_sequence<List::size>>
struct reverse_segment;
template <class List, std::size_t... Is>
struct reverse_segment<List, std::index_sequence<Is...>> {
    using type = node_list<type_at<List::size - 1 - Is, List>...>;
};
/// A list's keys in reverse order, in one node_list. Reversing needs the keys by index; a rope is
/// reversed segment by segment, so that each look-up scans one segment, not the whole list.
template <class List>
struct reversed_list_t : reverse_segment<List> {};
template <class Prefix, class... Ks>
struct reversed_list_t<rope<Prefix, Ks...>>
    : concat<typename reverse_segment<node_list<Ks...>>::type, typename reversed_list_t<Prefix>::type> {};
/// The unique nodes of expression E in reverse topological order.
template <class E>
using reversed_nodes_t = typename reversed_list_t<typename E::nodes>::type;

}  // namespace stag::graph
