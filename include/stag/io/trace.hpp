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

/// The unique nodes of `f` in the order of the forward sweep, with their values and adjoints for
/// the given bindings: the same sweeps as value_and_grad, with respect to every variable.
template <class F, class... Bs>
auto trace(const F& f, const Bs&... bs) {
    static_assert(expression<F>, "stag: trace(f, bindings...): f must be a stag expression");
    static_assert(!tensor_expression<F>, "stag: trace(f, bindings...) works on scalar expressions; for a tensor expression use stag::grad, stag::value_and_grad or stag::eval");
    if constexpr (expression<F> && !tensor_expression<F>) {
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
