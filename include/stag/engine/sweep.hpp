// The fused sweeps over a graph's unique nodes: forward values, then adjoints in reverse order.
//
// Compile-time design: each node becomes a small "rule" type (its op, its own index, the indices of
// its arguments), and a sweep is one pack expansion over the rules. No function is instantiated on
// the graph type or on the node list per node, so the symbols the compiler creates stay short and
// their number grows linearly with the unique nodes (see docs/design.md).
#pragma once

#include <stag/core/expr.hpp>
#include <stag/engine/chain.hpp>
#include <stag/engine/tree_eval.hpp>
#include <stag/graph/walk.hpp>

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace stag::detail {

template <class S>
constexpr S negative_zero() noexcept {
    // Adjoints start at -0 rather than +0: -0 + t is exactly t, so the compiler folds the first
    // accumulation into a plain store, as hand-written code would write it.
    if constexpr (std::is_floating_point_v<S>) return -S(0);
    else return S{};
}

/// Argument slot of a rule: the index of the value, whether it holds a boolean (stored as 0 or 1),
/// and whether an adjoint flows into it.
template <std::size_t C, bool Boolean, bool Active>
struct slot_ref {
    static constexpr std::size_t index = C;
    static constexpr bool active = Active;
    template <class S>
    static constexpr auto read(const S* v) noexcept {
        if constexpr (Boolean) return v[C] != S(0);
        else return v[C];
    }
};

template <class Var>
struct var_rule {
    template <class S, class Env>
    static constexpr S forward(const S*, const Env& env, const S*) noexcept {
        return static_cast<S>(env.template lookup<Var>());
    }
};
template <class C>
struct constant_rule {
    template <class S, class Env>
    static constexpr S forward(const S*, const Env&, const S*) noexcept { return C::template value<S>(); }
};
template <std::size_t L>
struct literal_rule {
    template <class S, class Env>
    static constexpr S forward(const S*, const Env&, const S* lits) noexcept { return lits[L]; }
};
/// Backward step of a node the adjoint does not reach, or of a leaf: nothing to do.
struct no_step {
    template <class S>
    static constexpr void backward(const S*, S*) noexcept {}
};

/// Node `Self`, computed by `Op` from the values its argument slots point to.
template <class Op, std::size_t Self, class... Slots>
struct op_rule {
    template <class S, class Env>
    static constexpr S forward(const S* v, const Env&, const S*) {
        return static_cast<S>(Op::apply(Slots::read(v)...));
    }
    template <class S, std::size_t J, class Slot>
    static constexpr void push(const S* v, S* adj) {
        if constexpr (Slot::active)
            adj[Slot::index] += tree_eval<S>(chain_term<Op, J>(lit_t<S>{adj[Self]}, lit_t<decltype(Slots::read(v))>{Slots::read(v)}...,
                                                               lit_t<S>{v[Self]}));
    }
    template <class S>
    static constexpr void backward(const S* v, S* adj) {
        [&]<std::size_t... Js>(std::index_sequence<Js...>) {
            (push<S, Js, Slots>(v, adj), ...);
        }(std::index_sequence_for<Slots...>{});
    }
};

template <class N>
inline constexpr bool boolean_node = [] {
    if constexpr (op_node<N>) return piecewise_constant_op<typename N::op>;
    else return false;
}();

/// Facts about a node list computed once from its pack.
template <class List>
struct list_facts;
template <class... Ks>
struct list_facts<graph::node_list<Ks...>> {
    static constexpr std::size_t size = sizeof...(Ks);
    static constexpr std::array<bool, size + 1> boolean = {boolean_node<graph::node_t<Ks>>..., false};
    static constexpr std::size_t literal_count = (std::size_t{0} + ... + (literal<graph::node_t<Ks>> ? 1 : 0));
    static constexpr auto literal_position = [] {
        constexpr bool is_literal[] = {literal<graph::node_t<Ks>>..., false};
        std::array<std::size_t, size + 1> pos{};
        std::size_t n = 0;
        for (std::size_t i = 0; i < size; ++i) pos[i] = is_literal[i] ? n++ : 0;
        return pos;
    }();
    static constexpr std::array<bool, size + 1> no_activity{};
};

// Per-node helpers take the list as one opaque parameter (see graph/walk.hpp for why).
template <class List, class K, std::size_t I, class Seq, const auto& Active>
struct op_rule_for;
template <class List, class K, std::size_t I, std::size_t... Js, const auto& Active>
struct op_rule_for<List, K, I, std::index_sequence<Js...>, Active> {
    static constexpr graph::node_info ni = graph::info<List>::nodes[I];
    using type = op_rule<typename graph::node_t<K>::op, I,
                         slot_ref<ni.child[Js], list_facts<List>::boolean[ni.child[Js]], Active[ni.child[Js]]>...>;
};
template <class List, class K, std::size_t I, const auto& Active>
using op_rule_t = typename op_rule_for<List, K, I, std::make_index_sequence<graph::info<List>::nodes[I].arity>, Active>::type;

template <class List, class K, std::size_t I>
auto forward_rule() {
    using N = graph::node_t<K>;
    if constexpr (variable<N>) return var_rule<N>{};
    else if constexpr (constant<N>) return constant_rule<N>{};
    else if constexpr (literal<N>) return literal_rule<list_facts<List>::literal_position[I]>{};
    else return op_rule_t<List, K, I, list_facts<List>::no_activity>{};
}
template <class List, class Act, class K, std::size_t I>
auto backward_rule() {
    if constexpr (op_node<graph::node_t<K>> && Act::reached[I] && !graph::info<List>::nodes[I].piecewise_constant)
        return op_rule_t<List, K, I, Act::active>{};
    else return no_step{};
}

template <class List, class Seq>
struct forward_rule_list;
template <class... Ks, std::size_t... Is>
struct forward_rule_list<graph::node_list<Ks...>, std::index_sequence<Is...>> {
    using type = graph::node_list<decltype(forward_rule<graph::node_list<Ks...>, Ks, Is>())...>;
};
template <class List, class Act, class Seq>
struct backward_rule_list;
template <class... Ks, class Act, std::size_t... Is>
struct backward_rule_list<graph::node_list<Ks...>, Act, std::index_sequence<Is...>> {
    using type = graph::node_list<decltype(backward_rule<graph::node_list<Ks...>, Act, Ks, Is>())...>;
};
/// Forward rules of a node list, in topological order.
template <class List>
using forward_rules = typename forward_rule_list<List, std::make_index_sequence<List::size>>::type;
/// Backward rules of a node list for the activity `Act`, in topological order.
template <class List, class Act>
using backward_rules = typename backward_rule_list<List, Act, std::make_index_sequence<List::size>>::type;

/// The run-time constants of the graph, gathered once from the expression object.
template <class S, class... Ks, class Root>
constexpr auto gather_literals(graph::node_list<Ks...>*, const Root& root) {
    constexpr std::size_t count = list_facts<graph::node_list<Ks...>>::literal_count;
    std::array<S, count + 1> lits{};
    if constexpr (count > 0) {
        std::size_t n = 0;
        auto take = [&]<class K>(const K*) {
            if constexpr (literal<graph::node_t<K>>) lits[n++] = static_cast<S>(graph::node_in<K>(root).value);
        };
        (take(static_cast<const Ks*>(nullptr)), ...);
    }
    return lits;
}

/// Forward sweep: the value of every unique node, in topological order, into `v`.
template <class S, class... Rs, class Env, std::size_t... Is>
constexpr void forward_sweep(S* v, const Env& env, const S* lits, graph::node_list<Rs...>*, std::index_sequence<Is...>) {
    ((v[Is] = Rs::template forward<S>(v, env, lits)), ...);
}

/// Backward sweep: adjoints from the root down. Each reached node pushes its adjoint to its active
/// arguments through its op's chain rule; a node used several times receives the sum. The right
/// fold over `=` runs the steps in reverse topological order (C++17 evaluates the right operand of
/// an assignment first).
template <class S, class... Rs>
constexpr void backward_sweep(const S* v, S* adj, graph::node_list<Rs...>*) {
    int order = 0;
    ((Rs::template backward<S>(v, adj), order) = ... = 0);
    (void)order;
}

/// The values of every unique node of f, by the forward sweep.
template <class S, class List, class F, class Env>
constexpr auto run_forward(const F& f, const Env& env) {
    constexpr std::size_t n = List::size;
    const auto lits = gather_literals<S>(static_cast<List*>(nullptr), f);
    std::array<S, n> v{};
    forward_sweep<S>(v.data(), env, lits.data(), static_cast<forward_rules<List>*>(nullptr), std::make_index_sequence<n>{});
    return v;
}

/// The adjoints of the nodes the root reaches (d root / d node), by the backward sweep over the
/// forward values v; other entries are meaningless.
template <class S, class List, class Act, std::size_t N>
constexpr auto run_backward(const std::array<S, N>& v) {
    std::array<S, N> adj{};
    for (auto& a : adj) a = negative_zero<S>();
    if constexpr (Act::active[N - 1]) adj[N - 1] = S(1);
    backward_sweep<S>(v.data(), adj.data(), static_cast<backward_rules<List, Act>*>(nullptr));
    return adj;
}

}  // namespace stag::detail
