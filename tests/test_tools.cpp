// Inspection and higher order: check_grad (and its Boost.Test helper), jvp, jacobian, hessian,
// to_latex, to_dot, and to_c, whose output is compiled with a C99 compiler and run.
#define BOOST_TEST_MODULE tools
#include <stag/testing/boost_test.hpp>

#include "c99.hpp"
#include "op_checker.hpp"
#include "../benchmarks/problems.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// x, y, z, and P2 of the peers' benchmark (a, b, c, d, e and p2).
using namespace stag_problems;

BOOST_AUTO_TEST_SUITE(check_grad)

BOOST_AUTO_TEST_CASE(agrees_for_a_correct_gradient_and_reports_every_variable) {
    const auto r = stag::check_grad(p2, a = 0.5, b = 1.2, c = 0.8, d = 1.5, e = 0.3);
    BOOST_TEST(r.entries.size() == 5u);
    BOOST_TEST(r.passed(1e-7), r);
    BOOST_TEST(r.entries[0].variable == "a");
    for (const auto& entry : r.entries) BOOST_TEST(entry.reverse != 0.0);
    STAG_CHECK_GRAD(p2, 1e-7, a = 0.5, b = 1.2, c = 0.8, d = 1.5, e = 0.3);
    STAG_CHECK_GRAD(x * x * y, 1e-4, x = 3.0f, y = 2.0f);  // float bindings: a float-sized step
}

BOOST_AUTO_TEST_CASE(flags_a_kink_where_one_sided_derivatives_differ) {
    // At x = 0, grad returns abs's documented right derivative (+1); the central difference is 0.
    const auto r = stag::check_grad(stag::abs(x), x = 0.0);
    BOOST_TEST(r.entries[0].reverse == 1.0);
    BOOST_TEST(r.entries[0].finite_difference == 0.0);
    BOOST_TEST(!r.passed(0.5));
    std::ostringstream text;
    text << r;
    BOOST_TEST(text.str().find("x: reverse 1, finite difference 0") != std::string::npos, text.str());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(higher_order)

BOOST_AUTO_TEST_CASE(jvp_is_the_gradient_along_a_direction) {
    const double point[] = {0.5, 1.2, 0.8, 1.5, 0.3};
    const auto g = stag::grad(p2, a, b, c, d, e)(a = point[0], b = point[1], c = point[2], d = point[3], e = point[4]);
    const auto r = stag::jvp(p2, stag::primals(a = point[0], b = point[1], c = point[2], d = point[3], e = point[4]),
                             stag::tangents(a = 1.0, c = -2.0, e = 0.5));
    // (Not ==: g++ may fold eval's library calls at compile time, correctly rounded.)
    STAG_CHECK_CLOSE(r.value, stag::eval(p2, a = point[0], b = point[1], c = point[2], d = point[3], e = point[4]), 1e-15);
    STAG_CHECK_CLOSE(r.tangent, g[a] - 2.0 * g[c] + 0.5 * g[e], 1e-14);
    // A single direction is one partial derivative, and the symbolic d agrees.
    const auto rx = stag::jvp(x * stag::sin(y), stag::primals(x = 2.0, y = 0.5), stag::tangents(y = 1.0));
    STAG_CHECK_CLOSE(rx.tangent, stag::eval(stag::d(x * stag::sin(y), y), x = 2.0, y = 0.5), 1e-15);
    // A tangent for a variable the expression does not use changes nothing.
    BOOST_TEST(stag::jvp(x * x, stag::primals(x = 3.0), stag::tangents(z = 1.0)).tangent == 0.0);
    static_assert(stag::jvp(x * x * y, stag::primals(x = 2.0, y = 3.0), stag::tangents(x = 1.0)).tangent == 12.0);
}

BOOST_AUTO_TEST_CASE(jacobian_of_several_outputs) {
    const auto J = stag::jacobian(stag::outputs(x * y, x + stag::sin(y), z), x, y)(x = 2.0, y = 0.5, z = 7.0);
    BOOST_TEST(J.size() == 3u);
    BOOST_TEST(J.values[0] == 1.0);
    BOOST_TEST(J[0][x] == 0.5);
    BOOST_TEST(J[0][y] == 2.0);
    BOOST_TEST(J[1][x] == 1.0);
    BOOST_TEST(J[1][y] == std::cos(0.5));
    BOOST_TEST(J[2][x] == 0.0);  // an output that uses neither variable
    BOOST_TEST(J.values[2] == 7.0);
    static_assert(stag::jacobian(stag::outputs(x * y, x - y), x, y)(x = 2.0, y = 3.0)[1][y] == -1.0);
}

BOOST_AUTO_TEST_CASE(eval_of_several_outputs) {
    // A loss and an auxiliary output that share e = exp(x * y), from one forward sweep.
    const auto e = stag::exp(x * y);
    const auto v = stag::eval(stag::outputs(e + z, e * z, e > z, z), x = 0.5, y = 2.0, z = 3.0);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(v)>, std::array<double, 4>>);
    BOOST_TEST(v[0] == std::exp(1.0) + 3.0);
    BOOST_TEST(v[1] == std::exp(1.0) * 3.0);
    BOOST_TEST(v[2] == 0.0);  // e > z is false
    BOOST_TEST(v[3] == 3.0);
    static_assert(stag::eval(stag::outputs(x * y, x - y), x = 2.0, y = 3.0)[1] == -1.0);
    const auto f = stag::eval(stag::outputs(x * y, x + y), x = 2.0f, y = 3.0f);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(f)>, std::array<float, 2>>);
    BOOST_TEST(f[1] == 5.0f);
}

BOOST_AUTO_TEST_CASE(nested_dual_numbers_give_second_derivatives) {
    // A dual of duals carries two tangents: eval gives the second derivative along them in the
    // tangent's tangent (forward over forward); grad over them gives the Hessian times the inner
    // tangents in its values' tangents; both agree with stag::hessian and d of d.
    using D = stag::dual<double>;
    using DD = stag::dual<D>;
    const auto f = stag::exp(x * y) + x * x * x * z + stag::sin(y) * stag::sqrt(z);
    const auto H = stag::hessian(f, x, y, z)(x = 0.3, y = -0.7, z = 2.0);
    const DD xx = stag::eval(f, x = DD{D{0.3, 1.0}, D{1.0, 0.0}}, y = DD{D{-0.7, 0.0}, D{0.0, 0.0}}, z = DD{D{2.0, 0.0}, D{0.0, 0.0}});
    STAG_CHECK_CLOSE(xx.value.value, H.value, 1e-15);
    STAG_CHECK_CLOSE(xx.tangent.tangent, H[x][x], 1e-14);
    // Inner tangent along x, outer along y: d2f / dx dy.
    const DD xy = stag::eval(f, x = DD{D{0.3, 1.0}, D{0.0, 0.0}}, y = DD{D{-0.7, 0.0}, D{1.0, 0.0}}, z = DD{D{2.0, 0.0}, D{0.0, 0.0}});
    STAG_CHECK_CLOSE(xy.tangent.value, H.grad[y], 1e-14);
    STAG_CHECK_CLOSE(xy.value.tangent, H.grad[x], 1e-14);
    STAG_CHECK_CLOSE(xy.tangent.tangent, H[x][y], 1e-14);
    // The gradient over duals of duals: its values' tangents are H times the inner tangents.
    const auto g = stag::grad(f, x, y, z)(x = DD{D{0.3, 0.0}, D{0.0, 0.0}}, y = DD{D{-0.7, 1.0}, D{0.0, 0.0}}, z = DD{D{2.0, 0.0}, D{0.0, 0.0}});
    STAG_CHECK_CLOSE(g[z].value.tangent, H[z][y], 1e-14);
    STAG_CHECK_CLOSE(g[y].value.tangent, stag::eval(stag::d(stag::d(f, y), y), x = 0.3, y = -0.7, z = 2.0), 1e-14);
}

BOOST_AUTO_TEST_CASE(hessian_against_d_of_d_and_finite_differences) {
    const auto f = stag::exp(x * y) + x * x * x * z;
    const auto H = stag::hessian(f, x, y, z)(x = 0.3, y = -0.7, z = 2.0);
    BOOST_TEST(H.value == stag::eval(f, x = 0.3, y = -0.7, z = 2.0));
    STAG_CHECK_CLOSE(H[x][x], stag::eval(stag::d(stag::d(f, x), x), x = 0.3, y = -0.7, z = 2.0), 1e-15);
    STAG_CHECK_CLOSE(H[x][y], stag::eval(stag::d(stag::d(f, x), y), x = 0.3, y = -0.7, z = 2.0), 1e-15);
    STAG_CHECK_CLOSE(H[x][y], H[y][x], 1e-15);
    STAG_CHECK_CLOSE(H[z][x], 3.0 * 0.3 * 0.3, 1e-15);
    BOOST_TEST(H[z][z] == 0.0);
    // d2f/dx dy by central differences of grad.
    const double h = 1e-5;
    const double fd = (stag::grad(f, x)(x = 0.3, y = -0.7 + h, z = 2.0)[x] - stag::grad(f, x)(x = 0.3, y = -0.7 - h, z = 2.0)[x]) / (2 * h);
    STAG_CHECK_CLOSE(H[x][y], fd, 1e-8);
    static_assert(stag::hessian(x * x * y, x, y)(x = 2.0, y = 3.0)[x][x] == 6.0);
    // In float, and with a second derivative that is the constant 0 (d(x + y, x) = 1).
    const auto Hf = stag::hessian(x * y + y, x, y)(x = 2.0f, y = 3.0f);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(Hf[x][y])>, float>);
    BOOST_TEST(Hf[x][y] == 1.0f);
    BOOST_TEST(Hf[x][x] == 0.0f);
}

BOOST_AUTO_TEST_CASE(hessians_of_several_outputs) {
    // One sweep for every output and its first derivatives: each Hessian as hessian(f_i) gives it.
    const auto f = stag::exp(x * y) + x * x * x * z;
    const auto g = stag::sin(x * y) * z;  // shares x * y with f
    const auto H = stag::hessian(stag::outputs(f, g, x * y), x, y, z)(x = 0.3, y = -0.7, z = 2.0);
    static_assert(H.size() == 3);
    const auto Hf = stag::hessian(f, x, y, z)(x = 0.3, y = -0.7, z = 2.0);
    const auto Hg = stag::hessian(g, x, y, z)(x = 0.3, y = -0.7, z = 2.0);
    auto same = [&](const auto& a, const auto& b) {
        BOOST_TEST(a.value == b.value);
        BOOST_TEST(a.grad[x] == b.grad[x]);
        BOOST_TEST(a.grad[z] == b.grad[z]);
        BOOST_TEST(a[x][x] == b[x][x]);
        BOOST_TEST(a[x][y] == b[x][y]);
        BOOST_TEST(a[y][z] == b[y][z]);
        BOOST_TEST(a[z][z] == b[z][z]);
    };
    same(H[0], Hf);
    same(H[1], Hg);
    STAG_CHECK_CLOSE(H[1][y][z], 0.3 * std::cos(0.3 * -0.7), 1e-15);
    BOOST_TEST(H[2].value == 0.3 * -0.7);
    BOOST_TEST(H[2][x][y] == 1.0);
    BOOST_TEST(H[2][x][x] == 0.0);
    BOOST_TEST(H[2][z][z] == 0.0);
    static_assert(stag::hessian(stag::outputs(x * x * y, x * y), x, y)(x = 2.0, y = 3.0)[0][x][x] == 6.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(inspection)

BOOST_AUTO_TEST_CASE(latex_of_an_expression_and_of_its_derivative) {
    BOOST_TEST(stag::to_latex((x + y) * z) == "\\left(x + y\\right) \\cdot z");
    BOOST_TEST(stag::to_latex(x / (1.0 + stag::exp(-y))) == "\\frac{x}{1 + e^{-y}}");
    BOOST_TEST(stag::to_latex(stag::sqrt(x) + stag::pow(x + y, stag::c<3>)) == "\\sqrt{x} + \\left(x + y\\right)^{3}");
    BOOST_TEST(stag::to_latex(stag::c<1, 2> * stag::pi * stag::sin(x)) == "\\frac{1}{2} \\cdot \\pi \\cdot \\sin\\left(x\\right)");
    BOOST_TEST(stag::to_latex(stag::var<"loss"> * stag::atan2(x, y)) == "\\mathrm{loss} \\cdot \\operatorname{atan2}\\left(x, y\\right)");
    BOOST_TEST(stag::to_latex(stag::d(stag::sin(x) * y, x)) == "y \\cdot \\cos\\left(x\\right)");
    BOOST_TEST(stag::to_latex(stag::select(x >= y, stag::abs(x), y)) ==
               "\\begin{cases} \\left|x\\right| & \\text{if } x \\geq y \\\\ y & \\text{otherwise} \\end{cases}");
}

BOOST_AUTO_TEST_CASE(dot_draws_each_unique_node_once) {
    const auto p = x + y;
    const auto dot = stag::to_dot(p * p + z);  // p is shared
    BOOST_TEST(dot.find("digraph stag {") == 0u);
    std::size_t plus = 0, pos = 0;
    while ((pos = dot.find("[label=\"+\"", pos)) != std::string::npos) ++plus, ++pos;
    BOOST_TEST(plus == 2u);  // x + y once, and the outer +
    BOOST_TEST(dot.find("n2 -> n3;") != std::string::npos);  // the shared node feeds the product...
    BOOST_TEST(dot.find("adjoint") == std::string::npos);
    const auto fused = stag::to_dot(stag::grad(p * p + z, x, y));
    BOOST_TEST(fused.find("a3 -> a2;") != std::string::npos);  // ...and its adjoint flows back
    BOOST_TEST(fused.find("a5 -> a4;") == std::string::npos);  // z is not differentiated
}

BOOST_AUTO_TEST_CASE(emitted_c_agrees_with_stag) {
    const auto g = stag::select(x < y, stag::log(x) * 2.5, stag::tanh(y)) + stag::pow(x, stag::c<3>) +
                   stag::pi * x / y + stag::relu(x - 1.0) + stag::sigmoid(y) * stag::softplus(-x) + stag::abs(y) +
                   stag::max(x, y) * stag::erf(x) + stag::hypot(x, y) + stag::atan2(y, x);
    const std::string code = stag::to_c(stag::grad(g, x, y), "g_grad") + stag::to_c(p2, "p2") +
                             stag::to_c(stag::value_and_grad(p2, a, b, c, d, e), "p2_grad");
    const double points[][2] = {{0.7, 1.3}, {1.9, 0.4}, {0.25, -0.6}};
    std::string body = "    double gr[5];\n";
    for (const auto& pt : points) {
        body += "    printf(\"%.17g \", g_grad(" + std::to_string(pt[0]) + ", " + std::to_string(pt[1]) + ", gr));\n";
        body += "    printf(\"%.17g %.17g\\n\", gr[0], gr[1]);\n";
    }
    body += "    printf(\"%.17g \", p2(0.5, 1.2, 0.8, 1.5, 0.3));\n";
    body += "    printf(\"%.17g \", p2_grad(0.5, 1.2, 0.8, 1.5, 0.3, gr));\n";
    body += "    printf(\"%.17g %.17g %.17g %.17g %.17g\\n\", gr[0], gr[1], gr[2], gr[3], gr[4]);\n";
    std::istringstream out(stag_test::run_c99("stag_to_c_test", code, body));
    for (const auto& pt : points) {
        const double px = std::stod(std::to_string(pt[0])), py = std::stod(std::to_string(pt[1]));
        const auto vg = stag::value_and_grad(g, x, y)(x = px, y = py);
        double v = 0, gx = 0, gy = 0;
        out >> v >> gx >> gy;
        BOOST_TEST_CONTEXT("x = " << px << ", y = " << py) {
            STAG_CHECK_CLOSE(v, vg.value, 1e-13);
            STAG_CHECK_CLOSE(gx, vg.grad[x], 1e-13);
            STAG_CHECK_CLOSE(gy, vg.grad[y], 1e-13);
        }
    }
    const auto vg = stag::value_and_grad(p2, a, b, c, d, e)(a = 0.5, b = 1.2, c = 0.8, d = 1.5, e = 0.3);
    double v = 0, v2 = 0, gr[5] = {};
    out >> v >> v2 >> gr[0] >> gr[1] >> gr[2] >> gr[3] >> gr[4];
    STAG_CHECK_CLOSE(v, vg.value, 1e-15);
    STAG_CHECK_CLOSE(v2, vg.value, 1e-15);
    const auto [ga, gb, gc, gd, ge] = vg.grad;
    const double want[] = {ga, gb, gc, gd, ge};
    for (int i = 0; i < 5; ++i) STAG_CHECK_CLOSE(gr[i], want[i], 1e-14);
}

BOOST_AUTO_TEST_SUITE_END()
