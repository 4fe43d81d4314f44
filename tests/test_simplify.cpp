// Compile-time simplification: the shapes symbolic d produces, 0/1 identities, rational folding,
// bounded repeated derivatives, and symbolic d agreeing with reverse mode.
#define BOOST_TEST_MODULE simplify
#include <boost/test/unit_test.hpp>

#include "op_checker.hpp"

#include <stag/stag.hpp>

#include <cmath>
#include <type_traits>

using namespace stag::literals;

namespace {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto z = stag::var<"z">;

template <class A, class B>
constexpr bool same_type = std::is_same_v<std::remove_cvref_t<A>, std::remove_cvref_t<B>>;

template <class E>
constexpr std::size_t node_count = std::remove_cvref_t<E>::nodes::size;

template <int N, class F>
constexpr auto nth_derivative(const F& f) {
    if constexpr (N == 0) return f;
    else return nth_derivative<N - 1>(stag::d(f, x));
}
}  // namespace

BOOST_AUTO_TEST_CASE(derivatives_have_the_expected_shape) {
    static_assert(stag::same(stag::d(stag::sin(x), x), stag::cos(x)));
    static_assert(same_type<decltype(stag::d(stag::sin(x), x)), decltype(stag::cos(x))>);
    static_assert(stag::same(stag::d(x * y, x), y));
    static_assert(stag::same(stag::d(x * y, y), x));
    static_assert(stag::same(stag::d((x + y) * z, x), z));
    static_assert(stag::same(stag::d((x + y) * z, z), x + y));
    static_assert(stag::same(stag::d(x, x), stag::c<1>));
    static_assert(stag::same(stag::d(x, y), stag::c<0>));
    static_assert(stag::same(stag::d(stag::c<3>, x), stag::c<0>));
    static_assert(stag::same(stag::d(stag::pi, x), stag::c<0>));
    static_assert(stag::same(stag::d(2.5 * y, x), stag::c<0>));  // a run-time constant has derivative 0
    static_assert(stag::same(stag::d(x * x, x), 2_c * x));
    static_assert(stag::same(stag::d(x + x + x, x), stag::c<3>));
    static_assert(stag::same(stag::d(x - y, y), stag::c<-1>));
    static_assert(stag::same(stag::d(-x, x), stag::c<-1>));
    static_assert(stag::same(stag::d(stag::exp(x), x), stag::exp(x)));
    static_assert(stag::same(stag::d(stag::cos(x), x), -stag::sin(x)));
    static_assert(stag::same(stag::d(stag::sinh(x), x), stag::cosh(x)));
    static_assert(stag::same(stag::d(stag::cosh(x), x), stag::sinh(x)));
    static_assert(stag::same(stag::d(stag::softplus(x), x), stag::sigmoid(x)));
    static_assert(stag::same(stag::d(stag::log(x), x), 1_c / x));
    static_assert(stag::same(stag::d(stag::sin(x * y), x), stag::cos(x * y) * y));
    static_assert(stag::same(stag::d(stag::pow(x, stag::c<3>), x), 3_c * stag::pow(x, stag::c<2>)));
    static_assert(stag::same(stag::d(stag::pow(x, stag::c<2>), x), 2_c * x));
    static_assert(stag::same(stag::d(stag::pow(x, 1_c / 2_c), x), stag::c<1, 2> * stag::pow(x, stag::c<-1, 2>)));
    static_assert(stag::same(stag::d(stag::relu(x), x), stag::select(x > stag::c<0>, stag::c<1>, stag::c<0>)));
    // A run-time constant in the derivative keeps its value, and its value tells apart.
    static_assert(stag::same(stag::d(2.5 * x, x), stag::as_expr(2.5)));
    static_assert(!stag::same(stag::d(2.5 * x, x), stag::as_expr(3.5)));
    BOOST_TEST(stag::to_string(stag::d((x + y) * z, x)) == "z");
    BOOST_TEST(stag::to_string(stag::d(stag::sin(x * y), x)) == "cos(x * y) * y");
}

BOOST_AUTO_TEST_CASE(zero_and_one_identities) {
    static_assert(same_type<decltype(x + stag::c<0>), decltype(x)>);
    static_assert(same_type<decltype(stag::c<0> + x), decltype(x)>);
    static_assert(same_type<decltype(x - stag::c<0>), decltype(x)>);
    static_assert(stag::same(stag::c<0> - x, -x));
    static_assert(same_type<decltype(x * stag::c<1>), decltype(x)>);
    static_assert(same_type<decltype(stag::c<1> * x), decltype(x)>);
    static_assert(stag::same(x * stag::c<0>, stag::c<0>));
    static_assert(stag::same(stag::c<0> * stag::sin(x), stag::c<0>));
    static_assert(same_type<decltype(x / stag::c<1>), decltype(x)>);
    static_assert(stag::same(stag::c<0> / x, stag::c<0>));
    static_assert(stag::same(-(-x), x));
    static_assert(stag::same(stag::c<-1> * x, -x));
    static_assert(stag::same(x - x, stag::c<0>));
    static_assert(stag::same(stag::sin(x) - stag::sin(x), stag::c<0>));
    static_assert(stag::same(x + x, 2_c * x));
    static_assert(stag::same(2_c * x + 3_c * x, 5_c * x));
    static_assert(stag::same(3_c * x - 3_c * x, stag::c<0>));
    static_assert(stag::same(2_c * (3_c * x), 6_c * x));
    static_assert(stag::same(x * 2_c, 2_c * x));
    static_assert(stag::same(x / 2_c, stag::c<1, 2> * x));
    static_assert(stag::same(-(2_c * x), stag::c<-2> * x));
    static_assert(stag::same(stag::select(x < y, z, z), z));
    // Run-time constants are never simplified: their value is not known to the type.
    static_assert(!stag::same(x + 0.0, x));
    static_assert(!stag::same(x * 1.0, x));
    static_assert(node_count<decltype(0.0 * x)> == 3);
    BOOST_TEST(stag::eval(x + 0.0, x = 2.0) == 2.0);
    BOOST_TEST(stag::eval(0.0 * x, x = 2.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(rational_folding) {
    static_assert(stag::same(stag::c<1, 2> + stag::c<1, 3>, stag::c<5, 6>));
    static_assert(same_type<decltype(stag::c<1, 2> + stag::c<1, 3>), stag::cst_t<5, 6>>);
    static_assert(same_type<decltype(stag::c<2, 4>), stag::cst_t<1, 2>>);
    static_assert(same_type<decltype(stag::c<1, -2>), stag::cst_t<-1, 2>>);
    static_assert(same_type<decltype(stag::c<-3, -6>), stag::cst_t<1, 2>>);
    static_assert(same_type<decltype(stag::c<0, 5>), stag::cst_t<0, 1>>);
    static_assert(stag::same(stag::c<1, 2> - stag::c<1, 3>, stag::c<1, 6>));
    static_assert(stag::same(stag::c<1, 2> - stag::c<1, 2>, stag::c<0>));
    static_assert(stag::same(stag::c<2, 3> * stag::c<3, 4>, stag::c<1, 2>));
    static_assert(stag::same(stag::c<1, 2> / stag::c<1, 4>, stag::c<2>));
    static_assert(stag::same(-stag::c<1, 2>, stag::c<-1, 2>));
    static_assert(stag::same(stag::c<1, 3> + stag::c<1, 3> + stag::c<1, 3>, stag::c<1>));
    static_assert(stag::same(0.5_c, stag::c<1, 2>));
    static_assert(stag::same(2_c, stag::c<2>));
    static_assert(stag::same(0.25_c, stag::c<1, 4>));
    static_assert(stag::same(1.50_c, stag::c<3, 2>));
    static_assert(stag::same(1'000_c, stag::c<1000>));
    static_assert(stag::same(1_c / 3_c, stag::c<1, 3>));
    static_assert(stag::eval(stag::c<1, 4>) == 0.25);
    BOOST_TEST(stag::eval(stag::c<5, 6>) == 5.0 / 6.0);  // eval without bindings
    BOOST_TEST(stag::eval(stag::pi * 2_c) == 2 * 3.141592653589793);
    BOOST_TEST(stag::eval(stag::c<1, 3>, x = 1.0f) == 1.0 / 3.0);  // no variable used: double
}

BOOST_AUTO_TEST_CASE(repeated_derivatives_of_polynomials_stay_bounded) {
    constexpr auto cube = x * x * x;
    static_assert(stag::same(nth_derivative<1>(cube), 3_c * (x * x)));
    static_assert(stag::same(nth_derivative<2>(cube), 6_c * x));
    static_assert(stag::same(nth_derivative<3>(cube), stag::c<6>));
    static_assert(stag::same(nth_derivative<4>(cube), stag::c<0>));
    static_assert(node_count<decltype(nth_derivative<1>(cube))> <= node_count<decltype(cube)> + 1);
    static_assert(node_count<decltype(nth_derivative<2>(cube))> <= 3);

    constexpr auto p5 = stag::pow(x, stag::c<5>);
    static_assert(stag::same(nth_derivative<1>(p5), 5_c * stag::pow(x, stag::c<4>)));
    static_assert(stag::same(nth_derivative<3>(p5), 60_c * stag::pow(x, stag::c<2>)));
    static_assert(stag::same(nth_derivative<4>(p5), 120_c * x));
    static_assert(stag::same(nth_derivative<5>(p5), stag::c<120>));
    static_assert(stag::same(nth_derivative<6>(p5), stag::c<0>));
    static_assert(node_count<decltype(nth_derivative<1>(p5))> <= 4);
    static_assert(node_count<decltype(nth_derivative<2>(p5))> <= 4);
    static_assert(node_count<decltype(nth_derivative<3>(p5))> <= 4);

    // 3x^3 + 2x^2 - 5x + 7 with exact coefficients: 9x^2 + 4x - 5, 18x + 4, 18, 0.
    constexpr auto poly = 3_c * x * x * x + 2_c * x * x - 5_c * x + 7_c;
    static_assert(node_count<decltype(nth_derivative<1>(poly))> <= node_count<decltype(poly)>);
    static_assert(stag::same(nth_derivative<2>(poly), 18_c * x + 4_c));
    static_assert(stag::same(nth_derivative<3>(poly), stag::c<18>));
    static_assert(stag::same(nth_derivative<4>(poly), stag::c<0>));
    for (double p : {-2.0, 0.5, 3.0}) {
        BOOST_TEST_CONTEXT("x = " << p) {
            BOOST_TEST(stag::eval(poly, x = p) == 3 * p * p * p + 2 * p * p - 5 * p + 7);
            STAG_CHECK_CLOSE(stag::eval(nth_derivative<1>(poly), x = p), 9 * p * p + 4 * p - 5, 1e-15);
            BOOST_TEST(stag::eval(nth_derivative<2>(poly), x = p) == 18 * p + 4);
        }
    }

    // A degree-8 product of x with itself: products are not reordered, so the middle orders hold
    // a few differently grouped monomials, but every order stays small and the ninth is 0.
    constexpr auto x2 = x * x;
    constexpr auto x8 = x2 * x2 * (x2 * x2);
    static_assert(node_count<decltype(x8)> == 4);
    static_assert(node_count<decltype(nth_derivative<1>(x8))> <= 32);
    static_assert(node_count<decltype(nth_derivative<3>(x8))> <= 32);
    static_assert(node_count<decltype(nth_derivative<4>(x8))> <= 32);
    static_assert(node_count<decltype(nth_derivative<5>(x8))> <= 32);
    static_assert(stag::same(nth_derivative<6>(x8), 20160_c * (x * x)));
    static_assert(stag::same(nth_derivative<7>(x8), 40320_c * x));
    static_assert(stag::same(nth_derivative<8>(x8), stag::c<40320>));
    static_assert(stag::same(nth_derivative<9>(x8), stag::c<0>));
    STAG_CHECK_CLOSE(stag::eval(nth_derivative<4>(x8), x = 1.5), 1680 * std::pow(1.5, 4), 1e-15);
}

BOOST_AUTO_TEST_CASE(symbolic_d_of_a_composite_agrees_with_grad) {
    const auto f = stag::sin(x * y) * stag::exp(-x) + stag::log(x * x + y * y + 1.0) / (1.0 + stag::tanh(y)) -
                   stag::sqrt(stag::hypot(x, 2.0 * y)) + stag::atan2(y, x) * stag::pow(x, 2_c);
    const auto dfx = stag::d(f, x);
    const auto dfy = stag::d(f, y);
    const std::pair<double, double> points[] = {{0.7, -1.3}, {1.2, 0.4}, {-0.6, 2.2}, {2.5, 1.0}, {-1.7, -0.8}};
    for (const auto& point : points) {
        const double a = point.first, b = point.second;  // not a structured binding: lambdas capture these
        BOOST_TEST_CONTEXT("(x, y) = (" << a << ", " << b << ")") {
            const auto g = stag::grad(f, x, y)(x = a, y = b);
            STAG_CHECK_CLOSE(g[x], stag::eval(dfx, x = a, y = b), 1e-12);
            STAG_CHECK_CLOSE(g[y], stag::eval(dfy, x = a, y = b), 1e-12);
            // Second order: grad of a symbolic derivative against d applied twice, and symmetry.
            const auto h = stag::grad(dfx, x, y)(x = a, y = b);
            STAG_CHECK_CLOSE(h[x], stag::eval(stag::d(dfx, x), x = a, y = b), 1e-12);
            STAG_CHECK_CLOSE(h[y], stag::eval(stag::d(dfy, x), x = a, y = b), 1e-11);
            // And against finite differences of f itself.
            const double fd = stag_test::central_difference([&, b = b](long double s) { return stag::eval(f, x = double(s), y = b); }, a);
            STAG_CHECK_CLOSE(g[x], fd, 1e-7);
        }
    }
}
