// The tensor engine: tensor variables in expressions, every op's value and gradient rule (against
// hand-written code and central differences), broadcasting, shared weights, no copies.
#define BOOST_TEST_MODULE tensor_grad
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include "tensor_values.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

namespace {

template <std::size_t... D>
using T = stag::tensor<double, D...>;

using stag_test::fill;

/// The largest error of the gradient `g` of f with respect to the tensor `p`, which the bindings
/// `bs` refer to (a tensor lvalue is bound by reference), against central differences; relative where the gradient is large.
template <class F, class P, class G, class... Bs>
double difference_error(const F& f, P& p, const G& g, const Bs&... bs) {
    const double h = 1e-6;
    double worst = 0;
    auto* x = stag::detail::elements_of(p);
    const auto* want = stag::detail::elements_of(g);
    for (std::size_t i = 0; i < sizeof(P) / sizeof(double); ++i) {
        const double old = x[i];
        x[i] = old + h;
        const double up = stag::eval(f, bs...);
        x[i] = old - h;
        const double down = stag::eval(f, bs...);
        x[i] = old;
        const double numeric = (up - down) / (2 * h);
        worst = std::max(worst, std::fabs(numeric - want[i]) / std::max(1.0, std::fabs(numeric)));
    }
    return worst;
}

constexpr auto W1 = stag::var<"W1", T<8, 4>>;
constexpr auto b1 = stag::var<"b1", T<8>>;
constexpr auto x = stag::var<"x", T<4>>;
constexpr auto t = stag::var<"t", T<1>>;
constexpr auto W2 = stag::var<"W2", T<1, 8>>;
constexpr auto b2 = stag::var<"b2", T<1>>;
constexpr auto h = stag::tanh(stag::matmul(W1, x) + b1);
constexpr auto loss = 0.5 * stag::sum(stag::square(stag::matmul(W2, h) + b2 - t));

struct mlp_data {
    T<8, 4> w1;
    T<8> v1;
    T<1, 8> w2;
    T<1> v2;
    T<4> xin{0.5, -1, 0.25, 2};
    T<1> target{0.7};
    mlp_data() {
        fill(w1, 0.1);
        fill(v1, 0.2);
        fill(w2, 0.3);
        fill(v2, 0.4);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(types_and_shapes) {
    static_assert(std::is_same_v<stag::node_shape_t<decltype(h)>, std::index_sequence<8>>);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(loss)>, std::index_sequence<>>);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(stag::matmul(W2, W1))>, std::index_sequence<1, 4>>);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(stag::transpose(W1))>, std::index_sequence<4, 8>>);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(stag::sum<0>(W1))>, std::index_sequence<4>>);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(stag::reshape<2, 16>(W1))>, std::index_sequence<2, 16>>);
    mlp_data d;
    // An lvalue tensor is bound by reference, a temporary by value.
    const auto by_ref = (W1 = d.w1);
    static_assert(std::is_same_v<std::remove_const_t<decltype(by_ref)>, stag::bound_ref<std::remove_const_t<decltype(W1)>, T<8, 4>>>);
    BOOST_TEST(&by_ref.get() == &d.w1);
    static_assert(std::is_same_v<decltype(W1 = T<8, 4>{}), stag::binding<std::remove_const_t<decltype(W1)>, T<8, 4>>>);
    // Gradients have their variable's tensor type.
    const auto g = stag::grad(loss, W1, b2)(W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin, t = d.target);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(g[W1])>, T<8, 4>>);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(g[b2])>, T<1>>);
    auto [gw1, gb2] = g;
    static_assert(std::is_same_v<decltype(gw1), T<8, 4>>);
    BOOST_TEST(gb2(0) == g[b2](0));
}

// The issue's network against hand-written forward and backward passes.
BOOST_AUTO_TEST_CASE(mlp_against_hand_written_backpropagation) {
    mlp_data d;
    const auto vg = stag::value_and_grad(loss, W1, b1, W2, b2)(W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin, t = d.target);
    double hv[8], out = d.v2(0);
    for (std::size_t i = 0; i < 8; ++i) {
        double s = d.v1(i);
        for (std::size_t k = 0; k < 4; ++k) s += d.w1(i, k) * d.xin(k);
        hv[i] = std::tanh(s);
        out += d.w2(0, i) * hv[i];
    }
    const double r = out - d.target(0);
    BOOST_TEST(vg.value == 0.5 * r * r, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(vg.grad[b2](0) == r, boost::test_tools::tolerance(1e-14));
    for (std::size_t i = 0; i < 8; ++i) {
        BOOST_TEST(vg.grad[W2](0, i) == r * hv[i], boost::test_tools::tolerance(1e-14));
        const double dz = r * d.w2(0, i) * (1 - hv[i] * hv[i]);
        BOOST_TEST(vg.grad[b1](i) == dz, boost::test_tools::tolerance(1e-14));
        for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(vg.grad[W1](i, k) == dz * d.xin(k), boost::test_tools::tolerance(1e-14));
    }
    // And the inference alone, through eval.
    const T<1> y = stag::eval(stag::matmul(W2, h) + b2, W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin);
    BOOST_TEST(y(0) == out, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(mlp_against_central_differences) {
    mlp_data d;
    const auto g = stag::grad(loss, W1, b1, W2, b2)(W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin, t = d.target);
    const auto bs = std::tuple{W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin, t = d.target};
    auto err = [&](auto& p, const auto& gp) {
        return std::apply([&](const auto&... b) { return difference_error(loss, p, gp, b...); }, bs);
    };
    BOOST_TEST(err(d.w1, g[W1]) < 1e-8);
    BOOST_TEST(err(d.v1, g[b1]) < 1e-8);
    BOOST_TEST(err(d.w2, g[W2]) < 1e-8);
    BOOST_TEST(err(d.v2, g[b2]) < 1e-8);
}

// Every scalar function applies elementwise, with its scalar derivative rule.
BOOST_AUTO_TEST_CASE(elementwise_functions_lifted) {
    constexpr auto a = stag::var<"a", T<3, 2>>;
    T<3, 2> av;
    fill(av, 0.7);  // in (-0.55, 0.65): inside every domain below once shifted by 1 where needed
    auto check = [&](const auto& f) {
        const auto g = stag::grad(f, a)(a = av);
        BOOST_TEST(difference_error(f, av, g[a], a = av) < 1e-7);
    };
    check(stag::sum(stag::sin(a) * stag::cos(a) + stag::exp(a) - stag::tanh(a)));
    check(stag::sum(stag::log(a + 1.0) + stag::sqrt(a + 1.0) + stag::sigmoid(a) + stag::softplus(a)));
    check(stag::sum(stag::atan(a) + stag::asin(a) + stag::erf(a) + stag::abs(a) + stag::relu(a)));
    check(stag::sum(stag::pow(a + 1.0, a) + a / (a * a + 1.0) + stag::hypot(a, 0.5) + stag::atan2(a, 2.0)));
    check(stag::sum(stag::select(a < 0.0, -a, a * a) + stag::max(a, 0.1) + stag::min(a, 0.1)));
    check(stag::sum(stag::sinh(a) + stag::cosh(a) + stag::expm1(a) + stag::log1p(a + 0.5) + stag::cbrt(a + 1.0)));
    // And the values are the scalar functions' values.
    const T<3, 2> v = stag::eval(stag::exp(a) * 2.0, a = av);
    for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(v.data()[i] == std::exp(av.data()[i]) * 2.0, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(broadcasting_sums_the_adjoint_along_broadcast_dimensions) {
    constexpr auto m = stag::var<"m", T<3, 4>>;
    constexpr auto col = stag::var<"col", T<3, 1>>;
    constexpr auto row = stag::var<"row", T<4>>;
    constexpr auto s = stag::var<"s", double>;
    T<3, 4> mv;
    T<3, 1> cv;
    T<4> rv;
    double sv = 0.8;
    fill(mv, 0.1);
    fill(cv, 0.2);
    fill(rv, 0.3);
    const auto f = stag::sum(stag::square(m * col + row) * s + stag::sin(col * row));
    static_assert(std::is_same_v<stag::node_shape_t<decltype(col * row)>, std::index_sequence<3, 4>>);
    const auto g = stag::grad(f, m, col, row, s)(m = mv, col = cv, row = rv, s = sv);
    BOOST_TEST(difference_error(f, mv, g[m], m = mv, col = cv, row = rv, s = sv) < 1e-8);
    BOOST_TEST(difference_error(f, cv, g[col], m = mv, col = cv, row = rv, s = sv) < 1e-8);
    BOOST_TEST(difference_error(f, rv, g[row], m = mv, col = cv, row = rv, s = sv) < 1e-8);
    // A number is bound by value: its differences are taken by binding moved values.
    const double ds = (stag::eval(f, m = mv, col = cv, row = rv, s = sv + 1e-6) - stag::eval(f, m = mv, col = cv, row = rv, s = sv - 1e-6)) / 2e-6;
    BOOST_TEST(g[s] == ds, boost::test_tools::tolerance(1e-8));
    // A number broadcasts too: 2.0 * m, m - 1.
    const T<3, 4> v = stag::eval(2.0 * m - 1, m = mv);
    BOOST_TEST(v(2, 3) == 2.0 * mv(2, 3) - 1.0);
}

BOOST_AUTO_TEST_CASE(matmul_transpose_and_reductions) {
    constexpr auto A = stag::var<"A", T<3, 4>>;
    constexpr auto B = stag::var<"B", T<4, 2>>;
    constexpr auto v = stag::var<"v", T<3>>;
    T<3, 4> av;
    T<4, 2> bv;
    T<3> vv;
    fill(av, 0.1);
    fill(bv, 0.2);
    fill(vv, 0.3);
    const auto mm = stag::matmul(A, B);
    const T<3, 2> p = stag::eval(mm, A = av, B = bv);
    BOOST_TEST(p(2, 1) == av(2, 0) * bv(0, 1) + av(2, 1) * bv(1, 1) + av(2, 2) * bv(2, 1) + av(2, 3) * bv(3, 1),
               boost::test_tools::tolerance(1e-15));
    const auto check = [&](const auto& f) {
        const auto g = stag::grad(f, A, B, v)(A = av, B = bv, v = vv);
        BOOST_TEST(difference_error(f, av, g[A], A = av, B = bv, v = vv) < 1e-8);
        BOOST_TEST(difference_error(f, bv, g[B], A = av, B = bv, v = vv) < 1e-8);
        BOOST_TEST(difference_error(f, vv, g[v], A = av, B = bv, v = vv) < 1e-8);
    };
    check(stag::sum(stag::tanh(stag::matmul(A, B))));                                    // matrix x matrix
    check(stag::sum(stag::sin(stag::matmul(v, A))) + stag::sum(stag::matmul(A, B) * 0.5));  // vector x matrix
    check(stag::dot(stag::matmul(stag::transpose(A), v), stag::sum<1>(B)));               // transpose, sum<axis>
    check(stag::mean(stag::exp(stag::sum<0>(A))) + stag::sum(stag::cos(stag::mean<1>(A))));
    check(stag::sum(stag::square(stag::reshape<6, 2>(A) - stag::reshape<6, 2>(stag::transpose(stag::reshape<4, 3>(A))))));
    check(stag::mse(stag::matmul(A, B), stag::transpose(stag::matmul(stag::transpose(B), stag::transpose(A)))) + stag::dot(v, v));
    // The value of sum<axis> and mean.
    const T<4> cs = stag::eval(stag::sum<0>(A), A = av);
    BOOST_TEST(cs(1) == av(0, 1) + av(1, 1) + av(2, 1), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(stag::eval(stag::mean(A), A = av) == stag::sum(av) / 12, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(max_and_min_reductions) {
    constexpr auto A = stag::var<"A", T<3, 4>>;
    constexpr auto C = stag::var<"C", T<2, 3, 4>>;
    T<3, 4> av;
    T<2, 3, 4> cv;
    fill(av, 0.4);
    fill(cv, 0.9);
    // Values: over all elements and along each axis.
    BOOST_TEST(stag::eval(stag::max(A), A = av) == *std::max_element(av.data(), av.data() + 12));
    BOOST_TEST(stag::eval(stag::min(A), A = av) == *std::min_element(av.data(), av.data() + 12));
    const T<4> col_max = stag::eval(stag::max<0>(A), A = av);
    const T<3> row_min = stag::eval(stag::min<1>(A), A = av);
    for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(col_max(j) == std::max({av(0, j), av(1, j), av(2, j)}));
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(row_min(i) == std::min({av(i, 0), av(i, 1), av(i, 2), av(i, 3)}));
    const T<2, 4> mid = stag::eval(stag::max<1>(C), C = cv);
    BOOST_TEST(mid(1, 2) == std::max({cv(1, 0, 2), cv(1, 1, 2), cv(1, 2, 2)}));
    // Gradients against central differences (the elements are distinct: no tie within 1e-6).
    const auto check = [&](const auto& f) {
        const auto g = stag::grad(f, A, C)(A = av, C = cv);
        BOOST_TEST(difference_error(f, av, g[A], A = av, C = cv) < 1e-8);
        BOOST_TEST(difference_error(f, cv, g[C], A = av, C = cv) < 1e-8);
    };
    check(stag::max(A) * stag::min(C) + stag::square(stag::min(A)));
    check(stag::sum(stag::sin(stag::max<0>(A))) + stag::dot(stag::min<1>(A), stag::max<1>(stag::sum<0>(C))));
    check(stag::sum(stag::exp(stag::max<1>(C))) - stag::sum(stag::min<0>(C) * stag::max<0>(A)));
    // log-sum-exp from its primitives: the max's own derivative cancels, the gradient is softmax.
    const auto lse = stag::max(A) + stag::log(stag::sum(stag::exp(A - stag::max(A))));
    check(lse);
    const auto g = stag::grad(lse, A)(A = av);
    const T<12> soft = stag::eval(stag::softmax(stag::reshape<12>(A)), A = av);
    for (std::size_t e = 0; e < 12; ++e) BOOST_TEST(g[A].data()[e] == soft.data()[e], boost::test_tools::tolerance(1e-14));
    // At a tie the derivative goes to the first extreme element; a NaN makes the result NaN.
    T<3, 4> tie{};
    tie(0, 1) = tie(2, 3) = 5.0;
    tie(1, 0) = tie(1, 2) = -5.0;
    const auto gt = stag::grad(stag::max(A) + stag::min(A) + stag::sum(stag::max<0>(A)), A)(A = tie);
    BOOST_TEST(gt[A](0, 1) == 2.0);  // max(A) and max<0> of column 1
    BOOST_TEST(gt[A](2, 3) == 1.0);  // max<0> of column 3 only
    BOOST_TEST(gt[A](1, 0) == 1.0);  // min(A)
    BOOST_TEST(gt[A](1, 2) == 0.0);
    BOOST_TEST(gt[A](0, 0) == 1.0);  // a column of zeros: its first row
    tie(2, 2) = std::nan("");
    BOOST_TEST(std::isnan(stag::eval(stag::max(A), A = tie)));
    BOOST_TEST(std::isnan(stag::eval(stag::min(A), A = tie)));
    const T<4> col_nan = stag::eval(stag::min<0>(A), A = tie);
    BOOST_TEST(std::isnan(col_nan(2)));
    BOOST_TEST(col_nan(0) == -5.0);
    // A number is its own maximum; the printed form names the op and its axis.
    constexpr auto x = stag::var<"x">;
    static_assert(std::is_same_v<decltype(stag::max(x)), std::remove_cvref_t<decltype(x)>>);
    BOOST_TEST(stag::to_string(stag::max<1>(A) + stag::min(A)) == "max<1>(A) + min(A)");
}

BOOST_AUTO_TEST_CASE(slice_and_concat) {
    constexpr auto A = stag::var<"A", T<3, 4>>;
    constexpr auto v = stag::var<"v", T<5>>;
    T<3, 4> av;
    T<5> vv;
    fill(av, 0.2);
    fill(vv, 1.1);
    // Values.
    const T<3> mid = stag::eval(stag::slice<0, 1, 4>(v), v = vv);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(mid(i) == vv(i + 1));
    const T<3, 2> cols = stag::eval(stag::slice<1, 2, 4>(A), A = av);
    const T<1, 4> row = stag::eval(stag::slice<0, 2, 3>(A), A = av);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(cols(i, 1) == av(i, 3));
    BOOST_TEST(row(0, 2) == av(2, 2));
    const T<8> joined = stag::eval(stag::concat<0>(stag::slice<0, 0, 3>(v), v), v = vv);
    BOOST_TEST(joined(2) == vv(2));
    BOOST_TEST(joined(3) == vv(0));
    BOOST_TEST(joined(7) == vv(4));
    const T<3, 9> wide = stag::eval(stag::concat<1>(A, stag::concat<1>(A, stag::slice<1, 0, 1>(A))), A = av);
    const T<7, 4> tall = stag::eval(stag::concat<0>(A, stag::concat<0>(stag::slice<0, 1, 2>(A), A)), A = av);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(wide(i, 5) == av(i, 1));
    BOOST_TEST(wide(2, 8) == av(2, 0));
    BOOST_TEST(tall(3, 1) == av(1, 1));
    BOOST_TEST(tall(6, 3) == av(2, 3));
    // Gradients against central differences: each element gets the adjoint of its copies.
    const auto check = [&](const auto& f) {
        const auto g = stag::grad(f, A, v)(A = av, v = vv);
        BOOST_TEST(difference_error(f, av, g[A], A = av, v = vv) < 1e-8);
        BOOST_TEST(difference_error(f, vv, g[v], A = av, v = vv) < 1e-8);
    };
    check(stag::sum(stag::sin(stag::concat<0>(stag::slice<0, 1, 5>(v), v)) * stag::concat<0>(v, stag::slice<0, 0, 4>(v))));
    check(stag::sum(stag::square(stag::concat<1>(A, stag::slice<1, 1, 3>(A)))) + stag::dot(stag::slice<0, 0, 4>(v), stag::sum<0>(A)));
    check(stag::sum(stag::exp(stag::concat<0>(stag::slice<0, 2, 3>(A), A)) * stag::reshape<4, 4>(stag::concat<0>(A, stag::slice<0, 0, 1>(A)))));
    // A shift by one with a constant in front, as an ODE's right-hand side uses it.
    constexpr auto one = stag::var<"one", T<1>>;
    const T<1> unit{1.0};
    const auto shifted = v * stag::concat<0>(one, stag::slice<0, 0, 4>(v));
    const T<5> sv = stag::eval(shifted, v = vv, one = unit);
    BOOST_TEST(sv(0) == vv(0));
    BOOST_TEST(sv(3) == vv(3) * vv(2));
    BOOST_TEST(stag::to_string(stag::concat<0>(one, stag::slice<0, 0, 4>(v))) == "concat(one, slice(v))");
}

// Slices, concats, reshapes whose users are elementwise ops of their shape are views: no values of
// their own, read in place by the fused loops, which they do not end (tensor/shape.hpp, views).
namespace rk4 {
constexpr std::size_t n = 9;
constexpr auto y = stag::var<"y", T<n>>;
constexpr auto x = stag::var<"x", T<n>>;
constexpr auto one = stag::var<"one", T<1>>;
constexpr auto h = stag::var<"h">;
template <class Z>
constexpr auto rhs(const Z& z) {
    return x * stag::concat<0>(one, stag::slice<0, 0, n - 1>(z));
}
constexpr auto k1 = rhs(y);
constexpr auto k2 = rhs(y + h * stag::c<1, 2> * k1);
constexpr auto k3 = rhs(y + h * stag::c<1, 2> * k2);
constexpr auto k4 = rhs(y + h * k3);
constexpr auto step = y + h * stag::c<1, 6> * (k1 + stag::c<2> * k2 + stag::c<2> * k3 + k4);
using List = stag::graph::nodes_t<decltype(step)>;
/// The fused loops of the step: the runs of its elementwise ops.
constexpr std::size_t loops() {
    using F = stag::detail::fusion<List>;
    std::size_t count = 0;
    for (std::size_t i = 0; i < List::size; ++i) count += F::of.first[i] == i;
    return count;
}
constexpr std::size_t views() {
    std::size_t count = 0;
    for (bool is : stag::detail::views<List>::view) count += is;
    return count;
}
// Eight views (a slice and a concat per stage), no room of their own: the slab holds the elementwise
// nodes and the scalar ones. A stage reads the previous one shifted, so it starts a loop of its own,
// and there are exactly four.
static_assert(views() == 8);
static_assert(loops() == 4);
// 20 elementwise nodes, each from a multiple of the slab's alignment, and 3 numbers; the views
// would add 8 more nodes.
static_assert(stag::detail::layout<List>::total <= 20 * stag::detail::aligned_up(n) + stag::detail::slab_alignment);
// What a push reads, found on the types of its term: a sum nothing, a product the other factor (not
// itself, nor the result), exp and tanh their result.
static_assert(stag::detail::term_reads<stag::add_op, 0, 2>::of == std::array<bool, 3>{false, false, false});
static_assert(stag::detail::term_reads<stag::mul_op, 0, 2>::of == std::array<bool, 3>{false, true, false});
static_assert(stag::detail::term_reads<stag::mul_op, 1, 2>::of == std::array<bool, 3>{true, false, false});
static_assert(stag::detail::term_reads<stag::exp_op, 0, 1>::of == std::array<bool, 2>{false, true});
static_assert(stag::detail::term_reads<stag::tanh_op, 0, 1>::of == std::array<bool, 2>{false, true});
/// How many of the step's loop-local nodes a forward sweep followed by the backward sweep into y
/// and x stores (what some push reads), of how many.
constexpr std::array<std::size_t, 2> kept_for_gradient() {
    using Act = stag::graph::activity<List, std::remove_cvref_t<decltype(y)>, std::remove_cvref_t<decltype(x)>>;
    using F = stag::detail::fusion<List>;
    std::size_t kept = 0, local = 0;
    for (std::size_t i = 0; i < List::size; ++i)
        if (F::local[i]) ++local, kept += stag::detail::values_read<List, Act>::of[i];
    return {kept, local};
}
// 13 of the 20 elementwise nodes are loop-local (the others: k1 .. k4, read by the last loop, the
// stages read through views, and the step), and the backward sweep reads none of them: the pushes
// of the products read k1 .. k4, x, the views' sources and numbers, all stored anyway.
static_assert(kept_for_gradient()[1] == 13);
static_assert(kept_for_gradient()[0] == 0);
// x * y is loop-local and read by no push, so not stored: the push of the sum into the number s,
// after the loop, must not read it (constant evaluation refuses an uninitialised element).
constexpr auto cx = stag::var<"x", T<3>>;
constexpr auto cy = stag::var<"y", T<3>>;
constexpr auto cs = stag::var<"s">;
constexpr auto cg = stag::grad(stag::sum(cx * cy + cs), cs, cx)(cx = T<3>{1.0, 2.0, 3.0}, cy = T<3>{4.0, 5.0, 6.0}, cs = 0.5);
static_assert(cg[cs] == 3.0 && cg[cx](0) == 4.0 && cg[cx](2) == 6.0);
}  // namespace rk4

BOOST_AUTO_TEST_CASE(views_read_in_place) {
    using rk4::n, rk4::y, rk4::x, rk4::one, rk4::h, rk4::step;
    T<n> yv, xv;
    fill(yv, 0.4);
    fill(xv, 1.3);
    const T<1> unit{1.0};
    const double hv = 0.3;
    // The step against Runge-Kutta written out.
    auto f = [&](const T<n>& z) {
        T<n> r;
        for (std::size_t i = 0; i < n; ++i) r(i) = xv(i) * (i == 0 ? 1.0 : z(i - 1));
        return r;
    };
    auto plus = [](const T<n>& a, double s, const T<n>& b) {
        T<n> r;
        for (std::size_t i = 0; i < n; ++i) r(i) = a(i) + s * b(i);
        return r;
    };
    const T<n> r1 = f(yv), r2 = f(plus(yv, hv / 2, r1)), r3 = f(plus(yv, hv / 2, r2)), r4 = f(plus(yv, hv, r3));
    const T<n> got = stag::eval(step, y = yv, x = xv, one = unit, h = hv);
    for (std::size_t i = 0; i < n; ++i) BOOST_TEST(got(i) == yv(i) + hv / 6 * (r1(i) + 2 * r2(i) + 2 * r3(i) + r4(i)), boost::test_tools::tolerance(1e-14));
    // Its vector-Jacobian product against central differences, into both variables, and added to
    // what the caller's storage holds with accumulate_into (a view's source is not zeroed there).
    constexpr auto a = stag::var<"a", T<n>>;
    T<n> av;
    fill(av, 2.1);
    const auto pull = stag::dot(step, a);
    const auto g = stag::grad(pull, y, x)(y = yv, x = xv, one = unit, h = hv, a = av);
    BOOST_TEST(difference_error(pull, yv, g[y], y = yv, x = xv, one = unit, h = hv, a = av) < 1e-8);
    BOOST_TEST(difference_error(pull, xv, g[x], y = yv, x = xv, one = unit, h = hv, a = av) < 1e-8);
    T<n> gy, gx;
    fill(gy, 5.0);
    fill(gx, -2.0);
    const T<n> gy0 = gy, gx0 = gx;
    stag::grad(pull, y, x).accumulate_into(gy, gx)(y = yv, x = xv, one = unit, h = hv, a = av);
    for (std::size_t i = 0; i < n; ++i) {
        BOOST_TEST(std::abs(gy(i) - gy0(i) - g[y](i)) < 1e-13);
        BOOST_TEST(std::abs(gx(i) - gx0(i) - g[x](i)) < 1e-13);
    }
    // A slice across rows (one piece per row), a view of a view of a view, a stack of numbers, and
    // a view that a tensor-level op reads too (then it is copied, as before).
    constexpr auto A = stag::var<"A", T<3, 4>>;
    T<3, 4> Av;
    fill(Av, 0.6);
    const auto cols = stag::slice<1, 1, 3>(A);
    static_assert(stag::detail::views<stag::graph::nodes_t<decltype(stag::sum(cols * cols))>>::view[1]);
    const auto check = [&](const auto& e) {
        const auto ge = stag::grad(e, A, y)(A = Av, y = yv);
        BOOST_TEST(difference_error(e, Av, ge[A], A = Av, y = yv) < 1e-8);
        BOOST_TEST(difference_error(e, yv, ge[y], A = Av, y = yv) < 1e-8);
    };
    check(stag::sum(stag::sin(cols) * stag::cos(cols + 1.0)));
    check(stag::sum(stag::exp(stag::reshape<2, 3>(stag::slice<0, 1, 7>(stag::concat<0>(y, stag::slice<0, 0, 3>(y))))) * stag::reshape<2, 3>(stag::slice<1, 1, 3>(A))));
    check(stag::sum(stag::stack<0>(stag::sum(A), stag::sum(y), stag::sum(A * A)) * stag::stack<0>(stag::max(y), stag::min(A), stag::sum(y * y))));
    const auto both = stag::slice<0, 2, 7>(y);
    check(stag::sum(stag::square(both)) + stag::sum(both) * stag::sum(A));
    // A view whose source is itself an output seeded by a Jacobian row: the seed stays.
    const auto s = stag::sum(stag::square(y));
    const auto jac = stag::jacobian(stag::outputs(s, stag::sum(stag::stack<0>(s, stag::sum(y)) * stag::stack<0>(s, s))), y)(y = yv);
    double sum_sq = 0, sum_y = 0;
    for (std::size_t i = 0; i < n; ++i) sum_sq += yv(i) * yv(i), sum_y += yv(i);
    for (std::size_t i = 0; i < n; ++i) {
        BOOST_TEST(jac[0][y](i) == 2 * yv(i), boost::test_tools::tolerance(1e-14));
        // d/dy of s^2 + sum(y) s: 2 s 2y + s + sum(y) 2y.
        BOOST_TEST(jac[1][y](i) == 4 * sum_sq * yv(i) + sum_sq + 2 * sum_y * yv(i), boost::test_tools::tolerance(1e-13));
    }
}

BOOST_AUTO_TEST_CASE(dual_numbers_give_jvp_and_hessian_vector_products) {
    using D = stag::dual<double>;
    constexpr auto W = stag::var<"W", T<3, 4>>;
    constexpr auto v = stag::var<"v", T<4>>;
    T<3, 4> wv, dir;
    T<4> vv;
    fill(wv, 0.3);
    fill(dir, 2.2);
    fill(vv, 1.4);
    // W + t dir as dual numbers.
    T<3, 4> wt;
    stag::tensor<D, 3, 4> wd;
    for (std::size_t e = 0; e < 12; ++e) wd.data()[e] = D{wv.data()[e], dir.data()[e]};
    const auto f = stag::sum(stag::tanh(stag::matmul(W, v)) * stag::exp(stag::max<1>(W))) + stag::log(stag::sum(stag::square(W)) + 1.0) +
                   stag::sum(stag::sin(stag::concat<0>(stag::slice<0, 1, 3>(W), W))) - stag::min(stag::softmax(W) * 3.0);
    const auto at = [&](double t) {
        for (std::size_t e = 0; e < 12; ++e) wt.data()[e] = wv.data()[e] + t * dir.data()[e];
        return stag::eval(f, W = wt, v = vv);
    };
    const double h = 1e-5;
    // eval: the value, and the directional derivative (a Jacobian-vector product) as the tangent.
    const D y = stag::eval(f, W = wd, v = vv);
    BOOST_TEST(y.value == at(0.0), boost::test_tools::tolerance(1e-14));
    BOOST_TEST(y.tangent == (at(h) - at(-h)) / (2 * h), boost::test_tools::tolerance(1e-8));
    // grad: the gradient as the values, the Hessian times dir as the tangents.
    const auto g = stag::grad(f, W, v)(W = wd, v = vv);
    const auto plain = stag::grad(f, W, v)(W = wv, v = vv);
    const auto moved = [&](double t) {
        for (std::size_t e = 0; e < 12; ++e) wt.data()[e] = wv.data()[e] + t * dir.data()[e];
        return stag::grad(f, W, v)(W = wt, v = vv);
    };
    const auto up = moved(h), down = moved(-h);
    for (std::size_t e = 0; e < 12; ++e) {
        BOOST_TEST(g[W].data()[e].value == plain[W].data()[e], boost::test_tools::tolerance(1e-14));
        BOOST_TEST(g[W].data()[e].tangent == (up[W].data()[e] - down[W].data()[e]) / (2 * h), boost::test_tools::tolerance(1e-7));
    }
    for (std::size_t e = 0; e < 4; ++e) {
        BOOST_TEST(g[v].data()[e].value == plain[v].data()[e], boost::test_tools::tolerance(1e-14));
        BOOST_TEST(g[v].data()[e].tangent == (up[v].data()[e] - down[v].data()[e]) / (2 * h), boost::test_tools::tolerance(1e-7));
    }
    // A number variable takes a dual too; into and accumulate_into take dual storage.
    constexpr auto s = stag::var<"s">;
    const D ds = stag::eval(s * s * stag::sum(W), s = D{1.5, 1.0}, W = wv);
    BOOST_TEST(ds.tangent == 2 * 1.5 * stag::sum(wv), boost::test_tools::tolerance(1e-14));
    stag::tensor<D, 3, 4> gw;
    stag::grad(f, W).into(gw)(W = wd, v = vv);
    BOOST_TEST(gw(2, 3).tangent == g[W](2, 3).tangent);
    // The scalar engine too: f(x, y) = x^2 y + sin(x y) + pow(x, y), along (1, 0) at (1.2, 0.7).
    constexpr auto x = stag::var<"x">;
    constexpr auto yv = stag::var<"y">;
    const auto q = x * x * yv + stag::sin(x * yv) + stag::pow(x, yv) + stag::atan2(x, yv) + stag::hypot(x, 2.0);
    const D qx = stag::eval(q, x = D{1.2, 1.0}, yv = 0.7);
    const auto q_at = [&](double a) { return stag::eval(q, x = a, yv = 0.7); };
    BOOST_TEST(qx.tangent == (q_at(1.2 + h) - q_at(1.2 - h)) / (2 * h), boost::test_tools::tolerance(1e-8));
    const auto gq = stag::grad(q, x, yv)(x = D{1.2, 1.0}, yv = D{0.7, 0.0});
    const auto gq_at = [&](double a) { return stag::grad(q, x, yv)(x = a, yv = 0.7); };
    BOOST_TEST(gq[x].value == gq_at(1.2)[x], boost::test_tools::tolerance(1e-14));
    BOOST_TEST(gq[x].tangent == (gq_at(1.2 + h)[x] - gq_at(1.2 - h)[x]) / (2 * h), boost::test_tools::tolerance(1e-7));  // d2q/dx2
    BOOST_TEST(gq[yv].tangent == (gq_at(1.2 + h)[yv] - gq_at(1.2 - h)[yv]) / (2 * h), boost::test_tools::tolerance(1e-7));  // d2q/dxdy
}

BOOST_AUTO_TEST_CASE(gather_rows_by_ids) {
    constexpr auto E = stag::var<"E", T<4, 3>>;  // an embedding table of 4 rows
    constexpr auto v = stag::var<"v", T<5>>;
    constexpr auto ids = stag::var<"ids", T<2, 3>>;
    T<4, 3> ev;
    T<5> vv;
    fill(ev, 0.6);
    fill(vv, 1.9);
    const T<2, 3> iv{3, 0, 3, 1, 1, 2};  // repeated ids: their adjoints add up
    const T<2, 3, 3> rows = stag::eval(stag::gather(E, ids), E = ev, ids = iv);
    BOOST_TEST(rows(0, 0, 2) == ev(3, 2));
    BOOST_TEST(rows(1, 2, 1) == ev(2, 1));
    const T<2, 3> picked = stag::eval(stag::gather(v, ids), v = vv, ids = iv);
    BOOST_TEST(picked(1, 0) == vv(1));
    constexpr auto k = stag::var<"k">;
    BOOST_TEST(stag::eval(stag::sum(stag::gather(E, k)), E = ev, k = 2) == ev(2, 0) + ev(2, 1) + ev(2, 2));
    const auto check = [&](const auto& f) {
        const auto g = stag::grad(f, E, v)(E = ev, v = vv, ids = iv);
        BOOST_TEST(difference_error(f, ev, g[E], E = ev, v = vv, ids = iv) < 1e-8);
        BOOST_TEST(difference_error(f, vv, g[v], E = ev, v = vv, ids = iv) < 1e-8);
    };
    check(stag::sum(stag::square(stag::gather(E, ids)) * stag::reshape<2, 3, 1>(stag::gather(v, ids))));
    check(stag::sum(stag::sin(stag::gather(stag::exp(v), ids))) + stag::dot(stag::sum<1>(stag::gather(E, ids)), stag::reshape<2, 3>(stag::gather(v, ids))));
    const auto g = stag::grad(stag::sum(stag::gather(E, ids)), E)(E = ev, ids = iv);
    BOOST_TEST(g[E](3, 1) == 2.0);  // row 3 is gathered twice
    BOOST_TEST(g[E](2, 0) == 1.0);
    BOOST_TEST(g[E](0, 2) == 1.0);
}

BOOST_AUTO_TEST_CASE(large_intermediates_live_on_the_heap) {
    // A million elements per node: tens of megabytes of values and adjoints, more than a thread's
    // stack holds, so the sweep keeps them in one heap allocation (the variables and the gradient
    // stay where the caller keeps them).
    using big = T<1000, 1000>;
    constexpr auto W = stag::var<"W", big>;
    const auto w = std::make_unique<big>();
    const auto gw = std::make_unique<big>();
    for (std::size_t e = 0; e < 1000000; ++e) w->data()[e] = 1e-6 * double(e % 1777) - 0.5;
    const auto f = stag::sum(0.5 * stag::square(W) + stag::sin(W)) + stag::max(W);
    const double value = stag::value_and_grad(f, W).into(*gw)(W = *w);
    double want = 0;
    std::size_t top = 0;
    for (std::size_t e = 0; e < 1000000; ++e) {
        want += 0.5 * w->data()[e] * w->data()[e] + std::sin(w->data()[e]);
        if (w->data()[e] > w->data()[top]) top = e;
    }
    want += w->data()[top];
    BOOST_TEST(value == want, boost::test_tools::tolerance(1e-10));
    for (std::size_t e = 0; e < 1000000; e += 997)
        BOOST_TEST(gw->data()[e] == w->data()[e] + std::cos(w->data()[e]) + (e == top ? 1.0 : 0.0), boost::test_tools::tolerance(1e-14));
    BOOST_TEST(gw->data()[top] == w->data()[top] + std::cos(w->data()[top]) + 1.0, boost::test_tools::tolerance(1e-14));
    double plain = 0;
    for (std::size_t e = 0; e < 1000000; ++e) plain += std::exp(w->data()[e]) * w->data()[e];
    BOOST_TEST(stag::eval(stag::sum(stag::exp(W) * W), W = *w) == plain, boost::test_tools::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(softmax_and_losses) {
    constexpr auto z = stag::var<"z", T<5>>;
    constexpr auto Z = stag::var<"Z", T<3, 5>>;
    constexpr auto onehot = stag::var<"onehot", T<5>>;
    constexpr auto k = stag::var<"k", int>;
    constexpr auto ks = stag::var<"ks", T<3>>;
    T<5> zv, hot{0, 0, 1, 0, 0};
    T<3, 5> Zv;
    T<3> kv{4, 0, 2};
    fill(zv, 0.4);
    fill(Zv, 0.9);
    // softmax sums to one, log_softmax is its logarithm, both stable for large logits.
    const T<5> p = stag::eval(stag::softmax(z), z = zv);
    double total = 0;
    for (double e : p) total += e;
    BOOST_TEST(total == 1.0, boost::test_tools::tolerance(1e-15));
    const T<5> lp = stag::eval(stag::log_softmax(z * 1000.0), z = zv);
    for (double e : lp) BOOST_TEST(std::isfinite(e));
    BOOST_TEST(stag::eval(stag::sum(stag::exp(stag::log_softmax(z))), z = zv) == 1.0, boost::test_tools::tolerance(1e-15));
    // Cross-entropy against a one-hot target and against a class index agree.
    const double one_hot = stag::eval(stag::cross_entropy(z, onehot), z = zv, onehot = hot);
    const double index = stag::eval(stag::cross_entropy(z, k), z = zv, k = 2);
    BOOST_TEST(one_hot == -std::log(p(2)), boost::test_tools::tolerance(1e-14));
    BOOST_TEST(index == one_hot, boost::test_tools::tolerance(1e-15));
    // Gradients: softmax(z) - onehot for the cross-entropy, and every rule against differences.
    const auto g = stag::grad(stag::cross_entropy(z, k), z)(z = zv, k = 2);
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(g[z](i) == p(i) - hot(i), boost::test_tools::tolerance(1e-14));
    const auto check = [&](const auto& f) {
        const auto gz = stag::grad(f, z, Z)(z = zv, Z = Zv, onehot = hot, k = 3, ks = kv);
        BOOST_TEST(difference_error(f, zv, gz[z], z = zv, Z = Zv, onehot = hot, k = 3, ks = kv) < 1e-8);
        BOOST_TEST(difference_error(f, Zv, gz[Z], z = zv, Z = Zv, onehot = hot, k = 3, ks = kv) < 1e-8);
    };
    check(stag::dot(stag::softmax(z), stag::sin(z)) + stag::sum(stag::softmax(Z) * stag::cos(Z)));
    check(stag::dot(stag::log_softmax(z), stag::sin(z)) + stag::sum(stag::log_softmax(Z) * Z));
    check(stag::cross_entropy(z, onehot) + stag::cross_entropy(z, k) + stag::cross_entropy(Z, ks));
    check(stag::cross_entropy(Z * 2.0, stag::softmax(Z)) + stag::sum(stag::pick(Z, ks)) + stag::pick(z, k));
    // Over the rows of a matrix, cross_entropy is the mean of the rows' cross-entropies.
    double mean = 0;
    for (std::size_t r = 0; r < 3; ++r) {
        T<5> row;
        for (std::size_t c = 0; c < 5; ++c) row(c) = Zv(r, c);
        mean += stag::eval(stag::cross_entropy(z, k), z = row, k = kv(r)) / 3;
    }
    BOOST_TEST(stag::eval(stag::cross_entropy(Z, ks), Z = Zv, ks = kv) == mean, boost::test_tools::tolerance(1e-14));
}

// A weight used in two places gets the sum of the gradients of its uses: the tied model's
// gradient equals the untied model's two gradients added.
BOOST_AUTO_TEST_CASE(shared_weights_get_the_sum_of_their_gradients) {
    constexpr auto W = stag::var<"W", T<4, 4>>;
    constexpr auto Wa = stag::var<"Wa", T<4, 4>>;
    constexpr auto Wb = stag::var<"Wb", T<4, 4>>;
    constexpr auto x1 = stag::var<"x1", T<4>>;
    constexpr auto x2 = stag::var<"x2", T<4>>;
    // A siamese pair: one encoder applied to two inputs, then applied again (a tied second layer).
    const auto tied = stag::mse(stag::tanh(stag::matmul(W, stag::tanh(stag::matmul(W, x1)))), stag::tanh(stag::matmul(W, x2)));
    const auto untied = stag::mse(stag::tanh(stag::matmul(Wa, stag::tanh(stag::matmul(Wb, x1)))), stag::tanh(stag::matmul(Wa, x2)));
    T<4, 4> w;
    T<4> u1, u2;
    fill(w, 0.3);
    fill(u1, 0.5);
    fill(u2, 0.9);
    const auto gt = stag::grad(tied, W)(W = w, x1 = u1, x2 = u2);
    const auto gu = stag::grad(untied, Wa, Wb)(Wa = w, Wb = w, x1 = u1, x2 = u2);
    for (std::size_t i = 0; i < 16; ++i)
        BOOST_TEST(gt[W].data()[i] == gu[Wa].data()[i] + gu[Wb].data()[i], boost::test_tools::tolerance(1e-14));
    BOOST_TEST(difference_error(tied, w, gt[W], W = w, x1 = u1, x2 = u2) < 1e-8);
}

BOOST_AUTO_TEST_CASE(unused_variables_and_constants) {
    mlp_data d;
    constexpr auto unused = stag::var<"unused", T<2>>;
    // A variable the loss does not use, or uses only through data, gets a zero gradient.
    const auto g = stag::grad(loss, unused, x, W1)(W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin, t = d.target,
                                                  unused = T<2>{1, 2});
    BOOST_TEST(g[unused](0) == 0.0);
    BOOST_TEST(g[unused](1) == 0.0);
    BOOST_TEST(difference_error(loss, d.xin, g[x], W1 = d.w1, b1 = d.v1, W2 = d.w2, b2 = d.v2, x = d.xin, t = d.target) < 1e-8);
    // Compile-time rationals and pi broadcast like numbers.
    const T<4> v = stag::eval(stag::c<1, 2> * x + stag::pi, x = d.xin);
    BOOST_TEST(v(3) == 0.5 * d.xin(3) + 3.141592653589793, boost::test_tools::tolerance(1e-15));
}

// Small tensor gradients are constant expressions: derivatives checked by the compiler.
namespace {
constexpr auto cv = stag::var<"cv", stag::tensor<double, 3>>;
constexpr stag::tensor<double, 3> cv_value{1.0, 2.0, 3.0};
constexpr auto cg = stag::grad(stag::dot(cv, cv) + stag::sum(cv * 2.0), cv)(cv = cv_value);
static_assert(cg[cv](0) == 4.0 && cg[cv](1) == 6.0 && cg[cv](2) == 8.0);
constexpr stag::tensor<double, 3> cv_scaled = stag::eval(cv * 3.0 - 1.0, cv = cv_value);
static_assert(cv_scaled(2) == 8.0);
}  // namespace

BOOST_AUTO_TEST_CASE(float_tensors) {
    constexpr auto a = stag::var<"a", stag::tensor<float, 4>>;
    stag::tensor<float, 4> av{0.5f, -1.0f, 0.25f, 2.0f};
    const auto g = stag::grad(stag::sum(stag::square(a)), a)(a = av);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(g[a])>, stag::tensor<float, 4>>);
    BOOST_TEST(g[a](3) == 4.0f);
}

// A tensor variable binds to a std::array or fixed-extent std::span of its element count, read
// row-major, without a copy: data that lives in other containers needs no conversion.
BOOST_AUTO_TEST_CASE(binding_arrays_and_spans) {
    constexpr auto m = stag::var<"m", T<2, 3>>;
    std::array<double, 6> storage{1, 2, 3, 4, 5, 6};
    const auto b = (m = storage);
    BOOST_TEST(b.get().data() == storage.data());
    BOOST_TEST(stag::eval(stag::sum<1>(m), m = storage)(1) == 15.0);
    const std::span<const double, 6> view(storage);
    const auto g = stag::grad(stag::sum(stag::square(m)), m)(m = view);
    BOOST_TEST(g[m](1, 2) == 12.0);
    std::array<float, 6> f{};
    static_assert(std::is_same_v<decltype(stag::eval(stag::sum(m), m = f)), float>);
}

// The tensor issue's API sample, as docs/tensors.md shows it.
namespace issue_sample {
constexpr auto W1 = stag::var<"W1", stag::tensor<double, 8, 4>>;   // tensor variables declare their type
constexpr auto b1 = stag::var<"b1", stag::tensor<double, 8>>;
constexpr auto x  = stag::var<"x",  stag::tensor<double, 4>>;
constexpr auto t  = stag::var<"t",  stag::tensor<double, 1>>;
constexpr auto W2 = stag::var<"W2", stag::tensor<double, 1, 8>>;
constexpr auto b2 = stag::var<"b2", stag::tensor<double, 1>>;
constexpr auto h = stag::tanh(stag::matmul(W1, x) + b1);
constexpr auto loss = 0.5 * stag::sum(stag::square(stag::matmul(W2, h) + b2 - t));

BOOST_AUTO_TEST_CASE(issue_sample_reads_as_documented) {
    const mlp_data d;
    const auto& w1 = d.w1;
    const auto& v1 = d.v1;
    const auto& w2 = d.w2;
    const auto& v2 = d.v2;
    const auto& xin = d.xin;
    const auto& target = d.target;
    auto vg = stag::value_and_grad(loss, W1, b1, W2, b2)(W1 = w1, b1 = v1, W2 = w2, b2 = v2, x = xin, t = target);
    stag::tensor<double, 8, 4> dW1 = vg.grad[W1];   // gradients have their variable's tensor type
    const auto same = stag::grad(::loss, ::W1)(::W1 = w1, ::b1 = v1, ::W2 = w2, ::b2 = v2, ::x = xin, ::t = target);
    BOOST_TEST(dW1(7, 3) == same[::W1](7, 3));
}
}  // namespace issue_sample

// A run of elementwise ops of one shape is one loop (engine/tensor_sweep.hpp, "fusion"): here the whole
// normal log-density between the variables and the sum, with the numbers 1 / sigma and log(sigma)
// computed before the loop and their adjoints summed after it. Values and gradients against the
// closed form.
BOOST_AUTO_TEST_CASE(fused_runs_of_elementwise_ops) {
    constexpr auto mu = stag::var<"mu">;
    constexpr auto sigma = stag::var<"sigma">;
    constexpr auto y = stag::var<"y", T<64>>;
    constexpr auto f = stag::sum(-0.5 * stag::square((y - mu) / sigma) - stag::log(sigma) - 0.9189385332046727);
    using List = stag::graph::nodes_t<decltype(f)>;
    constexpr auto runs = stag::detail::fusion<List>::of;
    static_assert(runs.first[List::size - 2] != List::size && runs.end[runs.first[List::size - 2]] == List::size - 1,
                  "everything below the sum is one run");
    T<64> obs;
    fill(obs, 0.2);
    const double m = 0.3, s = 1.3;
    const auto r = stag::value_and_grad(f, mu, sigma)(mu = m, sigma = s, y = obs);
    double value = 0, sz = 0, szz = 0;
    for (double o : obs) {
        const double z = (o - m) / s;
        value += -0.5 * z * z - std::log(s) - 0.9189385332046727;
        sz += z;
        szz += z * z;
    }
    BOOST_TEST(r.value == value, boost::test_tools::tolerance(1e-13));
    BOOST_TEST(r.grad[mu] == sz / s, boost::test_tools::tolerance(1e-13));
    BOOST_TEST(r.grad[sigma] == (szz - 64) / s, boost::test_tools::tolerance(1e-13));
}

// exp in tensor loops is stag's branch-free form (detail/lanes.hpp), which the compiler vectorises:
// within 1 ulp of std::exp over the whole range, and right at the edges.
BOOST_AUTO_TEST_CASE(vectorisable_exp_within_one_ulp) {
    double worst = 0;
    for (double x = -745.0; x < 709.78; x += 0.0173) {
        const double want = std::exp(x), ulp = std::nextafter(want, HUGE_VAL) - want;
        worst = std::max(worst, std::fabs(stag::detail::exp_lanes(x) - want) / ulp);
    }
    for (double x = -1.0; x < 1.0; x += 1.3e-5) {
        const double want = std::exp(x), ulp = std::nextafter(want, HUGE_VAL) - want;
        worst = std::max(worst, std::fabs(stag::detail::exp_lanes(x) - want) / ulp);
    }
    BOOST_TEST(worst <= 1.0);
    BOOST_TEST(std::isnan(stag::detail::exp_lanes(std::nan(""))));
    BOOST_TEST(stag::detail::exp_lanes(HUGE_VAL) == HUGE_VAL);
    BOOST_TEST(stag::detail::exp_lanes(710.0) == HUGE_VAL);
    BOOST_TEST(stag::detail::exp_lanes(-HUGE_VAL) == 0.0);
    BOOST_TEST(stag::detail::exp_lanes(-800.0) == 0.0);
    BOOST_TEST(stag::detail::exp_lanes(0.0) == 1.0);
    static_assert(stag::detail::exp_lanes(0.0) == 1.0 && stag::detail::exp_lanes(1.0f) == 2.7182817f);
    // And a tensor's exp uses it where its loop fills whole vectors (16 elements), the standard
    // library's exp where it does not (3 elements), at run time; in constant expressions always.
    constexpr auto a = stag::var<"a", T<16>>;
    T<16> av{};
    for (std::size_t i = 0; i < 16; ++i) av(i) = -2.0 + 2.1 * double(i);
    const T<16> e = stag::eval(stag::exp(a), a = av);
    for (std::size_t i = 0; i < 16; ++i) BOOST_TEST(e(i) == stag::detail::exp_lanes(av(i)));
    constexpr auto b = stag::var<"b", T<3>>;
    const T<3> bv{-2.0, 0.5, 30.0};
    const T<3> eb = stag::eval(stag::exp(b), b = bv);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(eb(i) == std::exp(bv(i)));
    constexpr T<3> cb = stag::eval(stag::exp(b), b = T<3>{0.0, 1.0, -1.0});
    static_assert(cb(0) == 1.0 && cb(1) == stag::detail::exp_lanes(1.0) && cb(2) == stag::detail::exp_lanes(-1.0));
}

/// The error of `got` in units of the last place of the exact value `want` (in long double).
double ulps(double got, long double want) {
    const double w = static_cast<double>(want);
    if (std::isnan(w) || std::isinf(w)) return (std::isnan(got) && std::isnan(w)) || got == w ? 0.0 : HUGE_VAL;
    int e = 0;
    std::frexp(w == 0 ? 1e-300 : w, &e);
    return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / std::ldexp(1.0L, std::max(e - 53, -1074)));
}
/// The largest error of `lanes` against `exact` over uniform samples of [lo, hi] and magnitudes from
/// 1e-60 to 1e10 of both signs.
template <class F, class G>
double worst_ulps(F lanes, G exact, double lo, double hi) {
    double worst = 0;
    auto at = [&](double x) { worst = std::max(worst, ulps(lanes(x), exact(static_cast<long double>(x)))); };
    for (int i = 0; i <= 100000; ++i) at(lo + (hi - lo) * (i / 100000.0) + 1e-7 * std::sin(i));
    for (int i = 0; i <= 100000; ++i) {
        const double m = std::pow(10.0, -60.0 + 70.0 * (i / 100000.0));
        at(m), at(-m);
    }
    return worst;
}

// log, log1p, expm1, sqrt, tanh, sigmoid, softplus and erf in tensor loops are stag's branch-free forms too:
// within the stated ulps of the exact value (long double), right at the edges, and used by the
// ops' forward and backward loops.
BOOST_AUTO_TEST_CASE(vectorisable_log_tanh_sigmoid_softplus) {
    namespace d = stag::detail;
    using L = long double;
    constexpr double inf = HUGE_VAL;
    BOOST_TEST(worst_ulps([](double x) { return d::log_lanes(x); }, [](L x) { return std::log(x); }, 0, 10) <= 1.0);
    BOOST_TEST(worst_ulps([](double x) { return d::log1p_lanes(x); }, [](L x) { return std::log1p(x); }, -1, 10) <= 1.5);
    BOOST_TEST(worst_ulps([](double x) { return d::expm1_lanes(x); }, [](L x) { return std::expm1(x); }, -50, 720) <= 1.5);
    BOOST_TEST(worst_ulps([](double x) { return d::tanh_lanes(x); }, [](L x) { return std::tanh(x); }, -25, 25) <= 2.5);
    BOOST_TEST(worst_ulps([](double x) { return d::sigmoid_lanes(x); }, [](L x) { return 1 / (1 + std::exp(-x)); }, -750, 750) <= 2.5);
    BOOST_TEST(worst_ulps([](double x) { return d::softplus_lanes(x); },
                          [](L x) { return std::max(x, L(0)) + std::log1p(std::exp(-std::fabs(x))); }, -750, 750) <= 2.0);

    BOOST_TEST(worst_ulps([](double x) { return d::sqrt_lanes(std::fabs(x)); }, [](L x) { return std::sqrt(std::fabs(x)); }, 0, 1e6) <= 0.5);
    for (double x = 1e-300; x < 1e300; x *= 1.7) BOOST_TEST(d::sqrt_lanes(x) == std::sqrt(x));  // correctly rounded here
    BOOST_TEST(worst_ulps([](double x) { return d::erf_lanes(x); }, [](L x) { return std::erf(x); }, -7, 7) <= 1.4);
    BOOST_TEST(worst_ulps([](double x) { return d::erf_lanes(x); }, [](L x) { return std::erf(x); }, 0.7, 2.3) <= 1.4);
    BOOST_TEST(d::erf_lanes(inf) == 1.0);
    BOOST_TEST(d::erf_lanes(-inf) == -1.0);
    BOOST_TEST(d::erf_lanes(6.5) == 1.0);
    BOOST_TEST(std::signbit(d::erf_lanes(-0.0)));
    BOOST_TEST(d::erf_lanes(1e-300) == std::erf(1e-300));
    BOOST_TEST(std::isnan(d::erf_lanes(std::nan(""))));

    BOOST_TEST(d::sqrt_lanes(4.9406564584124654e-324) == std::sqrt(4.9406564584124654e-324));
    BOOST_TEST(d::sqrt_lanes(1.7976931348623157e308) == std::sqrt(1.7976931348623157e308));
    BOOST_TEST(std::signbit(d::sqrt_lanes(-0.0)));
    BOOST_TEST(std::isnan(d::sqrt_lanes(-1e-300)));
    BOOST_TEST(d::sqrt_lanes(inf) == inf);
    BOOST_TEST(std::isnan(d::sqrt_lanes(std::nan(""))));
    BOOST_TEST(d::log_lanes(1.0) == 0.0);
    BOOST_TEST(d::log_lanes(0.0) == -inf);
    BOOST_TEST(d::log_lanes(-0.0) == -inf);
    BOOST_TEST(std::isnan(d::log_lanes(-1.0)));
    BOOST_TEST(d::log_lanes(inf) == inf);
    BOOST_TEST(std::isnan(d::log_lanes(std::nan(""))));
    BOOST_TEST(d::log_lanes(4.9406564584124654e-324) == std::log(4.9406564584124654e-324));  // subnormal
    BOOST_TEST(d::log_lanes(1.7976931348623157e308) == std::log(1.7976931348623157e308));
    BOOST_TEST(d::log1p_lanes(-1.0) == -inf);
    BOOST_TEST(std::isnan(d::log1p_lanes(-2.0)));
    BOOST_TEST(d::log1p_lanes(inf) == inf);
    BOOST_TEST(d::log1p_lanes(1e-300) == 1e-300);
    BOOST_TEST(d::expm1_lanes(-inf) == -1.0);
    BOOST_TEST(d::expm1_lanes(inf) == inf);
    BOOST_TEST(d::expm1_lanes(710.0) == inf);
    BOOST_TEST(d::expm1_lanes(709.0) == std::expm1(709.0), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(d::expm1_lanes(1e-300) == 1e-300);
    BOOST_TEST(std::isnan(d::expm1_lanes(std::nan(""))));
    BOOST_TEST(d::tanh_lanes(inf) == 1.0);
    BOOST_TEST(d::tanh_lanes(-inf) == -1.0);
    BOOST_TEST(std::signbit(d::tanh_lanes(-0.0)));
    BOOST_TEST(d::tanh_lanes(-1e-300) == -1e-300);
    BOOST_TEST(std::isnan(d::tanh_lanes(std::nan(""))));
    BOOST_TEST(d::sigmoid_lanes(0.0) == 0.5);
    BOOST_TEST(d::sigmoid_lanes(inf) == 1.0);
    BOOST_TEST(d::sigmoid_lanes(-inf) == 0.0);
    BOOST_TEST(d::sigmoid_lanes(-700.0) == std::exp(-700.0), boost::test_tools::tolerance(1e-15));  // no overflow of exp(700)
    BOOST_TEST(std::isnan(d::sigmoid_lanes(std::nan(""))));
    BOOST_TEST(d::softplus_lanes(inf) == inf);
    BOOST_TEST(d::softplus_lanes(-inf) == 0.0);
    BOOST_TEST(d::softplus_lanes(800.0) == 800.0);
    BOOST_TEST(std::isnan(d::softplus_lanes(std::nan(""))));
    static_assert(d::log_lanes(1.0) == 0.0 && d::tanh_lanes(0.0f) == 0.0f && d::sigmoid_lanes(0.0) == 0.5);
    BOOST_TEST(d::log_lanes(2.0f) == std::log(2.0f));
    BOOST_TEST(d::tanh_lanes(0.5f) == std::tanh(0.5f));

    // The tensor ops use them, forward and backward (the derivative of softplus is a sigmoid).
    constexpr auto a = stag::var<"a", T<4>>;
    const T<4> av{0.25, 1.5, 3.0, 40.0};
    const T<4> l = stag::eval(stag::log(a), a = av), th = stag::eval(stag::tanh(a), a = av),
               sg = stag::eval(stag::sigmoid(-a), a = av), sp = stag::eval(stag::softplus(a), a = av),
               ef = stag::eval(stag::erf(a), a = av), sq = stag::eval(stag::sqrt(a), a = av);
    const T<4> gsp = stag::grad(stag::sum(stag::softplus(a)), a)(a = av)[a];
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(l(i) == d::log_lanes(av(i)));
        BOOST_TEST(th(i) == d::tanh_lanes(av(i)));
        BOOST_TEST(sg(i) == d::sigmoid_lanes(-av(i)));
        BOOST_TEST(sp(i) == d::softplus_lanes(av(i)));
        BOOST_TEST(gsp(i) == d::sigmoid_lanes(av(i)));
        BOOST_TEST(ef(i) == d::erf_lanes(av(i)));
        BOOST_TEST(sq(i) == d::sqrt_lanes(av(i)));
    }
}

// Gradients written where the caller keeps them: into overwrites, accumulate_into adds, in the
// order the variables were given; a tensor destination may be a stag::tensor, a std::array or a
// std::span of as many elements.
BOOST_AUTO_TEST_CASE(gradients_into_the_callers_storage) {
    constexpr auto W = stag::var<"W", T<3, 2>>;
    constexpr auto b = stag::var<"b", T<3>>;
    constexpr auto xv = stag::var<"x", T<2>>;
    constexpr auto unused = stag::var<"unused", T<2>>;
    constexpr auto f = stag::sum(stag::square(stag::tanh(stag::matmul(W, xv) + b)));
    T<3, 2> w;
    T<3> v;
    T<2> x1, x2;
    fill(w, 0.1);
    fill(v, 0.7);
    fill(x1, 1.9);
    fill(x2, 2.6);
    const auto g1 = stag::value_and_grad(f, W, b)(W = w, b = v, xv = x1);
    const auto g2 = stag::grad(f, W, b)(W = w, b = v, xv = x2);

    T<3, 2> gw;
    std::array<double, 3> gb;
    gw.data()[0] = gb[0] = 1e9;  // overwritten, not added to
    const double value = stag::value_and_grad(f, W, b).into(gw, gb)(W = w, b = v, xv = x1);
    BOOST_TEST(value == g1.value);
    for (std::size_t i = 0; i < gw.size(); ++i) BOOST_TEST(gw.data()[i] == g1.grad[W].data()[i]);
    for (std::size_t i = 0; i < gb.size(); ++i) BOOST_TEST(gb[i] == g1.grad[b].data()[i]);

    // A minibatch of two rows: the sum of their gradients, added to what was there.
    std::array<double, 3> sb{};
    std::span<double, 3> sb_view(sb);
    T<3, 2> sw{};
    const auto add = stag::grad(f, W, b).accumulate_into(sw, sb_view);
    add(W = w, b = v, xv = x1);
    add(W = w, b = v, xv = x2);
    // (The second row's terms are added to the first's one by one: equal up to rounding.)
    for (std::size_t i = 0; i < sw.size(); ++i)
        BOOST_TEST(sw.data()[i] == g1.grad[W].data()[i] + g2[W].data()[i], boost::test_tools::tolerance(1e-14));
    for (std::size_t i = 0; i < sb.size(); ++i)
        BOOST_TEST(sb[i] == g1.grad[b].data()[i] + g2[b].data()[i], boost::test_tools::tolerance(1e-14));

    // A temporary span is a view of the caller's storage: the gradient lands there. So does one
    // held const (its elements are not).
    std::array<double, 9> flat{};
    stag::grad(f, W, b).into(std::span<double, 6>(flat.data(), 6), std::span<double, 3>(flat.data() + 6, 3))(W = w, b = v, xv = x1);
    const std::span<double, 3> fixed_view(flat.data() + 6, 3);
    flat[6] = 1e9;
    stag::grad(f, W, b).into(gw, fixed_view)(W = w, b = v, xv = x1);
    for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(flat[i] == g1.grad[W].data()[i]);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(flat[6 + i] == g1.grad[b].data()[i]);

    // A destination that is also a bound value would be overwritten while the sweep reads it:
    // a run-time error naming both, and nothing written.
    T<3, 2> wcopy = w;
    const T<3, 2> wsaved = wcopy;
    try {
        stag::grad(f, W, b).into(wcopy, gb)(W = wcopy, b = v, xv = x1);
        BOOST_ERROR("no error for a destination bound as a value");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("gradient with respect to W shares storage with the value bound to W") != std::string::npos,
                   e.what());
    }
    for (std::size_t i = 0; i < wcopy.size(); ++i) BOOST_TEST(wcopy.data()[i] == wsaved.data()[i]);
    std::array<double, 9> shared{};
    BOOST_CHECK_THROW(stag::grad(f, W, b).into(gw, std::span<double, 3>(shared.data() + 6, 3))(
                          W = w, b = std::span<const double, 3>(shared.data() + 5, 3), xv = x1),
                      std::invalid_argument);  // overlapping by one element
    // Two tensors or two std::arrays of one type share storage only as one object: that is what
    // is compared for them.
    std::array<double, 3> same_array{};
    BOOST_CHECK_THROW(stag::grad(f, W, b).into(gw, same_array)(W = w, b = same_array, xv = x1), std::invalid_argument);
    std::array<double, 3> other_array{v(0), v(1), v(2)};
    stag::grad(f, W, b).into(gw, same_array)(W = w, b = other_array, xv = x1);
    BOOST_TEST(same_array == (std::array<double, 3>{g1.grad[b].data()[0], g1.grad[b].data()[1], g1.grad[b].data()[2]}));
    // Two destinations that share storage: an error naming both, for into and accumulate_into.
    std::array<double, 8> both{};
    try {
        stag::grad(f, W, b).accumulate_into(std::span<double, 6>(both.data(), 6), std::span<double, 3>(both.data() + 5, 3))(W = w, b = v, xv = x1);
        BOOST_ERROR("no error for two destinations that overlap");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("destinations of the gradients with respect to W and b share storage") != std::string::npos, e.what());
    }
    for (double x : both) BOOST_TEST(x == 0.0);
    // Which pairs are checked at run time: two stag::tensors of different types are distinct
    // objects and need no check; the same type, views and arrays are checked.
    static_assert(!stag::detail::may_overlap<T<3, 2>, T<3>>);
    static_assert(stag::detail::may_overlap<T<3, 2>, T<3, 2>>);
    static_assert(stag::detail::may_overlap<std::span<double, 3>, T<3>>);
    static_assert(stag::detail::may_overlap<T<3>, std::array<double, 3>>);

    // A variable f does not use: into writes zeros, accumulate_into leaves it as it was.
    T<2> gu{5.0, 6.0};
    stag::grad(f, W, unused).into(gw, gu)(W = w, b = v, xv = x1, unused = x2);
    BOOST_TEST((gu == T<2>{0.0, 0.0}));
    gu = T<2>{5.0, 6.0};
    stag::grad(f, unused).accumulate_into(gu)(W = w, b = v, xv = x1, unused = x2);
    BOOST_TEST((gu == T<2>{5.0, 6.0}));

    // A scalar graph writes numbers.
    constexpr auto p = stag::var<"p">;
    constexpr auto q = stag::var<"q">;
    double gp = 0.0, gq = 1.0;
    const double fv = stag::value_and_grad(p * q + stag::sin(p), p, q).into(gp, gq)(p = 0.5, q = 2.0);
    BOOST_TEST(fv == 0.5 * 2.0 + std::sin(0.5));
    BOOST_TEST(gp == 2.0 + std::cos(0.5));
    BOOST_TEST(gq == 0.5);
    stag::grad(p * q, q).accumulate_into(gq)(p = 0.5, q = 2.0);
    BOOST_TEST(gq == 1.0);
}
