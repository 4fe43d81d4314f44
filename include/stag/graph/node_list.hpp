// Type-level lists of graph nodes with constant-cost membership and index look-up.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace stag::graph {

/// Key of a node that holds run-time data (a run-time constant somewhere below it): such nodes
/// are told apart by their position, the path of child indices from the root that lists them.
template <std::size_t... I>
struct path {};
template <class Node, class Path>
struct at {};

/// The unique nodes of a graph in topological order: every node comes after its arguments.
template <class... Ks>
struct node_list {
    static constexpr std::size_t size = sizeof...(Ks);
};

// Membership and positions use the compiler's type-identity builtin over the pack: no class with
// one base per node, no overload resolution, so the cost per query is a few machine instructions
// per node.
template <class K, class List>
inline constexpr bool contains = false;
template <class K, class... Ks>
inline constexpr bool contains<K, node_list<Ks...>> = (__is_same(K, Ks) || ...);

template <class K, class List>
inline constexpr std::size_t index_of = 0;
template <class K, class... Ks>
inline constexpr std::size_t index_of<K, node_list<Ks...>> = [] {
    constexpr bool match[] = {__is_same(K, Ks)..., true};
    std::size_t i = 0;
    while (!match[i]) ++i;
    return i;
}();

template <std::size_t I, class K>
struct indexed {};
template <std::size_t I, class K>
K type_at_impl(const indexed<I, K>*);
template <class Seq, class... Ks>
struct indexed_list;
template <std::size_t... Is, class... Ks>
struct indexed_list<std::index_sequence<Is...>, Ks...> : indexed<Is, Ks>... {};
template <std::size_t I, class List>
struct type_at_t;
template <std::size_t I, class... Ks>
struct type_at_t<I, node_list<Ks...>> {
    using type = decltype(type_at_impl<I>(static_cast<const indexed_list<std::index_sequence_for<Ks...>, Ks...>*>(nullptr)));
};
/// Element I of a list (one deduction against a class with one base per element: use sparingly).
template <std::size_t I, class List>
using type_at = typename type_at_t<I, List>::type;

// ---- building lists while the user builds expressions ------------------------------------------
// Each expression type computes its node list from its arguments' lists when it is instantiated,
// that is, bottom-up, in the order the user wrote the expression. No walk ever recurses down a
// deep graph, so template depth stays small whatever the depth of the expression.

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

template <class L1, class L2, class Kept>
struct append_kept;
template <class... As, class L2, std::size_t... Js>
struct append_kept<node_list<As...>, L2, std::index_sequence<Js...>> {
    using type = node_list<As..., type_at<Js, L2>...>;
};

template <class L1, class L2>
struct merge;
template <class... As, class... Bs>
struct merge<node_list<As...>, node_list<Bs...>> {
    static constexpr std::size_t count = (std::size_t{0} + ... + (contains<Bs, node_list<As...>> ? 0 : 1));
    static constexpr auto kept = [] {
        constexpr bool keep[] = {!contains<Bs, node_list<As...>>..., false};
        std::array<std::size_t, count + 1> idx{};
        std::size_t n = 0;
        for (std::size_t j = 0; j < sizeof...(Bs); ++j)
            if (keep[j]) idx[n++] = j;
        return idx;
    }();
    template <std::size_t... Js>
    static auto pick(std::index_sequence<Js...>) -> std::index_sequence<kept[Js]...>;
    using type = typename append_kept<node_list<As...>, node_list<Bs...>,
                                      decltype(pick(std::make_index_sequence<count>{}))>::type;
};

template <class L, class K>
struct push_back;
template <class... Ks, class K>
struct push_back<node_list<Ks...>, K> {
    using type = node_list<Ks..., K>;
};

template <class Node>
using self_key = std::conditional_t<Node::stateless, Node, at<Node, path<>>>;

template <class Seq, class... Args>
struct merged_args;
template <>
struct merged_args<std::index_sequence<>> {
    using type = node_list<>;
};
template <class A>
struct merged_args<std::index_sequence<0>, A> {
    using type = typename lift<0, typename A::nodes>::type;
};
template <std::size_t... Is, class A, class... Rest>
    requires(sizeof...(Rest) > 0)
struct merged_args<std::index_sequence<0, Is...>, A, Rest...> {
    template <class Acc, std::size_t I, class B>
    static auto step() {
        if constexpr (B::stateless && contains<B, Acc>)
            return Acc{};  // B, and so all of B's arguments, are listed already
        else
            return typename merge<Acc, typename lift<I, typename B::nodes>::type>::type{};
    }
    template <class Acc, std::size_t I, class B>
    struct fold_step {
        using type = decltype(step<Acc, I, B>());
    };
    template <class Acc, class... Steps>
    struct fold;
    template <class Acc>
    struct fold<Acc> {
        using type = Acc;
    };
    template <class Acc, class S, class... Ss>
    struct fold<Acc, S, Ss...> : fold<typename S::template apply<Acc>::type, Ss...> {};
    template <std::size_t I, class B>
    struct step_t {
        template <class Acc>
        using apply = fold_step<Acc, I, B>;
    };
    using type = typename fold<typename lift<0, typename A::nodes>::type, step_t<Is, Rest>...>::type;
};

/// Node list of an operation node: its arguments' lists merged, then the node itself.
template <class Node, class... Args>
using nodes_of = typename push_back<typename merged_args<std::index_sequence_for<Args...>, Args...>::type,
                                    self_key<Node>>::type;

}  // namespace stag::graph
