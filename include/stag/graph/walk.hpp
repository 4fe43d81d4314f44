// Facts about a graph's node list that the sweeps need: node types, arguments, activity.
#pragma once

#include <stag/core/op.hpp>
#include <stag/graph/node_list.hpp>

#include <array>
#include <cstddef>
#include <type_traits>

namespace stag::graph {

template <class K>
struct key_traits {
    using node = K;
    static constexpr bool positional = false;
};
template <class N, std::size_t... P>
struct key_traits<at<N, path<P...>>> {
    using node = N;
    static constexpr bool positional = true;
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
        return K{};
}

template <class N, std::size_t I>
using arg_t = std::remove_cvref_t<decltype(arg<I>(std::declval<const N&>()))>;

/// Key of argument I of the node with key K.
template <class K, std::size_t I>
struct child_key {
    using type = arg_t<K, I>;
};
template <class N, std::size_t... P, std::size_t I>
struct child_key<at<N, path<P...>>, I> {
    using C = arg_t<N, I>;
    using type = std::conditional_t<C::stateless, C, at<C, path<P..., I>>>;
};

template <class N>
inline constexpr std::size_t arity = [] {
    if constexpr (op_node<N>)
        return detail::is_op_node<N>::arity;
    else
        return std::size_t{0};
}();

struct node_info {
    std::size_t arity = 0;
    std::size_t child[3] = {0, 0, 0};
    bool piecewise_constant = false;
};

// Helpers instantiated per node live at namespace scope with the list as one opaque parameter: a
// member template of a class specialised on the node pack would make the compiler copy the whole
// pack at every instantiation, a cost quadratic in the number of nodes.
template <class List, class K, std::size_t... J>
constexpr node_info make_node_info(std::index_sequence<J...>) {
    node_info n{};
    n.arity = sizeof...(J);
    ((n.child[J] = index_of<typename child_key<K, J>::type, List>), ...);
    if constexpr (op_node<node_t<K>>) n.piecewise_constant = piecewise_constant_op<typename node_t<K>::op>;
    return n;
}

template <class List>
struct info;
template <class... Ks>
struct info<node_list<Ks...>> {
    static constexpr std::size_t size = sizeof...(Ks);
    /// Per node, in topological order: its arity and the indices of its arguments.
    static constexpr std::array<node_info, size> nodes = {
        make_node_info<node_list<Ks...>, Ks>(std::make_index_sequence<arity<node_t<Ks>>>{})...};
};

/// Stands for "every variable of the graph" where a list of variables is expected.
struct all_variables {
    using name = all_variables;
};

template <class N, class... Vs>
inline constexpr bool is_one_of_vars = [] {
    if constexpr (variable<N>)
        return ((std::is_same_v<Vs, all_variables> || std::is_same_v<typename N::name, typename Vs::name>) || ...);
    else
        return false;
}();

/// Which nodes depend on the variables Vs through differentiable ops (active), and which of
/// those an adjoint reaches from the root (reached): the backward sweep visits only these.
template <class List, class... Vs>
struct activity;
template <class... Ks, class... Vs>
struct activity<node_list<Ks...>, Vs...> {
    static constexpr std::size_t n = sizeof...(Ks);
    using nodes_info = info<node_list<Ks...>>;
    static constexpr std::array<bool, n> active = [] {
        constexpr bool wrt[] = {is_one_of_vars<node_t<Ks>, Vs...>...};
        std::array<bool, n> a{};
        for (std::size_t i = 0; i < n; ++i) {
            const node_info& ni = nodes_info::nodes[i];
            bool any = wrt[i];
            if (!ni.piecewise_constant)
                for (std::size_t j = 0; j < ni.arity; ++j) any = any || a[ni.child[j]];
            a[i] = any;
        }
        return a;
    }();
    static constexpr std::array<bool, n> reached = [] {
        std::array<bool, n> r{};
        r[n - 1] = active[n - 1];
        for (std::size_t i = n; i-- > 0;) {
            if (!r[i]) continue;
            const node_info& ni = nodes_info::nodes[i];
            for (std::size_t j = 0; j < ni.arity; ++j)
                if (active[ni.child[j]]) r[ni.child[j]] = true;
        }
        return r;
    }();
};

}  // namespace stag::graph
