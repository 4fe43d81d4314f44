// stag::scan: a loop over a sequence whose length is known only at run time (backpropagation
// through time). The carried state, the weights and the per-step inputs are numbers or tensors.
//
// The loop is not unrolled into types: its body is two expressions, compiled once, whatever the
// sequence length. The forward pass runs the body once per step and keeps the states; the backward
// pass runs in reverse, one fused value-and-gradient sweep per step of
//     out_t + <a_{t+1}, next_t>,
// where a_{t+1}, the adjoint of the next state (bound to a variable of the state's type, so a
// number or a tensor like any other binding), carries the chain rule from step to step; the
// product is a plain product for a number, a dot product for a tensor. The gradients of the
// weights every step shares are summed.
#pragma once

#include <stag/engine/check.hpp>
#include <stag/engine/gradient.hpp>

#include <algorithm>
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
    static_assert(std::is_same_v<node_shape_t<Next>, node_shape_t<State>>,
                  "stag: scan(next, out, state, inputs...): next must have the state's shape");
    static_assert(scalar_node<Out>, "stag: scan(next, out, state, inputs...): out, what a step adds to the loop's value, must be a number");
    return scan_t<Next, Out, State, Inputs...>{next, out};
}

namespace detail {
/// The variable that holds the adjoint of the next state in a backward step: of the state's type.
template <class State>
struct scan_adjoint {
    static constexpr auto var = stag::var<"stag::scan adjoint", typename State::value_type>;
};
template <class Name>
struct scan_adjoint<var_t<Name, deduce>> {
    static constexpr auto var = stag::var<"stag::scan adjoint">;
};
/// <a, next>: a * next for a number, the dot product for a tensor.
template <class A, class Next>
constexpr auto carried_term(const A& a, const Next& next) {
    if constexpr (scalar_node<Next>) return a * next;
    else return dot(a, next);
}
/// to += from, for numbers and tensors.
template <class T>
constexpr void add_into(T& to, const T& from) {
    auto* t = elements_of(to);
    const auto* f = elements_of(from);
    for (std::size_t i = 0; i < sizeof(T) / sizeof(*t); ++i) t[i] += f[i];
}

/// The steps of a scan call. The bindings of step t are the fixed ones, with the state's set to
/// its value at t, then each per-step input's value at t.
template <class Next, class Out, class State, class... Inputs>
struct scan_runner {
    /// The states h_0 ... h_n of the forward pass (numbers, or tensors of the state's shape), and
    /// the loop's value. Each step is one sweep, of next and out side by side in one vector (so
    /// that what they share is computed once).
    template <class S, class H, class... Bs, class... Ss>
    static std::vector<H> states(const Next& next, const Out& out, S& value, const H& h0, std::size_t n,
                                 const std::tuple<Bs...>& fixed, const std::tuple<Ss...>& seqs) {
        constexpr std::size_t size = sizeof(H) / sizeof(S);  // the state's elements
        const auto both = [&] {
            if constexpr (scalar_node<Next>) return concat<0>(broadcast_to<1>(next), broadcast_to<1>(out));
            else return concat<0>(reshape<size>(next), broadcast_to<1>(out));
        }();
        std::vector<H> h(n + 1);
        h[0] = h0;
        for (std::size_t t = 0; t < n; ++t) {
            const auto r = call_at(t, h[t], fixed, seqs, [&](const auto&... bs) { return eval(both, bs...); });
            const auto* e = elements_of(r);
            std::copy(e, e + size, elements_of(h[t + 1]));
            value += static_cast<S>(e[size]);
        }
        return h;
    }
    /// f(the bindings of step t, with state h, which must outlive the call: a tensor is bound by
    /// reference).
    template <class H, class... Bs, class... Ss, class F>
    static auto call_at(std::size_t t, const H& h, const std::tuple<Bs...>& fixed, const std::tuple<Ss...>& seqs, F f) {
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
        const auto split = detail::split_runtime_bindings(args...);  // (not a structured binding: clang 14 cannot capture one)
        const auto& fixed = split.first;
        const auto& seqs = split.second;
        static_assert(std::tuple_size_v<std::remove_cvref_t<decltype(seqs)>> == sizeof...(Inputs),
                      "stag: a scan needs steps(x, values) for each of its per-step inputs");
        using runner = detail::scan_runner<Next, Out, State, Inputs...>;
        // The sequence length: the same for every input.
        const std::size_t n = std::apply(
            [](const auto&... s) { return detail::common_length("scan", [](const auto& b) { return b.values.size(); }, s...); }, seqs);
        using H = decltype(std::apply([](const auto&... b) { return eval(State{}, b...); }, fixed));  // a number or a tensor
        using S = typename detail::bound_element<H>::type;
        S value = 0;
        const std::vector<H> h = runner::states(loop.next, loop.out, value,
                                                std::apply([](const auto&... b) { return eval(State{}, b...); }, fixed), n, fixed, seqs);
        // Backward through time.
        constexpr bool state_listed = (std::is_same_v<typename Vs::name, typename State::name> || ...);
        constexpr auto a = detail::scan_adjoint<State>::var;
        const auto step = loop.out + detail::carried_term(a, loop.next);
        // Each step's gradient is added where the total is kept (no gradient object per step); the
        // state's goes to a fresh buffer, the adjoint carried to the step before.
        gradient<S, Vs...> total{};
        H carried{}, fresh{};  // d value / d state(t + 1), and d value / d state(t)
        const auto destination = [&](auto v) -> auto& {
            if constexpr (std::is_same_v<typename decltype(v)::name, typename State::name>) return fresh;
            else return total[v];
        };
        for (std::size_t t = n; t-- > 0;) {
            fresh = H{};
            runner::call_at(t, h[t], fixed, seqs, [&](const auto&... bs) {
                if constexpr (state_listed) value_and_grad(step, Vs{}...).accumulate_into(destination(Vs{})...)(bs..., a = carried);
                else value_and_grad(step, Vs{}..., State{}).accumulate_into(destination(Vs{})..., fresh)(bs..., a = carried);
                return 0;
            });
            carried = fresh;
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
