// The op checker kit for tensor ops, one op at a time; a failure names the op and the check.
//
// An op is given as a lambda that builds the expression from tensor variables a, b, c (as many as
// the values given, each of its value's type), and the values to bind them to. For double:
//   - reverse mode: check_grad of sum(f * w), w an irregular weight per element of f (so every
//     element of f counts), against central differences, element by element of every argument;
//   - forward mode: jvp along irregular tangents against central differences of eval along them;
//   - reverse against forward: the Jacobian of f (one backward sweep per element) times the
//     tangents is jvp's tangent. jvp runs over dual numbers, so it differentiates the op's value
//     rule by dual arithmetic, while the backward sweep uses the op's derivative rule: a wrong
//     rule fails here and in check_grad (test_tensor_ops.cpp's wrong_mul shows it);
//   - symbolic reverse mode: d(sum(f * w), argument), an expression built from each op's
//     vector-Jacobian product, evaluates to the gradient;
// and for float: the value and the gradient of sum(f * w) agree with double's to float precision.
// An argument that is data (indices: gather's ids, pick's k) is bound at a value between integers,
// so that its central differences are 0, as its gradient is.
#pragma once

#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <utility>

namespace stag_test {

/// Argument I of a checked op, of type X: the variable a, b or c.
template <std::size_t I, class X>
constexpr auto op_argument() {
    static_assert(I < 3, "the tensor op checker takes at most three arguments");
    if constexpr (I == 0) return stag::var<"a", X>;
    else if constexpr (I == 1) return stag::var<"b", X>;
    else return stag::var<"c", X>;
}

/// x with irregular values derived from it (tangents, weights): no two alike.
template <class X>
X irregular(const X& x, double phase) {
    X out = x;
    for (std::size_t i = 0; i < x.size(); ++i) out.data()[i] = 0.7 * std::cos(2.1 * double(i) + phase) + 0.2;
    return out;
}
/// x + t * dx.
template <class X>
X along(const X& x, double t, const X& dx) {
    X out = x;
    for (std::size_t i = 0; i < x.size(); ++i) out.data()[i] = x.data()[i] + t * dx.data()[i];
    return out;
}
/// The same values as number type F.
template <class F, class X>
auto as_type(const X& x) {
    stag::tensor_of<F, typename X::shape_type> out;
    for (std::size_t i = 0; i < x.size(); ++i) out.data()[i] = static_cast<F>(x.data()[i]);
    return out;
}

/// The elements of a result, a number or a tensor.
template <class R>
const auto* elements(const R& r) {
    if constexpr (requires { r.data(); }) return r.data();
    else return &r;
}
template <class R>
constexpr std::size_t element_count() {
    if constexpr (requires { R::count; }) return R::count;
    else return 1;
}

/// sum(f * w) over f's M elements (f a tensor or a number).
template <std::size_t M, class F, class W>
constexpr auto weighted(const F& f, const W& w) {
    if constexpr (stag::scalar_node<F>) return f * stag::sum(w);
    else return stag::dot(stag::reshape<M>(f), w);
}

template <class Build, class... Xs, std::size_t... I>
void check_tensor_op_at(std::string_view op, Build build, std::index_sequence<I...>, const Xs&... xs) {
    BOOST_TEST_CONTEXT("tensor op " << op) {
        const auto f = build(op_argument<I, Xs>()...);
        using R = std::remove_cvref_t<decltype(stag::eval(f, (op_argument<I, Xs>() = xs)...))>;
        constexpr std::size_t m = element_count<R>();
        const R value = stag::eval(f, (op_argument<I, Xs>() = xs)...);
        // Reverse mode, element by element, against central differences.
        using WT = stag::tensor<double, m>;
        constexpr auto w = stag::var<"w", WT>;
        WT wv;
        for (std::size_t e = 0; e < m; ++e) wv.data()[e] = 0.9 * std::sin(1.7 * double(e) + 0.3) + 0.4;
        const auto loss = weighted<m>(f, w);
        const auto report = stag::check_grad(loss, (op_argument<I, Xs>() = xs)..., w = wv);
        BOOST_TEST(report.passed(2e-7), "reverse mode against central differences: " << report);
        // Forward mode along irregular tangents, against central differences of eval.
        const std::tuple<Xs...> dxs{irregular(xs, 0.5 + double(I))...};
        const auto r = stag::jvp(f, stag::primals((op_argument<I, Xs>() = xs)...),
                                 stag::tangents((op_argument<I, Xs>() = std::get<I>(dxs))...));
        const double h = 1e-6;
        const R fu = stag::eval(f, (op_argument<I, Xs>() = along(xs, h, std::get<I>(dxs)))...);
        const R fd = stag::eval(f, (op_argument<I, Xs>() = along(xs, -h, std::get<I>(dxs)))...);
        const auto* t = elements(r.tangent);
        const auto* v = elements(r.value);
        for (std::size_t e = 0; e < m; ++e) {
            const double numeric = (elements(fu)[e] - elements(fd)[e]) / (2 * h);
            BOOST_TEST(std::fabs(v[e] - elements(value)[e]) <= 1e-14 * std::max(1.0, std::fabs(v[e])),
                       "jvp value, element " << e << ": " << v[e] << " against eval's " << elements(value)[e]);
            BOOST_TEST(std::fabs(t[e] - numeric) <= 1e-6 * std::max(1.0, std::fabs(numeric)),
                       "forward mode, element " << e << ": jvp " << t[e] << ", central difference " << numeric);
        }
        // The Jacobian (reverse, row by row) times the tangents is jvp's tangent.
        const auto J = stag::jacobian(f, op_argument<I, Xs>()...)((op_argument<I, Xs>() = xs)...);
        for (std::size_t e = 0; e < m; ++e) {
            double sum = 0;
            auto add = [&](const auto& row, const auto& dx) {
                for (std::size_t k = 0; k < dx.size(); ++k) sum += row.data()[k] * dx.data()[k];
            };
            (add(J[e][op_argument<I, Xs>()], std::get<I>(dxs)), ...);
            BOOST_TEST(std::fabs(sum - t[e]) <= 1e-12 * std::max(1.0, std::fabs(t[e])),
                       "Jacobian times tangents, element " << e << ": " << sum << " against jvp " << t[e]);
        }
        // Symbolic reverse mode: d(loss, argument), evaluated, is the gradient.
        const auto gd = stag::value_and_grad(loss, op_argument<I, Xs>()...)((op_argument<I, Xs>() = xs)..., w = wv);
        auto symbolic = [&](auto v, const auto& g) {
            const auto dv = stag::d(loss, v);
            static_assert(std::is_same_v<stag::node_shape_t<decltype(dv)>, typename std::remove_cvref_t<decltype(g)>::shape_type>);
            const auto value = stag::eval(dv, (op_argument<I, Xs>() = xs)..., w = wv);
            for (std::size_t k = 0; k < g.size(); ++k)
                BOOST_TEST(std::fabs(value.data()[k] - g.data()[k]) <= 1e-12 * std::max(1.0, std::fabs(g.data()[k])),
                           "d(loss, " << stag::to_string(v) << "), element " << k << ": " << value.data()[k] << " against grad's " << g.data()[k]);
        };
        (symbolic(op_argument<I, Xs>(), gd.grad.template get<I>()), ...);
        // float against double.
        constexpr auto wf = stag::var<"w", stag::tensor<float, m>>;
        const auto ff = build(op_argument<I, stag::tensor_of<float, typename Xs::shape_type>>()...);
        const auto lossf = weighted<m>(ff, wf);
        const std::tuple<stag::tensor_of<float, typename Xs::shape_type>...> xf{as_type<float>(xs)...};
        const auto gf = stag::value_and_grad(lossf, op_argument<I, stag::tensor_of<float, typename Xs::shape_type>>()...)(
            (op_argument<I, stag::tensor_of<float, typename Xs::shape_type>>() = std::get<I>(xf))..., wf = as_type<float>(wv));
        static_assert(std::is_same_v<std::remove_cvref_t<decltype(gf.value)>, float>);
        BOOST_TEST(std::fabs(gf.value - gd.value) <= 1e-5 * std::max(1.0, std::fabs(gd.value)), "float value " << gf.value << " against " << gd.value);
        auto compare = [&](const auto& a, const auto& b) {
            for (std::size_t k = 0; k < b.size(); ++k)
                BOOST_TEST(std::fabs(a.data()[k] - b.data()[k]) <= 1e-4 * std::max(1.0, std::fabs(b.data()[k])),
                           "float gradient, element " << k << ": " << a.data()[k] << " against " << b.data()[k]);
        };
        (compare(gf.grad.template get<I>(), gd.grad.template get<I>()), ...);
    }
}

/// Checks the tensor op that `build(a, b, ...)` makes, its arguments bound to xs.
template <class Build, class... Xs>
void check_tensor_op(std::string_view op, Build build, const Xs&... xs) {
    check_tensor_op_at(op, build, std::index_sequence_for<Xs...>{}, xs...);
}

}  // namespace stag_test
