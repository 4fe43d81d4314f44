// The fused sweeps over a graph's unique nodes: forward values, then adjoints in reverse order.
//
// Compile-time design: each node becomes a small "rule" type (its op and its argument slots), and a
// sweep is one pack expansion over the rules. No function is instantiated on the graph type or on
// the node list per node, so the symbols the compiler creates stay short. A rule does not name its
// own index: the sweep passes it, and a slot names its argument by the distance back from the node
// (or, for a leaf, by its index), so nodes with the same op and the same shape share one rule type,
// whose functions the compiler then builds and optimises once. A shared rule is called from many
// places, so the inliner would no longer take it for granted: the rules are always_inline, and the
// sweeps are `flatten`, so that a sweep stays the straight-line code the optimiser sees through.
// The forward sweep is also always inlined into its caller: otherwise, past some tens of nodes, g++
// keeps it out of line and every node value goes through the returned array in memory (GradBench's
// ba, 17 variables and about 100 nodes, took 2.8 times as long that way).
#pragma once

#include <stag/core/expr.hpp>
#include <stag/detail/loops.hpp>
#include <stag/engine/chain.hpp>
#include <stag/engine/tree_eval.hpp>
#include <stag/graph/walk.hpp>

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace stag::detail {

/// Argument slot of a rule: where its value is (index `Where` if `Absolute`, else `Where` places
/// before the node `self`), whether it holds a boolean (stored as 0 or 1), and whether an adjoint
/// flows into it.
template <bool Absolute, std::size_t Where, bool Boolean, bool Active>
struct slot_ref {
    static constexpr bool active = Active;
    [[gnu::always_inline]] static constexpr std::size_t index(std::size_t self) noexcept {
        if constexpr (Absolute) return Where;
        else return self - Where;
    }
    template <class S>
    [[gnu::always_inline]] static constexpr auto read(const S* v, std::size_t self) noexcept {
        if constexpr (Boolean) return v[index(self)] != S(0);
        else return v[index(self)];
    }
};

template <class Var>
struct var_rule {
    template <class S, class Env>
    [[gnu::always_inline]] static constexpr S forward(const S*, std::size_t, const Env& env, const S*) noexcept {
        return static_cast<S>(env.template lookup<Var>());
    }
};
template <class C>
struct constant_rule {
    template <class S, class Env>
    [[gnu::always_inline]] static constexpr S forward(const S*, std::size_t, const Env&, const S*) noexcept { return C::template value<S>(); }
};
template <std::size_t L>
struct literal_rule {
    template <class S, class Env>
    [[gnu::always_inline]] static constexpr S forward(const S*, std::size_t, const Env&, const S* lits) noexcept { return lits[L]; }
};
/// Backward step of a node the adjoint does not reach, or of a leaf: nothing to do.
struct no_step {
    template <class S>
    [[gnu::always_inline]] static constexpr void backward(const S*, S*, std::size_t) noexcept {}
};

/// Node `self`, computed by `Op` from the values its argument slots point to. With Lanes, by the
/// op's vectorisable form where it states one, forward and backward (stag::vmap's sweeps, whose
/// loop over samples the compiler vectorises).
template <class Op, bool Lanes, class... Slots>
struct op_rule {
    template <class S, class Env>
    [[gnu::always_inline]] static constexpr S forward(const S* v, std::size_t self, const Env&, const S*) {
        return static_cast<S>(apply_op<Op, Lanes>(Slots::read(v, self)...));
    }
    template <class S, std::size_t J, class Slot>
    [[gnu::always_inline]] static constexpr void push(const S* v, S* adj, std::size_t self) {
        if constexpr (Slot::active)
            adj[Slot::index(self)] += chain_value<S, Lanes>(chain_term<Op, J>(
                lit_t<S>{adj[self]}, lit_t<decltype(Slots::read(v, self))>{Slots::read(v, self)}..., lit_t<S>{v[self]}));
    }
    template <class S, std::size_t... Js>
    [[gnu::always_inline]] static constexpr void push_all(const S* v, S* adj, std::size_t self, std::index_sequence<Js...>) {
        (push<S, Js, Slots>(v, adj, self), ...);
    }
    template <class S>
    [[gnu::always_inline]] static constexpr void backward(const S* v, S* adj, std::size_t self) {
        push_all<S>(v, adj, self, std::index_sequence_for<Slots...>{});
    }
    // Forward mode: the tangent of the node is the sum over its active arguments of the same chain
    // term, seeded with the argument's tangent instead of the node's adjoint.
    template <class S, std::size_t J, class Slot>
    [[gnu::always_inline]] static constexpr S tangent_term(const S* v, const S* t, std::size_t self) {
        if constexpr (Slot::active)
            return static_cast<S>(chain_value<S, Lanes>(chain_term<Op, J>(
                lit_t<S>{t[Slot::index(self)]}, lit_t<decltype(Slots::read(v, self))>{Slots::read(v, self)}..., lit_t<S>{v[self]})));
        else
            return S(0);
    }
    template <class S, std::size_t... Js>
    [[gnu::always_inline]] static constexpr S tangent_sum(const S* v, const S* t, std::size_t self, std::index_sequence<Js...>) {
        return (S(0) + ... + tangent_term<S, Js, Slots>(v, t, self));
    }
    template <class S, class TEnv>
    [[gnu::always_inline]] static constexpr S tangent(const S* v, const S* t, std::size_t self, const TEnv&) {
        return tangent_sum<S>(v, t, self, std::index_sequence_for<Slots...>{});
    }
};

/// Tangent of a variable: the one given for it, or 0.
template <class Var>
struct var_tangent_rule {
    template <class S, class TEnv>
    [[gnu::always_inline]] static constexpr S tangent(const S*, const S*, std::size_t, const TEnv& tenv) {
        if constexpr (TEnv::template has<Var>) return static_cast<S>(tenv.template lookup<Var>());
        else return S(0);
    }
};
/// Tangent of a node that no tangent reaches, or of a constant: 0.
struct zero_tangent {
    template <class S, class TEnv>
    [[gnu::always_inline]] static constexpr S tangent(const S*, const S*, std::size_t, const TEnv&) { return S(0); }
};

/// No node active: the activity of the forward rules' slots.
template <std::size_t N>
struct no_activity {
    static constexpr std::array<bool, N + 1> active{};
};

/// The slot of argument C of node I: by index for a leaf (leaves are shared by many nodes, at
/// fixed places), by distance back from the node otherwise.
template <class List, std::size_t I, std::size_t C, bool Active>
using slot_of = slot_ref<graph::info<List>::nodes[C].arity == 0, (graph::info<List>::nodes[C].arity == 0 ? C : I - C),
                         graph::info<List>::nodes[C].piecewise_constant, Active>;

/// The op_rule of node I, with its argument slots read from the graph's facts and the activity Act
/// (a class with a static `active` array; a class rather than a reference to the array, which
/// nvcc's front end hands on to g++ in a form g++ rejects).
template <class List, class Op, std::size_t I, class Act, bool Lanes = false,
          class Seq = std::make_index_sequence<graph::info<List>::nodes[I].arity>>
struct op_rule_for;
template <class List, class Op, std::size_t I, class Act, bool Lanes, std::size_t... Js>
struct op_rule_for<List, Op, I, Act, Lanes, std::index_sequence<Js...>> {
    using type = op_rule<Op, Lanes, slot_of<List, I, graph::info<List>::nodes[I].child[Js], Act::active[graph::info<List>::nodes[I].child[Js]]>...>;
};

// Rules are chosen by class templates with a `type` (no function or variable per node: see
// graph/node_list.hpp).
template <class List, class K, std::size_t I, bool Lanes, graph::node_kind Kind = graph::node_traits<graph::node_t<K>>::kind>
struct forward_rule {
    using type = typename op_rule_for<List, typename graph::node_t<K>::op, I, no_activity<List::size>, Lanes>::type;
};
template <class List, class K, std::size_t I, bool Lanes>
struct forward_rule<List, K, I, Lanes, graph::node_kind::variable> {
    using type = var_rule<graph::node_t<K>>;
};
template <class List, class K, std::size_t I, bool Lanes>
struct forward_rule<List, K, I, Lanes, graph::node_kind::constant> {
    using type = constant_rule<graph::node_t<K>>;
};
template <class List, class K, std::size_t I, bool Lanes>
struct forward_rule<List, K, I, Lanes, graph::node_kind::literal> {
    using type = literal_rule<graph::literal_facts<List>::position[I]>;
};

template <class List, class Act, class K, std::size_t I, bool Lanes, class N = graph::node_t<K>,
          bool Steps = graph::node_traits<N>::kind == graph::node_kind::op && Act::reached[I] &&
                       !graph::info<List>::nodes[I].piecewise_constant>
struct backward_rule {
    using type = no_step;
};
template <class List, class Act, class K, std::size_t I, bool Lanes, class N>
struct backward_rule<List, Act, K, I, Lanes, N, true> {
    using type = typename op_rule_for<List, typename N::op, I, Act, Lanes>::type;
};

template <class List, class Act, class K, std::size_t I, class N = graph::node_t<K>,
          graph::node_kind Kind = graph::node_traits<N>::kind>
struct tangent_rule {
    using type = zero_tangent;
};
template <class List, class Act, class K, std::size_t I, class N>
struct tangent_rule<List, Act, K, I, N, graph::node_kind::variable> {
    using type = var_tangent_rule<N>;
};
template <class List, class Act, class K, std::size_t I, class N>
struct tangent_rule<List, Act, K, I, N, graph::node_kind::op> {
    using type = std::conditional_t<Act::active[I] && !graph::info<List>::nodes[I].piecewise_constant,
                                    typename op_rule_for<List, typename N::op, I, Act>::type, zero_tangent>;
};

// (List is passed on as a whole, not spelled node_list<Ks...> per node: see graph::info.)
template <class List, bool Lanes, class Seq, class Pack = List>
struct forward_rule_list;
template <class List, bool Lanes, std::size_t... Is, class... Ks>
struct forward_rule_list<List, Lanes, std::index_sequence<Is...>, graph::node_list<Ks...>> {
    using type = graph::node_list<typename forward_rule<List, Ks, Is, Lanes>::type...>;
};
template <class List, class Act, class Seq, class Pack = List>
struct tangent_rule_list;
template <class List, class Act, std::size_t... Is, class... Ks>
struct tangent_rule_list<List, Act, std::index_sequence<Is...>, graph::node_list<Ks...>> {
    using type = graph::node_list<typename tangent_rule<List, Act, Ks, Is>::type...>;
};
template <class List, class Act, bool Lanes, class Reversed, class Seq>
struct backward_rule_list;
template <class List, class Act, bool Lanes, class... Ks, std::size_t... Is>
struct backward_rule_list<List, Act, Lanes, graph::node_list<Ks...>, std::index_sequence<Is...>> {
    using type = graph::node_list<typename backward_rule<List, Act, Ks, Is, Lanes>::type...>;
};

template <class Seq>
struct reversed;
template <std::size_t... Is>
struct reversed<std::index_sequence<Is...>> {
    using type = std::index_sequence<(sizeof...(Is) - 1 - Is)...>;
};
/// N-1, ..., 1, 0.
template <std::size_t N>
using reverse_index_sequence = typename reversed<std::make_index_sequence<N>>::type;

/// Forward rules of a node list, in topological order (Lanes: by the ops' vectorisable forms).
template <class List, bool Lanes = false>
using forward_rules = typename forward_rule_list<List, Lanes, std::make_index_sequence<List::size>>::type;
/// Backward rules of the nodes of F (List) for the activity `Act`, in reverse topological order
/// (the order of reverse_index_sequence<List::size>).
template <class F, class List, class Act, bool Lanes = false>
using backward_rules =
    typename backward_rule_list<List, Act, Lanes, graph::reversed_nodes_t<F>, reverse_index_sequence<List::size>>::type;

template <class S, class Root, std::size_t... J>
constexpr std::array<S, sizeof...(J) + 1> gather_literals_at(const Root& root, std::index_sequence<J...>) {
    using List = graph::nodes_t<Root>;
    return {static_cast<S>(graph::node_in<graph::type_at<graph::literal_facts<List>::index[J], List>>(root).value)..., S{}};
}
/// The run-time constants of the graph, gathered once from the expression object.
template <class S, class Root>
constexpr auto gather_literals(const Root& root) {
    return gather_literals_at<S>(root, std::make_index_sequence<graph::literal_facts<graph::nodes_t<Root>>::count>{});
}

// The sweeps run one step per node through a braced list, whose elements C++ evaluates in order:
// unlike a fold over the comma operator it has no size limit (clang refuses folds of more than 256
// terms) and costs g++ linear time. The optimiser removes the unused array.

/// Forward sweep: the value of every unique node, in topological order, into `v`.
template <class S, class... Rs, class Env, std::size_t... Is>
[[gnu::flatten, gnu::always_inline]] constexpr void forward_sweep(S* v, const Env& env, const S* lits, graph::node_list<Rs...>*, std::index_sequence<Is...>) {
    const int steps[] = {0, (v[Is] = Rs::template forward<S>(v, Is, env, lits), 0)...};
    (void)steps;
}

/// Tangent sweep (forward mode), after the forward sweep: the directional derivative of every
/// node along the tangents `tenv` gives the variables, in topological order, into `t`.
template <class S, class... Rs, class TEnv, std::size_t... Is>
[[gnu::flatten]] constexpr void tangent_sweep(const S* v, S* t, const TEnv& tenv, graph::node_list<Rs...>*, std::index_sequence<Is...>) {
    const int steps[] = {0, (t[Is] = Rs::template tangent<S>(v, t, Is, tenv), 0)...};
    (void)steps;
}

/// Backward sweep: adjoints from the root down, the rules and node indices being in reverse
/// topological order. Each reached node pushes its adjoint to its active arguments through its op's
/// chain rule; a node used several times receives the sum.
template <class S, class... Rs, std::size_t... Is>
[[gnu::flatten]] constexpr void backward_sweep(const S* v, S* adj, graph::node_list<Rs...>*, std::index_sequence<Is...>) {
    const int steps[] = {0, (Rs::template backward<S>(v, adj, Is), 0)...};
    (void)steps;
}
/// The same, always inlined into its caller: for stag::vmap, whose loop over samples vectorises
/// only when each sample's sweeps are straight-line code in its body. (Not the default: forcing it
/// everywhere doubled g++'s compile time of the depth-128 shared recurrence, 2.5 to 5.7 s.)
template <class S, class... Rs, std::size_t... Is>
[[gnu::flatten, gnu::always_inline]] constexpr void backward_sweep_inline(const S* v, S* adj, graph::node_list<Rs...>*,
                                                                         std::index_sequence<Is...>) {
    const int steps[] = {0, (Rs::template backward<S>(v, adj, Is), 0)...};
    (void)steps;
}

/// The values of every unique node of f, by the forward sweep.
template <class S, class List, bool Lanes = false, class F, class Env>
[[gnu::always_inline]] constexpr auto run_forward(const F& f, const Env& env) {
    constexpr std::size_t n = List::size;
    const auto lits = gather_literals<S>(f);
    std::array<S, n> v{};
    forward_sweep<S>(v.data(), env, lits.data(), static_cast<forward_rules<List, Lanes>*>(nullptr), std::make_index_sequence<n>{});
    return v;
}

/// The adjoints of the nodes that node Root reaches (d node_Root / d node), by the backward sweep
/// over the forward values v; other entries are meaningless. Act is the activity seen from Root
/// (graph::rooted_activity), whose other nodes have no backward step.
/// Lanes: the ops' vectorisable forms, and the sweep inlined (backward_sweep_inline).
template <std::size_t Root, class S, class F, class List, class Act, bool Lanes = false, std::size_t N>
[[gnu::always_inline]] constexpr auto run_backward_from(const std::array<S, N>& v) {
    // Filled element by element: g++ keeps a zeroing `adj{}` as one memset, which stops it
    // vectorising a loop of sweeps (stag::vmap) and scalarising the array.
    auto adj = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<S, N>{(void(I), negative_zero<S>())...};
    }(std::make_index_sequence<N>{});
    if constexpr (Act::active[Root]) adj[Root] = S(1);
    using rules = backward_rules<F, List, Act, Lanes>;
    if constexpr (Lanes) backward_sweep_inline<S>(v.data(), adj.data(), static_cast<rules*>(nullptr), reverse_index_sequence<N>{});
    else backward_sweep<S>(v.data(), adj.data(), static_cast<rules*>(nullptr), reverse_index_sequence<N>{});
    return adj;
}
/// The adjoints of the nodes the root reaches (d root / d node).
template <class S, class F, class List, class Act, bool Lanes = false, std::size_t N>
[[gnu::always_inline]] constexpr auto run_backward(const std::array<S, N>& v) {
    return run_backward_from<N - 1, S, F, List, Act, Lanes>(v);
}

/// The tangents of every node (forward mode) along `tenv`, whose variables have activity Act.
template <class S, class List, class Act, class TEnv, std::size_t N>
constexpr auto run_tangent(const std::array<S, N>& v, const TEnv& tenv) {
    std::array<S, N> t{};
    tangent_sweep<S>(v.data(), t.data(), tenv,
                     static_cast<typename tangent_rule_list<List, Act, std::make_index_sequence<N>>::type*>(nullptr),
                     std::make_index_sequence<N>{});
    return t;
}

}  // namespace stag::detail
