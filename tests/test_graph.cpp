// Graph behaviour: shared subexpressions listed once with accumulated adjoints, shared weights,
// a deep shared recurrence against finite differences, run-time constants, and expressions that
// outlive everything they were built from.
#define BOOST_TEST_MODULE graph
#include <boost/test/unit_test.hpp>

#include "op_checker.hpp"

#include <stag/stag.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto z = stag::var<"z">;

template <class Trace>
const auto* find_node(const Trace& t, const std::string& text) {
    for (const auto& entry : t)
        if (entry.expression == text) return &entry;
    return static_cast<const typename Trace::value_type*>(nullptr);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(sharing)

BOOST_AUTO_TEST_CASE(a_subexpression_used_twice_is_listed_once) {
    constexpr auto p = x + y;
    const auto shared = p * p + stag::sin(p);
    const auto t = stag::trace(shared, x = 0.5, y = 0.25);
    BOOST_TEST(t.size() == 6u);  // x, y, x + y, (x + y) * (x + y), sin(x + y), the sum
    int listed = 0;
    for (const auto& entry : t) listed += entry.expression == "x + y";
    BOOST_TEST(listed == 1);
    // Every argument comes before its users, and the root is last.
    BOOST_TEST(t.back().expression == stag::to_string(shared));
    BOOST_TEST(t.back().adjoint == 1.0);
    for (std::size_t i = 0; i < t.size(); ++i) BOOST_TEST(t[i].index == i);

    // The same model written without sharing: y + x is another node than x + y.
    const auto unshared = (x + y) * (y + x) + stag::sin(y + x);
    BOOST_TEST(stag::trace(unshared, x = 0.5, y = 0.25).size() == 7u);

    for (const auto& [a, b] : {std::pair{0.5, 0.25}, std::pair{-1.5, 0.75}, std::pair{2.0, 3.0}}) {
        BOOST_TEST_CONTEXT("x = " << a << ", y = " << b) {
            const double s = a + b;
            // The adjoint of the shared node sums its two uses: d/dp (p^2 + sin p) = 2p + cos p.
            const auto nodes = stag::trace(shared, x = a, y = b);  // kept: node points into it
            const auto* node = find_node(nodes, "x + y");
            BOOST_TEST_REQUIRE(node != nullptr);
            BOOST_TEST(node->has_adjoint);
            STAG_CHECK_CLOSE(node->value, s, 0.0);
            STAG_CHECK_CLOSE(node->adjoint, 2 * s + std::cos(s), 1e-15);
            const auto gs = stag::grad(shared, x, y)(x = a, y = b);
            const auto gu = stag::grad(unshared, x, y)(x = a, y = b);
            STAG_CHECK_CLOSE(gs[x], 2 * s + std::cos(s), 1e-15);
            STAG_CHECK_CLOSE(gs[x], gu[x], 1e-15);
            STAG_CHECK_CLOSE(gs[y], gu[y], 1e-15);
            STAG_CHECK_CLOSE(stag::eval(shared, x = a, y = b), stag::eval(unshared, x = a, y = b), 1e-15);
        }
    }
}

BOOST_AUTO_TEST_CASE(shared_weights_get_the_sum_of_their_gradients) {
    constexpr auto w = stag::var<"w">;
    constexpr auto w1 = stag::var<"w1">;
    constexpr auto w2 = stag::var<"w2">;
    constexpr auto w3 = stag::var<"w3">;
    const auto tied = w * x + w * y + stag::sin(w * z) + w;
    const auto untied = w1 * x + w2 * y + stag::sin(w3 * z) + w;
    for (const double wv : {-0.7, 0.3, 1.9}) {
        BOOST_TEST_CONTEXT("w = " << wv) {
            const double xv = 1.5, yv = -2.0, zv = 0.8;
            const auto g = stag::grad(tied, w, x, y, z)(w = wv, x = xv, y = yv, z = zv);
            const auto [gw, g1, g2, g3] = stag::grad(untied, w, w1, w2, w3)(w = wv, w1 = wv, w2 = wv, w3 = wv, x = xv, y = yv, z = zv);
            STAG_CHECK_CLOSE(g[w], gw + g1 + g2 + g3, 1e-15);
            STAG_CHECK_CLOSE(g[w], xv + yv + zv * std::cos(wv * zv) + 1.0, 1e-15);
            STAG_CHECK_CLOSE(g[x], wv, 0.0);
            STAG_CHECK_CLOSE(g[z], wv * std::cos(wv * zv), 1e-15);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_variable_used_only_in_conditions_gets_zero) {
    const auto f = stag::select(x < y, 2.0 * x, x * x) + stag::max(x, 1.0);
    const auto g = stag::grad(f, x, y)(x = 0.5, y = 1.0);
    BOOST_TEST(g[y] == 0.0);
    BOOST_TEST(g[x] == 2.0);
    BOOST_TEST(stag::eval(stag::d(f, y), x = 0.5, y = 1.0) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(deep)

namespace {
// h(k+1) = tanh(h(k) * y + h(k)), h(0) = x: each h(k) is used twice, so the tree unfolding of
// h(20) has over a million leaves while the graph has 62 nodes.
constexpr auto step = [](auto h) { return stag::tanh(h * y + h); };

long double recurrence(long double h, long double yv, int depth) {
    for (int k = 0; k < depth; ++k) h = std::tanh(h * yv + h);
    return h;
}
}  // namespace

/// h(N) from h(0) = h.
template <int N, class H>
constexpr auto nest(const H& h) {
    if constexpr (N == 0) return h;
    else return nest<N - 1>(step(h));
}

BOOST_AUTO_TEST_CASE(gradient_of_a_deep_shared_recurrence_matches_finite_differences) {
    const auto h8 = nest<8>(x);
    // 64 levels on every compiler: a tree of 2^64 leaves. (clang once took twice as long for each
    // level; core/node.hpp says why the node type is declared so that it does not.)
    constexpr int depth = 64;
    const auto hd = nest<depth>(x);
    static_assert(std::is_empty_v<decltype(hd)>);
    static_assert(decltype(hd)::nodes::size == 2 + 3 * depth);  // x, y, then h * y, + h, tanh per step
    BOOST_TEST(stag::trace(h8, x = 0.3, y = 0.05).size() == 2u + 3u * 8u);

    // Near y = 0 the recurrence neither settles at 0 nor saturates, so the gradient survives 64 steps.
    const std::pair<double, double> points[] = {{0.3, 0.01}, {0.05, 0.02}, {-0.4, 0.01}, {0.1, -0.01}};
    for (const auto& point : points) {
        const double a = point.first, b = point.second;  // not a structured binding: lambdas capture these
        BOOST_TEST_CONTEXT("x = " << a << ", y = " << b) {
            const auto vg = stag::value_and_grad(hd, x, y)(x = a, y = b);
            STAG_CHECK_CLOSE(vg.value, recurrence(a, b, depth), 1e-14);
            const long double fx = stag_test::central_difference([b = b](long double s) { return recurrence(s, b, depth); }, a);
            const long double fy = stag_test::central_difference([a = a](long double s) { return recurrence(a, s, depth); }, b);
            BOOST_TEST_REQUIRE(std::fabs(fx) > 1e-3L);  // points where the gradient has not vanished
            BOOST_TEST_REQUIRE(std::fabs(fy) > 1e-3L);
            STAG_CHECK_CLOSE(vg.grad[x] / fx, 1.0, 1e-9);
            STAG_CHECK_CLOSE(vg.grad[y] / fy, 1.0, 1e-9);
            // Symbolic d of the graph at depth 8 agrees too.
            const long double f8 = stag_test::central_difference([&](long double s) { return recurrence(s, b, 8); }, a);
            STAG_CHECK_CLOSE(stag::eval(stag::d(h8, x), x = a, y = b) / f8, 1.0, 1e-9);
            STAG_CHECK_CLOSE(stag::grad(h8, x)(x = a, y = b)[x] / f8, 1.0, 1e-9);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(run_time_constants)

BOOST_AUTO_TEST_CASE(products_and_powers_with_plain_numbers) {
    const auto f = 2.5 * x + stag::pow(x, 1.5) - x / 4.0;
    for (const double a : {0.25, 1.0, 3.0}) {
        BOOST_TEST_CONTEXT("x = " << a) {
            STAG_CHECK_CLOSE(stag::eval(f, x = a), 2.5 * a + std::pow(a, 1.5) - a / 4.0, 1e-15);
            const double expected = 2.5 + 1.5 * std::sqrt(a) - 0.25;
            STAG_CHECK_CLOSE(stag::grad(f, x)(x = a)[x], expected, 1e-14);
            STAG_CHECK_CLOSE(stag::eval(stag::d(f, x), x = a), expected, 1e-14);
        }
    }
    BOOST_TEST(stag::to_string(f) == "2.5 * x + pow(x, 1.5) - x / 4");
}

BOOST_AUTO_TEST_CASE(nodes_of_the_same_type_keep_their_own_constants) {
    // 2.5 * x and 3.5 * x have the same type; they are different nodes with different values.
    const auto f = 2.5 * x + 3.5 * x;
    BOOST_TEST(stag::eval(f, x = 2.0) == 12.0);
    BOOST_TEST(stag::grad(f, x)(x = 2.0)[x] == 6.0);
    BOOST_TEST(stag::eval(stag::d(f, x), x = 2.0) == 6.0);
    const auto g = stag::sin(2.0 * x) * stag::sin(3.0 * x);
    const double a = 0.7;
    const double expected = 2 * std::cos(2 * a) * std::sin(3 * a) + 3 * std::sin(2 * a) * std::cos(3 * a);
    STAG_CHECK_CLOSE(stag::grad(g, x)(x = a)[x], expected, 1e-15);
    STAG_CHECK_CLOSE(stag::eval(stag::d(g, x), x = a), expected, 1e-15);
    // A node with a constant used twice: (2.5 x)^2, derivative 12.5 x.
    const auto q = 2.5 * x;
    const auto qq = q * q;
    BOOST_TEST(stag::eval(qq, x = 2.0) == 25.0);
    BOOST_TEST(stag::grad(qq, x)(x = 2.0)[x] == 25.0);
    BOOST_TEST(stag::same(qq, (2.5 * x) * (2.5 * x)));
    BOOST_TEST(!stag::same(qq, (2.5 * x) * (2.0 * x)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifetimes)

namespace {
// Everything the expression is built from dies when the function returns.
auto make_model(double scale, double exponent) {
    const double doubled = 2 * scale;
    const std::vector<double> params = {exponent, 0.5};
    auto model = doubled * stag::sin(x) + stag::pow(x, params[0]) - params[1] * x;
    return model;
}

// Overwrites the stack where make_model's locals were.
double clobber_stack() {
    volatile double junk[512];
    for (int i = 0; i < 512; ++i) junk[i] = -1e300 * i;
    return junk[511];
}

auto make_gradient_function() {
    const double c = 2.0;
    const auto f = c * x * x;
    return stag::grad(f, x);  // holds a copy of f
}
}  // namespace

BOOST_AUTO_TEST_CASE(an_expression_outlives_what_it_was_built_from) {
    const auto model = make_model(1.25, 1.5);
    BOOST_TEST(clobber_stack() < 0.0);
    const double a = 2.0;
    STAG_CHECK_CLOSE(stag::eval(model, x = a), 2.5 * std::sin(a) + std::pow(a, 1.5) - 0.5 * a, 1e-15);
    STAG_CHECK_CLOSE(stag::grad(model, x)(x = a)[x], 2.5 * std::cos(a) + 1.5 * std::sqrt(a) - 0.5, 1e-15);
    BOOST_TEST(stag::to_string(model) == "2.5 * sin(x) + pow(x, 1.5) - 0.5 * x");

    // Models with different constants are different values of one type.
    std::vector<decltype(make_model(0, 0))> models;
    for (int i = 1; i <= 3; ++i) models.push_back(make_model(i, i));
    clobber_stack();
    for (int i = 1; i <= 3; ++i) {
        const auto& m = models[static_cast<std::size_t>(i - 1)];
        STAG_CHECK_CLOSE(stag::eval(m, x = a), 2.0 * i * std::sin(a) + std::pow(a, i) - 0.5 * a, 1e-15);
    }

    const auto gfn = make_gradient_function();
    clobber_stack();
    BOOST_TEST(gfn(x = 3.0)[x] == 12.0);

    // A copy holds its own constants: it stays valid after the original is gone.
    const auto copy = [&] {
        const auto original = make_model(1.25, 1.5);
        return original;
    }();
    clobber_stack();
    BOOST_TEST(stag::same(copy, model));
    BOOST_TEST(stag::eval(copy, x = a) == stag::eval(model, x = a));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(arity)

namespace {
/// A user's op of five arguments: a * b + c * d * e, with its partial derivatives and its name.
struct dot5_op {
    static constexpr stag::call notation{"dot5"};
    template <class A, class B, class C, class D, class E>
    static constexpr auto apply(const A& a, const B& b, const C& c, const D& d, const E& e) {
        return a * b + c * d * e;
    }
    template <std::size_t I, class A, class B, class C, class D, class E, class R>
    static constexpr auto partial(const A& a, const B& b, const C& c, const D& d, const E& e, const R&) {
        if constexpr (I == 0) return b;
        else if constexpr (I == 1) return a;
        else if constexpr (I == 2) return stag::mul(d, e);
        else if constexpr (I == 3) return stag::mul(c, e);
        else return stag::mul(c, d);
    }
};
template <class... Args>
constexpr auto dot5(const Args&... args) {
    return stag::make_node<dot5_op>(args...);
}
// The op contract as a concept: the library's ops and the user's meet it; an op with a value rule
// and no derivative does not.
static_assert(stag::meets_op_contract<dot5_op, 5>);
static_assert(stag::meets_op_contract<stag::tanh_op, 1> && stag::meets_op_contract<stag::div_op, 2> && stag::meets_op_contract<stag::select_op, 3>);
static_assert(stag::meets_op_contract<stag::less_op, 2> && stag::meets_op_contract<stag::matmul_op, 2>);
struct value_only_op {
    static constexpr stag::call notation{"value_only"};
    template <class A>
    static constexpr auto apply(const A& a) { return a; }
};
static_assert(!stag::meets_op_contract<value_only_op, 1>);
constexpr auto u = stag::var<"u">;
constexpr auto w = stag::var<"w">;
}  // namespace

BOOST_AUTO_TEST_CASE(an_op_of_five_arguments) {
    // Arguments shared between the op and the rest of the graph, and one repeated.
    const auto f = dot5(x, stag::sin(y), z, u, x * w) + 2.0 * x;
    using F = decltype(f);
    static_assert(stag::detail::is_op_node<decltype(dot5(x, y, z, u, w))>::arity == 5);
    static_assert(stag::graph::info<stag::graph::nodes_t<F>>::capacity == 5);
    const double a = 0.7, b = -0.4, c = 1.3, dv = 0.9, e = -1.1;
    auto ref = [&](long double xs, long double ys, long double zs, long double us, long double ws) {
        return xs * std::sin(ys) + zs * us * (xs * ws) + 2.0L * xs;
    };
    BOOST_TEST(stag::to_string(dot5(x, y, z, u, w)) == "dot5(x, y, z, u, w)");
    const double value = stag::eval(f, x = a, y = b, z = c, u = dv, w = e);
    STAG_CHECK_CLOSE(value, ref(a, b, c, dv, e), 1e-15);

    const auto g = stag::value_and_grad(f, x, y, z, u, w)(x = a, y = b, z = c, u = dv, w = e);
    BOOST_TEST(g.value == value);
    const long double fd[] = {
        stag_test::central_difference([&](long double s) { return ref(s, b, c, dv, e); }, a),
        stag_test::central_difference([&](long double s) { return ref(a, s, c, dv, e); }, b),
        stag_test::central_difference([&](long double s) { return ref(a, b, s, dv, e); }, c),
        stag_test::central_difference([&](long double s) { return ref(a, b, c, s, e); }, dv),
        stag_test::central_difference([&](long double s) { return ref(a, b, c, dv, s); }, e)};
    const double sweep[] = {g.grad[x], g.grad[y], g.grad[z], g.grad[u], g.grad[w]};
    const double symbolic[] = {stag::eval(stag::d(f, x), x = a, y = b, z = c, u = dv, w = e),
                               stag::eval(stag::d(f, y), x = a, y = b, z = c, u = dv, w = e),
                               stag::eval(stag::d(f, z), x = a, y = b, z = c, u = dv, w = e),
                               stag::eval(stag::d(f, u), x = a, y = b, z = c, u = dv, w = e),
                               stag::eval(stag::d(f, w), x = a, y = b, z = c, u = dv, w = e)};
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST_CONTEXT("argument " << i) {
            STAG_CHECK_CLOSE(sweep[i], fd[i], 1e-9);
            STAG_CHECK_CLOSE(symbolic[i], sweep[i], 1e-15);
        }
    }
    // Forward mode, the Jacobian and the trace go through the same rule.
    const auto fwd = stag::jvp(f, stag::primals(x = a, y = b, z = c, u = dv, w = e), stag::tangents(z = 1.0, w = 2.0));
    STAG_CHECK_CLOSE(fwd.tangent, sweep[2] + 2.0 * sweep[4], 1e-15);
    const auto J = stag::jacobian(stag::outputs(f, dot5(w, u, z, y, x)), x, w)(x = a, y = b, z = c, u = dv, w = e);
    BOOST_TEST(J[0][x] == sweep[0]);
    STAG_CHECK_CLOSE(J[1][w], dv, 1e-15);
    const auto t = stag::trace(f, x = a, y = b, z = c, u = dv, w = e);
    BOOST_TEST(t.back().value == value);

    // Elementwise over tensors, numbers broadcast: the tensor sweep takes it from the same rule.
    constexpr auto A = stag::var<"A", stag::tensor<double, 3>>;
    constexpr auto B = stag::var<"B", stag::tensor<double, 3>>;
    const stag::tensor<double, 3> av{0.5, -1.0, 2.0}, bv{1.5, 0.25, -0.75};
    const auto tg = stag::value_and_grad(stag::sum(dot5(A, B, y, u, A)), A, B, y)(A = av, B = bv, y = b, u = dv);
    double want_value = 0, want_y = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        want_value += av(i) * bv(i) + b * dv * av(i);
        want_y += dv * av(i);
        BOOST_TEST_CONTEXT("element " << i) {
            STAG_CHECK_CLOSE(tg.grad[A](i), bv(i) + b * dv, 1e-15);
            STAG_CHECK_CLOSE(tg.grad[B](i), av(i), 1e-15);
        }
    }
    STAG_CHECK_CLOSE(tg.value, want_value, 1e-15);
    STAG_CHECK_CLOSE(tg.grad[y], want_y, 1e-15);
}

BOOST_AUTO_TEST_SUITE_END()
