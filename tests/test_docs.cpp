// The code samples of docs/*.md, compiled as written, with their stated results checked.
// tests/docs_sync.cmake checks that every ```cpp and ```c block of README.md and docs/*.md appears
// verbatim (up to indentation) in tests/, examples/ or include/.
#define BOOST_TEST_MODULE docs
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <cmath>
#include <sstream>
#include <vector>
#include <string>

namespace {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto z = stag::var<"z">;
}  // namespace

// docs/design.md
// docs/api.md
BOOST_AUTO_TEST_CASE(api_compile_time_use) {
    static_assert(stag::eval((x + y) * z, x = 1.0, y = 3.0, z = -3.0) == -12);
    static_assert(stag::grad((x + y) * z, x, y, z)(x = 1.0, y = 3.0, z = -3.0)[z] == 4);
    static_assert(stag::same(stag::d(stag::sin(x), x), stag::cos(x)));
    BOOST_TEST(true);  // the checks above are static
}

BOOST_AUTO_TEST_CASE(design_an_expression_is_a_type) {
    constexpr auto x = stag::var<"x">;     // stag::var_t<boost::hana::string<'x'>, stag::deduce>
    constexpr auto f = (x + y) * z;        // stag::expr<mul_op, expr<add_op, X, Y>, Z>
    static_assert(std::is_same_v<std::remove_const_t<decltype(x)>, stag::var_t<boost::hana::string<'x'>, stag::deduce>>);
    static_assert(std::is_same_v<std::remove_const_t<decltype(f)>,
                                 stag::expr<stag::mul_op, stag::expr<stag::add_op, std::remove_const_t<decltype(x)>,
                                                                     std::remove_const_t<decltype(y)>>,
                                            std::remove_const_t<decltype(z)>>>);
    BOOST_TEST(stag::eval(f, x = 1.0, y = 3.0, z = -3.0) == -12.0);
}

BOOST_AUTO_TEST_CASE(api_loops) {
    constexpr auto h = stag::var<"h">;
    constexpr auto w = stag::var<"w">;
    constexpr auto u = stag::var<"u">;
    constexpr auto b = stag::var<"b">;
    const auto next = stag::tanh(w * h + u * x + b);
    const auto out = stag::square(next - y);
    const auto loop = stag::scan(next, out, h, x, y);
    const std::vector<double> xs{0.5}, ys{0.25};
    const auto r = stag::value_and_grad(loop, w, h)(h = 0.5, stag::steps(x, xs), stag::steps(y, ys), w = 1.0, u = 1.0, b = 0.0);
    const double n = std::tanh(1.0);
    BOOST_TEST(std::fabs(r.value - (n - 0.25) * (n - 0.25)) < 1e-15);
    BOOST_TEST(std::fabs(r.grad[w] - 2 * (n - 0.25) * (1 - n * n) * 0.5) < 1e-15);
}

// docs/tools.md
BOOST_AUTO_TEST_CASE(tools_pictures) {
    const auto p = x + y;
    const std::string forward = stag::to_dot(p * p + z);            // x + y drawn once
    const std::string fused = stag::to_dot(stag::grad(p * p + z, x, y));
    BOOST_TEST(forward.find("digraph stag") == 0u);
    BOOST_TEST(fused.find("adjoint of +") != std::string::npos);

    std::string tex = stag::to_latex(x / (1.0 + stag::exp(-y)));   // \frac{x}{1 + e^{-y}}
    std::string dtex = stag::to_latex(stag::d(stag::sin(x) * y, x)); // y \cdot \cos\left(x\right)
    BOOST_TEST(tex == "\\frac{x}{1 + e^{-y}}");
    BOOST_TEST(dtex == "y \\cdot \\cos\\left(x\\right)");
}

BOOST_AUTO_TEST_CASE(tools_c_code) {
    const std::string code = stag::to_c(stag::grad((x + y) * z, x, y, z), "seed_grad");
    const std::string expected = R"(
double seed_grad(double x, double y, double z, double gradient[3]) {
    const double stag_v2 = (x + y);
    const double stag_v4 = (stag_v2 * z);
    double stag_a0 = 0.0;
    double stag_a1 = 0.0;
    double stag_a2 = 0.0;
    double stag_a3 = 0.0;
    double stag_a4 = 1.0;
    stag_a2 += (z * stag_a4);
    stag_a3 += (stag_v2 * stag_a4);
    stag_a0 += stag_a2;
    stag_a1 += stag_a2;
    gradient[0] = stag_a0;  /* d/dx */
    gradient[1] = stag_a1;  /* d/dy */
    gradient[2] = stag_a3;  /* d/dz */
    return stag_v4;
}
)";
    BOOST_TEST(code.find(expected) != std::string::npos, code);
}

BOOST_AUTO_TEST_CASE(tools_checking) {
    const stag::grad_check report = stag::check_grad(stag::sin(x * y) + x * x, x = 0.7, y = 1.3);
    bool ok = report.passed(1e-6);  // report.max_error, report.entries[i].variable, ...
    BOOST_TEST(ok, report);
    BOOST_TEST(report.entries.size() == 2u);
    std::ostringstream text;
    text << report;
    BOOST_TEST(text.str().find("y: reverse") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tools_higher_order) {
    const auto J = stag::jacobian(stag::outputs(x * y, x + stag::sin(y)), x, y)(x = 2.0, y = 0.5);
    double j01 = J[0][y];            // d(x*y)/dy = 2; J.values[0] is x*y
    const auto H = stag::hessian(x * x * y, x, y)(x = 2.0, y = 3.0);
    double hxy = H[x][y];            // 2x = 4; H.value and H.grad[x] come along
    const auto t = stag::jvp(x * x * y, stag::primals(x = 2.0, y = 3.0), stag::tangents(x = 1.0));
    double dfdx = t.tangent;         // 2xy = 12, by one forward (tangent) sweep; t.value = 12
    BOOST_TEST(j01 == 2.0);
    BOOST_TEST(J.values[0] == 1.0);
    BOOST_TEST(hxy == 4.0);
    BOOST_TEST(H.value == 12.0);
    BOOST_TEST(H.grad[x] == 12.0);
    BOOST_TEST(dfdx == 12.0);
    BOOST_TEST(t.value == 12.0);
}
