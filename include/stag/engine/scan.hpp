// stag::scan: a loop over a sequence whose length is known only at run time (backpropagation
// through time), for a scalar carried state. See docs/tensors.md for the tensor version to come.
//
// The loop is not unrolled into types: its body is two expressions, compiled once, whatever the
// sequence length. The forward pass runs the body once per step and keeps the states; the backward
// pass runs in reverse, one fused value-and-gradient sweep per step of
//     out_t + a_{t+1} * next_t,
// where a_{t+1} (the adjoint of the next state, a run-time constant in that expression) carries
// the chain rule from step to step, and sums the gradients of the weights every step shares.
#pragma once

#include <stag/engine/check.hpp>
#include <stag/engine/gradient.hpp>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace stag {

/// A loop: state(t+1) = Next(state(t), inputs(t), weights); value = sum over t of Out(state(t),
/// inputs(t), weights). Built by stag::scan.
template <class Next, class Out, class State, class... Inputs>
struct scan_t {
    Next next;
    Out out;
};

/// `scan(next, out, h, x, ...)`: a loop whose carried state is the variable h and whose per-step
/// inputs are the variables x, ...; `next` is the state after a step, `out` what a step adds to
/// the loop's value (a per-step loss; it may use `next`, which is then shared, not recomputed).
template <class Next, class Out, class State, class... Inputs>
constexpr auto scan(const Next& next, const Out& out, const State&, const Inputs&...) {
    static_assert(expression<Next> && expression<Out>, "stag: scan(next, out, state, inputs...): next and out must be stag expressions");
    static_assert(variable<State> && (variable<Inputs> && ...),
                  "stag: scan(next, out, state, inputs...): the state and the inputs must be variables");
    static_assert(sizeof...(Inputs) > 0, "stag: scan(next, out, state, inputs...): give at least one per-step input");
    static_assert(!tensor_expression<Next> && !tensor_expression<Out>,
                  "stag: scan(next, out, state, inputs...) carries a scalar state over scalar inputs; tensor bodies are not supported yet");
    return scan_t<Next, Out, State, Inputs...>{next, out};
}

/// The values of per-step input V over the sequence: `stag::steps(x, xs)` (not copied: xs must
/// outlive the call).
template <class V, class T>
struct step_binding {
    using var = V;
    std::span<const T> values;
};
template <class V, class R>
constexpr auto steps(const V&, const R& values) {
    static_assert(variable<V>, "stag: steps(v, values): v must be a variable");
    using T = std::remove_cvref_t<decltype(*std::data(values))>;
    return step_binding<V, T>{std::span<const T>(std::data(values), std::size(values))};
}

template <class T>
inline constexpr bool is_step_binding = false;
template <class V, class T>
inline constexpr bool is_step_binding<step_binding<V, T>> = true;

namespace detail {
/// The steps of a scan call. The bindings of step t are the fixed ones, with the state's set to
/// its value at t, then each per-step input's value at t.
template <class Next, class Out, class State, class... Inputs>
struct scan_runner {
    /// The states h_0 ... h_n of the forward pass.
    template <class S, class... Bs, class... Ss>
    static std::vector<S> states(const Next& next, S h0, std::size_t n, const std::tuple<Bs...>& fixed,
                                 const std::tuple<Ss...>& seqs) {
        std::vector<S> h(n + 1);
        h[0] = h0;
        for (std::size_t t = 0; t < n; ++t)
            h[t + 1] = static_cast<S>(call_at(t, h[t], fixed, seqs, [&](const auto&... bs) { return eval(next, bs...); }));
        return h;
    }
    /// f(the bindings of step t, with state h).
    template <class S, class... Bs, class... Ss, class F>
    static auto call_at(std::size_t t, S h, const std::tuple<Bs...>& fixed, const std::tuple<Ss...>& seqs, F f) {
        return std::apply(
            [&](const Bs&... bs) {
                return std::apply([&](const Ss&... ss) { return f(rebind<State>(bs, h)..., (typename Ss::var{} = ss.values[t])...); },
                                  seqs);
            },
            fixed);
    }
};
}  // namespace detail

/// `value_and_grad(loop, w, ...)(h = h0, steps(x, xs), w = ..., ...)`: the loop's value and its
/// gradient with respect to weights (summed over all steps) and to the initial state.
template <class Next, class Out, class State, class... Inputs, class... Vs>
auto value_and_grad(const scan_t<Next, Out, State, Inputs...>& loop, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: value_and_grad(loop, vars...): differentiate with respect to variables");
    return [loop](const auto&... args) {
        // Split the arguments: per-step inputs, and the other bindings (the state's included).
        auto fixed = std::tuple_cat([](const auto& a) {
            if constexpr (is_step_binding<std::remove_cvref_t<decltype(a)>>) return std::tuple<>{};
            else return std::tuple{a};
        }(args)...);
        auto seqs = std::tuple_cat([](const auto& a) {
            if constexpr (is_step_binding<std::remove_cvref_t<decltype(a)>>) return std::tuple{a};
            else return std::tuple<>{};
        }(args)...);
        static_assert(std::tuple_size_v<decltype(seqs)> == sizeof...(Inputs),
                      "stag: a scan needs steps(x, values) for each of its per-step inputs");
        using runner = detail::scan_runner<Next, Out, State, Inputs...>;
        // The sequence length: the same for every input.
        std::size_t n = std::get<0>(seqs).values.size();
        std::apply([&](const auto&... s) {
            if (((s.values.size() != n) || ...)) throw std::invalid_argument("stag: scan: the per-step inputs differ in length");
        }, seqs);
        const auto h0 = std::apply([](const auto&... b) { return eval(State{}, b...); }, fixed);
        using S = std::remove_cvref_t<decltype(h0)>;
        const std::vector<S> h = runner::template states<S>(loop.next, h0, n, fixed, seqs);
        S value = 0;
        for (std::size_t t = 0; t < n; ++t)
            value += static_cast<S>(runner::call_at(t, h[t], fixed, seqs, [&](const auto&... bs) { return eval(loop.out, bs...); }));
        // Backward through time.
        constexpr bool state_listed = (std::is_same_v<typename Vs::name, typename State::name> || ...);
        gradient<S, Vs...> total{};
        S carried = 0;  // d value / d state(t + 1)
        for (std::size_t t = n; t-- > 0;) {
            const auto step = loop.out + lit_t<S>{carried} * loop.next;
            const auto vg = runner::call_at(t, h[t], fixed, seqs, [&](const auto&... bs) {
                if constexpr (state_listed) return value_and_grad(step, Vs{}...)(bs...);
                else return value_and_grad(step, Vs{}..., State{})(bs...);
            });
            ((total[Vs{}] += static_cast<S>(vg.grad[Vs{}])), ...);
            carried = static_cast<S>(vg.grad[State{}]);
        }
        // A weight that is also the state gets d/dh0 once, not once per step: the state is no weight.
        (
            [&] {
                if constexpr (std::is_same_v<typename Vs::name, typename State::name>) total[Vs{}] = carried;
            }(),
            ...);
        return value_and_gradient<S, gradient<S, Vs...>>{value, total};
    };
}

}  // namespace stag
