// stag::scan: a loop over a sequence whose length is known only at run time (backpropagation
// through time). The carried states (one or several), the weights and the per-step inputs are
// numbers or tensors.
//
// The loop is not unrolled into types: its body is expressions, compiled once, whatever the
// sequence length. One step is one graph, the step's output and every next state joined
// (engine/outputs.hpp), so what they share is one node. The forward pass runs one sweep of that
// graph per step and keeps each step's slab of values (engine/tensor_sweep.hpp); the backward pass runs
// in reverse, one backward sweep per step over the slab kept, seeded at once with 1 at the output
// and with a_k(t+1), the adjoint of next state k, at that state's node (graph::seeded_activity):
// no forward value is computed twice. The gradients of the weights every step shares are added
// where the total is kept. `loop.checkpoint(k)` keeps every k-th state instead of every slab, and
// recomputes each stretch of k steps before going back through it: memory for n / k states and k
// slabs, at the price of a second forward sweep per step.
#pragma once

#include <stag/engine/check.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/hoist.hpp>
#include <stag/engine/outputs.hpp>
#include <stag/engine/summed.hpp>
#include <stag/tensor/shape.hpp>
#include <stag/engine/tensor_sweep.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

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
    std::size_t every = 0;      ///< keep every `every`-th state and recompute between; 0: keep every step's values
    workspace* ws = nullptr;    ///< the caller's memory for the steps' values, or none

    /// The same loop, checkpointed: its backward pass keeps only every k-th state (k >= 1) and
    /// recomputes each stretch of k steps' values before going back through it. Memory for about
    /// n / k states and k steps' values instead of n steps' values; each step's forward sweep runs
    /// twice instead of once. The value and the gradients are the same, to the last bit.
    constexpr scan_t checkpoint(std::size_t k) const {
        if (k == 0) throw std::invalid_argument("stag: scan(...).checkpoint(k): k must be at least 1 (every k-th state is kept)");
        return {carry, out, k, ws};
    }
    /// The same loop, its steps' values kept in the caller's workspace (reused from call to call,
    /// so that repeated calls allocate nothing once it has grown to the largest). The loop refers
    /// to the workspace, which must outlive its calls; one call at a time uses it.
    constexpr scan_t in(workspace& w) const noexcept { return {carry, out, every, &w}; }
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

/// Position of V among the carried states, sizeof...(States) if it is none of them.
template <class V, class... States>
inline constexpr std::size_t state_index = [] {
    constexpr bool is[] = {std::is_same_v<typename V::name, typename States::name>..., true};
    std::size_t k = 0;
    while (!is[k]) ++k;
    return k;
}();

/// The graph of one step: its output and each next state, joined (the output first).
template <class... Cs, class Out>
constexpr auto step_outputs(const carry_t<Cs...>& c, const Out& out) {
    return std::apply([&](const auto&... cs) { return join_outputs(out, cs.next...); }, c.states);
}

/// The carried states' elements side by side: state k's `count[k]` elements from `offset[k]`.
template <class... States>
struct state_layout {
    static constexpr std::array<std::size_t, sizeof...(States)> count{shape_count<node_shape_t<States>>::value...};
    static constexpr std::array<std::size_t, sizeof...(States) + 1> offset = prefix_sums(count);
    static constexpr std::size_t width = offset[sizeof...(States)];
};

/// The binding of the state variable V to the elements at p: a number by value, a tensor as a view.
template <class V, class S>
constexpr auto bind_state(const S* p) {
    if constexpr (scalar_node<V>) return V{} = *p;
    else {
        constexpr std::size_t count = shape_count<node_shape_t<V>>::value;
        return V{} = std::span<const S, count>(p, count);
    }
}

/// The bindings of a scan call that do not bind a carried state (those are set anew each step).
template <class... States, class... Bs>
constexpr auto without_states(const std::tuple<Bs...>& bs) {
    return std::apply(
        [](const auto&... b) {
            return std::tuple_cat([&] {
                if constexpr (is_listed<typename std::remove_cvref_t<decltype(b)>::var, States...>) return std::tuple<>{};
                else return std::tuple{b};
            }()...);
        },
        bs);
}

template <class... Bs>
constexpr environment<Bs...> environment_of(const Bs&... bs) {
    return {record<Bs...>{bs...}};
}

/// The steps of a scan call: the step graph Root (the output and the next states of the carried
/// states States..., joined), the bindings that stay (`fixed`) and the per-step inputs (`seqs`).
/// Step t binds each state to its elements at a pointer and each input to its value at t.
template <class S, class Root, class States, class Fixed, class Seqs>
struct scan_steps;
template <class S, class Root, class... States, class Fixed, class Seqs>
struct scan_steps<S, Root, std::tuple<States...>, Fixed, Seqs> {
    using List = graph::nodes_t<Root>;
    using L = layout<List>;
    using Sl = state_layout<States...>;
    static constexpr std::size_t n = List::size, K = sizeof...(States);
    /// The nodes of the output (0) and of each next state (1 + k).
    using at = output_facts<List, K + 1>;
    /// The numbers one step keeps: its slab, rounded up so that each step's slab starts at a multiple
    /// of slab_alignment numbers (the layout's offsets are aligned within a slab).
    static constexpr std::size_t slab_size = aligned_up(L::total + 1);

    const Fixed& fixed;
    const Seqs& seqs;
    const S* lits;

    /// f(environment of step t with the states at h).
    template <class F>
    decltype(auto) at_step(std::size_t t, const S* h, F&& f) const {
        return std::apply(
            [&](const auto&... bs) {
                return std::apply(
                    [&](const auto&... ss) {
                        return [&]<std::size_t... K_>(std::index_sequence<K_...>) {
                            return f(environment_of(bs..., bind_state<States>(h + Sl::offset[K_])...,
                                                    (typename std::remove_cvref_t<decltype(ss)>::var{} = ss.values[t])...));
                        }(std::index_sequence_for<States...>{});
                    },
                    seqs);
            },
            fixed);
    }

    /// Step t forward from the states at h: its values into `slab`, the next states into `next`;
    /// returns the step's output. A lean step (eval's) keeps in the slab only what is read after
    /// its own loop, since no backward step reads it.
    template <class Store = store_all>
    S forward(std::size_t t, const S* h, S* slab, S* next) const {
        return at_step(t, h, [&](const auto& env) {
            using Env = std::remove_cvref_t<decltype(env)>;
            static_assert(std::is_same_v<typename scalar_type<List, Env>::type, S>,
                          "stag: scan: bind the carried states with the number type of the weights and inputs (say double, or float, throughout)");
            const tensor_pass<S, List, Env> pass{slab, nullptr, env, nullptr, lits};
            pass.template forward_sweep<Store>(std::make_index_sequence<n>{});
            [&]<std::size_t... K_>(std::index_sequence<K_...>) {
                ((std::copy_n(pass.template value<at::at[K_ + 1]>(), Sl::count[K_], next + Sl::offset[K_])), ...);
            }(std::index_sequence_for<States...>{});
            return static_cast<S>(pass.template value<at::at[0]>()[0]);
        });
    }

    /// Step t backward from its slab (states at h): seeds 1 at the output and `carried` (the
    /// adjoints of the next states) at the next states, then one backward sweep into g (which
    /// adds: the weights' totals, and the states' adjoints at t). `adj` is the adjoint slab.
    template <class Act, class G>
    void backward(std::size_t t, const S* h, S* slab, S* adj, const S* carried, G& g) const {
        at_step(t, h, [&](const auto& env) {
            using Env = std::remove_cvref_t<decltype(env)>;
            const tensor_pass<S, List, Env, G> pass{slab, adj, env, &g, lits};
            // A seeded node of the slab starts from 0 (a variable's adjoint is g's, which adds).
            auto clear = [&]<std::size_t P>(std::integral_constant<std::size_t, P>) {
                if constexpr (Act::reached[P] && !variable<graph::node_t<graph::type_at<P, List>>>)
                    std::fill_n(pass.template adjoint<P>(), L::count[P], S(0));
            };
            auto seed = [&]<std::size_t P>(std::integral_constant<std::size_t, P>, const S* a, std::size_t count) {
                if constexpr (Act::reached[P]) {
                    S* to = pass.template adjoint<P>();
                    for (std::size_t e = 0; e < count; ++e) to[e] += a[e];
                }
            };
            [&]<std::size_t... M>(std::index_sequence<M...>) {
                (clear(std::integral_constant<std::size_t, at::at[M]>{}), ...);
            }(std::make_index_sequence<K + 1>{});
            const S one = 1;
            seed(std::integral_constant<std::size_t, at::at[0]>{}, &one, 1);
            [&]<std::size_t... K_>(std::index_sequence<K_...>) {
                (seed(std::integral_constant<std::size_t, at::at[K_ + 1]>{}, carried + Sl::offset[K_], Sl::count[K_]), ...);
            }(std::index_sequence_for<States...>{});
            pass.template backward_sweep<Act>(reverse_index_sequence<n>{});
            return 0;
        });
    }
};

/// What a scan call prepares from its arguments, handed to k(plan, call): the step graph with its
/// step-invariant nodes hoisted (call.root: computed once per call, as map_sum does per row; say
/// the transposes of an LSTM's weights), the bindings that stay with those of the hoisted values
/// (call.fixed), the per-step bindings (call.seqs), the bindings that stay alone (call.kept), the
/// sequence length, and the initial states side by side.
template <class... Cs, class Out, class... Inputs, class K, class... Args>
auto scan_call(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const K& k, const Args&... args) {
    const auto split = split_runtime_bindings(args...);
    static_assert(std::tuple_size_v<std::remove_cvref_t<decltype(split.second)>> == sizeof...(Inputs),
                  "stag: a scan needs steps(x, values) for each of its per-step inputs");
    const std::size_t n = std::apply(
        [](const auto&... s) { return common_length("scan", [](const auto& b) { return b.values.size(); }, s...); }, split.second);
    // The initial states, numbers or tensors, from their bindings.
    const auto h0 = std::apply([](const auto&... b) { return std::tuple{eval(typename Cs::state{}, b...)...}; }, split.first);
    using S = typename bound_element<std::tuple_element_t<0, std::remove_cvref_t<decltype(h0)>>>::type;
    using Sl = state_layout<typename Cs::state...>;
    std::array<S, Sl::width> start{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((std::copy_n(elements_of(std::get<I>(h0)), Sl::count[I], start.data() + Sl::offset[I])), ...);
    }(std::index_sequence_for<Cs...>{});
    const auto kept = without_states<typename Cs::state...>(split.first);
    using Plan = hoist_plan<decltype(step_outputs(loop.carry, loop.out)), std::remove_cvref_t<decltype(kept)>, typename Cs::state..., Inputs...>;
    const auto values = Plan::values(kept, loop.ws);
    const auto fixed = std::tuple_cat(kept, Plan::bindings(values));  // (refers to values)
    const auto root = Plan::body_hoisted::apply(step_outputs(loop.carry, loop.out));
    using Root = decltype(root);
    using Fixed = decltype(fixed);
    using Kept = decltype(kept);
    struct prepared {
        const Root& root;
        const Fixed& fixed;
        const decltype(split.second)& seqs;
        const Kept& kept;
        std::size_t n;
        const std::array<S, Sl::width>& start;
    };
    return k(Plan{}, prepared{root, fixed, split.second, kept, n, start});
}

}  // namespace detail

namespace detail {
/// The variables Vs that are (Listed true) or are not (false) among the variables of the tuple
/// Among, in a tuple.
template <bool Listed, class Among, class... Vs>
struct listed_among;
template <bool Listed, class... Among, class... Vs>
struct listed_among<Listed, std::tuple<Among...>, Vs...> {
    using type = decltype(std::tuple_cat(std::declval<std::conditional_t<is_listed<Vs, Among...> == Listed, std::tuple<Vs>, std::tuple<>>>()...));
};
}  // namespace detail

namespace detail {
/// scan's Sweeper for summed_gradient_fn (engine/summed.hpp): the forward pass through time, then
/// the backward pass, adding the weights' gradients (summed over the steps) and the initial
/// states' to the destinations ds, one per variable of Vs.
struct scan_sweeper {
    template <class... Vs, class... Cs, class Out, class... Inputs, class K, class... Args>
    static auto run(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const char*, const K& k, const Args&... args) {
        return scan_call(loop, [&]<class Plan>(Plan, const auto& call) {
            using S = typename std::remove_cvref_t<decltype(call.start)>::value_type;
            return k(std::type_identity<S>{}, [&](auto&... ds) { return sweep<S, Plan, Vs...>(loop, call, std::tuple<decltype(ds)&...>(ds...)); });
        }, args...);
    }

    template <class S, class Plan, class... Vs, class... Cs, class Out, class... Inputs, class Call, class Ds>
    static S sweep(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const Call& call, const Ds& ds) {
        using States = std::tuple<typename Cs::state...>;
        using Sl = state_layout<typename Cs::state...>;
        using Steps = scan_steps<S, std::remove_cvref_t<decltype(call.root)>, States, std::remove_cvref_t<decltype(call.fixed)>,
                                 std::remove_cvref_t<decltype(call.seqs)>>;
        constexpr std::size_t W = Sl::width, T = Steps::slab_size;
        const auto lits = gather_literals<S>(call.root);
        const Steps steps{call.fixed, call.seqs, lits.data()};
        const std::size_t n = call.n, every = loop.every;
        // Plain: a slab per step and every state. Checkpointed every k steps: k slabs and the
        // states of a stretch, and every k-th state. With the adjoints carried (a), those of the
        // states at t (fresh) and the adjoint slab, in one allocation (or the caller's workspace).
        const std::size_t slabs = every == 0 ? n : std::min(every, n), stretch = every == 0 ? n : slabs;
        const std::size_t checkpoints = every == 0 ? 0 : (n + every - 1) / every + 1;
        workspace own;
        workspace& ws = loop.ws ? *loop.ws : own;
        S* base = ws.template numbers<S>(T + slabs * T + (stretch + 1) * W + checkpoints * W + 2 * W);
        S* adj = base;
        S* slab = adj + T;
        S* h = slab + slabs * T;           // the states of the stretch gone through, h[i * W]
        S* saved = h + (stretch + 1) * W;  // every k-th state
        S* carried = saved + checkpoints * W;
        S* fresh = carried + W;

        S value = 0;
        std::copy_n(call.start.data(), W, every == 0 ? h : saved);
        if (every == 0)
            for (std::size_t t = 0; t < n; ++t) value += steps.forward(t, h + t * W, slab + t * T, h + (t + 1) * W);
        else {
            std::copy_n(call.start.data(), W, h);
            for (std::size_t t = 0; t < n; ++t) {
                value += steps.forward(t, h, slab, h + W);  // (the first slab as scratch)
                std::copy_n(h + W, W, h);
                if ((t + 1) % every == 0) std::copy_n(h, W, saved + (t + 1) / every * W);
            }
        }

        // Backward through time: the weights' gradients into a total of this function's own, added
        // to the destinations at the end (the compiler then knows that the total shares no storage
        // with the slabs; written into the destinations directly, bench_sequence's LSTM took some
        // 4% longer in two alternating runs), the states' at t into fresh, the hoisted values'
        // into their adjoints (taken back at the end). The total is held as a hoisted adjoint is:
        // on the stack up to 128 KiB, beyond that on the heap or in the workspace's block after
        // the hoisted values' and adjoints' (weights of megabytes would overflow the stack).
        auto total_held = make_held<gradient<S, Vs...>>(true, loop.ws, 2 * std::tuple_size_v<typename Plan::hoisted>);
        gradient<S, Vs...>& total = total_held.get();
        typename Plan::adjoints hoisted = Plan::zero_adjoints(loop.ws);
        const auto destination = [&](auto v) -> decltype(auto) {
            constexpr std::size_t k = state_index<decltype(v), typename Cs::state...>;
            if constexpr (k == sizeof...(Cs)) return (total[v]);
            else if constexpr (scalar_node<decltype(v)>) return (fresh[Sl::offset[k]]);
            else return std::span<S, Sl::count[k]>(fresh + Sl::offset[k], Sl::count[k]);
        };
        // (U: the states not among Vs; H: the hoisted variables.)
        [&]<class... U, class... H, std::size_t... I>(std::tuple<U...>*, std::tuple<H...>*, std::index_sequence<I...>) {
            auto g = [&](auto&&... d) {
                return gradient_into<true, graph::node_list<Vs..., U..., H...>, destination_t<decltype(d)>...>{
                    record<into_slot<destination_t<decltype(d)>>...>{destination_slot(std::forward<decltype(d)>(d))...}};
            }(destination(Vs{})..., destination(U{})..., std::get<I>(hoisted).get()...);
            using Act = graph::seeded_activity<typename Steps::List, typename Steps::at, Vs..., U..., H...>;
            std::fill_n(carried, W, S(0));
            const auto back = [&](std::size_t t, const S* ht, S* st) {
                std::fill_n(fresh, W, S(0));
                steps.template backward<Act>(t, ht, st, adj, carried, g);
                std::copy_n(fresh, W, carried);
            };
            if (every == 0)
                for (std::size_t t = n; t-- > 0;) back(t, h + t * W, slab + t * T);
            else
                for (std::size_t first = (n == 0 ? 0 : (n - 1) / every * every) + every; first >= every;) {
                    first -= every;  // the stretch [first, last), its states and slabs recomputed
                    const std::size_t last = std::min(first + every, n);
                    std::copy_n(saved + first / every * W, W, h);
                    for (std::size_t t = first; t < last; ++t) steps.forward(t, h + (t - first) * W, slab + (t - first) * T, h + (t - first + 1) * W);
                    for (std::size_t t = last; t-- > first;) back(t, h + (t - first) * W, slab + (t - first) * T);
                }
        }(static_cast<typename listed_among<false, std::tuple<Vs...>, typename Cs::state...>::type*>(nullptr),
          static_cast<typename Plan::hoisted*>(nullptr), std::make_index_sequence<std::tuple_size_v<typename Plan::hoisted>>{});
        // A variable that is a state gets d/dh0, the adjoint carried out of the first step, once.
        (
            [&] {
                constexpr std::size_t k = state_index<Vs, typename Cs::state...>;
                if constexpr (k < sizeof...(Cs)) std::copy_n(carried + Sl::offset[k], Sl::count[k], elements_of(total[Vs{}]));
            }(),
            ...);
        // The hoisted values' adjoints back to the weights they were computed from (in the
        // caller's workspace, if any: the steps are done with its buffer).
        [&]<class... Ws>(std::tuple<Ws...>*) {
            Plan::template take_back<Ws...>(call.kept, hoisted, loop.ws, total[Ws{}]...);
        }(static_cast<typename listed_among<false, States, Vs...>::type*>(nullptr));
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (write_into<true>(std::get<I>(ds), total.template get<I>()), ...);
        }(std::index_sequence_for<Vs...>{});
        return value;
    }
};
}  // namespace detail

/// `value_and_grad(loop, w, ..., h)(h = h0, steps(x, xs), w = ..., ...)`: the loop's value and its
/// gradient with respect to weights (summed over all steps) and to initial states; `.into(gw, ...)`
/// writes the gradient into the caller's storage (`.accumulate_into` adds it there) and the call
/// returns the value.
template <class... Cs, class Out, class... Inputs, class... Vs>
auto value_and_grad(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: value_and_grad(loop, vars...): differentiate with respect to variables");
    return detail::summed_gradient_fn<detail::scan_sweeper, true, scan_t<carry_t<Cs...>, Out, Inputs...>, Vs...>{loop};
}

/// `grad(loop, w, ...)(bindings...)`: the gradient alone; `.into` and `.accumulate_into` as for
/// value_and_grad.
template <class... Cs, class Out, class... Inputs, class... Vs>
auto grad(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: grad(loop, vars...): differentiate with respect to variables");
    return detail::summed_gradient_fn<detail::scan_sweeper, false, scan_t<carry_t<Cs...>, Out, Inputs...>, Vs...>{loop};
}

/// `eval(loop, h = h0, steps(x, xs), w = ...)`: the loop's value, by its forward pass alone.
template <class... Cs, class Out, class... Inputs, class... Bs>
auto eval(const scan_t<carry_t<Cs...>, Out, Inputs...>& loop, const Bs&... bs) {
    return detail::scan_call(loop, [&](auto, const auto& call) {
        using S = typename std::remove_cvref_t<decltype(call.start)>::value_type;
        using Sl = detail::state_layout<typename Cs::state...>;
        using Steps = detail::scan_steps<S, std::remove_cvref_t<decltype(call.root)>, std::tuple<typename Cs::state...>,
                                         std::remove_cvref_t<decltype(call.fixed)>, std::remove_cvref_t<decltype(call.seqs)>>;
        const auto lits = detail::gather_literals<S>(call.root);
        const Steps steps{call.fixed, call.seqs, lits.data()};
        workspace own;
        workspace& ws = loop.ws ? *loop.ws : own;
        S* slab = ws.template numbers<S>(Steps::slab_size + 2 * Sl::width);
        S* h = slab + Steps::slab_size;
        std::copy_n(call.start.data(), Sl::width, h);
        S value = 0;
        for (std::size_t t = 0; t < call.n; ++t) {
            value += steps.template forward<detail::store_none>(t, h, slab, h + Sl::width);
            std::copy_n(h + Sl::width, Sl::width, h);
        }
        return value;
    }, bs...);
}

}  // namespace stag
