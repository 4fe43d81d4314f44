// stag::grad and stag::value_and_grad: reverse mode in one fused forward and backward sweep.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/tensor/sweep.hpp>

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>

namespace stag {

namespace detail {
/// The type of the gradient with respect to V: S for a number, a tensor of S of V's shape for a
/// tensor variable.
template <class S, class V>
struct gradient_value {
    using type = S;
};
template <class S, class Name, class T, std::size_t... Dims>
struct gradient_value<S, var_t<Name, tensor<T, Dims...>>> {
    using type = tensor<S, Dims...>;
};
}  // namespace detail
template <class S, class V>
using gradient_value_t = typename detail::gradient_value<S, V>::type;

/// Gradient with respect to variables Vs, in the order they were given: `g[x]`, or
/// `auto [gx, gy] = g;`. The gradient with respect to a tensor variable is a tensor of its shape.
template <class S, class... Vs>
struct gradient {
    detail::record<gradient_value_t<S, Vs>...> values;
    static constexpr S nothing{};  // what a misuse of operator[] returns after its error

    /// Position of V among Vs, sizeof...(Vs) for a variable not given to grad.
    template <class V>
    static constexpr std::size_t index_of = detail::name_position<typename V::name, typename Vs::name...>::value;

    template <class V>
    constexpr const auto& operator[](const V&) const noexcept {
        static_assert(variable<V>, "stag: gradient[v]: v must be a variable");
        if constexpr (variable<V>) {
            static_assert(index_of<V> < sizeof...(Vs), "stag: gradient[v]: v is not among the variables given to grad");
            if constexpr (index_of<V> < sizeof...(Vs)) return values.template get<index_of<V>>();
            else return nothing;
        } else
            return nothing;
    }
    template <class V>
    constexpr auto& operator[](const V& v) noexcept {
        using R = std::remove_cvref_t<decltype(static_cast<const gradient&>(*this)[v])>;
        return const_cast<R&>(static_cast<const gradient&>(*this)[v]);
    }
    template <std::size_t I>
    constexpr const auto& get() const noexcept { return values.template get<I>(); }
    template <std::size_t I>
    constexpr auto& get() noexcept { return values.template get<I>(); }
    static constexpr std::size_t size() noexcept { return sizeof...(Vs); }
};

/// What value_and_grad returns: `.value` and `.grad`.
template <class S, class G>
struct value_and_gradient {
    S value;
    G grad;
};

namespace detail {

template <class F, class... Vs>
constexpr bool check_grad_arguments() {
    constexpr bool is_expr = expression<F>;
    static_assert(is_expr || is_failed<F>, "stag: grad(f, vars...): f must be a stag expression");
    constexpr bool all_vars = (variable<Vs> && ...);
    static_assert(all_vars, "stag: grad(f, vars...): differentiate with respect to variables such as stag::var<\"x\">");
    if constexpr (all_vars) {
        constexpr bool distinct = ((binding_count<Vs, binding<Vs, int>...> == 1) && ...);
        static_assert(distinct, "stag: grad(f, vars...): a variable is listed twice");
        return is_expr && distinct;
    } else
        return false;
}

/// The values and adjoints of every node of f, with respect to all its variables, for the bindings
/// bs: the sweeps behind trace and check_grad.
template <class F, class... Bs>
constexpr auto sweep_all(const F& f, const Bs&... bs) {
    using List = graph::nodes_t<F>;
    using Env = environment<Bs...>;
    using S = typename scalar_type<List, Env>::type;
    const auto v = run_forward<S, List>(f, Env{record<Bs...>{bs...}});
    struct values_and_adjoints {
        std::array<S, List::size> value, adjoint;
    };
    return values_and_adjoints{v, run_backward<S, F, List, graph::activity<List, graph::all_variables>>(v)};
}

template <class F, class... Vs>
struct reverse_mode {
    F f;

    /// The value and the gradient (WithValue), or the gradient alone: built where it is returned,
    /// which matters for a tensor gradient of thousands of elements.
    template <bool WithValue, class... Bs>
    constexpr auto sweep(const Bs&... bs) const {
        using List = graph::nodes_t<F>;
        using Env = environment<Bs...>;
        using S = typename scalar_type<List, Env>::type;
        using Act = graph::activity<List, Vs...>;
        constexpr std::size_t n = List::size;
        const Env env{record<Bs...>{bs...}};
        if constexpr (tensor_graph<List>::value) {
            using G = gradient<S, Vs...>;
            if constexpr (report_shapes<F>())
                return tensor_value_and_grad<S, std::conditional_t<WithValue, value_and_gradient<S, G>, G>, Vs...>(f, env);
            else if constexpr (WithValue) return value_and_gradient<failed, failed>{};
            else return failed{};
        } else {
            const auto v = run_forward<S, List>(f, env);
            const auto adj = run_backward<S, F, List, Act>(v);
            gradient<S, Vs...> g{};
            auto take = [&]<std::size_t I>(std::integral_constant<std::size_t, I>) {
                using V = graph::type_at<I, graph::node_list<Vs...>>;
                if constexpr (graph::reaches<List, Act, V>::value) g.template get<I>() = adj[graph::position_of<graph::key<V>, List>::value];
            };
            [&]<std::size_t... Is>(std::index_sequence<Is...>) {
                (take(std::integral_constant<std::size_t, Is>{}), ...);
            }(std::index_sequence_for<Vs...>{});
            if constexpr (WithValue) return value_and_gradient<S, gradient<S, Vs...>>{v[n - 1], g};
            else return g;
        }
    }
};

}  // namespace detail

/// `grad(f, x, y)(x = 1.0, y = 2.0)`: the gradient of f with respect to x and y, by one forward
/// and one backward sweep over the unique nodes of f. Variables f does not use get 0.
template <class F, class... Vs>
struct grad_fn : detail::reverse_mode<F, Vs...> {
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        if constexpr (binding_check_ok<Bs...>()) return this->template sweep<false>(bs...);
        else return detail::failed{};
    }
    template <class... Bs>
    static constexpr bool binding_check_ok() {
        return detail::binding_check<graph::nodes_t<F>, Bs...>::value;
    }
};

/// `value_and_grad(f, x, y)(bindings...)`: `.value` and `.grad` from the same sweep.
template <class F, class... Vs>
struct value_and_grad_fn : detail::reverse_mode<F, Vs...> {
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        if constexpr (detail::binding_check<graph::nodes_t<F>, Bs...>::value) return this->template sweep<true>(bs...);
        else return value_and_gradient<detail::failed, detail::failed>{};  // .value, .grad[v] add no error
    }
};

template <class F, class... Vs>
constexpr auto grad(const F& f, const Vs&...) {
    if constexpr (detail::check_grad_arguments<F, Vs...>()) return grad_fn<F, Vs...>{{f}};
    else return detail::failed{};
}

template <class F, class... Vs>
constexpr auto value_and_grad(const F& f, const Vs&...) {
    if constexpr (detail::check_grad_arguments<F, Vs...>()) return value_and_grad_fn<F, Vs...>{{f}};
    else return [](const auto&...) { return value_and_gradient<detail::failed, detail::failed>{}; };
}

}  // namespace stag

template <class S, class... Vs>
struct std::tuple_size<stag::gradient<S, Vs...>> : std::integral_constant<std::size_t, sizeof...(Vs)> {};
template <std::size_t I, class S, class... Vs>
struct std::tuple_element<I, stag::gradient<S, Vs...>> {
    using type = stag::gradient_value_t<S, stag::graph::type_at<I, stag::graph::node_list<Vs...>>>;
};
