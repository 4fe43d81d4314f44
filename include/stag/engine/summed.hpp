// The gradient of a sum over a run-time axis (map_sum's rows, an expression's run-time axis, scan's
// steps, a sum of such loops and expressions), with the API of every gradient: `.value` and
// `.grad`, or `.into(ds...)` and `.accumulate_into(ds...)` into the caller's storage. A loop
// states only its Sweeper, which checks and splits the call's bindings and adds the gradient to
// the destinations it is given; this header makes, clears and checks those destinations.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/gradient.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag::detail {

/// Zeroes a destination of into (a number, a stag::tensor, an array, a span, an Eigen matrix), for
/// a sweep that adds to it.
template <class D>
void clear_destination(D& d) {
    using T = std::remove_cv_t<D>;
    if constexpr (storage_count<T>() == 0) d = T{};
    else {
        auto* e = elements_of(d);
        for (std::size_t i = 0; i < storage_count<T>(); ++i) e[i] = 0;
    }
}

/// The bindings among bs that the destinations of into must not share storage with (those bound
/// with `=`, not the rows').
template <class B>
auto checked_binding(const B& b) {
    if constexpr (requires { b.get(); }) return std::tuple<const B&>{b};
    else return std::tuple<>{};
}

/// A sum over rows (map_sum, or an expression over a run-time axis) differentiated with respect to
/// the shared variables Vs, into the caller's storage Ds: the sweep (Sweeper::run) adds the
/// gradient to the destinations, zeroed first unless Accumulate; the call returns the value where
/// WithValue.
template <class Sweeper, bool WithValue, bool Accumulate, class F, class Vars, class... Ds>
struct summed_into_fn;
template <class Sweeper, bool WithValue, bool Accumulate, class F, class... Vs, class... Ds>
struct summed_into_fn<Sweeper, WithValue, Accumulate, F, graph::node_list<Vs...>, Ds...> {
    F f;
    record<into_slot<Ds>...> to;
    template <class... Bs>
    auto operator()(const Bs&... bs) const {
        [[maybe_unused]] auto v = Sweeper::template run<Vs...>(f, "into", [&]<class S>(std::type_identity<S>, const auto& go) {
            if constexpr (check_destinations<S>(graph::node_list<Vs...>{}, graph::node_list<Ds...>{}))
                return [&]<std::size_t... I>(std::index_sequence<I...>) {
                    gradient_into<Accumulate, graph::node_list<Vs...>, Ds...> g{to};
                    std::apply([&](const auto&... checked) { check_no_aliasing(graph::node_list<Vs...>{}, g, checked...); },
                               std::tuple_cat(checked_binding(bs)...));
                    if constexpr (!Accumulate) (clear_destination(to.template get<I>().get()), ...);
                    return go(to.template get<I>().get()...);
                }(std::index_sequence_for<Vs...>{});
            else
                return failed{};
        }, bs...);
        if constexpr (WithValue) return v;
    }
};

/// The value and gradient of a sum over rows with respect to the shared variables Vs, by Sweeper:
/// `Sweeper::run<Vs...>(f, what, k, bindings...)` checks and splits the bindings (errors named
/// after `what`), then returns k(std::type_identity<S>{}, go), where go(ds...) adds the gradient to
/// ds (one destination per variable) and returns the value (or failed{} where a check failed).
/// Called with bindings, `.value` and `.grad` (the gradient alone from grad: WithValue false);
/// `into(ds...)` writes the gradient where the caller keeps it, `accumulate_into(ds...)` adds it.
template <class Sweeper, bool WithValue, class F, class... Vs>
struct summed_gradient_fn {
    F f;
    template <class... Bs>
    auto operator()(const Bs&... bs) const {
        auto r = Sweeper::template run<Vs...>(f, WithValue ? "value_and_grad" : "grad", []<class S>(std::type_identity<S>, const auto& go) {
            value_and_gradient<S, gradient<S, Vs...>> out{};
            out.value = go(out.grad[Vs{}]...);
            return out;
        }, bs...);
        if constexpr (is_failed<decltype(r)>) {
            if constexpr (WithValue) return value_and_gradient<failed, failed>{};
            else return failed{};
        } else if constexpr (WithValue)
            return r;
        else
            return r.grad;
    }
    template <class... Ds>
    auto into(Ds&&... ds) const {
        return make<false>(std::forward<Ds>(ds)...);
    }
    template <class... Ds>
    auto accumulate_into(Ds&&... ds) const {
        return make<true>(std::forward<Ds>(ds)...);
    }

private:
    template <bool Accumulate, class... Ds>
    auto make(Ds&&... ds) const {
        if constexpr (into_arguments_ok<graph::node_list<Vs...>, Ds...>())
            return summed_into_fn<Sweeper, WithValue, Accumulate, F, graph::node_list<Vs...>, destination_t<Ds>...>{
                f, record<into_slot<destination_t<Ds>>...>{destination_slot(ds)...}};
        else
            return failed{};
    }
};

}  // namespace stag::detail
