// Facts checked at compile time, on g++ and clang++ alike: constexpr eval, grad, value_and_grad,
// d and same, and the types stag computes (nodes, scalar types, storage of run-time constants).
// Only ops whose value rule is constexpr on both compilers appear here (clang 14 does not
// evaluate std::sin and friends at compile time).
#define BOOST_TEST_MODULE static
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <cstdint>
#include <type_traits>

using namespace stag::literals;

namespace {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto z = stag::var<"z">;
constexpr auto w = stag::var<"w", double>;

using x_t = stag::var_t<stag::name_t<"x">>;
using y_t = stag::var_t<stag::name_t<"y">>;

template <class A, class B>
constexpr bool same_type = std::is_same_v<std::remove_cvref_t<A>, std::remove_cvref_t<B>>;

constexpr auto seed = (x + y) * z;
constexpr auto cubic = x * x * x - 2.0 * x;
}  // namespace

// ---- constexpr evaluation and derivatives ------------------------------------------------------
static_assert(stag::eval(seed, x = 1.0, y = 3.0, z = -3.0) == -12.0);
static_assert(stag::eval(seed, z = -3.0, y = 3.0, x = 1.0) == -12.0);  // any order
static_assert(stag::eval(cubic, x = 2.0) == 4.0);
static_assert(stag::eval(x / y, x = 1.0, y = 4.0) == 0.25);
static_assert(stag::eval(stag::square(x) + stag::pow(x, stag::c<3>) + stag::pow(x, stag::c<-1>), x = 2.0) == 12.5);
static_assert(stag::eval(stag::relu(x) + stag::max(x, y) + stag::min(x, y), x = -1.0, y = 2.0) == 1.0);
static_assert(stag::eval(stag::select(x < y, x, y), x = 3.0, y = 2.0) == 2.0);
static_assert(stag::eval(x <= y, x = 2.0, y = 2.0));
static_assert(!stag::eval(x > y, x = 2.0, y = 2.0));
static_assert(stag::eval(stag::c<1, 4> * x, x = 2.0) == 0.5);

static_assert(stag::grad(x * x * x, x)(x = 2.0)[x] == 12.0);
static_assert(stag::grad(cubic, x)(x = 2.0)[x] == 10.0);
static_assert(stag::grad(seed, x, y, z)(x = 1.0, y = 3.0, z = -3.0)[z] == 4.0);
static_assert(stag::grad(seed, x, y, z)(x = 1.0, y = 3.0, z = -3.0).get<0>() == -3.0);
static_assert(stag::grad(seed, x, w)(x = 1.0, y = 3.0, z = -3.0)[w] == 0.0);  // w is not used
static_assert(stag::grad(stag::relu(x), x)(x = 0.0)[x] == 0.0);
static_assert(stag::grad(stag::max(x, y), x, y)(x = 1.0, y = 1.0)[x] == 1.0);
static_assert(stag::grad(x / y, y)(x = 1.0, y = 2.0)[y] == -0.25);

constexpr auto vg = stag::value_and_grad(x * x + 3.0 * y, x, y)(x = 3.0, y = 1.0);
static_assert(vg.value == 12.0);
static_assert(vg.grad[x] == 6.0);
static_assert(vg.grad[y] == 3.0);
static_assert(decltype(vg.grad)::size() == 2);
static_assert(std::tuple_size_v<std::remove_const_t<decltype(vg.grad)>> == 2);

static_assert(stag::same(stag::d(seed, x), z));
static_assert(stag::same(stag::d(stag::sin(x), x), stag::cos(x)));
static_assert(stag::eval(stag::d(cubic, x), x = 2.0) == 10.0);
static_assert(stag::eval(stag::d(stag::d(cubic, x), x), x = 2.0) == 12.0);
static_assert(stag::same(x, x));
static_assert(!stag::same(x, y));
static_assert(!stag::same(x + y, y + x));
static_assert(stag::same(2.5 * x, 2.5 * x));
static_assert(!stag::same(2.5 * x, 3.5 * x));

// ---- types ---------------------------------------------------------------------------------------
static_assert(std::is_empty_v<decltype(stag::var<"x">)>);
static_assert(std::is_empty_v<decltype(seed)>);
static_assert(std::is_empty_v<decltype(stag::sin(stag::exp(x) * y))>);
static_assert(std::is_empty_v<decltype(stag::c<1, 3>)>);
static_assert(std::is_empty_v<decltype(stag::pi)>);
static_assert(same_type<decltype(x), x_t>);
static_assert(same_type<decltype(x + y), stag::expr<stag::add_op, x_t, y_t>>);
static_assert(same_type<decltype(seed), stag::expr<stag::mul_op, stag::expr<stag::add_op, x_t, y_t>, stag::var_t<stag::name_t<"z">>>>);
static_assert(same_type<decltype(stag::sin(x)), stag::expr<stag::sin_op, x_t>>);
static_assert(same_type<decltype(-x), stag::expr<stag::neg_op, x_t>>);
static_assert(same_type<decltype(stag::pow(x, stag::c<3>)), stag::expr<stag::powc_op<3, 1>, x_t>>);
static_assert(same_type<decltype(stag::pow(x, y)), stag::expr<stag::pow_op, x_t, y_t>>);
static_assert(same_type<decltype(x < y), stag::expr<stag::less_op, x_t, y_t>>);
static_assert(same_type<decltype(stag::c<1, 3>), stag::cst_t<1, 3>>);
static_assert(same_type<decltype(2_c), stag::cst_t<2, 1>>);
static_assert(same_type<decltype(0.5_c), stag::cst_t<1, 2>>);
static_assert(stag::expression<decltype(x)> && stag::variable<decltype(x)>);
static_assert(stag::expression<decltype(seed)> && !stag::variable<decltype(seed)>);
static_assert(!stag::expression<double>);
static_assert(stag::constant<decltype(stag::pi)> && stag::constant<decltype(stag::c<2>)>);
// The unique nodes: x, y, x + y, z, (x + y) * z; a repeated subexpression is listed once.
static_assert(decltype(seed)::nodes::size == 5);
static_assert(decltype((x + y) * (x + y))::nodes::size == 4);

// A plain number is a run-time constant stored in the node: 2.5 * x holds one double.
constexpr auto scaled = 2.5 * x;
static_assert(same_type<decltype(scaled), stag::expr<stag::mul_op, stag::lit_t<double>, x_t>>);
static_assert(stag::literal<decltype(stag::arg<0>(scaled))>);
static_assert(stag::arg<0>(scaled).value == 2.5);
static_assert(!std::is_empty_v<decltype(scaled)>);
static_assert(sizeof(scaled) == sizeof(double));
static_assert(sizeof(stag::sin(scaled) * y + z) == sizeof(double));
static_assert(same_type<decltype(x * 2), stag::expr<stag::mul_op, x_t, stag::lit_t<int>>>);

// The scalar type of an evaluation: the common type of the bound values and run-time constants,
// double where that would be an integer.
static_assert(same_type<decltype(stag::eval(seed, x = 1.0f, y = 2.0f, z = 3.0f)), float>);
static_assert(same_type<decltype(stag::eval(seed, x = 1, y = 2, z = 3)), double>);
static_assert(same_type<decltype(stag::eval(seed, x = 1.0f, y = 2.0, z = 3.0f)), double>);
static_assert(same_type<decltype(stag::eval(seed, x = 1.0L, y = 2.0f, z = 3)), long double>);
static_assert(same_type<decltype(stag::eval(2.5 * x, x = 1.0f)), double>);   // a double constant
static_assert(same_type<decltype(stag::eval(2.5f * x, x = 1.0f)), float>);
static_assert(same_type<decltype(stag::eval(x * 2, x = 1.0f)), float>);       // an int constant
static_assert(same_type<decltype(stag::eval(x * w, x = 1.0f, w = 1.0f)), double>);  // w is double
static_assert(same_type<decltype(stag::eval(stag::pi * x, x = 1.0f)), float>);
static_assert(stag::eval(x, x = 7) == 7.0);
static_assert(same_type<decltype(stag::grad(seed, x)(x = 1.0f, y = 2.0f, z = 3.0f)[x]), float>);
static_assert(same_type<decltype(stag::value_and_grad(seed, x)(x = 1, y = 2, z = 3).value), double>);
static_assert(same_type<decltype(x = 1), stag::binding<x_t, double>>);
static_assert(same_type<decltype(x = 1.0f), stag::binding<x_t, float>>);
static_assert(same_type<decltype(w = 1.0f), stag::binding<stag::var_t<stag::name_t<"w">, double>, double>>);
static_assert(stag::name_v<stag::name_t<"weight">> == "weight");

// The same facts hold at run time (and the executable needs a test case to run).
BOOST_AUTO_TEST_CASE(compile_time_facts_hold_at_run_time) {
    const double a = 1.0, b = 3.0, c = -3.0;
    BOOST_TEST(stag::eval(seed, x = a, y = b, z = c) == -12.0);
    BOOST_TEST(stag::grad(x * x * x, x)(x = a + 1.0)[x] == 12.0);
    const auto rv = stag::value_and_grad(x * x + 3.0 * y, x, y)(x = b, y = a);
    BOOST_TEST(rv.value == vg.value);
    BOOST_TEST(rv.grad[x] == vg.grad[x]);
    BOOST_TEST(rv.grad[y] == vg.grad[y]);
    auto g = stag::grad(seed, x, y, z)(x = a, y = b, z = c);
    g[x] = 5.0;  // a gradient is a plain value: writable through [] and get
    BOOST_TEST(g.get<0>() == 5.0);
    BOOST_TEST(stag::arg<0>(scaled).value == 2.5);
}
