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

namespace detail {
/// Whether F has one element: a number, or a number-valued expression of a tensor model (asked of
/// a tensor model only, so that a scalar graph's shapes are never computed).
template <class F, bool Tensor = tensor_expression<F>>
struct number_valued : std::true_type {};
template <class F>
struct number_valued<F, true> : std::bool_constant<scalar_node<F>> {};

/// The values of the M number-valued outputs joined in `root`, over a tensor model: one forward
/// sweep of the tensor engine over their unique nodes.
template <std::size_t M, class Root, class Env>
constexpr auto tensor_output_values(const Root& root, const Env& env) {
    using List = graph::nodes_t<Root>;
    using S = typename scalar_type<List, Env>::type;
    using L = layout<List>;
    std::array<S, M> out{};
    if constexpr (report_shapes<Root>()) {
        const auto lits = gather_literals<S>(root);
        sweep_storage<S, L::total + 1, 1> v(nullptr);
        const tensor_pass<S, List, Env> pass{v.slab(0), nullptr, env, nullptr, lits.data()};
        pass.forward_sweep(std::make_index_sequence<List::size>{});
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((out[I] = static_cast<S>(pass.template value<output_facts<List, M>::at[I]>()[0])), ...);
        }(std::make_index_sequence<M>{});
    }
    return out;
}
}  // namespace detail

/// Values of several number-valued outputs from one forward sweep: `stag::eval(stag::outputs(loss,
/// accuracy), bindings...)` is a `std::array` of their values, in order, where each node the outputs
/// share is computed once, in a number model or a tensor model alike. (A comparison's value comes
/// as 0 or 1.)
template <class... Fs, class... Bs>
constexpr auto eval(const std::tuple<Fs...>& fs, const Bs&... bs) {
    constexpr bool numbers = (detail::number_valued<Fs>::value && ...);
    static_assert(numbers, "stag: eval(outputs(...), bindings...) takes number-valued outputs (a loss, an accuracy); evaluate a tensor-valued expression by itself");
    using Root = detail::joined_t<Fs...>;
    if constexpr (numbers && detail::check_eval_arguments<Root, Bs...>()) {
        const detail::environment<Bs...> env{detail::record<Bs...>{bs...}};
        if constexpr (detail::tensor_graph<graph::nodes_t<Root>>::value) return detail::tensor_output_values<sizeof...(Fs)>(detail::join_tuple(fs), env);
        else return detail::output_values<sizeof...(Fs)>(detail::join_tuple(fs), env);
    } else
        return detail::failed{};
}

}  // namespace stag
