// stag::d: symbolic differentiation, producing a new (simplified) expression type.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/chain.hpp>
#include <stag/engine/symbolic.hpp>

#include <utility>

namespace stag {

namespace detail {
template <class V, class E>
constexpr auto derive(const E& e);

template <class V, std::size_t I, class E>
constexpr auto chain_rule_term(const E& e) {
    const auto da = derive<V>(arg<I>(e));
    using Op = typename E::op;
    if constexpr (is_zero<decltype(da)>) return zero_t{};
    else if constexpr (is_op_node<E>::arity == 1) return chain_term<Op, I>(da, arg<0>(e), e);
    else if constexpr (is_op_node<E>::arity == 2) return chain_term<Op, I>(da, arg<0>(e), arg<1>(e), e);
    else
        return [&]<std::size_t... J>(std::index_sequence<J...>) {
            return chain_term<Op, I>(da, arg<J>(e)..., e);
        }(std::make_index_sequence<is_op_node<E>::arity>{});
}

template <class V, class E>
constexpr auto derive_node(const E& e) {
    if constexpr (variable<E>) {
        if constexpr (std::is_same_v<typename E::name, typename V::name>) return one_t{};
        else return zero_t{};
    } else if constexpr (!op_node<E>) return zero_t{};
    else if constexpr (piecewise_constant_op<typename E::op>) return zero_t{};
    else
        return [&]<std::size_t... Is>(std::index_sequence<Is...>) {
            return (zero_t{} + ... + chain_rule_term<V, Is>(e));
        }(std::make_index_sequence<is_op_node<E>::arity>{});
}

template <class V, class E>
constexpr auto derive(const E& e) {
    using R = decltype(derive_node<V>(e));
    // A derivative without run-time data is its type alone: returning R{} keeps the run-time work
    // linear in the unique nodes even where the expression's tree unfolding is exponential.
    if constexpr (R::stateless) return R{};
    else return derive_node<V>(e);
}
}  // namespace detail

/// Symbolic derivative of `f` with respect to variable `v`, as a new expression (simplified at
/// compile time): `d(sin(x), x)` is `cos(x)`, `d(x * y, x)` is `y`. Nest for higher orders.
/// Over tensors, f must be a number (a loss) and the result has v's shape: the gradient as an
/// expression, built by symbolic reverse mode from each op's vector-Jacobian product.
template <class F, class V>
constexpr auto d(const F& f, const V&) {
    static_assert(expression<F> || detail::is_failed<F>, "stag: d(f, v): f must be a stag expression");
    static_assert(variable<V> || detail::is_failed<F>, "stag: d(f, v): v must be a variable such as stag::var<\"x\">");
    if constexpr (!expression<F> || !variable<V>) return detail::failed{};
    else if constexpr (detail::has_run_time_axis<F>) {
        static_assert(!detail::has_run_time_axis<F>, "stag: d(f, v): f has a run-time axis (stag::dynamic); its gradient as an expression would "
                                                     "need ops that mix rows. Take the gradient with stag::grad or stag::value_and_grad");
        return detail::failed{};
    } else if constexpr (tensor_expression<F>) {
        constexpr bool number = scalar_node<F>;
        static_assert(number, "stag: d(f, v): f is tensor-valued; d takes a number-valued f such as a loss. For a tensor-valued f use stag::jacobian or stag::jvp");
        if constexpr (number) return detail::reverse_derive<V>(f);
        else return detail::failed{};
    } else if constexpr (is_tensor<typename V::value_type>)
        return detail::zeros_of<typename detail::shape_of<typename V::value_type>::type>();  // f does not depend on a tensor v
    else return detail::derive<V>(f);
}

}  // namespace stag
