// stag::map_sum: a per-row expression summed over rows whose number is known only at run time (a
// mixture model's log-likelihood over however many points a file holds, a residual summed over
// every observation).
//
// The row expression is an ordinary stag expression of static shape, compiled once. What in it does
// not depend on the rows (a softmax of mixture weights, exp of log precisions) is computed once per
// call, not once per row: each largest such subexpression is replaced by a variable bound to its
// value (loop-invariant code motion, on the type). Each row is then one fused forward and backward
// sweep of what remains, with the row's variables bound to that row's values (views, not copies),
// its gradient added where the total is kept, the hoisted values' adjoints too; one last sweep
// takes those adjoints back to the variables they were computed from. Nothing is allocated per
// row; below the tensor sweep's threshold (docs/tensors.md) nothing is allocated at all.
#pragma once

#include <stag/core/dual.hpp>
#include <stag/engine/bindings.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/hoist.hpp>
#include <stag/engine/summed.hpp>
#include <stag/ops/tensor.hpp>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

/// The sum over rows of F, whose per-row variables are Rows...: built by stag::map_sum.
template <class F, class... Rows>
struct map_sum_t {
    F f;
};

/// `map_sum(f, x, ...)`: the sum, over the rows of a run-time axis, of the expression f, in which
/// the variables x, ... take one row's values; every other variable of f is shared by all rows.
/// Bind each x with `stag::each(x, xs)`: xs holds one value of x per row (a range of numbers for a
/// number, of tensors for a tensor), or, for a tensor variable, its rows' elements one after the
/// other (row-major, as an n x d matrix is kept).
template <class F, class... Rows>
constexpr auto map_sum(const F& f, const Rows&...) {
    static_assert(expression<F>, "stag: map_sum(f, rows...): f must be a stag expression");
    static_assert(sizeof...(Rows) > 0, "stag: map_sum(f, rows...): name at least one per-row variable");
    static_assert((variable<Rows> && ...), "stag: map_sum(f, rows...): the per-row arguments must be variables");
    static_assert(scalar_node<F>, "stag: map_sum(f, rows...): f, what a row adds to the sum, must be a number");
    return map_sum_t<F, Rows...>{f};
}

namespace detail {

/// How a per-row binding each(x, xs) holds its rows: as values of x (Flat false), or, for a tensor
/// variable x, as the elements of its rows one after the other (Flat true, Size elements a row),
/// numbers or stag::dual numbers (jvp and hvp over a run-time axis bind those).
template <class V, class T>
struct row_layout {
    static constexpr bool flat = false;
    static constexpr std::size_t size = 1;
};
template <class V, class T>
    requires(is_tensor<typename V::value_type> && (std::is_arithmetic_v<T> || is_dual_v<T>))
struct row_layout<V, T> {
    static constexpr bool flat = true;
    static constexpr std::size_t size = V::value_type::size();
};

template <class B>
using layout_of = row_layout<typename B::var, std::remove_cv_t<typename decltype(B::values)::element_type>>;

/// The number of rows a per-row binding holds; a flat one must hold whole rows.
template <class B>
std::size_t rows_in(const B& b) {
    using L = layout_of<B>;
    if constexpr (L::flat) return whole_rows("map_sum", name_v<typename B::var::name>, b.values.size(), L::size);
    else
        return b.values.size();
}

/// The binding of row i's value: a reference to it, or a fixed-size view of its elements.
template <class B>
constexpr auto row_binding(const B& b, std::size_t i) {
    using L = layout_of<B>;
    using V = typename B::var;
    if constexpr (L::flat) return V{} = std::span<const typename decltype(B::values)::element_type, L::size>(b.values.data() + i * L::size, L::size);
    else return V{} = b.values[i];
}

/// f(the bindings of row i): the shared ones, then each per-row variable's value at row i.
template <class Fixed, class Along, class G>
constexpr auto call_row(std::size_t i, const Fixed& fixed, const Along& along, G g) {
    return std::apply([&](const auto&... bs) { return std::apply([&](const auto&... rs) { return g(bs..., row_binding(rs, i)...); }, along); },
                      fixed);
}

/// Which per-row variables the bindings name; the run-time checks of a map_sum call.
template <class Along, class... Rows>
struct rows_bound;
template <class... Bs, class... Rows>
struct rows_bound<std::tuple<Bs...>, Rows...> {
    static constexpr bool value = sizeof...(Bs) == sizeof...(Rows) && (is_listed<typename Bs::var, Rows...> && ...);
};

template <class... Rows, class Along>
std::size_t map_sum_rows(const Along& along) {
    static_assert(rows_bound<Along, Rows...>::value,
                  "stag: map_sum: bind each per-row variable, and only those, with stag::each(x, values), once each");
    if constexpr (std::tuple_size_v<Along> == 0) return 0;
    else return std::apply([](const auto&... rs) { return common_length("map_sum", [](const auto& r) { return rows_in(r); }, rs...); }, along);
}

}  // namespace detail

namespace detail {
/// The rows' sweeps of a planned map_sum: each row's value and gradient, with respect to Vs and to
/// the hoisted variables Hs, added up; then the hoisted adjoints taken back to Vs in one sweep.
/// Returns k(std::type_identity<S>{}, go), S the number type of the rows' values: go(ds...) adds
/// the gradient with respect to Vs to ds (one destination per variable) and returns the sum.
template <class Plan, class... Vs, class... Hs, class Row, class Shared, class Fixed, class Along, class K>
auto map_sum_sweep(std::tuple<Hs...>, const Row& row_expression, const Shared& shared, const Fixed& fixed, const Along& along, std::size_t n,
                   const K& k) {
    const auto row = value_and_grad(row_expression, Vs{}..., Hs{}...);
    using R = decltype(call_row(0, fixed, along, [&](const auto&... bs) { return row(bs...); }));
    using S = std::remove_cvref_t<decltype(std::declval<R>().value)>;
    return k(std::type_identity<S>{}, [&](auto&&... ds) {
        S total{};
        typename Plan::adjoints adjoints{};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            // The destinations were checked once, against the shared bindings, by the caller; the
            // hoisted adjoints are this function's own: so the rows' sweeps skip that check (once
            // per row, it cost some 4% of a small mixture's time).
            auto accumulate = row.accumulate_into(ds..., std::get<I>(adjoints).get()...);
            accumulate.checked = false;
            for (std::size_t i = 0; i < n; ++i) total += call_row(i, fixed, along, [&](const auto&... bs) { return accumulate(bs...); });
        }(std::index_sequence_for<Hs...>{});
        Plan::template take_back<Vs...>(shared, adjoints, nullptr, ds...);
        return total;
    });
}

}  // namespace detail

namespace detail {
/// What every map_sum call does first: split the bindings, check the rows, compute the hoisted
/// values and bind them; then g(plan, the split bindings, the shared bindings with the hoisted
/// ones, the number of rows).
template <class F, class... Rows, class G, class... Args>
auto map_sum_call(const G& g, const Args&... args) {
    using Split = decltype(split_runtime_bindings(args...));
    using plan = hoist_plan<F, typename Split::first_type, Rows...>;
    const Split split = split_runtime_bindings(args...);
    const std::size_t n = map_sum_rows<Rows...>(split.second);
    const auto values = plan::values(split.first);
    const auto fixed = std::tuple_cat(split.first, plan::bindings(values));  // (refers to values)
    return g(plan{}, split, fixed, n);
}

/// map_sum's Sweeper for summed_gradient_fn.
struct map_sum_sweeper {
    template <class... Vs, class F, class... Rows, class K, class... Args>
    static auto run(const map_sum_t<F, Rows...>& m, const char*, const K& k, const Args&... args) {
        return map_sum_call<F, Rows...>(
            [&](auto plan, const auto& split, const auto& fixed, std::size_t n) {
                using P = decltype(plan);
                return map_sum_sweep<P, Vs...>(typename P::hoisted{}, P::body_hoisted::apply(m.f), split.first, fixed, split.second, n, k);
            },
            args...);
    }
};
}  // namespace detail

/// `eval(map_sum(f, x), each(x, xs), w = ...)`: the sum of f over the rows (0 for no rows).
template <class F, class... Rows, class... Args>
auto eval(const map_sum_t<F, Rows...>& m, const Args&... args) {
    return detail::map_sum_call<F, Rows...>(
        [&](auto plan, const auto& split, const auto& fixed, std::size_t n) {
            const auto row = decltype(plan)::body_hoisted::apply(m.f);
            const auto at = [&](std::size_t i) { return detail::call_row(i, fixed, split.second, [&](const auto&... bs) { return eval(row, bs...); }); };
            decltype(at(0)) sum{};
            for (std::size_t i = 0; i < n; ++i) sum += at(i);
            return sum;
        },
        args...);
}

/// `value_and_grad(map_sum(f, x), w, ...)(each(x, xs), w = ...)`: the sum and its gradient with
/// respect to shared variables, summed over the rows; `.grad[w]` as for any other expression.
/// `.into(gw, ...)` writes the gradient into the caller's storage (`.accumulate_into` adds it
/// there) and the call returns the value.
template <class F, class... Rows, class... Vs>
auto value_and_grad(const map_sum_t<F, Rows...>& m, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: value_and_grad(map_sum, vars...): differentiate with respect to variables");
    if constexpr ((variable<Vs> && ...)) {
        constexpr bool shared[] = {!detail::is_listed<Vs, Rows...>..., true};
        if constexpr (constexpr std::size_t row = detail::first_false(shared); row < sizeof...(Vs))
            detail::variable_is_shared_by_the_rows<spelled<typename graph::type_at<row, graph::node_list<Vs...>>::name>, false>();
    }
    return detail::summed_gradient_fn<detail::map_sum_sweeper, true, map_sum_t<F, Rows...>, Vs...>{m};
}

/// `grad(map_sum(f, x), w, ...)(bindings...)`: the gradient alone; `.into(gw, ...)` and
/// `.accumulate_into(gw, ...)` as for value_and_grad.
template <class F, class... Rows, class... Vs>
auto grad(const map_sum_t<F, Rows...>& m, const Vs&... vs) {
    (void)value_and_grad(m, vs...);  // its checks
    return detail::summed_gradient_fn<detail::map_sum_sweeper, false, map_sum_t<F, Rows...>, Vs...>{m};
}

}  // namespace stag
