// The tools on tensor expressions: jvp with tensor primals and tangents, hvp, the Jacobian of a
// tensor-valued expression, the Hessian of a loss of tensor variables, check_grad, trace and
// to_dot, to_c of the digits network, and d of a loss with respect to tensor variables. Each is checked against central differences or against another tool that is.
#define BOOST_TEST_MODULE tensor_tools
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include "c99.hpp"
#include "tensor_values.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <sstream>
#include <type_traits>
#include <string>
#include <vector>

namespace {

template <std::size_t... D>
using T = stag::tensor<double, D...>;

using stag_test::fill;
using stag_test::moved;

constexpr double h = 1e-5;

// A small network: a hidden layer, a softmax output, a loss; W1 and b1 are its parameters.
constexpr auto W1 = stag::var<"W1", T<5, 3>>;
constexpr auto b1 = stag::var<"b1", T<5>>;
constexpr auto W2 = stag::var<"W2", T<4, 5>>;
constexpr auto x = stag::var<"x", T<3>>;
constexpr auto s = stag::var<"s">;
constexpr auto hidden = stag::tanh(stag::matmul(W1, x) + b1);
constexpr auto out = stag::softmax(stag::matmul(W2, hidden)) * s;  // a tensor of 4
constexpr auto loss = stag::sum(stag::square(out)) + 0.1 * stag::sum(stag::square(W1)) + s * s * stag::sum(stag::exp(b1));

struct data {
    T<5, 3> w1, dw1;
    T<5> v1, dv1;
    T<4, 5> w2;
    T<3> xin{0.5, -1.0, 0.25};
    double sv = 0.8;
    data() {
        fill(w1, 0.1);
        fill(dw1, 1.7);
        fill(v1, 0.2);
        fill(dv1, 2.9);
        fill(w2, 0.3);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(jvp_with_tensor_primals_and_tangents) {
    const data d;
    const double ds = -0.6;
    const auto r = stag::jvp(out, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv),
                             stag::tangents(W1 = d.dw1, b1 = d.dv1, s = ds));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(r.tangent)>, T<4>>);
    const auto at = [&](double t) {
        return stag::eval(out, W1 = moved(d.w1, t, d.dw1), b1 = moved(d.v1, t, d.dv1), W2 = d.w2, x = d.xin, s = d.sv + t * ds);
    };
    const T<4> value = at(0), up = at(h), down = at(-h);
    for (std::size_t e = 0; e < 4; ++e) {
        BOOST_TEST(r.value(e) == value(e), boost::test_tools::tolerance(1e-15));
        BOOST_TEST(r.tangent(e) == (up(e) - down(e)) / (2 * h), boost::test_tools::tolerance(1e-8));
    }
    // A loss with one element: the tangent is the gradient dotted with the tangents; the variables
    // without a tangent (W2, x) are held.
    const auto l = stag::jvp(loss, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), stag::tangents(W1 = d.dw1));
    const auto g = stag::grad(loss, W1)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    double dot = 0;
    for (std::size_t e = 0; e < 15; ++e) dot += g[W1].data()[e] * d.dw1.data()[e];
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(l.tangent)>, double>);
    BOOST_TEST(l.tangent == dot, boost::test_tools::tolerance(1e-13));
    // A tangent for a variable that the expression does not use changes nothing.
    constexpr auto unused = stag::var<"unused", T<2>>;
    const T<2> du{1.0, 2.0};
    BOOST_TEST(stag::jvp(loss, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), stag::tangents(W1 = d.dw1, unused = du)).tangent ==
               l.tangent);
    // No tangent at all: tangent 0.
    BOOST_TEST(stag::jvp(loss, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), stag::tangents()).tangent == 0.0);
}

BOOST_AUTO_TEST_CASE(hvp_is_the_derivative_of_the_gradient_along_the_tangents) {
    const data d;
    const double ds = 0.4;
    const auto r = stag::hvp(loss, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv),
                             stag::tangents(W1 = d.dw1, b1 = d.dv1, s = ds));
    const auto grad_at = [&](double t) {
        return stag::grad(loss, W1, b1, s)(W1 = moved(d.w1, t, d.dw1), b1 = moved(d.v1, t, d.dv1), W2 = d.w2, x = d.xin, s = d.sv + t * ds);
    };
    const auto g = grad_at(0), up = grad_at(h), down = grad_at(-h);
    BOOST_TEST(r.value == stag::eval(loss, W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), boost::test_tools::tolerance(1e-15));
    for (std::size_t e = 0; e < 15; ++e) {
        BOOST_TEST(r.grad[W1].data()[e] == g[W1].data()[e], boost::test_tools::tolerance(1e-14));
        BOOST_TEST(r.hvp[W1].data()[e] == (up[W1].data()[e] - down[W1].data()[e]) / (2 * h), boost::test_tools::tolerance(1e-7));
    }
    for (std::size_t e = 0; e < 5; ++e)
        BOOST_TEST(r.hvp[b1](e) == (up[b1](e) - down[b1](e)) / (2 * h), boost::test_tools::tolerance(1e-7));
    BOOST_TEST(r.hvp[s] == (up[s] - down[s]) / (2 * h), boost::test_tools::tolerance(1e-7));
    // On a scalar expression, hvp agrees with the symbolic Hessian.
    constexpr auto p = stag::var<"p">;
    constexpr auto q = stag::var<"q">;
    constexpr auto f = p * p * q + stag::sin(p * q) + stag::exp(q);
    const auto sr = stag::hvp(f, stag::primals(p = 1.2, q = 0.7), stag::tangents(p = 1.0, q = -2.0));
    const auto H = stag::hessian(f, p, q)(p = 1.2, q = 0.7);
    BOOST_TEST(sr.hvp[p] == H[p][p] - 2.0 * H[p][q], boost::test_tools::tolerance(1e-14));
    BOOST_TEST(sr.hvp[q] == H[q][p] - 2.0 * H[q][q], boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(hvp_of_a_large_variable) {
    // 20,000 elements: the dual copy of W (320 KB) lives on the heap.
    using big = T<100, 200>;
    constexpr auto W = stag::var<"W", big>;
    const auto w = std::make_unique<big>(), v = std::make_unique<big>();
    fill(*w, 0.3);
    fill(*v, 1.1);
    const auto f = stag::sum(stag::exp(W) * W) + stag::square(stag::sum(W));
    const auto r = stag::hvp(f, stag::primals(W = *w), stag::tangents(W = *v));
    double total = 0, along = 0;
    for (std::size_t e = 0; e < w->size(); ++e) total += w->data()[e], along += v->data()[e];
    for (std::size_t e = 0; e < w->size(); e += 97) {
        const double we = w->data()[e];
        // d2/dw2 of exp(w) w is exp(w) (w + 2); the square of the sum adds 2 * sum(v).
        BOOST_TEST(r.hvp[W].data()[e] == std::exp(we) * (we + 2) * v->data()[e] + 2 * along, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(r.grad[W].data()[e] == std::exp(we) * (we + 1) + 2 * total, boost::test_tools::tolerance(1e-12));
    }
}

BOOST_AUTO_TEST_CASE(jacobian_of_a_tensor_valued_expression) {
    const data d;
    const auto J = stag::jacobian(out, W1, b1, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(J.size() == 4u);
    const T<4> value = stag::eval(out, W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    const double ds = 1.3;
    const auto r = stag::jvp(out, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv),
                             stag::tangents(W1 = d.dw1, b1 = d.dv1, s = ds));
    for (std::size_t e = 0; e < 4; ++e) {
        BOOST_TEST(J.values(e) == value(e), boost::test_tools::tolerance(1e-15));
        // Row e times the tangents is the jvp's tangent e.
        double along = J[e][s] * ds;
        for (std::size_t k = 0; k < 15; ++k) along += J[e][W1].data()[k] * d.dw1.data()[k];
        for (std::size_t k = 0; k < 5; ++k) along += J[e][b1](k) * d.dv1(k);
        BOOST_TEST(along == r.tangent(e), boost::test_tools::tolerance(1e-13));
    }
    // Against central differences, element by element of b1.
    for (std::size_t k = 0; k < 5; ++k) {
        T<5> up = d.v1, down = d.v1;
        up(k) += h;
        down(k) -= h;
        const T<4> fu = stag::eval(out, W1 = d.w1, b1 = up, W2 = d.w2, x = d.xin, s = d.sv);
        const T<4> fd = stag::eval(out, W1 = d.w1, b1 = down, W2 = d.w2, x = d.xin, s = d.sv);
        for (std::size_t e = 0; e < 4; ++e) BOOST_TEST(J[e][b1](k) == (fu(e) - fd(e)) / (2 * h), boost::test_tools::tolerance(1e-8));
    }
    // A variable the expression does not use gets rows of zeros; one element gives grad.
    constexpr auto unused = stag::var<"unused", T<2>>;
    const auto Ju = stag::jacobian(out, unused, W1)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(Ju[3][unused](1) == 0.0);
    const auto Jl = stag::jacobian(loss, W1)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    const auto gl = stag::grad(loss, W1)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(Jl.size() == 1u);
    for (std::size_t k = 0; k < 15; ++k) BOOST_TEST(Jl[0][W1].data()[k] == gl[W1].data()[k], boost::test_tools::tolerance(1e-15));
    // The expression's root a variable itself: the identity.
    const auto Ji = stag::jacobian(b1, b1)(b1 = d.v1);
    BOOST_TEST(Ji[2][b1](2) == 1.0);
    BOOST_TEST(Ji[2][b1](3) == 0.0);
}

BOOST_AUTO_TEST_CASE(hessian_of_a_loss_of_tensor_variables) {
    const data d;
    const auto H = stag::hessian(loss, W1, b1, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(H.rows.size() == 15u + 5u + 1u);
    BOOST_TEST(H.value == stag::eval(loss, W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), boost::test_tools::tolerance(1e-15));
    const auto g = stag::grad(loss, W1, b1, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(H.grad[s] == g[s], boost::test_tools::tolerance(1e-15));
    // Symmetric.
    for (std::size_t e = 0; e < 15; ++e) {
        for (std::size_t k = 0; k < 5; ++k) BOOST_TEST(H.row(W1, e)[b1](k) == H.row(b1, k)[W1].data()[e], boost::test_tools::tolerance(1e-12));
        BOOST_TEST(H.row(W1, e)[s] == H[s][W1].data()[e], boost::test_tools::tolerance(1e-12));
    }
    // Rows against central differences of the gradient.
    for (std::size_t k = 0; k < 5; ++k) {
        T<5> up = d.v1, down = d.v1;
        up(k) += h;
        down(k) -= h;
        const auto gu = stag::grad(loss, W1, b1, s)(W1 = d.w1, b1 = up, W2 = d.w2, x = d.xin, s = d.sv);
        const auto gd = stag::grad(loss, W1, b1, s)(W1 = d.w1, b1 = down, W2 = d.w2, x = d.xin, s = d.sv);
        for (std::size_t e = 0; e < 15; ++e)
            BOOST_TEST(H.row(b1, k)[W1].data()[e] == (gu[W1].data()[e] - gd[W1].data()[e]) / (2 * h), boost::test_tools::tolerance(1e-7));
        BOOST_TEST(H.row(b1, k)[s] == (gu[s] - gd[s]) / (2 * h), boost::test_tools::tolerance(1e-7));
    }
    // Row times a direction is hvp.
    const auto r = stag::hvp(loss, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), stag::tangents(W1 = d.dw1, b1 = d.dv1));
    for (std::size_t k = 0; k < 5; ++k) {
        double along = 0;
        for (std::size_t e = 0; e < 15; ++e) along += H.row(b1, k)[W1].data()[e] * d.dw1.data()[e];
        for (std::size_t e = 0; e < 5; ++e) along += H.row(b1, k)[b1](e) * d.dv1(e);
        BOOST_TEST(along == r.hvp[b1](k), boost::test_tools::tolerance(1e-12));
    }
}

BOOST_AUTO_TEST_CASE(hessians_of_several_outputs_of_a_tensor_model) {
    // The Jacobian of both outputs over dual numbers: one forward sweep for both per
    // stag::hessian_lanes rows. Each output's Hessian is the one hessian gives it alone; a variable
    // no output uses keeps rows of zeros.
    const data d;
    constexpr auto unused = stag::var<"unused", T<2>>;
    constexpr auto second = stag::sum(hidden * hidden) * s + stag::sum(b1);  // shares hidden with loss
    const auto H = stag::hessian(stag::outputs(loss, second), W1, unused, b1, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    static_assert(H.size() == 2);
    const auto H0 = stag::hessian(loss, W1, unused, b1, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    const auto H1 = stag::hessian(second, W1, unused, b1, s)(W1 = d.w1, b1 = d.v1, x = d.xin, s = d.sv);
    auto same = [&](const auto& a, const auto& b) {
        BOOST_TEST(a.value == b.value, boost::test_tools::tolerance(1e-15));
        BOOST_TEST(a.grad[s] == b.grad[s], boost::test_tools::tolerance(1e-15));
        BOOST_TEST(a.rows.size() == 15u + 2u + 5u + 1u);
        for (std::size_t r = 0; r < a.rows.size(); ++r) {
            for (std::size_t k = 0; k < 15; ++k) BOOST_TEST(a.rows[r][W1].data()[k] == b.rows[r][W1].data()[k], boost::test_tools::tolerance(1e-14));
            for (std::size_t k = 0; k < 5; ++k) BOOST_TEST(a.rows[r][b1](k) == b.rows[r][b1](k), boost::test_tools::tolerance(1e-14));
            BOOST_TEST(a.rows[r][s] == b.rows[r][s], boost::test_tools::tolerance(1e-14));
            BOOST_TEST(a.rows[r][unused](1) == 0.0);
        }
    };
    same(H[0], H0);
    same(H[1], H1);
    // d2(second) / ds db1_k = 0 and d2(second) / ds2 = 0: second is linear in s and in b1's sum.
    BOOST_TEST(H[1][s][s] == 0.0);
    // A row of the second output against central differences of its gradient.
    for (std::size_t k = 0; k < 5; ++k) {
        T<5> up = d.v1, down = d.v1;
        up(k) += h;
        down(k) -= h;
        const auto gu = stag::grad(second, W1)(W1 = d.w1, b1 = up, x = d.xin, s = d.sv);
        const auto gd = stag::grad(second, W1)(W1 = d.w1, b1 = down, x = d.xin, s = d.sv);
        for (std::size_t e = 0; e < 15; ++e)
            BOOST_TEST(H[1].row(b1, k)[W1].data()[e] == (gu[W1].data()[e] - gd[W1].data()[e]) / (2 * h), boost::test_tools::tolerance(1e-7));
    }
}

BOOST_AUTO_TEST_CASE(hessian_rows_come_several_per_sweep) {
    // stag::hessian_lanes rows per sweep: the 15 + 5 + 1 rows here take three sweeps, the last one
    // partly filled, and a variable f does not use (not bound) keeps rows of zeros between them.
    // Each row is exactly the Hessian-vector product along its element's unit tangent.
    static_assert(stag::hessian_lanes == 8);
    const data d;
    constexpr auto unused = stag::var<"unused", T<2>>;
    const auto H = stag::hessian(loss, W1, unused, b1, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(H.rows.size() == 15u + 2u + 5u + 1u);
    auto unit_row = [&](auto v, std::size_t e) {
        T<5, 3> dw{};
        T<5> db{};
        double ds = 0;
        if constexpr (std::is_same_v<decltype(v), std::remove_const_t<decltype(W1)>>) dw.data()[e] = 1;
        else if constexpr (std::is_same_v<decltype(v), std::remove_const_t<decltype(b1)>>) db(e) = 1;
        else ds = 1;
        return stag::hvp(loss, stag::primals(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv), stag::tangents(W1 = dw, b1 = db, s = ds)).hvp;
    };
    auto same = [&](const auto& row, const auto& r) {
        for (std::size_t k = 0; k < 15; ++k) BOOST_TEST(row[W1].data()[k] == r[W1].data()[k]);
        for (std::size_t k = 0; k < 5; ++k) BOOST_TEST(row[b1](k) == r[b1](k));
        BOOST_TEST(row[s] == r[s]);
        BOOST_TEST(row[unused](0) == 0.0);
    };
    for (std::size_t e = 0; e < 15; ++e) same(H.row(W1, e), unit_row(W1, e));
    for (std::size_t e = 0; e < 5; ++e) same(H.row(b1, e), unit_row(b1, e));
    same(H[s], unit_row(s, 0));
    for (std::size_t e = 0; e < 2; ++e) {
        for (std::size_t k = 0; k < 15; ++k) BOOST_TEST(H.row(unused, e)[W1].data()[k] == 0.0);
        BOOST_TEST(H.row(unused, e)[s] == 0.0);
    }
}

BOOST_AUTO_TEST_CASE(dual_numbers_with_several_tangents) {
    // dual<double, tangent_lanes<double, 3>>: each lane as the one-tangent dual along it, through
    // every rule (pow's two branches included).
    using D1 = stag::dual<double>;
    using D3 = stag::dual<double, stag::tangent_lanes<double, 3>>;
    const double dx[3] = {1.0, -0.5, 0.0}, dy[3] = {0.0, 2.0, 0.25};
    D3 x3(0.7), y3(1.3);
    for (std::size_t k = 0; k < 3; ++k) {
        x3.tangent.lane[k] = dx[k];
        y3.tangent.lane[k] = dy[k];
    }
    auto f = [](const auto& x, const auto& y) {
        using std::exp, std::log, std::sin, std::tanh, std::pow, std::atan2, std::sqrt;
        return exp(x) * sin(y) / (x + y) - tanh(x * y) + log(y) * sqrt(x) + pow(x, y) + pow(y, decltype(x)(0.0)) + atan2(y, x);
    };
    const D3 r3 = f(x3, y3);
    for (std::size_t k = 0; k < 3; ++k) {
        const D1 r1 = f(D1(0.7, dx[k]), D1(1.3, dy[k]));
        BOOST_TEST(r3.value == r1.value);
        BOOST_TEST(r3.tangent.lane[k] == r1.tangent);
    }
}

BOOST_AUTO_TEST_CASE(check_grad_of_a_tensor_model) {
    const data d;
    const auto c = stag::check_grad(loss, W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    BOOST_TEST(c.passed(1e-7), c);
    // One line per element of every variable, in the order of the forward sweep.
    BOOST_TEST(c.entries.size() == 15u + 3u + 5u + 20u + 1u);
    const auto first = std::find_if(c.entries.begin(), c.entries.end(), [](const auto& e) { return e.variable == "W1(0, 0)"; });
    BOOST_REQUIRE(c.entries.end() - first >= 15);
    BOOST_TEST(first[1].variable == "W1(0, 1)");  // row-major
    BOOST_TEST(first[3].variable == "W1(1, 0)");
    BOOST_TEST(first[14].variable == "W1(4, 2)");
    const auto g = stag::grad(loss, W2)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    for (const auto& e : c.entries)
        if (e.variable == "W2(3, 1)") BOOST_TEST(e.reverse == g[W2](3, 1));
    // A wrong gradient is caught: a kink (abs at 0) differenced across.
    constexpr auto v = stag::var<"v", T<2>>;
    const T<2> at{0.0, 1.0};
    const auto k = stag::check_grad(stag::sum(stag::abs(v)), v = at);
    BOOST_TEST(!k.passed(1e-3));
    BOOST_TEST(k.entries[1].error < 1e-9);
}

BOOST_AUTO_TEST_CASE(trace_of_a_tensor_model) {
    const data d;
    const auto tr = stag::trace(loss, W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    const auto g = stag::grad(loss, W1, W2, s)(W1 = d.w1, b1 = d.v1, W2 = d.w2, x = d.xin, s = d.sv);
    bool saw_hidden = false;
    for (const auto& e : tr) {
        if (e.expression == "W1") {
            BOOST_TEST(e.shape == (std::vector<std::size_t>{5, 3}), boost::test_tools::per_element());
            for (std::size_t k = 0; k < 15; ++k) BOOST_TEST(e.adjoint[k] == g[W1].data()[k], boost::test_tools::tolerance(1e-15));
        }
        if (e.expression == "W2") BOOST_TEST(e.adjoint[7] == g[W2].data()[7], boost::test_tools::tolerance(1e-15));
        if (e.expression == "s") BOOST_TEST(e.adjoint[0] == g[s], boost::test_tools::tolerance(1e-15));
        if (e.expression == stag::to_string(hidden)) {
            saw_hidden = true;
            const T<5> want = stag::eval(hidden, W1 = d.w1, b1 = d.v1, x = d.xin);
            for (std::size_t k = 0; k < 5; ++k) BOOST_TEST(e.value[k] == want(k), boost::test_tools::tolerance(1e-15));
            BOOST_TEST(e.has_adjoint);
        }
        if (e.expression == "x") BOOST_TEST(e.has_adjoint);  // with respect to every variable
    }
    BOOST_TEST(saw_hidden);
    BOOST_TEST(tr.back().expression == stag::to_string(loss));
    BOOST_TEST(tr.back().shape.empty());
    BOOST_TEST(tr.back().adjoint[0] == 1.0);
}

BOOST_AUTO_TEST_CASE(to_dot_shows_shapes) {
    const std::string dot = stag::to_dot(hidden);
    BOOST_TEST(dot.find("[label=\"W1\\n5 x 3\"") != std::string::npos, dot);
    BOOST_TEST(dot.find("[label=\"matmul\\n5\"]") != std::string::npos, dot);
    BOOST_TEST(stag::to_dot(stag::sum(hidden)).find("[label=\"sum\", penwidth=2]") != std::string::npos);
    // A number's graph is unchanged: no shape line.
    BOOST_TEST(stag::to_dot(s * s).find("\\n") == std::string::npos);
}

namespace {
// The digits network of examples/digits.cpp (64 features, 32 hidden, 10 classes) over a minibatch
// of 8 rows, its loss the mean cross-entropy against class indices.
constexpr auto DX = stag::var<"X", T<8, 64>>;
constexpr auto DW1 = stag::var<"W1", T<64, 32>>;
constexpr auto Db1 = stag::var<"b1", T<32>>;
constexpr auto DW2 = stag::var<"W2", T<32, 10>>;
constexpr auto Db2 = stag::var<"b2", T<10>>;
constexpr auto Dy = stag::var<"y", T<8>>;
constexpr auto logits = stag::matmul(stag::tanh(stag::matmul(DX, DW1) + Db1), DW2) + Db2;
constexpr auto digits_loss = stag::cross_entropy(logits, Dy);

/// Values for the digits network (irregular weights, fixed labels).
struct digits_data {
    T<8, 64> xs;
    T<64, 32> w1;
    T<32> v1;
    T<32, 10> w2;
    T<10> v2;
    T<8> ys{3, 0, 9, 1, 7, 7, 2, 5};
    digits_data() {
        fill(xs, 0.1);
        fill(w1, 0.2);
        fill(v1, 0.3);
        fill(w2, 0.4);
        fill(v2, 0.5);
    }
};

// A loss over every tensor op, of two tensors A and B, the indices k and a number q.
constexpr auto A = stag::var<"A", T<2, 3, 4>>;
constexpr auto B = stag::var<"B", T<4, 3>>;
constexpr auto k = stag::var<"k", T<2, 3>>;
constexpr auto q = stag::var<"q">;
constexpr auto every_op =
    stag::sum(stag::max<1>(A)) + stag::sum(stag::min<2>(A) * q) + stag::min(A) + stag::sum(stag::softmax(A) * stag::log_softmax(A)) +
    stag::sum(stag::concat<0>(stag::slice<0, 1, 2>(A), A)) * stag::sum(stag::mean<1>(A)) + stag::sum(stag::matmul(stag::reshape<6, 4>(A), B)) +
    stag::sum(stag::transpose(B) * q) + stag::sum(stag::gather(B, k)) + stag::sum(stag::pick(stag::reshape<6, 4>(A), stag::reshape<6>(k))) +
    stag::mse(stag::sum<0>(A), stag::reshape<3, 4>(stag::slice<0, 0, 1>(A))) + stag::sum(stag::exp(A) * stag::slice<0, 0, 1>(A)) + stag::max(B);

/// Values for every_op.
struct every_op_data {
    T<2, 3, 4> a;
    T<4, 3> b;
    T<2, 3> ks{2.0, 0.0, 3.0, 1.0, 1.0, 2.0};
    double qv = 0.8;
    every_op_data() {
        fill(a, 0.6);
        fill(b, 0.7);
    }
};
/// C statements that read every_op's inputs (a, b, k, q) from standard input.
inline const char* every_op_reads = "    static double a[24], b[12], k[6];\n    double q;\n"
                                    "    for (int e = 0; e < 24; ++e) if (scanf(\"%lf\", &a[e]) != 1) return 1;\n"
                                    "    for (int e = 0; e < 12; ++e) if (scanf(\"%lf\", &b[e]) != 1) return 1;\n"
                                    "    for (int e = 0; e < 6; ++e) if (scanf(\"%lf\", &k[e]) != 1) return 1;\n"
                                    "    if (scanf(\"%lf\", &q) != 1) return 1;\n";
/// The arguments a, b, k, q (those it takes) of the C function `name` in code, in the order of its
/// parameters (the order of the forward sweep), each followed by ", ".
std::string every_op_arguments(const std::string& code, const std::string& name) {
    const std::size_t open = code.find(name + "(");
    BOOST_TEST_REQUIRE(open != std::string::npos);
    const std::string signature = code.substr(open, code.find(')', open) - open);
    std::vector<std::pair<std::size_t, std::string>> order;
    for (const char* p : {"const double A[24]", "const double B[12]", "const double k[6]", "double q"})
        if (const std::size_t at = signature.find(p); at != std::string::npos)
            order.emplace_back(at, std::string(p) == "double q" ? "q" : std::string(1, char(std::tolower(p[13]))));
    std::sort(order.begin(), order.end());
    std::string args;
    for (const auto& [at, arg] : order) args += arg + ", ";
    return args;
}

template <class X>
std::string numbers(const X& x) {
    std::string out;
    char buf[32];
    for (std::size_t i = 0; i < x.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%.17g ", x.data()[i]);
        out += buf;
    }
    return out + "\n";
}
}  // namespace

// to_c of a tensor model: the digits network's value and gradient as one C99 function, compiled with
// -std=c99 -pedantic -Wall -Werror and run; it agrees with stag to 1e-12. Its logits too.
BOOST_AUTO_TEST_CASE(to_c_of_the_digits_network) {
    digits_data data;
    for (auto& w : data.w1) w *= 0.3;
    const auto& [xs, w1, v1, w2, v2, ys] = data;
    const std::string code = stag::to_c(stag::value_and_grad(digits_loss, DW1, Db1, DW2, Db2), "digits_step") + stag::to_c(logits, "digits_logits");
    BOOST_TEST(code.find("double digits_step(const double X[512], const double W1[2048], const double b1[32], const double W2[320], "
                         "const double b2[10], const double y[8], double grad_W1[2048], double grad_b1[32], double grad_W2[320], "
                         "double grad_b2[10])") != std::string::npos,
               code.substr(0, 600));
    BOOST_TEST(code.find("void digits_logits(const double X[512], const double W1[2048], const double b1[32], const double W2[320], "
                         "const double b2[10], double stag_result[80])") != std::string::npos);
    // The C main reads the arrays in the order of the parameters and prints the results.
    std::string body = "    static double x[512], w1[2048], b1[32], w2[320], b2[10], y[8], g1[2048], gb1[32], g2[320], gb2[10], z[80];\n";
    body += "    double* in[] = {x, w1, b1, w2, b2, y};\n    const int count[] = {512, 2048, 32, 320, 10, 8};\n";
    body += "    for (int a = 0; a < 6; ++a)\n        for (int e = 0; e < count[a]; ++e)\n            if (scanf(\"%lf\", &in[a][e]) != 1) return 1;\n";
    body += "    printf(\"%.17g\\n\", digits_step(x, w1, b1, w2, b2, y, g1, gb1, g2, gb2));\n";
    body += "    digits_logits(x, w1, b1, w2, b2, z);\n";
    body += "    for (int e = 0; e < 2048; ++e) printf(\"%.17g \", g1[e]);\n    for (int e = 0; e < 32; ++e) printf(\"%.17g \", gb1[e]);\n";
    body += "    for (int e = 0; e < 320; ++e) printf(\"%.17g \", g2[e]);\n    for (int e = 0; e < 10; ++e) printf(\"%.17g \", gb2[e]);\n";
    body += "    for (int e = 0; e < 80; ++e) printf(\"%.17g \", z[e]);\n";
    const std::string input = numbers(xs) + numbers(w1) + numbers(v1) + numbers(w2) + numbers(v2) + numbers(ys);
    std::istringstream out(stag_test::run_c99("stag_to_c_digits", code, body, input));
    const auto vg = stag::value_and_grad(digits_loss, DW1, Db1, DW2, Db2)(DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys);
    const T<8, 10> z = stag::eval(logits, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2);
    double value = 0;
    BOOST_REQUIRE(out >> value);
    BOOST_TEST(value == vg.value, boost::test_tools::tolerance(1e-12));
    double worst = 0;
    auto compare = [&](const auto& want) {
        for (std::size_t e = 0; e < want.size(); ++e) {
            double got = 0;
            BOOST_REQUIRE(out >> got);
            worst = std::max(worst, std::fabs(got - want.data()[e]) / std::max(1.0, std::fabs(want.data()[e])));
        }
    };
    compare(vg.grad[DW1]);
    compare(vg.grad[Db1]);
    compare(vg.grad[DW2]);
    compare(vg.grad[Db2]);
    compare(z);
    BOOST_TEST(worst <= 1e-12);
    BOOST_TEST(vg.grad[DW1](5, 3) != 0.0);  // the gradient is not trivially zero
}

// to_c of the other tensor ops, value and gradient, against stag: every op states its C form.
BOOST_AUTO_TEST_CASE(to_c_of_every_tensor_op) {
    const every_op_data data;
    const auto& [a, b, ks, qv] = data;
    const auto& f = every_op;
    const std::string code = stag::to_c(stag::value_and_grad(f, A, B, q), "every_op");
    std::string body = std::string(every_op_reads) + "    static double ga[24], gb[12], gq[1];\n";
    body += "    printf(\"%.17g \", every_op(" + every_op_arguments(code, "double every_op") + "ga, gb, gq));\n";
    body += "    for (int e = 0; e < 24; ++e) printf(\"%.17g \", ga[e]);\n    for (int e = 0; e < 12; ++e) printf(\"%.17g \", gb[e]);\n";
    body += "    printf(\"%.17g\\n\", gq[0]);\n";
    const std::string input = numbers(a) + numbers(b) + numbers(ks) + "0.8\n";
    std::istringstream out(stag_test::run_c99("stag_to_c_every_op", code, body, input));
    const auto vg = stag::value_and_grad(f, A, B, q)(A = a, B = b, k = ks, q = qv);
    double value = 0, worst = 0;
    BOOST_REQUIRE(out >> value);
    BOOST_TEST(value == vg.value, boost::test_tools::tolerance(1e-12));
    auto compare = [&](const auto* want, std::size_t count) {
        for (std::size_t e = 0; e < count; ++e) {
            double got = 0;
            BOOST_REQUIRE(out >> got);
            worst = std::max(worst, std::fabs(got - want[e]) / std::max(1.0, std::fabs(want[e])));
        }
    };
    compare(vg.grad[A].data(), 24);
    compare(vg.grad[B].data(), 12);
    compare(&vg.grad[q], 1);
    BOOST_TEST(worst <= 1e-12);
}

namespace {
/// The largest difference between the elements of a and b, relative to max(1, |b|).
template <class X, class Y>
double worst_difference(const X& a, const Y& b) {
    double worst = 0;
    for (std::size_t e = 0; e < b.size(); ++e) worst = std::max(worst, std::fabs(a.data()[e] - b.data()[e]) / std::max(1.0, std::fabs(b.data()[e])));
    return worst;
}
}  // namespace

// d(loss, W) of a tensor variable: the gradient as an expression of W's shape, built from each
// op's vector-Jacobian product; evaluated, it is grad's gradient.
BOOST_AUTO_TEST_CASE(d_of_the_digits_loss_is_its_gradient) {
    const digits_data data;
    const auto& [xs, w1, v1, w2, v2, ys] = data;
    const auto gW1 = stag::d(digits_loss, DW1);
    const auto gb1 = stag::d(digits_loss, Db1);
    const auto gW2 = stag::d(digits_loss, DW2);
    const auto gb2 = stag::d(digits_loss, Db2);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(gW1)>, std::index_sequence<64, 32>>);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(gb1)>, std::index_sequence<32>>);
    const auto g = stag::grad(digits_loss, DW1, Db1, DW2, Db2)(DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys);
    BOOST_TEST(worst_difference(stag::eval(gW1, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys), g[DW1]) <= 1e-13);
    BOOST_TEST(worst_difference(stag::eval(gb1, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys), g[Db1]) <= 1e-13);
    BOOST_TEST(worst_difference(stag::eval(gW2, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys), g[DW2]) <= 1e-13);
    BOOST_TEST(worst_difference(stag::eval(gb2, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys), g[Db2]) <= 1e-13);
    // The bias of the output layer, broadcast over the 8 rows, gets their sum.
    BOOST_TEST(stag::to_string(gb2).find("sum_to") != std::string::npos, stag::to_string(gb2));
}

// The derivative's printing, its simplification, and the edges: a variable the loss does not
// depend on, or that is not in it, gets zeros of its shape.
BOOST_AUTO_TEST_CASE(d_of_tensor_variables_prints_and_simplifies) {
    constexpr auto W = stag::var<"W", T<3, 2>>;
    constexpr auto b = stag::var<"b", T<3>>;
    constexpr auto y = stag::var<"y", T<3>>;
    BOOST_TEST(stag::to_string(stag::d(stag::sum(W), W)) == "broadcast(1)");
    BOOST_TEST(stag::to_string(stag::d(stag::sum(stag::square(W)), W)) == "2 * W");
    BOOST_TEST(stag::to_string(stag::d(stag::mse(b, y), b)) == "2/3 * (b - y)");
    BOOST_TEST(stag::to_string(stag::d(stag::sum(W), b)) == "broadcast(0)");                    // b is not in the loss
    BOOST_TEST(stag::to_string(stag::d(stag::sum(W) + stag::max(b > y), b)) == "broadcast(0)");  // only through a comparison
    static_assert(std::is_same_v<stag::node_shape_t<decltype(stag::d(stag::sum(W), b))>, std::index_sequence<3>>);
    // A derivative without run-time data is its type alone, and evaluates at compile time.
    constexpr auto dW = stag::d(stag::sum(stag::square(W)) + stag::sum(stag::matmul(b, W)), W);
    static_assert(std::is_empty_v<decltype(dW)>);
    constexpr T<3, 2> wv{1, 2, 3, 4, 5, 6};
    constexpr T<3> bv{0.5, -1, 2};
    constexpr auto at = stag::eval(dW, W = wv, b = bv);
    static_assert(at(2, 1) == 2 * 6 + 2.0);  // 2 W + b 1^T: the vector b is the left side of the matmul
    BOOST_TEST(stag::to_latex(stag::d(stag::sum(stag::square(W)), W)) == stag::to_latex(2 * W));
}

// d of a loss over every tensor op, with respect to two tensors and a number; the derivative as a
// C99 function (to_c of a tensor-valued expression) agrees with stag.
BOOST_AUTO_TEST_CASE(d_of_every_tensor_op) {
    const every_op_data data;
    const auto& [a, b, ks, qv] = data;
    const auto& f = every_op;
    const auto g = stag::grad(f, A, B, q)(A = a, B = b, k = ks, q = qv);
    const auto dA = stag::d(f, A);
    BOOST_TEST(worst_difference(stag::eval(dA, A = a, B = b, k = ks, q = qv), g[A]) <= 1e-13);
    BOOST_TEST(worst_difference(stag::eval(stag::d(f, B), A = a, B = b, k = ks, q = qv), g[B]) <= 1e-13);
    BOOST_TEST(stag::eval(stag::d(f, q), A = a, B = b, k = ks, q = qv) == g[q], boost::test_tools::tolerance(1e-13));
    // The derivative with respect to A, as C.
    const std::string code = stag::to_c(dA, "dA");
    std::string body = std::string(every_op_reads) + "    static double r[24];\n";
    body += "    dA(" + every_op_arguments(code, "void dA") + "r);\n    for (int e = 0; e < 24; ++e) printf(\"%.17g \", r[e]);\n";
    std::istringstream out(stag_test::run_c99("stag_to_c_d_every_op", code, body, numbers(a) + numbers(b) + numbers(ks) + "0.8\n"));
    T<2, 3, 4> from_c;
    for (auto& e : from_c) BOOST_REQUIRE(out >> e);
    BOOST_TEST(worst_difference(from_c, g[A]) <= 1e-12);
}

// A derivative is an expression like any other: the gradient of a gradient's squared norm (double
// backpropagation) through the ops a derivative is made of, against central differences.
BOOST_AUTO_TEST_CASE(gradient_of_a_symbolic_gradient) {
    constexpr auto v = stag::var<"v", T<3>>;
    T<2, 3, 4> a;
    T<4, 3> b;
    T<3> vv;
    fill(a, 0.6);
    fill(b, 0.7);
    fill(vv, 0.9);
    const auto f = stag::sum(stag::tanh(stag::matmul(stag::reshape<6, 4>(A), B) + v)) + stag::sum(stag::softmax(A) * stag::log_softmax(A)) +
                   stag::sum(stag::concat<1>(stag::slice<1, 1, 3>(A), A) * stag::sum(stag::mean<0>(A))) + stag::sum(stag::square(stag::sum<2>(A)));
    const auto penalty = stag::sum(stag::square(stag::d(f, A))) + stag::sum(stag::square(stag::d(f, B))) + stag::sum(stag::square(stag::d(f, v)));
    const auto c = stag::check_grad(penalty, A = a, B = b, v = vv);
    BOOST_TEST(c.passed(1e-6), c);
}

// Several outputs of a tensor model (a loss and an accuracy; the logits beside the loss) from one
// forward sweep: the nodes they share are computed once, and the values are each output's own.
BOOST_AUTO_TEST_CASE(outputs_of_a_tensor_model) {
    const digits_data data;
    const auto& [xs, w1, v1, w2, v2, ys] = data;
    const auto correct = stag::sum(stag::pick(stag::max_mask<1>(logits), Dy));  // rows whose label has the largest logit
    const auto r = stag::eval(stag::outputs(digits_loss, correct, stag::max(logits)), DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys);
    static_assert(std::is_same_v<decltype(r), const std::array<double, 3>>);
    BOOST_TEST(r[0] == stag::eval(digits_loss, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys));
    BOOST_TEST(r[1] == stag::eval(correct, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys));
    BOOST_TEST(r[2] == stag::eval(stag::max(logits), DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys));
    // The count of correct rows, by hand from the logits.
    const T<8, 10> z = stag::eval(logits, DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2);
    double count = 0;
    for (std::size_t row = 0; row < 8; ++row) {
        std::size_t best = 0;
        for (std::size_t c = 1; c < 10; ++c)
            if (z(row, c) > z(row, best)) best = c;
        count += best == static_cast<std::size_t>(ys(row)) ? 1 : 0;
    }
    BOOST_TEST(r[1] == count);
    // One graph: the logits' nodes are listed once for the three outputs.
    using joined = stag::graph::nodes_t<stag::detail::joined_t<decltype(digits_loss), decltype(correct)>>;
    constexpr std::size_t apart = std::size_t{stag::graph::nodes_t<decltype(digits_loss)>::size} + std::size_t{stag::graph::nodes_t<decltype(correct)>::size};
    static_assert(std::size_t{joined::size} + 8 < apart);
    // And at compile time.
    constexpr auto V = stag::var<"V", T<2>>;
    constexpr T<2> at{3.0, -1.0};
    static_assert(stag::eval(stag::outputs(stag::sum(V * V), stag::max(V)), V = at)[1] == 3.0);
    // Tensor-valued outputs beside a number: a std::tuple of the values, from the same one sweep.
    const auto [loss_value, z_all, p_all] =
        stag::eval(stag::outputs(digits_loss, logits, stag::softmax(logits)), DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys);
    static_assert(std::is_same_v<decltype(z_all), const T<8, 10>>);
    BOOST_TEST(loss_value == r[0]);
    const T<8, 10> p = stag::eval(stag::softmax(logits), DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2);
    for (std::size_t e = 0; e < 80; ++e) {
        BOOST_TEST(z_all.data()[e] == z.data()[e]);
        BOOST_TEST(p_all.data()[e] == p.data()[e]);
    }
    static_assert(std::get<1>(stag::eval(stag::outputs(stag::sum(V * V), V * 2.0), V = at))(0) == 6.0);
}

// The Jacobian of a tensor model's number-valued outputs: one forward sweep, one backward sweep per
// output, each row the output's gradient (grad's, output by output); a comparison's row is zero.
BOOST_AUTO_TEST_CASE(jacobian_of_the_outputs_of_a_tensor_model) {
    const digits_data data;
    const auto& [xs, w1, v1, w2, v2, ys] = data;
    const auto penalty = stag::c<1, 100> * stag::sum(stag::square(DW1));
    const auto J = stag::jacobian(stag::outputs(digits_loss, penalty, stag::max(logits) > 0.0), DW1, Db2)(DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys);
    static_assert(J.size() == 3);
    const auto g0 = stag::value_and_grad(digits_loss, DW1, Db2)(DX = xs, DW1 = w1, Db1 = v1, DW2 = w2, Db2 = v2, Dy = ys);
    const auto g1 = stag::value_and_grad(penalty, DW1, Db2)(DW1 = w1);
    BOOST_TEST(J.values[0] == g0.value);
    BOOST_TEST(J.values[1] == g1.value);
    BOOST_TEST(J.values[2] == 1.0);
    BOOST_TEST(worst_difference(J[0][DW1], g0.grad[DW1]) <= 1e-15);
    BOOST_TEST(worst_difference(J[0][Db2], g0.grad[Db2]) <= 1e-15);
    BOOST_TEST(worst_difference(J[1][DW1], g1.grad[DW1]) <= 1e-15);
    for (double e : J[1][Db2]) BOOST_TEST(e == 0.0);  // the penalty does not use b2
    for (double e : J[2][DW1]) BOOST_TEST(e == 0.0);  // a comparison passes no derivative
}

// A tensor-level op written outside the library, as a user would add one (docs/design.md, "Adding
// a tensor op"): the running sum of a vector. Its one statement (shape rule, loops, vector-Jacobian
// product, C forms) serves eval, grad, check_grad, d, printing and to_c.
namespace user_ops {
struct cumsum_op;
/// cumsum(a): out[i] = a[0] + ... + a[i], for a vector a.
template <stag::expression A>
constexpr auto cumsum(const A& a) {
    constexpr bool vector = stag::node_shape_t<A>::size() == 1;
    static_assert(vector, "stag: cumsum(a): a must be a vector");
    if constexpr (vector) return stag::make_node<cumsum_op>(a);
    else return stag::detail::failed{};
}
struct cumsum_op {
    static constexpr bool tensor_level = true;
    static constexpr stag::call notation{"cumsum"};
    template <class A>
    using shape = A;  // the shape of its argument
    /// The adjoint of a[k] is g[k] + ... + g[n - 1], the running sum from the end, written with
    /// stag's ops (and this one) so that d can build it as an expression.
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N&) { return stag::sum(g) - cumsum(g) + g; }
    template <class Sh, class S, class PA>
    static constexpr void forward(Sh, S* out, const PA* a) {
        S run{};
        for (std::size_t i = 0; i < Sh::out_count; ++i) out[i] = run += S(a[i]);
    }
    /// The push into argument J: overwrite the adjoint `to` where Assign (the first push into it),
    /// add to it otherwise; g is this node's adjoint, then come its value and its arguments'.
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        S run{};
        for (std::size_t i = Sh::out_count; i-- > 0;) {
            run += g[i];
            if constexpr (Assign) to[i] = run;
            else to[i] += run;
        }
    }
    template <class Sh>
    static std::string c_forward(Sh, const stag::c_arrays& n) {
        const std::string count = std::to_string(Sh::out_count);
        return "{\n    double stag_run = 0;\n    for (int stag_i = 0; stag_i < " + count + "; ++stag_i) " + n.out + "[stag_i] = stag_run += " + n.arg[0] +
               "[stag_i];\n}\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const stag::c_arrays& n) {
        const std::string last = std::to_string(Sh::out_count - 1);
        return "{\n    double stag_run = 0;\n    for (int stag_i = " + last + "; stag_i >= 0; --stag_i) " + n.to + "[stag_i] += stag_run += " + n.adj +
               "[stag_i];\n}\n";
    }
};
}  // namespace user_ops

BOOST_AUTO_TEST_CASE(a_tensor_op_written_outside_the_library) {
    using user_ops::cumsum;
    constexpr auto v = stag::var<"v", T<4>>;
    constexpr auto w = stag::var<"w", T<4>>;
    const T<4> vv{1.0, -2.0, 0.5, 3.0}, wv{0.3, 1.1, -0.7, 0.2};
    // Its value, also in a constant expression.
    static_assert(stag::eval(cumsum(v), v = T<4>{1, 2, 3, 4}) == T<4>{1, 3, 6, 10});
    BOOST_TEST(stag::to_string(cumsum(v) * w) == "cumsum(v) * w");
    // A loss that uses it twice, once inside an elementwise run.
    const auto f = stag::sum(stag::square(cumsum(v)) * w) + stag::sum(stag::exp(cumsum(v * w)));
    const auto c = stag::check_grad(f, v = vv, w = wv);
    BOOST_TEST(c.passed(1e-7), c);
    const auto vg = stag::value_and_grad(f, v, w)(v = vv, w = wv);
    // Against the running sums by hand: f = sum w_i c_i^2 + sum exp(r_i), c = cumsum(v), r = cumsum(v w).
    double cs = 0, rs = 0, value = 0;
    T<4> dc{}, dr{};
    for (std::size_t i = 0; i < 4; ++i) {
        cs += vv(i), rs += vv(i) * wv(i);
        value += wv(i) * cs * cs + std::exp(rs);
        dc(i) = 2 * wv(i) * cs, dr(i) = std::exp(rs);
    }
    BOOST_TEST(vg.value == value, boost::test_tools::tolerance(1e-14));
    for (std::size_t k = 0; k < 4; ++k) {
        double tail_c = 0, tail_r = 0;
        for (std::size_t i = k; i < 4; ++i) tail_c += dc(i), tail_r += dr(i);
        BOOST_TEST(vg.grad[v](k) == tail_c + tail_r * wv(k), boost::test_tools::tolerance(1e-13));
    }
    // d builds the gradient from the vjp; evaluated, it is grad's.
    BOOST_TEST(worst_difference(stag::eval(stag::d(f, v), v = vv, w = wv), vg.grad[v]) <= 1e-13);
    BOOST_TEST(stag::to_string(stag::d(stag::sum(cumsum(v)), v)).find("cumsum") != std::string::npos);
    // The value and gradient as C99.
    const std::string code = stag::to_c(stag::value_and_grad(f, v, w), "with_cumsum");
    BOOST_TEST_REQUIRE(code.find("double with_cumsum(const double v[4], const double w[4], double grad_v[4], double grad_w[4])") != std::string::npos, code);
    std::string body = "    static double v[4], w[4], gv[4], gw[4];\n";
    body += "    for (int e = 0; e < 4; ++e) if (scanf(\"%lf\", &v[e]) != 1) return 1;\n";
    body += "    for (int e = 0; e < 4; ++e) if (scanf(\"%lf\", &w[e]) != 1) return 1;\n";
    body += "    printf(\"%.17g \", with_cumsum(v, w, gv, gw));\n    for (int e = 0; e < 4; ++e) printf(\"%.17g %.17g \", gv[e], gw[e]);\n";
    std::istringstream out(stag_test::run_c99("stag_to_c_cumsum", code, body, numbers(vv) + numbers(wv)));
    double got = 0;
    BOOST_REQUIRE(out >> got);
    BOOST_TEST(got == vg.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < 4; ++e) {
        double gv = 0, gw = 0;
        BOOST_REQUIRE(out >> gv >> gw);
        BOOST_TEST(gv == vg.grad[v](e), boost::test_tools::tolerance(1e-13));
        BOOST_TEST(gw == vg.grad[w](e), boost::test_tools::tolerance(1e-13));
    }
}
