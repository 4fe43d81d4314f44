// stag::trace: every unique node of a graph with its forward value and its adjoint (for teaching
// and debugging; it allocates, unlike eval and grad).
#pragma once

#include <stag/engine/gradient.hpp>
#include <stag/io/print.hpp>

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace stag {

/// One unique node of a graph, as the fused sweeps see it.
template <class S>
struct trace_entry {
    std::size_t index;       ///< position in topological order
    std::string expression;  ///< the node printed as an expression
    S value;                 ///< forward value
    bool has_adjoint;        ///< whether the root depends on this node through differentiable ops
    S adjoint;               ///< d(root)/d(node), 0 where has_adjoint is false
};

/// One unique node of a tensor graph: its shape (empty for a number) and its elements, row-major.
template <class S>
struct tensor_trace_entry {
    std::size_t index;               ///< position in topological order
    std::string expression;          ///< the node printed as an expression
    std::vector<std::size_t> shape;  ///< its dimensions
    std::vector<S> value;            ///< forward values
    bool has_adjoint;                ///< whether the root depends on this node through differentiable ops
    std::vector<S> adjoint;          ///< d(root)/d(node), zeros where has_adjoint is false
};

namespace detail {
/// The variables among the nodes Ks, in their order, appended to the node_list Acc.
template <class Acc, class... Ks>
struct variables_among {
    using type = Acc;
};
template <class... Vs, class K, class... Ks>
struct variables_among<graph::node_list<Vs...>, K, Ks...>
    : variables_among<std::conditional_t<variable<graph::node_t<K>>, graph::node_list<Vs..., graph::node_t<K>>, graph::node_list<Vs...>>, Ks...> {};

template <std::size_t... D>
std::vector<std::size_t> dims_of(std::index_sequence<D...>) {
    return {D...};
}

/// trace of a tensor graph whose root has one element: the tensor sweeps of value_and_grad with
/// respect to every variable (Vs), then each node's slab (or binding, or gradient) read out.
template <class F, class Env, class... Vs>
auto tensor_trace(const F& f, const Env& env, graph::node_list<Vs...>) {
    using List = graph::nodes_t<F>;
    using L = layout<List>;
    using S = typename scalar_type<List, Env>::type;
    using Act = graph::activity<List, Vs...>;
    constexpr std::size_t n = List::size;
    static_assert(L::count[n - 1] == 1, "stag: trace(f, bindings...): f must have one element; reduce a tensor with stag::sum or stag::mean first");
    gradient<S, Vs...> g;
    const auto lits = gather_literals<S>(f);
    sweep_storage<S, L::total + 1, 2> slabs(nullptr);
    const tensor_pass<S, List, Env, gradient<S, Vs...>> pass{slabs.slab(0), slabs.slab(1), env, &g, lits.data()};
    pass.forward_sweep(std::make_index_sequence<n>{});
    if constexpr (Act::active[n - 1]) {
        pass.template adjoint<n - 1>()[0] = S(1);
        pass.template backward_sweep<Act>(reverse_index_sequence<n>{});
    }
    std::vector<tensor_trace_entry<S>> out;
    out.reserve(n);
    auto entry = [&]<std::size_t I>(std::integral_constant<std::size_t, I>) {
        constexpr std::size_t count = L::count[I];
        tensor_trace_entry<S> e{I, to_string(graph::node_in<graph::type_at<I, List>>(f)), dims_of(node_shape_t<graph::node_t<graph::type_at<I, List>>>{}),
                                std::vector<S>(count), Act::reached[I], std::vector<S>(count, S(0))};
        const auto* v = pass.template value<I>();
        for (std::size_t k = 0; k < count; ++k) e.value[k] = static_cast<S>(v[k]);
        if constexpr (Act::reached[I]) {
            const S* a = pass.template adjoint<I>();
            for (std::size_t k = 0; k < count; ++k) e.adjoint[k] = a[k];
        }
        out.push_back(std::move(e));
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) { (entry(std::integral_constant<std::size_t, I>{}), ...); }(std::make_index_sequence<n>{});
    return out;
}
}  // namespace detail

/// The unique nodes of `f` in the order of the forward sweep, with their values and adjoints for
/// the given bindings: the same sweeps as value_and_grad, with respect to every variable. For a
/// tensor expression (with one element) the entries are tensor_trace_entry: each node's shape, and
/// its values and adjoints as vectors of its elements.
template <class F, class... Bs>
auto trace(const F& f, const Bs&... bs) {
    static_assert(expression<F>, "stag: trace(f, bindings...): f must be a stag expression");
    static_assert(!detail::has_run_time_axis<F>, "stag: trace(f, bindings...): f has a run-time axis (stag::dynamic), whose nodes have a value "
                                                 "per row; trace the same expression over a fixed number of rows");
    if constexpr (detail::has_run_time_axis<F>) return detail::failed{};
    else if constexpr (tensor_expression<F>) {
        using List = graph::nodes_t<F>;
        if constexpr (detail::binding_check<List, Bs...>::value && detail::report_shapes<F>())
            return [&]<class... Ks>(graph::node_list<Ks...>*) {
                return detail::tensor_trace(f, detail::environment<Bs...>{detail::record<Bs...>{bs...}},
                                            typename detail::variables_among<graph::node_list<>, Ks...>::type{});
            }(static_cast<List*>(nullptr));
    } else if constexpr (expression<F>) {
        if constexpr (detail::binding_check<graph::nodes_t<F>, Bs...>::value) {
            using List = graph::nodes_t<F>;
            using Act = graph::activity<List, graph::all_variables>;
            constexpr std::size_t n = List::size;
            const auto sweeps = detail::sweep_all(f, bs...);
            using S = std::remove_cvref_t<decltype(sweeps.value[0])>;
            const auto& v = sweeps.value;
            const auto& adj = sweeps.adjoint;
            std::vector<trace_entry<S>> out;
            out.reserve(n);
            [&]<class... Ks>(graph::node_list<Ks...>*) {
                std::size_t i = 0;
                ((out.push_back({i, to_string(graph::node_in<Ks>(f)), v[i], Act::reached[i], Act::reached[i] ? adj[i] : S(0)}), ++i), ...);
            }(static_cast<List*>(nullptr));
            return out;
        }
    }
}

}  // namespace stag
