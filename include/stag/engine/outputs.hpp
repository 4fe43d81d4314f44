// Several outputs in one sweep: stag::outputs, and the sweep behind jacobian and the Ceres adapter,
// which computes every unique node of all the outputs once and then runs one backward sweep per
// output.
#pragma once

#include <stag/core/op.hpp>
#include <stag/engine/bindings.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/graph/walk.hpp>

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

/// Several outputs, for jacobian and the Ceres adapter: `stag::outputs(f, g)`.
template <class... Fs>
constexpr std::tuple<Fs...> outputs(const Fs&... fs) {
    static_assert((expression<Fs> && ...), "stag: outputs(...): pass stag expressions");
    return {fs...};
}

namespace detail {

/// The node that holds two outputs of a multi-output sweep together, so that their nodes form one
/// graph and a node they share is one node. Its value is its first argument's (its first element,
/// for a tensor: the outputs may be tensors of any shapes, so the join is a number); it is
/// piecewise constant, so that no adjoint flows through it: each output's backward sweep is seeded
/// at the output itself (graph::rooted_activity, graph::seeded_activity). Never visible to users.
struct join_op {
    static constexpr call notation{"join"};
    static constexpr bool piecewise_constant = true;
    template <class A, class B>
    static constexpr auto apply(const A& a, const B&) { return a; }
    // Its rules in the tensor engine (engine/tensor_sweep.hpp): a number, from the first element.
    static constexpr bool tensor_level = true;
    template <class A, class B>
    using shape = std::index_sequence<>;
    template <class Sh, class S, class PA, class PB>
    static constexpr void forward(Sh, S* out, const PA* a, const PB*) {
        out[0] = S(a[0]);
    }
};

/// join(f1, join(f2, ... fm)): the root of the graph of m outputs (f1 itself for one).
template <class F, class... Fs>
constexpr auto join_outputs(const F& f, const Fs&... fs) noexcept {
    if constexpr (sizeof...(Fs) == 0) return f;
    else return make_node<join_op>(f, join_outputs(fs...));
}
template <class... Fs>
using joined_t = decltype(join_outputs(std::declval<const Fs&>()...));
/// The join of the outputs held in a tuple (what stag::outputs returns).
template <class... Fs>
constexpr joined_t<Fs...> join_tuple(const std::tuple<Fs...>& fs) noexcept {
    return std::apply([](const Fs&... f) { return join_outputs(f...); }, fs);
}
/// Output I of the M outputs joined in `root` (the node itself, for one output).
template <std::size_t I, std::size_t M, class Root>
constexpr decltype(auto) output_of(const Root& root) noexcept {
    if constexpr (M == 1) return root;
    else if constexpr (I == 0) return arg<0>(root);
    else return output_of<I - 1, M - 1>(arg<1>(root));
}

/// The positions of the M outputs in the node list of their join (the children of the join nodes).
template <class List, std::size_t M>
constexpr std::array<std::size_t, M> output_positions() noexcept {
    std::array<std::size_t, M> at{};
    std::size_t node = List::size - 1;
    for (std::size_t i = 0; i + 1 < M; ++i) {
        at[i] = graph::info<List>::nodes[node].child[0];
        node = graph::info<List>::nodes[node].child[1];
    }
    at[M - 1] = node;
    return at;
}
template <class List, std::size_t M>
struct output_facts {
    static constexpr std::array<std::size_t, M> at = output_positions<List, M>();
};

/// The values of the M outputs joined in `root`, by one forward sweep over their unique nodes.
template <std::size_t M, class Root, class Env>
constexpr auto output_values(const Root& root, const Env& env) {
    using List = graph::nodes_t<Root>;
    using S = typename scalar_type<List, Env>::type;
    const auto v = run_forward<S, List>(root, env);
    std::array<S, M> out{};
    for (std::size_t i = 0; i < M; ++i) out[i] = v[output_facts<List, M>::at[i]];
    return out;
}

/// One forward sweep over the unique nodes of the M outputs joined in `root`, for the bindings in
/// env; then, for each output I, one backward sweep seeded at it, with respect to Vs, and a call
/// `row(std::integral_constant<std::size_t, I>{}, value, take)`, where `take(v)` is d output / d v
/// for each variable v of Vs (0 for a variable the output does not depend on). Scalar graphs only.
template <std::size_t M, class... Vs, class Root, class Env, class Row>
constexpr void sweep_outputs(const Root& root, const Env& env, Row&& row) {
    using List = graph::nodes_t<Root>;
    using S = typename scalar_type<List, Env>::type;
    const auto v = run_forward<S, List>(root, env);
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
        auto one = [&]<std::size_t I>(std::integral_constant<std::size_t, I> i) {
            constexpr std::size_t at = output_facts<List, M>::at[I];
            using Act = graph::rooted_activity<List, at, Vs...>;
            const auto adj = run_backward_from<at, S, Root, List, Act>(v);
            auto take = [&]<class V>(const V&) -> S {
                if constexpr (graph::reaches<List, Act, V>::value) return adj[graph::position_of<graph::key<V>, List>::value];
                else return S(0);
            };
            row(i, v[at], take);
        };
        (one(std::integral_constant<std::size_t, Is>{}), ...);
    }(std::make_index_sequence<M>{});
}

}  // namespace detail
}  // namespace stag
