// stag::check_grad: the reverse-mode gradient against central finite differences, per variable.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/rows.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <span>
#include <string_view>
#include <type_traits>
#include <string>
#include <vector>

namespace stag {

/// One variable's line of a gradient check.
struct grad_check_entry {
    std::string variable;      ///< its name
    double reverse;            ///< d f / d variable by the reverse sweep (grad)
    double finite_difference;  ///< the same by central differences
    double error;              ///< |reverse - finite_difference| / max(1, |finite_difference|)
};

/// What check_grad returns: a line per variable of f, in the order of the forward sweep, and the
/// largest error. The error is relative where the derivative is larger than 1 and absolute below,
/// so that derivatives near 0 are not judged by a meaningless ratio.
struct grad_check {
    std::vector<grad_check_entry> entries;
    double max_error = 0;
    /// Whether every variable's error is at most `tolerance`.
    bool passed(double tolerance) const noexcept { return max_error <= tolerance; }

    friend std::ostream& operator<<(std::ostream& os, const grad_check& c) {
        os << "max error " << c.max_error;
        for (const auto& e : c.entries)
            os << "\n  " << e.variable << ": reverse " << e.reverse << ", finite difference " << e.finite_difference
               << ", error " << e.error;
        return os;
    }
};

namespace detail {
template <class V, class F, class Env, class... Bs>
double central_difference(const F& f, const Env& env, const Bs&... bs) {
    using T = typename Env::template value_type<V>;
    const T x = env.template lookup<V>();
    // The step that balances truncation (h^2) against rounding (eps / h) for a central difference.
    const T h = std::cbrt(std::numeric_limits<T>::epsilon()) * std::max(T(1), T(std::fabs(x)));
    const T up = static_cast<T>(x + h), down = static_cast<T>(x - h);  // the steps actually taken
    const auto fu = eval(f, rebind<V>(bs, up)...);
    const auto fd = eval(f, rebind<V>(bs, down)...);
    return static_cast<double>((fu - fd) / (up - down));
}

/// The entry of element e of a variable of shape Shape: "W(1, 2)", or the name alone for a number.
template <std::size_t... D>
std::string element_name(std::string_view name, std::size_t e, std::index_sequence<D...>) {
    std::string out(name);
    if constexpr (sizeof...(D) > 0) {
        constexpr std::size_t dims[] = {D...};
        std::size_t index[sizeof...(D)];
        for (std::size_t k = sizeof...(D); k-- > 0;) {
            index[k] = e % dims[k];
            e /= dims[k];
        }
        for (std::size_t k = 0; k < sizeof...(D); ++k) {
            out += k == 0 ? "(" : ", ";  // two appends: g++ 12 warns falsely (-Wrestrict) on "(" + std::string
            out += std::to_string(index[k]);
        }
        out += ")";
    }
    return out;
}

inline void record_entry(grad_check& out, grad_check_entry e) {
    e.error = std::fabs(e.reverse - e.finite_difference) / std::max(1.0, std::fabs(e.finite_difference));
    if (!(e.error <= out.max_error)) out.max_error = e.error;  // NaN wins
    out.entries.push_back(std::move(e));
}

/// check_grad of f for the variables of List (keys of nodes) that Env binds: each variable's
/// element moved in a copy of its value.
template <class S, class List, class F, class Env, class... Bs>
void check_variables(grad_check& out, const F& f, const Env& env, const Bs&... bs) {
    auto one = [&]<class V>(std::type_identity<V>) {
        const auto g = grad(f, V{})(bs...);
        const auto* reverse = elements_of(g.template get<0>());
        using T = typename Env::template value_type<V>;
        const std::string_view name = name_v<typename V::name>;
        if constexpr (number_type<T>) {
            record_entry(out, {std::string(name), double(reverse[0]), central_difference<V>(f, env, bs...), 0.0});
        } else {
            using E = typename bound_element<T>::type;
            constexpr std::size_t count = shape_count<node_shape_t<V>>::value;
            const auto* from = elements_of(env.template lookup<V>());
            std::vector<E> moved(from, from + count);
            const std::span<const E, count> view(moved.data(), count);
            for (std::size_t e = 0; e < count; ++e) {
                const E x = moved[e];
                const E h = std::cbrt(std::numeric_limits<E>::epsilon()) * std::max(E(1), E(std::fabs(x)));
                const E up = static_cast<E>(x + h), down = static_cast<E>(x - h);
                moved[e] = up;
                const S fu = eval(f, rebind<V>(bs, view)...);
                moved[e] = down;
                const S fd = eval(f, rebind<V>(bs, view)...);
                moved[e] = x;
                record_entry(out, {element_name(name, e, node_shape_t<V>{}), double(reverse[e]), double((fu - fd) / S(up - down)), 0.0});
            }
        }
    };
    auto visit = [&]<class N>(std::type_identity<N>) {
        // (Env holds what may be moved: over a run-time axis, not the variables with the axis, which
        // have a value per row and so no one gradient, nor stag's own 1 / length.)
        if constexpr (graph::node_traits<N>::kind == graph::node_kind::variable) {
            if constexpr (Env::template has<N>) one(std::type_identity<N>{});
        }
    };
    [&]<class... Ks>(graph::node_list<Ks...>*) { (visit(std::type_identity<graph::node_t<Ks>>{}), ...); }(static_cast<List*>(nullptr));
}
/// check_grad of a tensor expression with one element: for every variable (in the order of the
/// forward sweep) grad with respect to it, then each element moved by central differences in a
/// copy of its value.
template <class F, class... Bs>
void check_tensor_grad(grad_check& out, const F& f, const Bs&... bs) {
    using List = graph::nodes_t<F>;
    using Env = environment<Bs...>;
    using S = typename scalar_type<List, Env>::type;
    constexpr bool one_element = layout<List>::count[List::size - 1] == 1;
    static_assert(one_element, "stag: check_grad(f, bindings...): f must have one element; reduce a tensor with stag::sum or stag::mean first");
    if constexpr (one_element) check_variables<S, List>(out, f, Env{record<Bs...>{bs...}}, bs...);
}
/// check_variables for the variables bound in Shared (a tuple of bindings taken from bs), visited in
/// List's order: the others (data along an axis, per-step inputs) have no line. Each difference
/// evaluates f with all of bs. (check_grad over a run-time axis and of loops.)
template <class S, class List, class F, class... Shared, class... Bs>
void check_shared_variables(grad_check& out, const F& f, const std::tuple<Shared...>& shared, const Bs&... bs) {
    const environment<Shared...> env{std::apply([](const auto&... b) { return record<Shared...>{b...}; }, shared)};
    check_variables<S, List>(out, f, env, bs...);
}
/// check_grad of an expression over a run-time axis: a line per element of every variable the rows
/// share, f evaluated over all the rows for each difference; the variables with the axis have none.
template <class F, class... Bs>
void check_rows_grad(grad_check& out, const F& f, const Bs&... bs) {
    check_shared_variables<decltype(eval(f, bs...)), graph::nodes_t<F>>(out, f, split_bindings<bound_to_rows>(bs...).first, bs...);
}
}  // namespace detail

/// Checks grad against central finite differences for every variable of f at the bindings given:
/// `stag::check_grad(f, x = 1.0, y = 2.0).passed(1e-6)`. A tensor variable has one line per
/// element ("W(1, 2)"), each from two evaluations of f with that element moved in a copy of the
/// bound value; f must then have one element. Over a run-time axis, every variable the rows share
/// (each difference evaluates f over all the rows). Not constexpr; it allocates.
template <class F, class... Bs>
grad_check check_grad(const F& f, const Bs&... bs) {
    static_assert(expression<F>, "stag: check_grad(f, bindings...): f must be a stag expression");
    grad_check out;
    if constexpr (detail::has_run_time_axis<F>) {
        if constexpr (detail::rows_grad_arguments<F>() && detail::rows_bindings_check<F, Bs...>()) detail::check_rows_grad(out, f, bs...);
    } else if constexpr (tensor_expression<F>) {
        if constexpr (detail::binding_check<graph::nodes_t<F>, Bs...>::value && detail::report_shapes<F>()) detail::check_tensor_grad(out, f, bs...);
    } else if constexpr (expression<F>) {
        if constexpr (detail::binding_check<graph::nodes_t<F>, Bs...>::value) {
            using List = graph::nodes_t<F>;
            using Act = graph::activity<List, graph::all_variables>;
            const auto sweeps = detail::sweep_all(f, bs...);
            const auto& adj = sweeps.adjoint;
            const detail::environment<Bs...> env{detail::record<Bs...>{bs...}};
            auto visit = [&]<class K, std::size_t I>(K*, std::integral_constant<std::size_t, I>) {
                using N = graph::node_t<K>;
                if constexpr (graph::node_traits<N>::kind == graph::node_kind::variable) {
                    grad_check_entry e{std::string(name_v<typename N::name>), Act::reached[I] ? double(adj[I]) : 0.0,
                                       detail::central_difference<N>(f, env, bs...), 0.0};
                    e.error = std::fabs(e.reverse - e.finite_difference) / std::max(1.0, std::fabs(e.finite_difference));
                    if (!(e.error <= out.max_error)) out.max_error = e.error;  // NaN wins
                    out.entries.push_back(e);
                }
            };
            [&]<class... Ks, std::size_t... Is>(graph::node_list<Ks...>*, std::index_sequence<Is...>) {
                (visit(static_cast<Ks*>(nullptr), std::integral_constant<std::size_t, Is>{}), ...);
            }(static_cast<List*>(nullptr), std::make_index_sequence<List::size>{});
        }
    }
    return out;
}

}  // namespace stag
