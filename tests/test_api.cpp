// The API as the README and the issue show it: eval, d, grad, value_and_grad, to_string, same.
#define BOOST_TEST_MODULE api
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <string>

namespace {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y", double>;
constexpr auto z = stag::var<"z">;
constexpr auto f = (x + y) * z;
}  // namespace

BOOST_AUTO_TEST_CASE(seed_graph_forward_and_symbolic) {
    BOOST_TEST(stag::eval(f, x = 1.0, y = 3.0, z = -3.0) == -12.0);
    BOOST_TEST(stag::same(stag::d(f, x), z));
    BOOST_TEST(stag::to_string(stag::d(f, x)) == "z");
    BOOST_TEST(stag::eval(stag::d(stag::d(f, x), z), x = 1.0, y = 3.0, z = -3.0) == 1.0);
    BOOST_TEST(stag::to_string(f) == "(x + y) * z");
}

BOOST_AUTO_TEST_CASE(seed_graph_reverse_mode) {
    const auto g = stag::grad(f, x, y, z)(x = 1.0, y = 3.0, z = -3.0);
    BOOST_TEST(g[x] == -3.0);
    BOOST_TEST(g[y] == -3.0);
    BOOST_TEST(g[z] == 4.0);
    const auto [gx, gy, gz] = stag::grad(f, x, y, z)(z = -3.0, x = 1.0, y = 3.0);  // any order
    BOOST_TEST(gx == -3.0);
    BOOST_TEST(gy == -3.0);
    BOOST_TEST(gz == 4.0);
    const auto vg = stag::value_and_grad(f, x, y, z)(x = 1.0, y = 3.0, z = -3.0);
    BOOST_TEST(vg.value == -12.0);
    BOOST_TEST(vg.grad[z] == 4.0);
}

BOOST_AUTO_TEST_CASE(unused_bindings_and_variables) {
    constexpr auto u = stag::var<"u">;
    BOOST_TEST(stag::eval(x * x, x = 3.0, u = 7.0) == 9.0);  // u is not used: accepted
    const auto g = stag::grad(x * x, x, u)(x = 3.0);         // f does not use u: gradient 0
    BOOST_TEST(g[x] == 6.0);
    BOOST_TEST(g[u] == 0.0);
    BOOST_TEST(stag::same(stag::d(x * x, u), stag::c<0>));
}

BOOST_AUTO_TEST_CASE(trace_lists_each_unique_node_once) {
    constexpr auto p = x + y;
    const auto t = stag::trace(p * p + z, x = 1.0, y = 2.0, z = 5.0);
    BOOST_TEST(t.size() == 6u);  // x, y, x + y, (x + y) * (x + y), z, root
    BOOST_TEST(t[2].expression == "x + y");
    BOOST_TEST(t[2].value == 3.0);
    BOOST_TEST(t[2].adjoint == 6.0);  // d/dp (p^2 + z) = 2p, accumulated from two uses
}
