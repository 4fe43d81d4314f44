// Beyond one gradient: forward-mode directional derivatives (jvp), Jacobians of several outputs
// and Hessians, all from the static graph.
#pragma once

#include <stag/engine/derivative.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/outputs.hpp>

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

// ---- jvp: forward mode ------------------------------------------------------------------------

/// Bindings grouped for jvp: `stag::primals(x = 1.0, y = 2.0)`, `stag::tangents(x = 1.0)`.
template <class... Bs>
struct binding_pack {
    std::tuple<Bs...> bindings;
};
namespace detail {
template <class T>
inline constexpr bool is_binding_pack = false;
template <class... Bs>
inline constexpr bool is_binding_pack<binding_pack<Bs...>> = true;
}  // namespace detail

template <class... Bs>
constexpr auto primals(const Bs&... bs) {
    constexpr bool ok = (is_binding<Bs> && ...);
    static_assert(ok, "stag: primals(...): pass bindings such as x = 1.0");
    if constexpr (ok) return binding_pack<Bs...>{{bs...}};
    else return detail::failed{};  // jvp adds no second error
}
template <class... Ts>
constexpr auto tangents(const Ts&... ts) {
    constexpr bool ok = (is_binding<Ts> && ...);
    static_assert(ok, "stag: tangents(...): pass bindings such as x = 1.0");
    if constexpr (ok) return binding_pack<Ts...>{{ts...}};
    else return detail::failed{};
}

/// What jvp returns: the value of f and its directional derivative along the tangents.
template <class S>
struct value_and_tangent {
    S value;
    S tangent;
};

namespace detail {
template <class F, class... Bs, class... Ts>
constexpr auto jvp_sweep(const F& f, const std::tuple<Bs...>& bs, const std::tuple<Ts...>& ts) {
    using List = graph::nodes_t<F>;
    using Env = environment<Bs...>;
    using TEnv = environment<Ts...>;
    using S = typename scalar_type<List, Env>::type;
    using Act = graph::activity<List, typename Ts::var...>;
    constexpr std::size_t n = List::size;
    const Env env{std::apply([](const Bs&... b) { return record<Bs...>{b...}; }, bs)};
    const TEnv tenv{std::apply([](const Ts&... t) { return record<Ts...>{t...}; }, ts)};
    const auto v = run_forward<S, List>(f, env);
    const auto t = run_tangent<S, List, Act>(v, tenv);
    return value_and_tangent<S>{v[n - 1], t[n - 1]};
}
}  // namespace detail

/// Forward mode: the value of f at the primals and its derivative along the tangents, in one sweep
/// over the unique nodes (cheaper than a gradient when f has many inputs and one direction):
/// `stag::jvp(f, stag::primals(x = 1.0, y = 2.0), stag::tangents(x = 1.0))` is {f, df/dx}.
/// Variables without a tangent have tangent 0.
template <class F, class Primals, class Tangents>
constexpr auto jvp(const F& f, const Primals& at, const Tangents& along) {
    static_assert(expression<F> || detail::is_failed<F>, "stag: jvp(f, primals(...), tangents(...)): f must be a stag expression");
    constexpr bool packs = (detail::is_binding_pack<Primals> || detail::is_failed<Primals>) &&
                           (detail::is_binding_pack<Tangents> || detail::is_failed<Tangents>);
    static_assert(packs, "stag: jvp(f, primals(...), tangents(...)): pass the bindings through stag::primals and stag::tangents");
    static_assert(!tensor_expression<F>, "stag: jvp(f, primals, tangents) works on scalar expressions; for a tensor expression use stag::grad, stag::value_and_grad or stag::eval");
    if constexpr (expression<F> && packs && !tensor_expression<F> && !detail::is_failed<Primals> && !detail::is_failed<Tangents>) {
        return [&]<class... Bs, class... Ts>(const binding_pack<Bs...>& p, const binding_pack<Ts...>& t) {
            if constexpr (detail::binding_check<graph::nodes_t<F>, Bs...>::value) return detail::jvp_sweep(f, p.bindings, t.bindings);
            else return value_and_tangent<detail::failed>{};
        }(at, along);
    } else
        return value_and_tangent<detail::failed>{};  // .value and .tangent add no error
}

// ---- jacobian ---------------------------------------------------------------------------------

/// The Jacobian of M outputs: `J[i]` is the gradient of output i (`J[i][x]`), `J.values[i]` its
/// value.
template <class S, std::size_t M, class... Vs>
struct jacobian_matrix {
    std::array<S, M> values;
    std::array<gradient<S, Vs...>, M> rows;
    constexpr const gradient<S, Vs...>& operator[](std::size_t i) const noexcept { return rows[i]; }
    static constexpr std::size_t size() noexcept { return M; }
};

template <class Outputs, class... Vs>
struct jacobian_fn;
template <class... Fs, class... Vs>
struct jacobian_fn<std::tuple<Fs...>, Vs...> {
    std::tuple<Fs...> fs;
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        using Root = detail::joined_t<Fs...>;
        if constexpr (detail::binding_check<graph::nodes_t<Root>, Bs...>::value) {
            using Env = detail::environment<Bs...>;
            using S = typename detail::scalar_type<graph::nodes_t<Root>, Env>::type;
            jacobian_matrix<S, sizeof...(Fs), Vs...> j{};
            detail::sweep_outputs<sizeof...(Fs), Vs...>(detail::join_tuple(fs), Env{detail::record<Bs...>{bs...}},
                                                        [&]<std::size_t I>(std::integral_constant<std::size_t, I>, S value, auto take) {
                                                            j.values[I] = value;
                                                            ((j.rows[I][Vs{}] = take(Vs{})), ...);
                                                        });
            return j;
        } else
            return detail::failed{};
    }
};

/// `jacobian(outputs(f, g), x, y)(bindings...)`: the value and the gradient of every output, by one
/// forward sweep over the unique nodes of all the outputs (a node they share is computed once) and
/// one backward sweep per output.
template <class... Fs, class... Vs>
constexpr auto jacobian(const std::tuple<Fs...>& fs, const Vs&...) {
    static_assert(!(tensor_expression<Fs> || ...), "stag: jacobian(outputs(...), vars...) works on scalar expressions; for a tensor expression use stag::grad, stag::value_and_grad or stag::eval");
    if constexpr ((detail::check_grad_arguments<Fs, Vs...>() && ...) && !(tensor_expression<Fs> || ...)) return jacobian_fn<std::tuple<Fs...>, Vs...>{fs};
    else return detail::failed{};
}

// ---- hessian ----------------------------------------------------------------------------------

/// The Hessian with respect to Vs: `H[x][y]` is d2f / dx dy; also the value and the gradient.
template <class S, class... Vs>
struct hessian_matrix {
    S value;
    gradient<S, Vs...> grad;
    std::array<gradient<S, Vs...>, sizeof...(Vs)> rows;

    template <class V>
    constexpr const gradient<S, Vs...>& operator[](const V&) const noexcept {
        static_assert(variable<V>, "stag: hessian[v]: v must be a variable");
        constexpr std::size_t i = gradient<S, Vs...>::template index_of<V>;
        static_assert(i < sizeof...(Vs), "stag: hessian[v]: v is not among the variables given to hessian");
        return rows[i < sizeof...(Vs) ? i : 0];
    }
};

template <class F, class... Vs>
struct hessian_fn {
    F f;
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        // One graph of f and its symbolic first derivatives d f / d v_i (which share most of their
        // nodes with f): one forward sweep, then a backward sweep from f for the gradient and one
        // from each d f / d v_i for row i of the Hessian.
        using Root = detail::joined_t<F, decltype(d(f, Vs{}))...>;
        if constexpr (detail::binding_check<graph::nodes_t<Root>, Bs...>::value) {
            using Env = detail::environment<Bs...>;
            using S = typename detail::scalar_type<graph::nodes_t<F>, Env>::type;
            hessian_matrix<S, Vs...> h{};
            const Root root = detail::join_outputs(f, d(f, Vs{})...);
            detail::sweep_outputs<1 + sizeof...(Vs), Vs...>(
                root, Env{detail::record<Bs...>{bs...}}, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto value, auto take) {
                    if constexpr (I == 0) {
                        h.value = static_cast<S>(value);
                        ((h.grad[Vs{}] = static_cast<S>(take(Vs{}))), ...);
                    } else
                        ((h.rows[I - 1][Vs{}] = static_cast<S>(take(Vs{}))), ...);
                });
            return h;
        } else
            return detail::failed{};
    }
};

/// `hessian(f, x, y)(bindings...)`: the symbolic first derivatives of f, each differentiated by a
/// reverse sweep, after one forward sweep over the nodes of f and of all of them; `H[x][y]`,
/// `H.value`, `H.grad[x]`.
template <class F, class... Vs>
constexpr auto hessian(const F& f, const Vs&...) {
    static_assert(!tensor_expression<F>, "stag: hessian(f, vars...) works on scalar expressions; for a tensor expression use stag::grad, stag::value_and_grad or stag::eval");
    if constexpr (detail::check_grad_arguments<F, Vs...>() && !tensor_expression<F>) return hessian_fn<F, Vs...>{f};
    else return detail::failed{};
}

}  // namespace stag
