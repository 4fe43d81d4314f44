// Every tensor op through the checker kit of tensor_op_checker.hpp, one op at a time: reverse mode
// against central differences, forward mode against central differences, the Jacobian against
// forward mode, and float against double; broadcasting, every axis of every reduction.
#define BOOST_TEST_MODULE tensor_ops
#include <boost/test/unit_test.hpp>

#include "tensor_op_checker.hpp"

#include <cmath>
#include <limits>

namespace {

template <std::size_t... D>
using T = stag::tensor<double, D...>;

/// Irregular values in [lo, lo + 1.2): no two alike, no ties for max and min.
template <class X>
X values(double phase, double lo = -0.6) {
    X x;
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = lo + 0.6 + 0.6 * std::sin(1.3 * double(i) + phase);
    return x;
}

using stag_test::check_tensor_op;

}  // namespace

BOOST_AUTO_TEST_CASE(elementwise_with_broadcasting) {
    check_tensor_op("a + b, (3 x 4) + (4)", [](auto a, auto b) { return a + b; }, values<T<3, 4>>(0.1), values<T<4>>(0.2));
    check_tensor_op("a - b, (2 x 3 x 4) - (3 x 1)", [](auto a, auto b) { return a - b; }, values<T<2, 3, 4>>(0.3), values<T<3, 1>>(0.4));
    check_tensor_op("a * b, (3 x 1) * (1 x 4)", [](auto a, auto b) { return a * b; }, values<T<3, 1>>(0.5), values<T<1, 4>>(0.6));
    check_tensor_op("a / b, (3 x 4) / (1)", [](auto a, auto b) { return a / b; }, values<T<3, 4>>(0.7), values<T<1>>(0.8, 0.5));
    check_tensor_op("select(a > b, a * c, b), (4) (4) (2 x 4)", [](auto a, auto b, auto c) { return stag::select(a > b, a * c, b); },
                    values<T<4>>(0.9), values<T<4>>(2.0), values<T<2, 4>>(1.1));
    check_tensor_op("max(a, b), (3 x 4) (4)", [](auto a, auto b) { return stag::max(a, b); }, values<T<3, 4>>(1.2), values<T<4>>(1.3));
}

BOOST_AUTO_TEST_CASE(elementwise_functions) {
    const auto x = values<T<2, 5>>(0.4);
    const auto positive = values<T<2, 5>>(0.4, 0.3);
    check_tensor_op("exp", [](auto a) { return stag::exp(a); }, x);
    check_tensor_op("expm1", [](auto a) { return stag::expm1(a); }, x);
    check_tensor_op("log", [](auto a) { return stag::log(a); }, positive);
    check_tensor_op("log1p", [](auto a) { return stag::log1p(a); }, x);
    check_tensor_op("sqrt", [](auto a) { return stag::sqrt(a); }, positive);
    check_tensor_op("tanh", [](auto a) { return stag::tanh(a); }, x);
    check_tensor_op("sigmoid", [](auto a) { return stag::sigmoid(a); }, x);
    check_tensor_op("softplus", [](auto a) { return stag::softplus(a); }, x);
    check_tensor_op("erf", [](auto a) { return stag::erf(a); }, x);
    check_tensor_op("sin, cos", [](auto a) { return stag::sin(a) * stag::cos(a); }, x);
    check_tensor_op("square, abs, relu", [](auto a) { return stag::square(a) + stag::abs(a) + stag::relu(a); }, x);
    check_tensor_op("pow(a, b)", [](auto a, auto b) { return stag::pow(a, b); }, positive, values<T<5>>(0.2));
}

BOOST_AUTO_TEST_CASE(reductions_along_every_axis) {
    const auto x = values<T<2, 3, 4>>(0.5);
    check_tensor_op("sum", [](auto a) { return stag::sum(a); }, x);
    check_tensor_op("mean", [](auto a) { return stag::mean(a); }, x);
    check_tensor_op("max", [](auto a) { return stag::max(a); }, x);
    check_tensor_op("min", [](auto a) { return stag::min(a); }, x);
    check_tensor_op("sum<0>", [](auto a) { return stag::sum<0>(a); }, x);
    check_tensor_op("sum<1>", [](auto a) { return stag::sum<1>(a); }, x);
    check_tensor_op("sum<2>", [](auto a) { return stag::sum<2>(a); }, x);
    check_tensor_op("mean<0>", [](auto a) { return stag::mean<0>(a); }, x);
    check_tensor_op("mean<1>", [](auto a) { return stag::mean<1>(a); }, x);
    check_tensor_op("mean<2>", [](auto a) { return stag::mean<2>(a); }, x);
    check_tensor_op("max<0>", [](auto a) { return stag::max<0>(a); }, x);
    check_tensor_op("max<1>", [](auto a) { return stag::max<1>(a); }, x);
    check_tensor_op("max<2>", [](auto a) { return stag::max<2>(a); }, x);
    check_tensor_op("min<0>", [](auto a) { return stag::min<0>(a); }, x);
    check_tensor_op("min<1>", [](auto a) { return stag::min<1>(a); }, x);
    check_tensor_op("min<2>", [](auto a) { return stag::min<2>(a); }, x);
}

BOOST_AUTO_TEST_CASE(linear_algebra) {
    check_tensor_op("matmul (3 x 4)(4 x 2)", [](auto a, auto b) { return stag::matmul(a, b); }, values<T<3, 4>>(0.1), values<T<4, 2>>(0.2));
    check_tensor_op("matmul (3 x 4)(4)", [](auto a, auto b) { return stag::matmul(a, b); }, values<T<3, 4>>(0.3), values<T<4>>(0.4));
    check_tensor_op("matmul (4)(4 x 2)", [](auto a, auto b) { return stag::matmul(a, b); }, values<T<4>>(0.5), values<T<4, 2>>(0.6));
    // A vector times a matrix wider than a block of columns kept in registers (64): a full block and a rest.
    check_tensor_op("matmul (3)(3 x 70)", [](auto a, auto b) { return stag::matmul(a, b); }, values<T<3>>(0.55), values<T<3, 70>>(0.65));
    check_tensor_op("transpose", [](auto a) { return stag::transpose(a); }, values<T<3, 4>>(0.7));
    check_tensor_op("dot", [](auto a, auto b) { return stag::dot(a, b); }, values<T<2, 3>>(0.8), values<T<2, 3>>(0.9));
}

BOOST_AUTO_TEST_CASE(softmax_and_losses) {
    check_tensor_op("softmax", [](auto a) { return stag::softmax(a); }, values<T<3, 4>>(0.2));
    check_tensor_op("log_softmax", [](auto a) { return stag::log_softmax(a); }, values<T<3, 4>>(0.3));
    check_tensor_op("mse", [](auto a, auto b) { return stag::mse(a, b); }, values<T<3, 4>>(0.4), values<T<3, 4>>(0.5));
    check_tensor_op("logsumexp", [](auto a) { return stag::logsumexp(a); }, values<T<3, 4>>(0.45));
    const auto x = values<T<2, 3, 4>>(0.55);
    check_tensor_op("logsumexp<0>", [](auto a) { return stag::logsumexp<0>(a); }, x);
    check_tensor_op("logsumexp<1>", [](auto a) { return stag::logsumexp<1>(a); }, x);
    check_tensor_op("logsumexp<2>", [](auto a) { return stag::logsumexp<2>(a); }, x);
    check_tensor_op("cross_entropy, probabilities", [](auto z, auto p) { return stag::cross_entropy(z, p); }, values<T<3, 4>>(0.6),
                    values<T<3, 4>>(0.7, 0.1));
    const T<3> classes{2.5, 0.5, 3.5};  // indices as numbers, between integers: rounded down
    check_tensor_op("cross_entropy, class indices", [](auto z, auto k) { return stag::cross_entropy(z, k); }, values<T<3, 4>>(0.8), classes);
    check_tensor_op("pick", [](auto a, auto k) { return stag::pick(a, k); }, values<T<3, 4>>(0.9), classes);
}

BOOST_AUTO_TEST_CASE(logsumexp_neither_overflows_nor_underflows) {
    constexpr auto a = stag::var<"a", T<3>>;
    const T<3> big{1000.0, 1000.0, 999.0}, small{-1000.0, -1000.0, -1001.0};
    const double extra = std::log(2.0 + std::exp(-1.0));
    BOOST_TEST(stag::eval(stag::logsumexp(a), a = big) == 1000.0 + extra, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(stag::eval(stag::logsumexp(a), a = small) == -1000.0 + extra, boost::test_tools::tolerance(1e-15));
    // Its gradient is softmax(a), which sums to 1.
    const auto g = stag::grad(stag::logsumexp(a), a)(a = big);
    BOOST_TEST(g[a](0) + g[a](1) + g[a](2) == 1.0, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(g[a](0) == 1.0 / (2.0 + std::exp(-1.0)), boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(logsumexp_along_an_axis) {
    // Row by row, as over all elements: no overflow or underflow, the softmax of each row as its
    // gradient, and a NaN in a row makes that row's value NaN and no other.
    constexpr auto a = stag::var<"a", T<3, 3>>;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const T<3, 3> z{1000.0, 1000.0, 999.0, -1000.0, -1000.0, -1001.0, 0.5, nan, 0.0};
    const double extra = std::log(2.0 + std::exp(-1.0));
    const auto v = stag::eval(stag::logsumexp<1>(a), a = z);
    BOOST_TEST(v(0) == 1000.0 + extra, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(v(1) == -1000.0 + extra, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(std::isnan(v(2)));
    constexpr auto b = stag::var<"b", T<2, 3>>;
    const T<2, 3> y{1000.0, 1000.0, 999.0, -3.0, 0.0, 2.0};
    const auto g = stag::grad(stag::sum(stag::logsumexp<1>(b)), b)(b = y);
    const auto s = stag::eval(stag::softmax(b), b = y);
    for (std::size_t e = 0; e < 6; ++e) BOOST_TEST(g[b].data()[e] == s.data()[e], boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(short_loops_call_the_standard_library) {
    // A loop that fills no whole vector (5 elements) calls the standard library's exp and log; a
    // long one (64) the branch-free forms, within 1 ulp of them (detail/lanes.hpp, lane_loop).
    constexpr auto a = stag::var<"a", T<5>>;
    constexpr auto b = stag::var<"b", T<64>>;
    const auto x = values<T<5>>(0.3, 0.2);
    const auto y = values<T<64>>(0.4, 0.2);
    const auto ex = stag::eval(stag::exp(a) + stag::log(a), a = x);
    for (std::size_t e = 0; e < 5; ++e) BOOST_TEST(ex(e) == std::exp(x(e)) + std::log(x(e)));
    const auto ey = stag::eval(stag::exp(b), b = y);
    for (std::size_t e = 0; e < 64; ++e) BOOST_TEST(ey(e) == std::exp(y(e)), boost::test_tools::tolerance(2.3e-16));
}

BOOST_AUTO_TEST_CASE(slicing_joining_and_gathering) {
    const auto x = values<T<2, 3, 4>>(0.6);
    check_tensor_op("slice<0>", [](auto a) { return stag::slice<0, 1, 2>(a); }, x);
    check_tensor_op("slice<1>", [](auto a) { return stag::slice<1, 1, 3>(a); }, x);
    check_tensor_op("slice<2>", [](auto a) { return stag::slice<2, 0, 3>(a); }, x);
    check_tensor_op("concat<0>", [](auto a, auto b) { return stag::concat<0>(a, b); }, x, values<T<1, 3, 4>>(0.7));
    check_tensor_op("concat<1>", [](auto a, auto b) { return stag::concat<1>(a, b); }, x, values<T<2, 2, 4>>(0.8));
    check_tensor_op("concat<2>", [](auto a, auto b) { return stag::concat<2>(a, b); }, x, values<T<2, 3, 1>>(0.9));
    check_tensor_op("reshape", [](auto a) { return stag::reshape<4, 6>(a); }, x);
    check_tensor_op("take<0>", [](auto a) { return stag::take<0, 1>(a); }, x);
    check_tensor_op("take<1>", [](auto a) { return stag::take<1, 2>(a); }, x);
    check_tensor_op("take<2>", [](auto a) { return stag::take<2, 0>(a); }, x);
    check_tensor_op("take of a vector", [](auto a) { return stag::take<0, 2>(a); }, values<T<4>>(0.3));
    check_tensor_op("stack<0>", [](auto a, auto b, auto c) { return stag::stack<0>(a, b, c); }, x, values<T<2, 3, 4>>(0.7), values<T<2, 3, 4>>(0.8));
    check_tensor_op("stack<1>", [](auto a, auto b) { return stag::stack<1>(a, b); }, x, values<T<2, 3, 4>>(0.7));
    check_tensor_op("stack<3>", [](auto a, auto b) { return stag::stack<3>(a, b); }, x, values<T<2, 3, 4>>(0.9));
    const T<2, 2> ids{3.5, 0.5, 3.5, 1.5};  // row 3 twice
    check_tensor_op("gather", [](auto e, auto i) { return stag::gather(e, i); }, values<T<4, 3>>(1.0), ids);
}

// stack of numbers makes a vector (a tensor without a tensor variable), and its gradient flows
// back to each number; take of a vector is a number.
BOOST_AUTO_TEST_CASE(stack_of_numbers_and_take_of_a_vector) {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
    const auto v = stag::stack<0>(x, y * y, 2.0 * x);
    static_assert(std::is_same_v<stag::node_shape_t<decltype(v)>, std::index_sequence<3>>);
    const auto e = stag::eval(v, x = 1.5, y = 2.0);
    BOOST_TEST(e(0) == 1.5);
    BOOST_TEST(e(1) == 4.0);
    BOOST_TEST(e(2) == 3.0);
    const auto g = stag::grad(stag::sum(stag::square(v)), x, y)(x = 1.5, y = 2.0);
    BOOST_TEST(g[x] == 2 * 1.5 + 2 * 3.0 * 2);  // x and 2x
    BOOST_TEST(g[y] == 2 * 4.0 * 2 * 2.0);      // y^2
    BOOST_TEST(stag::eval(stag::take<0, 1>(v) + stag::take<0, 2>(v), x = 1.5, y = 2.0) == 7.0);
    BOOST_TEST(stag::eval(stag::d(stag::take<0, 1>(v) * x, x), x = 1.5, y = 2.0) == 4.0);  // y^2, by symbolic reverse mode
}

namespace wrong {
/// a * b with a wrong partial derivative in b (a + 1 instead of a): the kit must catch it.
struct wrong_mul_op {
    static constexpr stag::call notation{"wrong_mul"};
    template <class A, class B>
    static constexpr auto apply(const A& a, const B& b) {
        return a * b;
    }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A& a, const B& b, const R&) {
        if constexpr (I == 0) return b;
        else return stag::add(a, stag::c<1>);
    }
};
}  // namespace wrong

// The kit fails on a wrong derivative rule: check_grad's report (one failure), and the Jacobian,
// which the backward sweep computes from the rule, against jvp, which differentiates the op's value
// rule by dual arithmetic and is right (one failure per element, six).
BOOST_AUTO_TEST_CASE(a_wrong_derivative_is_caught, *boost::unit_test::expected_failures(7)) {
    check_tensor_op("wrong_mul", [](auto a, auto b) { return stag::make_node<wrong::wrong_mul_op>(a, b); }, values<T<2, 3>>(0.1), values<T<2, 3>>(0.2));
}
