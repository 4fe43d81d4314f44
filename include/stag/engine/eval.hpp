// stag::eval: the forward pass, fused into straight-line code over the graph's unique nodes.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/outputs.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/tensor/sweep.hpp>

#include <array>
#include <tuple>
#include <utility>

namespace stag {

namespace detail {
template <class F, class... Bs>
constexpr bool check_eval_arguments() {
    constexpr bool is_expr = expression<F>;
    static_assert(is_expr || is_failed<F>, "stag: eval(f, bindings...): f must be a stag expression");
    if constexpr (is_expr) return binding_check<graph::nodes_t<F>, Bs...>::value;
    else return false;
}

template <class F, class... Bs>
constexpr auto eval_in(workspace* ws, const F& f, const Bs&... bs) {
    if constexpr (detail::check_eval_arguments<F, Bs...>()) {
        using List = graph::nodes_t<F>;
        using Env = detail::environment<Bs...>;
        using S = typename detail::scalar_type<List, Env>::type;
        constexpr std::size_t n = List::size;
        const Env env{detail::record<Bs...>{bs...}};
        if constexpr (detail::tensor_graph<List>::value) {
            return detail::tensor_eval<S>(f, env, ws);
        } else {
            (void)ws;
            const auto v = detail::run_forward<S, List>(f, env);
            if constexpr (graph::info<List>::nodes[n - 1].piecewise_constant) return v[n - 1] != S(0);
            else return v[n - 1];
        }
    } else
        return detail::failed{};
}
}  // namespace detail

/// Value of `f` for the bound variables: `stag::eval(f, x = 1.0, y = 2.0)`. Bindings come in any
/// order and may name variables `f` does not use. A subexpression used twice is computed once.
/// The result has the common type of the bound values and run-time constants (double if none
/// is floating point). Usable in constant expressions.
template <class F, class... Bs>
constexpr auto eval(const F& f, const Bs&... bs) {
    return detail::eval_in(nullptr, f, bs...);
}
/// eval with the sweep's large intermediates in the caller's workspace (reused across calls).
template <class F, class... Bs>
auto eval(workspace& ws, const F& f, const Bs&... bs) {
    return detail::eval_in(&ws, f, bs...);
}

/// Values of several scalar outputs from one forward sweep: `stag::eval(stag::outputs(loss,
/// accuracy), bindings...)` is a `std::array` of their values, in order, where each node the outputs
/// share is computed once. (A comparison's value comes as 0 or 1.)
template <class... Fs, class... Bs>
constexpr auto eval(const std::tuple<Fs...>& fs, const Bs&... bs) {
    static_assert(!(tensor_expression<Fs> || ...), "stag: eval(outputs(...), bindings...) takes scalar outputs; evaluate a tensor expression by itself");
    using Root = detail::joined_t<Fs...>;
    if constexpr (!(tensor_expression<Fs> || ...) && detail::check_eval_arguments<Root, Bs...>()) {
        return detail::output_values<sizeof...(Fs)>(detail::join_tuple(fs), detail::environment<Bs...>{detail::record<Bs...>{bs...}});
    } else
        return detail::failed{};
}

}  // namespace stag
