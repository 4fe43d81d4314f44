// Facts about a graph's node list that the sweeps need: node types, arguments, activity.
//
// Everything here is computed once per graph, in class templates (no function, variable or lambda
// is instantiated per node or per list; see graph/node_list.hpp for why).
#pragma once

#include <stag/graph/node_list.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>

namespace stag::graph {

template <class K>
struct key_traits {
    using node = K;
    enum : bool { positional = false };
};
template <class N>
struct key_traits<key<N>> {
    using node = N;
    enum : bool { positional = false };
};
template <class N, std::size_t... P>
struct key_traits<at<N, path<P...>>> {
    using node = N;
    enum : bool { positional = true };
};
/// The node type a key stands for.
template <class K>
using node_t = typename key_traits<K>::node;

template <class Path>
struct follow;
template <>
struct follow<path<>> {
    template <class E>
    static constexpr const E& from(const E& e) noexcept { return e; }
};
template <std::size_t I, std::size_t... P>
struct follow<path<I, P...>> {
    template <class E>
    static constexpr const auto& from(const E& e) noexcept { return follow<path<P...>>::from(arg<I>(e)); }
};

template <class K>
struct path_of;
template <class N, class P>
struct path_of<at<N, P>> {
    using type = P;
};

/// The node object for key K inside the root expression: a fresh object for a node without
/// run-time data, the object at its path otherwise.
template <class K, class Root>
constexpr decltype(auto) node_in(const Root& root) noexcept {
    if constexpr (key_traits<K>::positional)
        return follow<typename path_of<K>::type>::from(root);
    else
        return node_t<K>{};
}

enum class node_kind { variable, constant, literal, op };

/// The facts about a node type that the sweeps need, as static members of a class keyed by the
/// facts themselves (a handful of instances with short names, not one per node).
template <node_kind Kind, std::size_t Arity = 0, bool PiecewiseConstant = false>
struct node_shape {
    static constexpr node_kind kind = Kind;
    static constexpr std::size_t arity = Arity;
    static constexpr bool piecewise_constant = PiecewiseConstant;
};

/// What the sweeps need to know about a node type: its kind, its arity, its argument types.
template <class N, class P = pattern_t<N>>
struct node_traits : node_shape<stag::detail::flag_variable<N>::value   ? node_kind::variable
                                : stag::detail::flag_literal<N>::value  ? node_kind::literal
                                : stag::detail::flag_constant<N>::value ? node_kind::constant
                                                                        : node_kind::op> {};
template <class N, class Op, class... Args>
struct node_traits<N, expr_base<Op, Args...>> : node_shape<node_kind::op, sizeof...(Args), piecewise_constant_op<Op>> {
    using op = Op;
    template <std::size_t I>
    using arg = type_at<I, node_list<Args...>>;
};

/// Key of argument I of the node with key K.
template <class K, std::size_t I>
struct child_key;
template <class N, std::size_t I>
struct child_key<key<N>, I> {
    using type = key<typename node_traits<N>::template arg<I>>;
};
template <class N, std::size_t... P, std::size_t I>
struct child_key<at<N, path<P...>>, I> {
    using C = typename node_traits<N>::template arg<I>;
    using type = std::conditional_t<C::stateless, key<C>, at<C, path<P..., I>>>;
};

// Searching a list: one class per list with one base per node, and one template argument deduction
// per look-up, which the compilers do by a scan of the bases. Deduction compares a node type with
// each base's structurally, level by level (it only short-cuts identical types), so each base
// first holds its node's height: most bases are passed over at the cost of comparing two numbers.
template <std::size_t I, std::size_t Height, class K>
struct positioned {};
template <class K, std::size_t Height, std::size_t I>
std::integral_constant<std::size_t, I> index_of_impl(const positioned<I, Height, K>*);

template <class Seq, class... Ks>
struct positioned_list;
template <std::size_t... Is, class... Ks>
struct positioned_list<std::index_sequence<Is...>, Ks...> : positioned<Is, node_height<node_t<Ks>>::value, Ks>... {};
template <class List>
struct positioned_list_of;
template <class... Ks>
struct positioned_list_of<node_list<Ks...>> {
    using type = positioned_list<std::index_sequence_for<Ks...>, Ks...>;
};

/// Position of K in the list (`::value`); K must be in it.
template <class K, class List>
struct index_of : decltype(graph::index_of_impl<K, node_height<node_t<K>>::value>(
                      static_cast<const typename positioned_list_of<List>::type*>(nullptr))) {};

// Finding a node in the list. In a deep graph most heights belong to a single node, whose index a
// table gives at once (position_of); leaves (height 0) are searched among the leaves alone, and
// only the other nodes in the whole list (index_of).
template <std::size_t MaxHeight>
struct height_index {
    std::array<std::size_t, MaxHeight + 1> count{};  ///< how many nodes have each height
    std::array<std::size_t, MaxHeight + 1> first{};  ///< the index of the first of them
};
template <std::size_t MaxHeight, std::size_t N>
constexpr height_index<MaxHeight> index_heights(const std::size_t (&heights)[N]) noexcept {
    height_index<MaxHeight> t{};
    for (std::size_t i = N; i-- > 0;) {
        ++t.count[heights[i]];
        t.first[heights[i]] = i;
    }
    return t;
}
template <std::size_t N>
constexpr std::size_t max_value(const std::size_t (&values)[N]) noexcept {
    std::size_t m = 0;
    for (std::size_t v : values) m = v > m ? v : m;
    return m;
}
template <class List, class Pack = List>
struct heights;
template <class List, class... Ks>
struct heights<List, node_list<Ks...>> {
    static constexpr std::size_t of[] = {node_height<node_t<Ks>>::value...};
    static constexpr auto index = index_heights<max_value(of)>(of);
    static constexpr bool leaf[] = {(node_height<node_t<Ks>>::value == 0)...};
    static constexpr auto leaves = detail::true_positions<index.count[0]>(leaf);
};

/// One base per leaf of the list (the nodes of height 0), for deduction.
template <class List, class Seq = std::make_index_sequence<heights<List>::index.count[0]>>
struct leaf_positions;
template <class List, std::size_t... J>
struct leaf_positions<List, std::index_sequence<J...>>
    : positioned<heights<List>::leaves[J], 0, type_at<heights<List>::leaves[J], List>>... {};

/// Index in List of the node with key K; K must be in the list.
template <class K, class List, std::size_t Height = node_height<node_t<K>>::value>
struct position_of : std::conditional_t<(heights<List>::index.count[Height] == 1),
                                        std::integral_constant<std::size_t, heights<List>::index.first[Height]>,
                                        index_of<K, List>> {};
template <class K, class List>
struct position_of<K, List, 0>
    : decltype(graph::index_of_impl<K, 0>(static_cast<const leaf_positions<List>*>(nullptr))) {};

/// Index in List of argument J of the node with key K (0 where the node has no argument J).
template <class K, class List, std::size_t J, bool Exists = (J < node_traits<node_t<K>>::arity)>
struct child_index : std::integral_constant<std::size_t, 0> {};
template <class K, class List, std::size_t J>
struct child_index<K, List, J, true> : position_of<typename child_key<K, J>::type, List> {};

/// What the sweeps read about a node: its arity, the indices of its arguments, whether its op is
/// piecewise constant. Capacity is the largest arity in the graph, at least 3 (so that most graphs
/// share one node_info type).
template <std::size_t Capacity>
struct node_info {
    std::size_t arity = 0;
    std::size_t child[Capacity] = {};
    bool piecewise_constant = false;
};

template <class Pack>
struct max_arity;
template <class... Ks>
struct max_arity<node_list<Ks...>> : std::integral_constant<std::size_t, std::max({std::size_t{3}, node_traits<node_t<Ks>>::arity...})> {};

/// Argument J's index for every node of the list: one class per list and argument position,
/// not per node.
template <class List, std::size_t J, class Pack = List>
struct child_column;
template <class List, std::size_t J, class... Ks>
struct child_column<List, J, node_list<Ks...>> {
    static constexpr std::size_t of[sizeof...(Ks) + 1] = {child_index<Ks, List, J>::value..., 0};
};

template <class Info, class List, std::size_t N, std::size_t... J>
constexpr std::array<Info, N - 1> gather_info(const std::size_t (&arity)[N], const bool (&piecewise)[N], std::index_sequence<J...>) noexcept {
    std::array<Info, N - 1> r{};
    for (std::size_t i = 0; i + 1 < N; ++i) {
        r[i].arity = arity[i];
        ((r[i].child[J] = child_column<List, J>::of[i]), ...);
        r[i].piecewise_constant = piecewise[i];
    }
    return r;
}

// Per-node patterns in a class over a list's pack name the list through a parameter of its own
// (List), not as node_list<Ks...>: spelled out, the list would be rebuilt, hashed and looked up
// again for every node, a cost quadratic in the number of nodes.
template <class List, class Pack = List>
struct info;
template <class List, class... Ks>
struct info<List, node_list<Ks...>> {
    static constexpr std::size_t size = sizeof...(Ks);
    static constexpr std::size_t capacity = max_arity<List>::value;
    /// Per node, in topological order: its arity and the indices of its arguments.
    static constexpr std::size_t arity[size + 1] = {node_traits<node_t<Ks>>::arity..., 0};
    static constexpr bool piecewise[size + 1] = {node_traits<node_t<Ks>>::piecewise_constant..., false};
    static constexpr std::array<node_info<capacity>, size> nodes =
        gather_info<node_info<capacity>, List>(arity, piecewise, std::make_index_sequence<capacity>{});
};

/// The run-time constants of a graph: how many, the index of each one's node, and each node's slot
/// among them (0 for the other nodes).
template <std::size_t N>
constexpr std::array<std::size_t, N + 1> literal_positions(const bool (&is_literal)[N + 1]) noexcept {
    std::array<std::size_t, N + 1> pos{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i) pos[i] = is_literal[i] ? n++ : 0;
    return pos;
}
template <class List>
struct literal_facts;
template <class... Ks>
struct literal_facts<node_list<Ks...>> {
    static constexpr std::size_t size = sizeof...(Ks);
    static constexpr bool is_literal[] = {(node_traits<node_t<Ks>>::kind == node_kind::literal)..., false};
    static constexpr std::size_t count = detail::count_true(is_literal);
    static constexpr auto index = detail::true_positions<count>(is_literal);
    static constexpr auto position = literal_positions<size>(is_literal);
};

/// Stands for "every variable of the graph" where a list of variables is expected.
struct all_variables {
    using name = all_variables;
};

template <bool Variable, class N, class... Vs>
struct names_one_of : std::false_type {};
template <class N, class... Vs>
struct names_one_of<true, N, Vs...>
    : std::bool_constant<((std::is_same_v<Vs, all_variables> || std::is_same_v<typename N::name, typename Vs::name>) || ...)> {};
/// Whether N is one of the variables Vs (by name).
template <class N, class... Vs>
struct is_one_of_vars : names_one_of<stag::detail::flag_variable<N>::value, N, Vs...> {};

/// Nodes that depend on a node marked in `wrt` through differentiable ops.
template <std::size_t N, std::size_t C>
constexpr std::array<bool, N> active_nodes(const std::array<node_info<C>, N>& nodes, const std::array<bool, N>& wrt) {
    std::array<bool, N> a{};
    for (std::size_t i = 0; i < N; ++i) {
        bool any = wrt[i];
        if (!nodes[i].piecewise_constant)
            for (std::size_t j = 0; j < nodes[i].arity; ++j) any = any || a[nodes[i].child[j]];
        a[i] = any;
    }
    return a;
}
/// Active nodes that an adjoint reaches from the node `root` (by default the last node, the
/// expression's own root; another one where a sweep computes several outputs).
template <std::size_t N, std::size_t C, std::size_t M>
constexpr std::array<bool, N> reached_from(const std::array<node_info<C>, N>& nodes, const std::array<bool, N>& active,
                                           const std::array<std::size_t, M>& roots);
template <std::size_t N, std::size_t C>
constexpr std::array<bool, N> reached_nodes(const std::array<node_info<C>, N>& nodes, const std::array<bool, N>& active,
                                            std::size_t root = N - 1) {
    return reached_from(nodes, active, std::array<std::size_t, 1>{root});
}

/// Which nodes depend on the variables Vs through differentiable ops (active), and which of
/// those an adjoint reaches from the root (reached): the backward sweep visits only these.
template <class List, class... Vs>
struct activity;
template <class... Ks, class... Vs>
struct activity<node_list<Ks...>, Vs...> {
    static constexpr std::size_t n = sizeof...(Ks);
    static constexpr std::array<bool, n> wrt = {is_one_of_vars<node_t<Ks>, Vs...>::value...};
    static constexpr std::array<bool, n> active = active_nodes(info<node_list<Ks...>>::nodes, wrt);
    static constexpr std::array<bool, n> reached = reached_nodes(info<node_list<Ks...>>::nodes, active);
};

/// The same, with the adjoint seeded at node Root instead of the last node: the activity of one
/// output of a sweep that computes several (engine/outputs.hpp).
template <class List, std::size_t Root, class... Vs>
struct rooted_activity : activity<List, Vs...> {
    // `active` is the base's own member (nvcc's front end turns a copy of it, named as a template
    // argument, into a pointer that g++ then rejects); `reached` hides the base's.
    using all = activity<List, Vs...>;
    static constexpr std::array<bool, all::n> reached = reached_nodes(info<List>::nodes, all::active, Root);
};

/// Active nodes that an adjoint reaches from any of the nodes `roots`.
template <std::size_t N, std::size_t C, std::size_t M>
constexpr std::array<bool, N> reached_from(const std::array<node_info<C>, N>& nodes, const std::array<bool, N>& active,
                                           const std::array<std::size_t, M>& roots) {
    std::array<bool, N> r{};
    for (std::size_t root : roots) r[root] = active[root];
    for (std::size_t i = N; i-- > 0;) {
        if (!r[i]) continue;
        for (std::size_t j = 0; j < nodes[i].arity; ++j)
            if (active[nodes[i].child[j]]) r[nodes[i].child[j]] = true;
    }
    return r;
}
template <std::size_t N, std::size_t M>
constexpr std::array<bool, N> marked(const std::array<std::size_t, M>& at) noexcept {
    std::array<bool, N> m{};
    for (std::size_t i : at) m[i] = true;
    return m;
}

/// The same, with an adjoint seeded at each of the nodes Roots::at at once (`seeded`): the
/// vector-Jacobian product of several outputs in one backward sweep, each output's adjoint set by
/// the caller before the sweep (engine/scan.hpp). The sweep adds into a seeded node's adjoint and
/// never overwrites it.
template <class List, class Roots, class... Vs>
struct seeded_activity : activity<List, Vs...> {
    using all = activity<List, Vs...>;
    static constexpr std::array<bool, all::n> reached = reached_from(info<List>::nodes, all::active, Roots::at);
    static constexpr std::array<bool, all::n> seeded = marked<all::n>(Roots::at);
};

/// Whether an adjoint from the root reaches the variable V (false where V is not in the graph): the
/// variables whose gradient the backward sweep writes.
template <class List, class Act, class V, bool In = contains<key<V>, List>::value>
struct reaches : std::false_type {};
template <class List, class Act, class V>
struct reaches<List, Act, V, true> : std::bool_constant<Act::reached[position_of<key<V>, List>::value]> {};

}  // namespace stag::graph
