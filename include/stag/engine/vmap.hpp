// stag::vmap: one scalar model over many samples, with the samples in SIMD lanes and, with
// stag::parallel, spread over threads.
//
// The samples are cut into blocks of vmap_block (256) from the first, whatever the thread count.
// Within a block, one loop runs the model's fused sweeps once per sample, with the ops' branch-free
// forms (lane_apply) instead of the standard library's calls, and writes every result into arrays
// on the stack that nothing else can see. So the compiler finds a loop without calls, branches or
// possible aliasing, and vectorises it across samples (the sweeps of one sample are straight-line
// code: engine/sweep.hpp). The results are then copied where the caller keeps them, and the
// results summed over samples (a derivative for a shared parameter, a loss) are added in sample
// order within a block, then block by block: the same additions in the same order for one thread or
// many.
#pragma once

#include <stag/core/name.hpp>
#include <stag/detail/lanes.hpp>
#include <stag/engine/bindings.hpp>
#include <stag/engine/gradient.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace stag {

/// vmap's execution policy: the samples' blocks shared out over `threads` threads (0: as many as
/// std::thread::hardware_concurrency() reports), the calling thread one of them.
struct parallel {
    unsigned threads = 0;
};

/// Samples per block: the unit of vectorised work, and of the fixed order of sums.
inline constexpr std::size_t vmap_block = 256;

namespace detail {

/// What vmap runs per sample: the value of F (WithValue) and its gradient for Vs.
template <bool WithValue, class F, class... Vs>
struct vmap_model {
    F f;
};
template <class G>
struct vmap_model_of {
    static constexpr bool valid = expression<G>;
    static constexpr auto make(const G& g) { return vmap_model<true, G>{g}; }
};
template <class F, class... Vs>
struct vmap_model_of<grad_fn<F, Vs...>> {
    static constexpr bool valid = true;
    static constexpr auto make(const grad_fn<F, Vs...>& g) { return vmap_model<false, F, Vs...>{g.f}; }
};
template <class F, class... Vs>
struct vmap_model_of<value_and_grad_fn<F, Vs...>> {
    static constexpr bool valid = true;
    static constexpr auto make(const value_and_grad_fn<F, Vs...>& g) { return vmap_model<true, F, Vs...>{g.f}; }
};

/// Where vmap keeps one result: a number of the caller's, which gets the sum over samples, or a
/// view of the caller's storage, which gets one element per sample.
template <class D>
struct vmap_slot {
    static constexpr bool summed = true;
    using element = D;
    D* to;
    std::size_t size() const noexcept { return 1; }
};
template <class E>
struct vmap_slot<std::span<E>> {
    static constexpr bool summed = false;
    using element = E;
    std::span<E> to;
    std::size_t size() const noexcept { return to.size(); }
};
template <class D>
constexpr auto vmap_slot_for(D&& d) {
    using T = std::remove_cvref_t<D>;
    if constexpr (std::is_arithmetic_v<T> || is_dual_v<T>) return vmap_slot<T>{&d};
    else {
        using E = std::remove_reference_t<decltype(*std::data(d))>;
        return vmap_slot<std::span<E>>{std::span<E>(std::data(d), std::size(d))};
    }
}
template <class D>
constexpr bool vmap_destination() {
    using T = std::remove_cvref_t<D>;
    if constexpr (std::is_arithmetic_v<T> || is_dual_v<T>) return std::is_lvalue_reference_v<D> && !std::is_const_v<std::remove_reference_t<D>>;
    else if constexpr (requires(D&& d) { std::data(d); std::size(d); }) {
        using E = std::remove_reference_t<decltype(*std::data(std::declval<D&>()))>;
        return !std::is_const_v<E> && kept_by_caller<D>;
    } else
        return false;
}

/// The binding of sample i: a per-sample view gives its variable the i-th value; other bindings
/// are the same for every sample.
template <class B>
[[gnu::always_inline]] constexpr decltype(auto) sample_of(const B& b, std::size_t i) {
    if constexpr (is_step_binding<B>) return (typename B::var{} = b.values[i]);
    else return (b);
}
template <class B>
using sample_binding_t = std::remove_cvref_t<decltype(sample_of(std::declval<const B&>(), 0))>;

template <bool WithValue, class F, class... Vs>
constexpr std::size_t output_count(const vmap_model<WithValue, F, Vs...>*) noexcept {
    return (WithValue ? 1 : 0) + sizeof...(Vs);
}

/// Output K of one sample of model M, from its node values v and adjoints adj: the value first
/// (WithValue), then the partials (0 for a variable f does not reach).
template <class S, std::size_t K, class M>
struct vmap_output;
template <class S, std::size_t K, bool WithValue, class F, class... Vs>
struct vmap_output<S, K, vmap_model<WithValue, F, Vs...>> {
    template <class Act, std::size_t N>
    [[gnu::always_inline]] static constexpr S get(const std::array<S, N>& v, const std::array<S, N>& adj) {
        using List = graph::nodes_t<F>;
        if constexpr (WithValue && K == 0) return v[N - 1];
        else {
            using V = graph::type_at<K - (WithValue ? 1 : 0), graph::node_list<Vs...>>;
            if constexpr (graph::reaches<List, Act, V>::value) return adj[graph::position_of<graph::key<V>, List>::value];
            else return S(0);
        }
    }
};

/// One sample of model M (bindings Bs, sample i): its outputs into out[First + k][j].
template <class S, std::size_t First, bool WithValue, class F, class... Vs, std::size_t Rows, class... Bs>
[[gnu::always_inline]] inline void vmap_sample(const vmap_model<WithValue, F, Vs...>& model, S (&out)[Rows][vmap_block], std::size_t j,
                                               std::size_t i, const Bs&... bs) {
    using List = graph::nodes_t<F>;
    using Env = environment<sample_binding_t<Bs>...>;
    using Act = graph::activity<List, Vs...>;
    using M = vmap_model<WithValue, F, Vs...>;
    const auto v = run_forward<S, List, lanes_vectorise>(model.f, Env{record<sample_binding_t<Bs>...>{sample_of(bs, i)...}});
    if constexpr (sizeof...(Vs) == 0)
        out[First][j] = v[List::size - 1];
    else {
        const auto adj = run_backward<S, F, List, Act, lanes_vectorise>(v);
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            ((out[First + K][j] = vmap_output<S, K, M>::template get<Act>(v, adj)), ...);
        }(std::make_index_sequence<output_count(static_cast<M*>(nullptr))>{});
    }
}

template <class M>
struct vmap_model_facts;
template <bool WithValue, class F, class... Vs>
struct vmap_model_facts<vmap_model<WithValue, F, Vs...>> {
    using list = graph::nodes_t<F>;
    /// What output k of this model is, in words: "the values", or "d/dx".
    static std::string what(std::size_t k) {
        if (WithValue && k == 0) return "the values";
        const std::size_t v = k - (WithValue ? 1 : 0);
        std::string out = "d/d";
        std::size_t i = 0;
        ((i++ == v ? (out += name_v<typename Vs::name>, 0) : 0), ...);
        return out;
    }
};

template <class Policy, class Models, class... Slots>
struct vmap_into_fn;
template <class Policy, class... Ms, class... Slots>
struct vmap_into_fn<Policy, record<Ms...>, Slots...> {
    record<Ms...> models;
    Policy policy;
    record<Slots...> to;

    static constexpr std::size_t outputs = sizeof...(Slots);
    static constexpr std::array<bool, outputs + 1> summed{Slots::summed..., false};
    static constexpr std::size_t sums = (std::size_t{0} + ... + (Slots::summed ? 1 : 0));
    /// Output k's place among the summed ones.
    static constexpr std::size_t sum_index(std::size_t k) noexcept {
        std::size_t j = 0;
        for (std::size_t i = 0; i < k; ++i) j += summed[i] ? 1 : 0;
        return j;
    }
    /// Where model m's outputs start among all outputs.
    static constexpr std::array<std::size_t, sizeof...(Ms) + 1> first_output = [] {
        std::array<std::size_t, sizeof...(Ms) + 1> at{};
        std::size_t m = 0;
        ((at[m + 1] = at[m] + output_count(static_cast<Ms*>(nullptr)), ++m), ...);
        return at;
    }();

    /// Sample i of every model, into out[...][j] (a function rather than a lambda, which g++ would
    /// not inline).
    template <class S, std::size_t... Mi, class... Bs>
    [[gnu::always_inline]] void samples(S (&out)[outputs][vmap_block], std::size_t j, std::size_t i, std::index_sequence<Mi...>,
                                        const Bs&... bs) const {
        (vmap_sample<S, first_output[Mi]>(models.template get<Mi>(), out, j, i, bs...), ...);
    }

    /// The samples [first, first + m) of one block (Full: m is vmap_block, known to the compiler):
    /// every model for one sample in one iteration, so that the compiler computes what the models
    /// share once.
    template <class S, bool Full, class... Bs>
    void block(std::size_t first, std::size_t m, S* partial, const Bs&... bs) const {
        S out[outputs][vmap_block];
        const std::size_t count = Full ? vmap_block : m;
        for (std::size_t i = 0; i < count; ++i) samples<S>(out, i, first + i, std::index_sequence_for<Ms...>{}, bs...);
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            auto keep = [&]<std::size_t k>(std::integral_constant<std::size_t, k>) {
                const auto& slot = to.template get<k>();
                if constexpr (summed[k]) {
                    S sum = out[k][0];
                    for (std::size_t i = 1; i < count; ++i) sum += out[k][i];
                    partial[sum_index(k)] = count == 0 ? S(0) : sum;
                } else
                    std::copy(out[k], out[k] + count, slot.to.data() + first);
            };
            (keep(std::integral_constant<std::size_t, K>{}), ...);
        }(std::make_index_sequence<outputs>{});
    }

    template <class... Bs>
    void operator()(const Bs&... bs) const {
        constexpr bool numbers = (!tensor_graph<typename vmap_model_facts<Ms>::list>::value && ...);
        static_assert(numbers, "stag: vmap takes models of numbers (their samples go in SIMD lanes); a tensor model's loops are vectorised already");
        constexpr bool per_sample = (is_step_binding<Bs> || ...);
        static_assert(per_sample, "stag: vmap(...).into(...)(bindings...): bind at least one variable to its per-sample values, "
                                  "stag::each(x, values)");
        if constexpr (per_sample && numbers && (binding_check<typename vmap_model_facts<Ms>::list, sample_binding_t<Bs>...>::value && ...)) {
            using S = std::common_type_t<typename scalar_type<typename vmap_model_facts<Ms>::list, environment<sample_binding_t<Bs>...>>::type...>;
            constexpr bool fits = (std::is_same_v<typename Slots::element, S> && ...);
            static_assert(fits, "stag: vmap(...).into(...): a destination's numbers are not of the sweep's number type (the "
                                "common type of the bound values: double unless every value is float)");
            if constexpr (fits) run<S>(bs...);
        }
    }

    template <class S, class... Bs>
    void run(const Bs&... bs) const {
        const std::size_t n = sample_count(bs...);
        check_destinations(n);
        const std::size_t blocks = (n + vmap_block - 1) / vmap_block;
        std::vector<S> partial(sums == 0 ? 0 : blocks * sums);
        auto run_blocks = [&](std::size_t from, std::size_t until) {
            for (std::size_t b = from; b < until; ++b) {
                const std::size_t first = b * vmap_block, m = std::min(vmap_block, n - first);
                S* p = sums == 0 ? nullptr : partial.data() + b * sums;
                if (m == vmap_block) block<S, true>(first, m, p, bs...);
                else block<S, false>(first, m, p, bs...);
            }
        };
        std::size_t threads = 1;
        if constexpr (std::is_same_v<Policy, parallel>)
            threads = policy.threads != 0 ? policy.threads : std::max(1u, std::thread::hardware_concurrency());
        threads = std::max<std::size_t>(1, std::min(threads, blocks));
        if (threads == 1)
            run_blocks(0, blocks);
        else {
            // Contiguous ranges of blocks; the calling thread takes the first, and the ranges of
            // any thread that cannot be started (std::system_error) after it.
            std::vector<std::thread> workers;
            workers.reserve(threads - 1);
            std::size_t started = 1;
            try {
                for (; started < threads; ++started)
                    workers.emplace_back(run_blocks, blocks * started / threads, blocks * (started + 1) / threads);
            } catch (const std::system_error&) {
            }
            run_blocks(0, blocks / threads);
            if (started < threads) run_blocks(blocks * started / threads, blocks);
            for (auto& w : workers) w.join();
        }
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            auto total = [&]<std::size_t k>(std::integral_constant<std::size_t, k>) {
                if constexpr (summed[k]) {
                    S sum = S(0);
                    for (std::size_t b = 0; b < blocks; ++b) sum += partial[b * sums + sum_index(k)];
                    *to.template get<k>().to = sum;
                }
            };
            (total(std::integral_constant<std::size_t, K>{}), ...);
        }(std::make_index_sequence<outputs>{});
    }

    /// The number of samples: the length every per-sample view shares.
    template <class... Bs>
    static std::size_t sample_count(const Bs&... bs) {
        std::size_t n = 0;
        std::string first;
        auto look = [&](const auto& b) {
            using B = std::remove_cvref_t<decltype(b)>;
            if constexpr (is_step_binding<B>) {
                const std::string name(name_v<typename B::var::name>);
                if (first.empty()) first = name, n = b.values.size();
                else if (b.values.size() != n)
                    throw std::invalid_argument("stag: vmap: each(" + first + ", ...) has " + std::to_string(n) + " samples but each(" +
                                                name + ", ...) has " + std::to_string(b.values.size()));
            }
        };
        (look(bs), ...);
        return n;
    }
    /// Every per-sample destination holds one element per sample.
    void check_destinations(std::size_t n) const {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            auto check = [&]<std::size_t k>(std::integral_constant<std::size_t, k>) {
                const auto& slot = to.template get<k>();
                if constexpr (!summed[k])
                    if (slot.size() != n)
                        throw std::invalid_argument("stag: vmap: destination " + std::to_string(k + 1) + " of into(...) (" + what(k) +
                                                    ") holds " + std::to_string(slot.size()) + " elements, for " + std::to_string(n) +
                                                    " samples");
            };
            (check(std::integral_constant<std::size_t, K>{}), ...);
        }(std::make_index_sequence<outputs>{});
    }
    /// What output k is, in words: "the values", or "d/dx" (and of which model, when several).
    static std::string what(std::size_t k) {
        std::string out;
        std::size_t m = 0;
        ((first_output[m] <= k && k < first_output[m + 1]
              ? (out = vmap_model_facts<Ms>::what(k - first_output[m]) +
                       (sizeof...(Ms) > 1 ? ", of model " + std::to_string(m + 1) : std::string()),
                 0)
              : 0,
          ++m),
         ...);
        return out;
    }
};

template <class Policy, class... Ms>
struct vmap_fn {
    record<Ms...> models;
    Policy policy;
    /// `vmap(g...).into(values, dx, ...)`: where the results go, one per output in order (for each
    /// model in turn: the values for an expression or value_and_grad, then one per variable of grad
    /// or value_and_grad). A contiguous range of the caller's (std::vector, std::array, std::span,
    /// taken by reference or, for a span, by value) gets one element per sample; a number of the
    /// caller's gets the sum over samples.
    template <class... Ds>
    constexpr auto into(Ds&&... ds) const {
        constexpr bool count = sizeof...(Ds) == (std::size_t{0} + ... + output_count(static_cast<Ms*>(nullptr)));
        static_assert(count, "stag: vmap(g...).into(...): give one destination per output: for each model in turn, the values "
                             "(for an expression or value_and_grad), then one per variable of grad or value_and_grad");
        constexpr bool views = (vmap_destination<Ds&&>() && ...);
        static_assert(!count || views, "stag: vmap(g).into(...): a destination must be a number or a contiguous range of numbers "
                                       "of the caller's (not const, not a temporary; a std::span may be a temporary)");
        if constexpr (count && views)
            return vmap_into_fn<Policy, record<Ms...>, decltype(vmap_slot_for(std::forward<Ds>(ds)))...>{
                models, policy, record<decltype(vmap_slot_for(std::forward<Ds>(ds)))...>(vmap_slot_for(std::forward<Ds>(ds))...)};
        else
            return failed{};
    }
};

template <class Policy, class... Gs>
constexpr auto make_vmap(const Policy& policy, const Gs&... gs) {
    constexpr bool valid = (vmap_model_of<Gs>::valid && ...);
    static_assert(valid, "stag: vmap(g...): each g must be a stag expression, stag::grad(f, vars...) or stag::value_and_grad(f, vars...)");
    if constexpr (valid) {
        using Models = record<decltype(vmap_model_of<Gs>::make(gs))...>;
        return vmap_fn<Policy, decltype(vmap_model_of<Gs>::make(gs))...>{Models(vmap_model_of<Gs>::make(gs)...), policy};
    } else
        return failed{};
}

/// No execution policy: one thread.
struct sequential {};

}  // namespace detail

/// `stag::vmap(g...).into(dests...)(bindings...)`: each g (an expression, grad(f, vars...) or
/// value_and_grad(f, vars...)) for every sample, the variables bound with stag::each(x, values)
/// taking their per-sample values and the other bindings shared. Several models run in one loop,
/// so that what they share is computed once per sample. See the header comment.
template <class G, class... Gs>
    requires(!std::is_same_v<G, parallel>)
constexpr auto vmap(const G& g, const Gs&... gs) {
    return detail::make_vmap(detail::sequential{}, g, gs...);
}
/// The same on several threads: `stag::vmap(stag::parallel{2}, g...)`; the results do not depend
/// on the number of threads.
template <class G, class... Gs>
constexpr auto vmap(parallel p, const G& g, const Gs&... gs) {
    return detail::make_vmap(p, g, gs...);
}

}  // namespace stag
