// stag::check_grad: the reverse-mode gradient against central finite differences, per variable.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
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
}  // namespace detail

/// Checks grad against central finite differences for every variable of f at the bindings given:
/// `stag::check_grad(f, x = 1.0, y = 2.0).passed(1e-6)`. Not constexpr; it allocates.
template <class F, class... Bs>
grad_check check_grad(const F& f, const Bs&... bs) {
    static_assert(expression<F>, "stag: check_grad(f, bindings...): f must be a stag expression");
    static_assert(!tensor_expression<F>, "stag: check_grad(f, bindings...) works on scalar expressions; for a tensor expression use stag::grad, stag::value_and_grad or stag::eval");
    grad_check out;
    if constexpr (expression<F> && !tensor_expression<F>) {
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
