// The README's tour, compiled as written (docs_sync.cmake checks that the README's block is this
// code), with its stated results checked.
#define BOOST_TEST_MODULE readme
#include <boost/test/unit_test.hpp>

#include <string>

#include <stag/stag.hpp>

constexpr auto x = stag::var<"x">;            // a scalar variable; its value type comes from the binding
constexpr auto y = stag::var<"y", double>;    // a variable may fix its value type
constexpr auto z = stag::var<"z">;
constexpr auto f = (x + y) * z;               // the type of f is the graph

double v = stag::eval(f, x = 1.0, y = 3.0, z = -3.0);        // forward pass: -12
auto dfdx = stag::d(f, x);                                    // symbolic derivative: the expression z
double w = stag::eval(stag::d(stag::d(f, x), z), x = 1.0, y = 3.0, z = -3.0);  // higher order: 1
auto g = stag::grad(f, x, y, z)(x = 1.0, y = 3.0, z = -3.0); // reverse mode: one fused sweep
double gx = g[x];                                             // -3, by variable...
auto [gx2, gy, gz] = stag::grad(f, x, y, z)(x = 1.0, y = 3.0, z = -3.0);  // ...or in order: -3, -3, 4
auto vg = stag::value_and_grad(f, x, y, z)(x = 1.0, y = 3.0, z = -3.0);   // vg.value, vg.grad[x]
std::string s = stag::to_string(f);                           // "(x + y) * z"
static_assert(stag::same(stag::d(stag::sin(x), x), stag::cos(x)));        // structural, at compile time
static_assert(stag::eval(f, x = 1.0, y = 3.0, z = -3.0) == -12);           // so is evaluation
static_assert(stag::grad(f, x, y, z)(x = 1.0, y = 3.0, z = -3.0)[z] == 4); // and the gradient

BOOST_AUTO_TEST_CASE(readme_tour) {
    BOOST_TEST(v == -12.0);
    BOOST_TEST(stag::same(dfdx, z));
    BOOST_TEST(w == 1.0);
    BOOST_TEST(gx == -3.0);
    BOOST_TEST(gx2 == -3.0);
    BOOST_TEST(gy == -3.0);
    BOOST_TEST(gz == 4.0);
    BOOST_TEST(vg.value == -12.0);
    BOOST_TEST(vg.grad[x] == -3.0);
    BOOST_TEST(s == "(x + y) * z");
}
