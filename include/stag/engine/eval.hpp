// stag::eval: the forward pass, fused into straight-line code over the graph's unique nodes.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/outputs.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/engine/tensor_sweep.hpp>

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
/// The value of the tensor expression N (a stateless node, its bindings checked by the caller)
/// written into `out`, of its value's type: for values too large to pass through the stack.
template <class N, class T, class... Bs>
void eval_into(T& out, const Bs&... bs) {
    using Env = environment<Bs...>;
    using S = typename scalar_type<graph::nodes_t<N>, Env>::type;
    tensor_eval_to<S>(N{}, Env{record<Bs...>{bs...}}, nullptr, elements_of(out));
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

/// The values of the M outputs joined in `root`, over a tensor model: one forward sweep of the
/// tensor engine over their unique nodes. A std::array of numbers where every output is a number
/// (Numbers), else a std::tuple of each output's value, a number or a tensor of its shape.
template <std::size_t M, bool Numbers, class Root, class Env>
constexpr auto tensor_output_values(const Root& root, const Env& env) {
    using List = graph::nodes_t<Root>;
    using S = typename scalar_type<List, Env>::type;
    using L = layout<List>;
    using at = output_facts<List, M>;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        using R = std::conditional_t<Numbers, std::array<S, M>,
                                     std::tuple<typename root_value<S, node_shape_t<graph::node_t<graph::type_at<at::at[I], List>>>>::type...>>;
        R out{};
        if constexpr (report_shapes<Root>()) {
            const auto lits = gather_literals<S>(root);
            sweep_storage<S, L::total + 1, 1> v(nullptr);
            const tensor_pass<S, List, Env> pass{v.slab(0), nullptr, env, nullptr, lits.data()};
            pass.template forward_sweep<store_none>(std::make_index_sequence<List::size>{});
            if constexpr (Numbers) ((out[I] = static_cast<S>(pass.template value<at::at[I]>()[0])), ...);
            else
                (
                    [&] {
                        const auto* from = pass.template value<at::at[I]>();
                        auto* to = elements_of(std::get<I>(out));
                        for (std::size_t e = 0; e < L::count[at::at[I]]; ++e) to[e] = static_cast<S>(from[e]);
                    }(),
                    ...);
        }
        return out;
    }(std::make_index_sequence<M>{});
}
}  // namespace detail

/// Values of several outputs from one forward sweep: `stag::eval(stag::outputs(loss, accuracy),
/// bindings...)` is a `std::array` of their values, in order, where each node the outputs share is
/// computed once, in a number model or a tensor model alike. (A comparison's value comes as 0 or
/// 1.) Where an output is a tensor (`outputs(loss, logits)`), the result is a `std::tuple` of each
/// output's value, numbers and tensors.
template <class... Fs, class... Bs>
constexpr auto eval(const std::tuple<Fs...>& fs, const Bs&... bs) {
    constexpr bool numbers = (detail::number_valued<Fs>::value && ...);
    using Root = detail::joined_t<Fs...>;
    if constexpr (detail::check_eval_arguments<Root, Bs...>()) {
        const detail::environment<Bs...> env{detail::record<Bs...>{bs...}};
        if constexpr (detail::tensor_graph<graph::nodes_t<Root>>::value)
            return detail::tensor_output_values<sizeof...(Fs), numbers>(detail::join_tuple(fs), env);
        else return detail::output_values<sizeof...(Fs)>(detail::join_tuple(fs), env);
    } else
        return detail::failed{};
}

}  // namespace stag
