// stag::scan: a loop over a sequence whose length is known only at run time (backpropagation
// through time). The carried states (one or several), the weights and the per-step inputs are
// numbers or tensors.
//
// The loop is not unrolled into types: its body is expressions, compiled once, whatever the
// sequence length. The forward pass runs the body once per step, one sweep of every next state and
// the step's output side by side, and keeps the states; the backward pass runs in reverse, one
// fused value-and-gradient sweep per step of
//     out_t + sum over states k of <a_k(t+1), next_k(t)>,
// where a_k(t+1), the adjoint of the next state k (bound to a variable of that state's type, so a
// number or a tensor like any other binding), carries the chain rule from step to step; the
// product is a plain product for a number, a dot product for a tensor. The gradients of the
// weights every step shares are summed where the total is kept.
#pragma once

#include <stag/engine/check.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/tensor/ops.hpp>  // the ops the loop is stated with: concat, reshape, broadcast_to, dot

#include <boost/hana/string.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace stag {

/// One carried state of a loop: the variable State and its value after a step, Next.
template <class State, class Next>
struct carried {
    using state = State;
    Next next;
};
/// The carried states of a loop, built by stag::carry.
template <class... Cs>
struct carry_t {
    std::tuple<Cs...> states;
};

namespace detail {
template <class T>
inline constexpr bool is_carry = false;
template <class... Cs>
inline constexpr bool is_carry<carry_t<Cs...>> = true;

template <class State, class Next>
constexpr auto make_carried(const State&, const Next& next) {
    static_assert(variable<State>, "stag: carry(state, next, ...): each state must be a variable");
    static_assert(expression<Next>, "stag: carry(state, next, ...): each next state must be a stag expression");
    static_assert(std::is_same_v<node_shape_t<Next>, node_shape_t<State>>, "stag: carry(state, next, ...): a next state must have its state's shape");
    return carried<State, Next>{next};
}
template <class Args, std::size_t... I>
constexpr auto carry_pairs(const Args& args, std::index_sequence<I...>) {
    return carry_t<decltype(make_carried(std::get<2 * I>(args), std::get<2 * I + 1>(args)))...>{
        std::tuple{make_carried(std::get<2 * I>(args), std::get<2 * I + 1>(args))...}};
}
}  // namespace detail

/// `carry(h, next_h, c, next_c, ...)`: the states a loop carries, each variable followed by its
/// value after a step (which may use every state, the weights and the step's inputs).
template <class... Args>
constexpr auto carry(const Args&... args) {
    static_assert(sizeof...(Args) > 0 && sizeof...(Args) % 2 == 0,
                  "stag: carry(state, next, ...): give each carried state followed by its next value");
    if constexpr (sizeof...(Args) > 0 && sizeof...(Args) % 2 == 0) return detail::carry_pairs(std::tuple<const Args&...>(args...), std::make_index_sequence<sizeof...(Args) / 2>{});
    else return detail::failed{};
}

/// A loop: state_k(t+1) = Next_k(states(t), inputs(t), weights) for each carried state k; value =
/// sum over t of Out(states(t), inputs(t), weights). Built by stag::scan.
template <class Carry, class Out, class... Inputs>
struct scan_t {
    Carry carry;
    Out out;
};

namespace detail {
template <class Out, class... Inputs>
constexpr void check_scan_parts() {
    static_assert(expression<Out>, "stag: scan(next, out, state, inputs...): next and out must be stag expressions");
    static_assert((variable<Inputs> && ...), "stag: scan(next, out, state, inputs...): the state and the inputs must be variables");
    static_assert(sizeof...(Inputs) > 0, "stag: scan(next, out, state, inputs...): give at least one per-step input");
    static_assert(scalar_node<Out>, "stag: scan(next, out, state, inputs...): out, what a step adds to the loop's value, must be a number");
}
}  // namespace detail

/// `scan(next, out, h, x, ...)`: a loop whose carried state is the variable h and whose per-step
/// inputs are the variables x, ...; `next` is the state after a step, `out` what a step adds to
/// the loop's value (a per-step loss; it may use `next`, which is then shared, not recomputed).
template <class Next, class Out, class State, class... Inputs>
    requires(!detail::is_carry<Next> && !std::is_same_v<Next, detail::failed>)
constexpr auto scan(const Next& next, const Out& out, const State&, const Inputs&...) {
    static_assert(expression<Next>, "stag: scan(next, out, state, inputs...): next and out must be stag expressions");
    static_assert(variable<State>, "stag: scan(next, out, state, inputs...): the state and the inputs must be variables");
    detail::check_scan_parts<Out, Inputs...>();
    static_assert(std::is_same_v<node_shape_t<Next>, node_shape_t<State>>,
                  "stag: scan(next, out, state, inputs...): next must have the state's shape");
    return scan_t<carry_t<carried<State, Next>>, Out, Inputs...>{carry_t<carried<State, Next>>{{carried<State, Next>{next}}}, out};
}
/// After carry(...) reported its error: no second one.
template <class... Rest>
constexpr auto scan(const detail::failed&, const Rest&...) {
    return detail::failed{};
}
/// `scan(carry(h, next_h, c, next_c), out, x, ...)`: a loop that carries several states (an LSTM's
/// hidden and cell states, two layers' states), numbers or tensors.
template <class... Cs, class Out, class... Inputs>
constexpr auto scan(const carry_t<Cs...>& states, const Out& out, const Inputs&...) {
    detail::check_scan_parts<Out, Inputs...>();
    return scan_t<carry_t<Cs...>, Out, Inputs...>{states, out};
}

namespace detail {
/// The variable that holds the adjoint of carried state K after a step, in a backward step: of
/// the state's type.
template <std::size_t K>
using scan_adjoint_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 's', 'c', 'a', 'n', ' ', 'a', 'd', 'j', 'o', 'i', 'n', 't', ' ',
                                              char('0' + K / 10 % 10), char('0' + K % 10)>;
template <std::size_t K, class State>
using scan_adjoint = var_t<scan_adjoint_name<K>, typename State::value_type>;

/// <a, next>: a * next for a number, the dot product for a tensor.
template <class A, class Next>
constexpr auto carried_term(const A& a, const Next& next) {
    if constexpr (scalar_node<Next>) return a * next;
    else return dot(a, next);
}
/// Whether the variable State is among Vs.
template <class State, class... Vs>
inline constexpr bool is_listed = (std::is_same_v<typename Vs::name, typename State::name> || ...);
/// A next state as a vector of its elements (a number as a vector of one).
template <class Next>
constexpr auto flattened(const Next& next) {
    if constexpr (scalar_node<Next>) return broadcast_to<1>(next);
    else return reshape<shape_count<node_shape_t<Next>>::value>(next);
}
/// The vectors a, b, ... one after the other.
template <class A, class... Bs>
constexpr auto concatenated(const A& a, const Bs&... bs) {
    if constexpr (sizeof...(Bs) == 0) return a;
    else return concat<0>(a, concatenated(bs...));
}

/// Position of V among the carried states, sizeof...(States) if it is none of them.
template <class V, class... States>
inline constexpr std::size_t state_index = [] {
    constexpr bool is[] = {std::is_same_v<typename V::name, typename States::name>..., true};
    std::size_t k = 0;
    while (!is[k]) ++k;
    return k;
}();

/// The steps of a scan call over carried states States... (Nexts... their next values). The
/// bindings of step t are the fixed ones, with each state's set to its value at t, then each
/// per-step input's value at t.
template <class Out, class States, class Nexts>
struct scan_runner;
template <class Out, class... States, class... Nexts>
struct scan_runner<Out, std::tuple<States...>, std::tuple<Nexts...>> {
    /// The binding b, or state k's binding to its value in hs where b binds state k.
    template <class B, class Hs>
    static constexpr auto rebound(const B& b, const Hs& hs) {
        constexpr std::size_t k = state_index<typename B::var, States...>;
        if constexpr (k == sizeof...(States)) return b;
        else return rebind<typename B::var>(b, std::get<k>(hs));
    }
    /// f(the bindings of step t, with states hs, which must outlive the call: a tensor is bound by
    /// reference).
    template <class Hs, class... Bs, class... Ss, class F>
    static auto call_at(std::size_t t, const Hs& hs, const std::tuple<Bs...>& fixed, const std::tuple<Ss...>& seqs, F f) {
        return std::apply(
            [&](const Bs&... bs) {
                return std::apply([&](const Ss&... ss) { return f(rebound(bs, hs)..., (typename Ss::var{} = ss.values[t])...); }, seqs);
            },
            fixed);
    }
    /// The states of the forward pass, (h_0 ... h_n) for each carried state, and the loop's value.
    /// Each step is one sweep, of every next state and out side by side in one vector (so that
    /// what they share is computed once).
    template <class S, class Hs, class Fixed, class Seqs>
    static std::vector<Hs> states(const std::tuple<Nexts...>& nexts, const Out& out, S& value, const Hs& h0, std::size_t n,
                                  const Fixed& fixed, const Seqs& seqs) {
        const auto all = std::apply([&](const auto&... next) { return concatenated(flattened(next)..., broadcast_to<1>(out)); }, nexts);
        std::vector<Hs> h(n + 1);
        h[0] = h0;
        for (std::size_t t = 0; t < n; ++t) {
            const auto r = call_at(t, h[t], fixed, seqs, [&](const auto&... bs) { return eval(all, bs...); });
            const auto* e = elements_of(r);
            std::apply(
                [&](auto&... to) {
                    ((std::copy(e, e + sizeof(to) / sizeof(S), elements_of(to)), e += sizeof(to) / sizeof(S)), ...);
                },
                h[t + 1]);
            value += static_cast<S>(*e);
        }
        return h;
    }
};

template <class... Cs>
constexpr auto nexts_of(const carry_t<Cs...>& c) {
    return std::apply([](const auto&... cs) { return std::tuple{cs.next...}; }, c.states);
}
}  // namespace detail

/// `value_and_grad(loop, w, ..., h)(h = h0, steps(x, xs), w = ..., ...)`: the loop's value and its
/// gradient with respect to weights (summed over all steps) and to initial states.
template <class... Cs, class Out, class... Inputs, class... Vs>
auto value_and_grad(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: value_and_grad(loop, vars...): differentiate with respect to variables");
    return [loop](const auto&... args) {
        using States = std::tuple<typename Cs::state...>;
        using runner = detail::scan_runner<Out, States, decltype(detail::nexts_of(loop.carry))>;
        const auto split = detail::split_runtime_bindings(args...);  // (not a structured binding: clang 14 cannot capture one)
        const auto& fixed = split.first;
        const auto& seqs = split.second;
        static_assert(std::tuple_size_v<std::remove_cvref_t<decltype(seqs)>> == sizeof...(Inputs),
                      "stag: a scan needs steps(x, values) for each of its per-step inputs");
        // The sequence length: the same for every input.
        const std::size_t n = std::apply(
            [](const auto&... s) { return detail::common_length("scan", [](const auto& b) { return b.values.size(); }, s...); }, seqs);
        // The initial states, numbers or tensors.
        const auto h0 = std::apply([](const auto&... b) { return std::tuple{eval(typename Cs::state{}, b...)...}; }, fixed);
        using Hs = std::remove_cvref_t<decltype(h0)>;
        using S = typename detail::bound_element<std::tuple_element_t<0, Hs>>::type;
        S value = 0;
        const std::vector<Hs> h = runner::states(detail::nexts_of(loop.carry), loop.out, value, h0, n, fixed, seqs);
        // Backward through time. Each step's gradient is added where the total is kept (no gradient
        // object per step); the states' go to fresh buffers, the adjoints carried to the step before.
        return [&]<std::size_t... K>(std::index_sequence<K...>) {
            const auto step = loop.out + (detail::carried_term(detail::scan_adjoint<K, typename Cs::state>{}, std::get<K>(loop.carry.states).next) + ...);
            gradient<S, Vs...> total{};
            Hs carried{}, fresh{};  // d value / d state(t + 1), and d value / d state(t)
            const auto destination = [&](auto v) -> auto& {
                constexpr std::size_t k = detail::state_index<decltype(v), typename Cs::state...>;
                if constexpr (k < sizeof...(Cs)) return std::get<k>(fresh);
                else return total[v];
            };
            // The states not among Vs: their gradients are needed for the chain, not returned.
            const auto unlisted = std::tuple_cat([&] {
                if constexpr (detail::is_listed<typename Cs::state, Vs...>) return std::tuple<>{};
                else return std::tuple<typename Cs::state>{};
            }()...);
            for (std::size_t t = n; t-- > 0;) {
                fresh = Hs{};
                runner::call_at(t, h[t], fixed, seqs, [&](const auto&... bs) {
                    std::apply(
                        [&](auto... us) {
                            value_and_grad(step, Vs{}..., us...)
                                .accumulate_into(destination(Vs{})..., destination(us)...)(bs..., (detail::scan_adjoint<K, typename Cs::state>{} = std::get<K>(carried))...);
                        },
                        unlisted);
                    return 0;
                });
                carried = fresh;
            }
            // A weight that is also a state gets d/dh0 once, not once per step: a state is no weight.
            (
                [&] {
                    constexpr std::size_t k = detail::state_index<Vs, typename Cs::state...>;
                    if constexpr (k < sizeof...(Cs)) total[Vs{}] = std::get<k>(carried);
                }(),
                ...);
            return value_and_gradient<S, gradient<S, Vs...>>{value, total};
        }(std::index_sequence_for<Cs...>{});
    };
}

}  // namespace stag
