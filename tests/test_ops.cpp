// Every op through the law kit of op_checker.hpp: values against the std library, d against finite
// differences, grad against d, value_and_grad against eval; then printing.
#define BOOST_TEST_MODULE ops
#include <boost/test/unit_test.hpp>

#include "op_checker.hpp"

#include <stag/stag.hpp>

#include <cmath>
#include <string>
#include <type_traits>

using stag_test::check_binary;
using stag_test::check_unary;

namespace {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto z = stag::var<"z">;
}  // namespace

// The references are generic lambdas so that they run in float, double and long double (the
// finite differences are taken in long double).
#define STAG_STD_UNARY(fn) [](auto v) { using std::fn; return fn(v); }

BOOST_AUTO_TEST_SUITE(arithmetic)

BOOST_AUTO_TEST_CASE(add_sub_mul_div) {
    const std::initializer_list<std::pair<double, double>> points = {{1.5, -2.0}, {-0.3, 0.7}, {3.0, 4.0}, {-5.0, -0.25}};
    check_binary("+", [](auto a, auto b) { return a + b; }, [](auto a, auto b) { return a + b; }, points);
    check_binary("-", [](auto a, auto b) { return a - b; }, [](auto a, auto b) { return a - b; }, points);
    check_binary("*", [](auto a, auto b) { return a * b; }, [](auto a, auto b) { return a * b; }, points);
    check_binary("/", [](auto a, auto b) { return a / b; }, [](auto a, auto b) { return a / b; }, points);
}

BOOST_AUTO_TEST_CASE(negation_and_unary_plus) {
    check_unary("-", [](auto a) { return -a; }, [](auto v) { return -v; }, {-2.0, -0.5, 0.0, 0.75, 3.0});
    check_unary("+", [](auto a) { return +a; }, [](auto v) { return +v; }, {-2.0, 0.0, 3.0});
    check_unary("-(2.5 * x)", [](auto a) { return -(2.5 * a); }, [](auto v) { return -(2.5 * v); }, {-1.0, 0.5});
}

BOOST_AUTO_TEST_CASE(float_and_long_double_bindings) {
    check_binary<float>("/", [](auto a, auto b) { return a / b; }, [](auto a, auto b) { return a / b; },
                        {{1.5, -2.0}, {-0.3, 0.7}});
    check_binary<long double>("*", [](auto a, auto b) { return a * b; }, [](auto a, auto b) { return a * b; },
                              {{1.5, -2.0}, {-0.3, 0.7}});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exponential)

BOOST_AUTO_TEST_CASE(exp_log_log1p_expm1) {
    check_unary("exp", [](auto a) { return stag::exp(a); }, STAG_STD_UNARY(exp), {-2.0, -0.5, 0.0, 0.7, 3.0, 8.0});
    check_unary("log", [](auto a) { return stag::log(a); }, STAG_STD_UNARY(log), {0.1, 0.5, 1.0, 2.5, 40.0});
    check_unary("log1p", [](auto a) { return stag::log1p(a); }, STAG_STD_UNARY(log1p), {-0.5, 1e-9, 0.0, 0.3, 5.0});
    check_unary("expm1", [](auto a) { return stag::expm1(a); }, STAG_STD_UNARY(expm1), {-1.0, -1e-9, 0.0, 0.5, 3.0});
}

BOOST_AUTO_TEST_CASE(sqrt_cbrt_square) {
    check_unary("sqrt", [](auto a) { return stag::sqrt(a); }, STAG_STD_UNARY(sqrt), {0.05, 0.5, 2.0, 100.0});
    check_unary("cbrt", [](auto a) { return stag::cbrt(a); }, STAG_STD_UNARY(cbrt), {-8.0, -0.3, 0.2, 1.0, 27.0});
    check_unary("square", [](auto a) { return stag::square(a); }, [](auto v) { return v * v; }, {-3.0, -0.5, 0.0, 2.0});
}

BOOST_AUTO_TEST_CASE(pow_with_expression_and_number_exponents) {
    // Two variables, then pow(x, b) and pow(a, y) with plain numbers: pow(x, 2.5), pow(1.7, y), ...
    check_binary("pow", [](auto a, auto b) { return stag::pow(a, b); }, [](auto a, auto b) { using std::pow; return pow(a, b); },
                 {{0.5, 2.5}, {1.7, -1.3}, {3.0, 0.5}, {2.0, 3.0}, {0.9, 0.0}});
    // An int exponent is a run-time constant too; the result is still double.
    check_unary("pow(x, int 3)", [](auto a) { return stag::pow(a, 3); }, [](auto v) { return v * v * v; }, {-1.5, 0.5, 2.0});
}

BOOST_AUTO_TEST_CASE(pow_with_compile_time_exponents) {
    using std::pow;
    const auto positive = {0.3, 1.0, 1.7, 4.0};
    check_unary("pow(x, 2)", [](auto a) { return stag::pow(a, stag::c<2>); }, [](auto v) { return v * v; }, {-1.5, 0.0, 0.3, 2.0});
    check_unary("pow(x, 3)", [](auto a) { return stag::pow(a, stag::c<3>); }, [](auto v) { return v * v * v; }, {-1.5, 0.3, 2.0});
    check_unary("pow(x, 16)", [](auto a) { return stag::pow(a, stag::c<16>); }, [](auto v) { return pow(v, 16); }, {-1.1, 0.7, 1.3});
    check_unary("pow(x, 17)", [](auto a) { return stag::pow(a, stag::c<17>); }, [](auto v) { return pow(v, 17); }, {-1.1, 0.7, 1.3});
    check_unary("pow(x, -2)", [](auto a) { return stag::pow(a, stag::c<-2>); }, [](auto v) { return 1 / (v * v); }, {-1.5, 0.3, 2.0});
    check_unary("pow(x, -17)", [](auto a) { return stag::pow(a, stag::c<-17>); }, [](auto v) { return pow(v, -17); }, {-1.1, 0.9, 1.2});
    check_unary("pow(x, 1/2)", [](auto a) { return stag::pow(a, stag::c<1, 2>); }, STAG_STD_UNARY(sqrt), positive);
    check_unary("pow(x, 1/3)", [](auto a) { return stag::pow(a, stag::c<1, 3>); }, [](auto v) { return pow(v, decltype(v)(1) / 3); }, positive);
    check_unary("pow(x, -5/2)", [](auto a) { return stag::pow(a, stag::c<-5, 2>); }, [](auto v) { return pow(v, decltype(v)(-2.5)); }, positive);
    // The trivial exponents simplify away.
    static_assert(stag::same(stag::pow(x, stag::c<0>), stag::c<1>));
    static_assert(stag::same(stag::pow(x, stag::c<1>), x));
    static_assert(stag::same(stag::pow(x, stag::c<2, 2>), x));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trigonometric)

BOOST_AUTO_TEST_CASE(sin_cos_tan) {
    check_unary("sin", [](auto a) { return stag::sin(a); }, STAG_STD_UNARY(sin), {-2.5, -0.4, 0.0, 1.0, 3.0, 10.0});
    check_unary("cos", [](auto a) { return stag::cos(a); }, STAG_STD_UNARY(cos), {-2.5, -0.4, 0.0, 1.0, 3.0, 10.0});
    check_unary("tan", [](auto a) { return stag::tan(a); }, STAG_STD_UNARY(tan), {-1.2, -0.4, 0.0, 0.7, 1.2, 3.0});
}

BOOST_AUTO_TEST_CASE(asin_acos_atan) {
    check_unary("asin", [](auto a) { return stag::asin(a); }, STAG_STD_UNARY(asin), {-0.9, -0.3, 0.0, 0.4, 0.95});
    check_unary("acos", [](auto a) { return stag::acos(a); }, STAG_STD_UNARY(acos), {-0.9, -0.3, 0.0, 0.4, 0.95});
    check_unary("atan", [](auto a) { return stag::atan(a); }, STAG_STD_UNARY(atan), {-10.0, -0.3, 0.0, 0.8, 4.0});
}

BOOST_AUTO_TEST_CASE(atan2_and_hypot) {
    // All four quadrants, away from the origin; with numbers on either side: atan2(1.5, x), ...
    const std::initializer_list<std::pair<double, double>> points = {{1.0, 2.0}, {-1.5, 0.5}, {2.0, -3.0}, {-0.5, -0.7}, {1.5, 0.0}};
    check_binary("atan2", [](auto a, auto b) { return stag::atan2(a, b); }, [](auto a, auto b) { using std::atan2; return atan2(a, b); }, points);
    check_binary("hypot", [](auto a, auto b) { return stag::hypot(a, b); }, [](auto a, auto b) { using std::hypot; return hypot(a, b); }, points);
}

BOOST_AUTO_TEST_CASE(pi_constant) {
    check_unary("pi * x", [](auto a) { return stag::pi * a; }, [](auto v) { return static_cast<decltype(v)>(3.141592653589793238462643383279502884L) * v; },
                {-1.0, 0.5, 2.0});
    check_unary("sin(pi * x)", [](auto a) { return stag::sin(stag::pi * a); },
                [](auto v) { using std::sin; return sin(static_cast<decltype(v)>(3.141592653589793238462643383279502884L) * v); },
                {0.1, 0.25, 0.7});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hyperbolic_and_special)

BOOST_AUTO_TEST_CASE(sinh_cosh_tanh) {
    check_unary("sinh", [](auto a) { return stag::sinh(a); }, STAG_STD_UNARY(sinh), {-3.0, -0.5, 0.0, 0.8, 5.0});
    check_unary("cosh", [](auto a) { return stag::cosh(a); }, STAG_STD_UNARY(cosh), {-3.0, -0.5, 0.0, 0.8, 5.0});
    check_unary("tanh", [](auto a) { return stag::tanh(a); }, STAG_STD_UNARY(tanh), {-3.0, -0.5, 0.0, 0.8, 5.0});
}

BOOST_AUTO_TEST_CASE(erf_sigmoid_softplus) {
    check_unary("erf", [](auto a) { return stag::erf(a); }, STAG_STD_UNARY(erf), {-2.0, -0.3, 0.0, 0.8, 2.5});
    check_unary("sigmoid", [](auto a) { return stag::sigmoid(a); }, [](auto v) { using std::exp; return 1 / (1 + exp(-v)); },
                {-8.0, -0.5, 0.0, 1.0, 6.0});
    check_unary("softplus", [](auto a) { return stag::softplus(a); }, [](auto v) { using std::exp, std::log1p; return log1p(exp(v)); },
                {-8.0, -0.5, 0.0, 1.0, 6.0, 30.0});
}

BOOST_AUTO_TEST_CASE(float_and_long_double_bindings) {
    check_unary<float>("sin", [](auto a) { return stag::sin(a); }, STAG_STD_UNARY(sin), {-2.5, 0.0, 1.0});
    check_unary<float>("exp", [](auto a) { return stag::exp(a); }, STAG_STD_UNARY(exp), {-2.0, 0.0, 0.7});
    check_unary<long double>("log", [](auto a) { return stag::log(a); }, STAG_STD_UNARY(log), {0.1, 1.0, 40.0});
    check_unary<long double>("tanh", [](auto a) { return stag::tanh(a); }, STAG_STD_UNARY(tanh), {-3.0, 0.0, 0.8});
    check_binary<float>("pow", [](auto a, auto b) { return stag::pow(a, b); }, [](auto a, auto b) { using std::pow; return pow(a, b); },
                        {{0.5, 2.5}, {1.7, -1.3}});
    check_binary<long double>("atan2", [](auto a, auto b) { return stag::atan2(a, b); },
                              [](auto a, auto b) { using std::atan2; return atan2(a, b); }, {{1.0, 2.0}, {-0.5, -0.7}});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(piecewise)

// Points away from the kinks; test_domain.cpp checks the kinks themselves.
BOOST_AUTO_TEST_CASE(abs_relu) {
    check_unary("abs", [](auto a) { return stag::abs(a); }, STAG_STD_UNARY(fabs), {-2.0, -0.3, 0.4, 3.0});
    check_unary("relu", [](auto a) { return stag::relu(a); }, [](auto v) { return v > 0 ? v : decltype(v)(0); }, {-2.0, -0.3, 0.4, 3.0});
}

BOOST_AUTO_TEST_CASE(max_min) {
    const std::initializer_list<std::pair<double, double>> points = {{1.0, 2.0}, {3.0, -1.0}, {-0.5, -0.7}, {-2.0, 0.25}};
    check_binary("max", [](auto a, auto b) { return stag::max(a, b); }, [](auto a, auto b) { return a >= b ? a : b; }, points);
    check_binary("min", [](auto a, auto b) { return stag::min(a, b); }, [](auto a, auto b) { return a <= b ? a : b; }, points);
}

BOOST_AUTO_TEST_CASE(select_as_a_binary_op) {
    // select(a < b, a * b, a - b): the derivative follows the branch taken.
    check_binary("select", [](auto a, auto b) { return stag::select(a < b, a * b, a - b); },
                 [](auto a, auto b) { return a < b ? a * b : a - b; }, {{1.0, 2.0}, {3.0, -1.0}, {-0.5, -0.7}, {-2.0, 0.25}});
}

BOOST_AUTO_TEST_CASE(comparisons_are_booleans_with_derivative_zero) {
    const double values[] = {-1.0, 0.5, 2.0};
    for (double a : values) {
        for (double b : values) {
            BOOST_TEST_CONTEXT("x = " << a << ", y = " << b) {
                BOOST_TEST(stag::eval(x < y, x = a, y = b) == (a < b));
                BOOST_TEST(stag::eval(x <= y, x = a, y = b) == (a <= b));
                BOOST_TEST(stag::eval(x > y, x = a, y = b) == (a > b));
                BOOST_TEST(stag::eval(x >= y, x = a, y = b) == (a >= b));
                BOOST_TEST(stag::eval(x < 0.5, x = a) == (a < 0.5));
                BOOST_TEST(stag::eval(0.5 <= y, y = b) == (0.5 <= b));
                const auto g = stag::grad(x < y, x, y)(x = a, y = b);
                BOOST_TEST(g[x] == 0.0);
                BOOST_TEST(g[y] == 0.0);
            }
        }
    }
    static_assert(std::is_same_v<decltype(stag::eval(x < y, x = 1.0, y = 2.0)), bool>);
    static_assert(std::is_same_v<decltype(stag::eval(x >= 1.0f, x = 1.0f)), bool>);
    static_assert(stag::same(stag::d(x < y, x), stag::c<0>));
    static_assert(stag::same(stag::d(x >= y * y, y), stag::c<0>));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(printing)

BOOST_AUTO_TEST_CASE(calls) {
    BOOST_TEST(stag::to_string(stag::sin(x)) == "sin(x)");
    BOOST_TEST(stag::to_string(stag::exp(stag::log(x))) == "exp(log(x))");
    BOOST_TEST(stag::to_string(stag::pow(x, stag::c<3>)) == "pow(x, 3)");
    BOOST_TEST(stag::to_string(stag::pow(x, stag::c<1, 3>)) == "pow(x, 1/3)");
    BOOST_TEST(stag::to_string(stag::pow(x, stag::c<-2>)) == "pow(x, -2)");
    BOOST_TEST(stag::to_string(stag::pow(x, 2.5)) == "pow(x, 2.5)");
    BOOST_TEST(stag::to_string(stag::pow(x, y)) == "pow(x, y)");
    BOOST_TEST(stag::to_string(stag::atan2(1.5, x)) == "atan2(1.5, x)");
    BOOST_TEST(stag::to_string(stag::hypot(x, y + z)) == "hypot(x, y + z)");
    BOOST_TEST(stag::to_string(stag::max(x, 0.25)) == "max(x, 0.25)");
    BOOST_TEST(stag::to_string(stag::select(x < y, x, y * z)) == "select(x < y, x, y * z)");
    BOOST_TEST(stag::to_string(stag::pi * x) == "pi * x");
    BOOST_TEST(stag::to_string(stag::sigmoid(stag::softplus(stag::relu(x)))) == "sigmoid(softplus(relu(x)))");
}

BOOST_AUTO_TEST_CASE(infix_precedence_and_parentheses) {
    BOOST_TEST(stag::to_string((x + y) * z) == "(x + y) * z");
    BOOST_TEST(stag::to_string(x + y * z) == "x + y * z");
    BOOST_TEST(stag::to_string(x * y + z) == "x * y + z");
    BOOST_TEST(stag::to_string(x - (y - z)) == "x - (y - z)");
    BOOST_TEST(stag::to_string(x - y - z) == "x - y - z");
    BOOST_TEST(stag::to_string(x - (y + z)) == "x - (y + z)");
    BOOST_TEST(stag::to_string(x / (y * z)) == "x / (y * z)");
    BOOST_TEST(stag::to_string(x / y * z) == "x / y * z");
    BOOST_TEST(stag::to_string(-(x * y)) == "-(x * y)");
    BOOST_TEST(stag::to_string(-(x - y)) == "-(x - y)");
    BOOST_TEST(stag::to_string(-x) == "-x");
    BOOST_TEST(stag::to_string(-stag::sin(x)) == "-sin(x)");
    BOOST_TEST(stag::to_string(-x * y) == "-x * y");
    BOOST_TEST(stag::to_string(x - -y) == "x - -y");
    BOOST_TEST(stag::to_string(x < y + 1.0) == "x < y + 1");
}

BOOST_AUTO_TEST_CASE(constants) {
    BOOST_TEST(stag::to_string(2.5 * x) == "2.5 * x");
    BOOST_TEST(stag::to_string(x * -2.0) == "x * -2");
    BOOST_TEST(stag::to_string(0.1 + x) == "0.1 + x");
    BOOST_TEST(stag::to_string(stag::c<2> * x) == "2 * x");
    BOOST_TEST(stag::to_string(x * stag::c<2>) == "2 * x");  // compile-time constants move to the front
    BOOST_TEST(stag::to_string(stag::c<-2> * x) == "-2 * x");
    BOOST_TEST(stag::to_string(stag::c<1, 2> * x) == "1/2 * x");
    BOOST_TEST(stag::to_string(stag::c<1, 2> + stag::c<1, 3>) == "5/6");
    BOOST_TEST(stag::to_string(stag::pi) == "pi");
}

BOOST_AUTO_TEST_SUITE_END()
