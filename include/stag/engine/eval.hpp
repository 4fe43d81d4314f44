// stag::eval: the forward pass, fused into straight-line code over the graph's unique nodes.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/outputs.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/engine/tensor_sweep.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
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
[[noreturn, gnu::cold, gnu::noinline]] inline void destination_size_differs(std::size_t holds, std::size_t count) {
    throw std::invalid_argument("stag: eval_into(out, f, ...): out holds " + std::to_string(holds) + " numbers, f's value " +
                                std::to_string(count));
}

/// What eval_into asks of `out`, of type Out&& (the rules of into's destinations): storage the
/// caller keeps (an lvalue, or a std::span), and not const.
template <class Out>
constexpr bool eval_destination_ok() {
    constexpr bool kept = kept_by_caller<Out>;
    static_assert(kept, "stag: eval_into(out, f, ...): out must be the caller's storage (a variable, not a temporary), or a std::span of it");
    constexpr bool writable = writable_destination<destination_t<Out>>;
    static_assert(!kept || writable, "stag: eval_into(out, f, ...): out is const; f's value is written into it");
    return kept && writable;
}

template <class Out, class F, class... Bs>
void eval_into_in(workspace* ws, Out& out, const F& f, const Bs&... bs) {
    if constexpr (has_run_time_axis<F>)
        static_assert(!has_run_time_axis<F>, "stag: eval_into(out, f, ...) takes static shapes; f has a run-time axis: use eval(f, ...)");
    else if constexpr (check_eval_arguments<F, Bs...>()) {
        using List = graph::nodes_t<F>;
        using Env = environment<Bs...>;
        using S = typename scalar_type<List, Env>::type;
        if constexpr (!tensor_graph<List>::value) {
            constexpr bool number = std::is_assignable_v<Out&, decltype(eval_in(ws, f, bs...))>;
            static_assert(number, "stag: eval_into(out, f, ...): f is a number; out must be a number variable of its type");
            if constexpr (number) out = eval_in(ws, f, bs...);
        } else if constexpr (report_shapes<F>()) {
            using Shape = node_shape_t<graph::node_t<graph::type_at<List::size - 1, List>>>;
            constexpr std::size_t count = layout<List>::count[List::size - 1];
            constexpr bool fixed = std::is_same_v<Out, typename root_value<S, Shape>::type> || holds_numbers<Out, S, count>;
            constexpr bool spanned = std::is_same_v<Out, std::span<S>>;
            static_assert(fixed || spanned, "stag: eval_into(out, f, ...): out must be what eval returns (a stag::tensor of f's shape, its "
                                            "number type for a number), or a std::array, std::span or fixed-size Eigen object of as many "
                                            "numbers of that type");
            constexpr bool straight = !transposed_storage<Out>;
            static_assert(straight, "stag: eval_into(out, f, ...): a column-major matrix would be written transposed (stag writes storage "
                                    "row-major): declare it row-major (Eigen::RowMajor)");
            if constexpr (spanned)
                if (out.size() != count) destination_size_differs(out.size(), count);
            if constexpr ((fixed && straight) || spanned) tensor_eval_to<S>(f, Env{record<Bs...>{bs...}}, ws, elements_of(out));
        }
    }
}
}  // namespace detail

/// `stag::eval_into(out, f, bindings...)`: f's value written into the caller's `out` rather than
/// returned, so that a value of any size never passes through the stack and is not copied again.
/// `out` is what eval would return (a stag::tensor of f's shape; a number for a number), or a
/// std::array, std::span or fixed-size row-major Eigen object (<stag/eigen.hpp>) of as many
/// numbers of its type; a std::span's size is checked at the call (std::invalid_argument). `out`
/// may be one of the bound values: it is written after the sweep has read them.
template <class Out, class F, class... Bs>
    requires expression<F>
void eval_into(Out&& out, const F& f, const Bs&... bs) {
    if constexpr (detail::eval_destination_ok<Out>()) detail::eval_into_in(nullptr, out, f, bs...);
}
/// eval_into with the sweep's large intermediates in the caller's workspace.
template <class Out, class F, class... Bs>
    requires expression<F>
void eval_into(workspace& ws, Out&& out, const F& f, const Bs&... bs) {
    if constexpr (detail::eval_destination_ok<Out>()) detail::eval_into_in(&ws, out, f, bs...);
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
