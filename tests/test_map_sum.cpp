// stag::map_sum: a per-row expression summed over a run-time number of rows. A mixture model's
// log-likelihood (points x components x dimensions) against the same sum in plain C++ and its
// gradient against central differences, at two lengths in one binary and at 0 and 1; rows bound
// as tensors and as a flat n x d array; numbers hoisted out of the rows; and the run-time errors
// for lengths that disagree.
#define BOOST_TEST_MODULE map_sum
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include "counting_op.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr std::size_t K = 3, D = 2;  // components, dimensions
using point = stag::tensor<double, D>;
using by_component = stag::tensor<double, K, D>;

constexpr auto x = stag::var<"x", point>;
constexpr auto alpha = stag::var<"alpha", stag::tensor<double, K>>;   // log weights, unnormalised
constexpr auto mu = stag::var<"mu", by_component>;                     // means
constexpr auto logq = stag::var<"logq", by_component>;                 // log precisions (diagonal)

// A point's log-likelihood under a mixture of K Gaussians with diagonal covariances, up to the
// constant -D/2 log(2 pi):
//     log sum_k w_k prod_j q_kj exp(-(q_kj (x_j - mu_kj))^2 / 2),   w = softmax(alpha), q = exp(logq).
// (The model as docs/tensors.md shows it.)
const auto loglik = [] {
    const auto z = alpha + stag::sum<1>(logq) - 0.5 * stag::sum<1>(stag::square(stag::exp(logq) * (stag::broadcast_to<K, D>(x) - mu)));
    const auto loglik = stag::map_sum(stag::logsumexp(z) - stag::logsumexp(alpha), x);
    return loglik;
}();
const auto per_point = loglik.f;  // one row's term

struct parameters {
    stag::tensor<double, K> a{0.3, -0.2, 0.1};
    by_component m{0.5, -1.0, -0.7, 0.2, 1.1, 0.9};
    by_component lq{0.1, -0.3, 0.4, 0.0, -0.2, 0.25};
};

/// The same log-likelihood in plain C++.
double by_hand(const std::vector<point>& xs, const parameters& p) {
    double lse_alpha = 0;
    for (std::size_t k = 0; k < K; ++k) lse_alpha += std::exp(p.a(k));
    lse_alpha = std::log(lse_alpha);
    double total = 0;
    for (const auto& pt : xs) {
        double z[K], top = -1e300;
        for (std::size_t k = 0; k < K; ++k) {
            z[k] = p.a(k);
            for (std::size_t j = 0; j < D; ++j) {
                const double r = std::exp(p.lq(k, j)) * (pt(j) - p.m(k, j));
                z[k] += p.lq(k, j) - 0.5 * r * r;
            }
            top = std::max(top, z[k]);
        }
        double s = 0;
        for (double zk : z) s += std::exp(zk - top);
        total += top + std::log(s) - lse_alpha;
    }
    return total;
}

std::vector<point> points(std::size_t n) {
    std::vector<point> xs(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = point{std::sin(1.7 * double(i) + 0.3), 1.5 * std::cos(0.9 * double(i))};
    return xs;
}

/// Central differences of by_hand with respect to every element of one parameter, against g.
template <class T, class G>
void check_against_differences(const std::vector<point>& xs, parameters p, T parameters::*which, const G& g) {
    const double h = 1e-6;
    for (std::size_t i = 0; i < T::size(); ++i) {
        double& e = (p.*which).data()[i];
        const double keep = e;
        e = keep + h;
        const double up = by_hand(xs, p);
        e = keep - h;
        const double down = by_hand(xs, p);
        e = keep;
        BOOST_TEST(g.data()[i] == (up - down) / (2 * h), boost::test_tools::tolerance(1e-6));
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(mixture_log_likelihood_at_two_lengths) {
    const parameters p;
    const auto vg = stag::value_and_grad(loglik, alpha, mu, logq);
    for (const std::size_t n : {7u, 40u}) {  // one instantiation serves both
        const auto xs = points(n);
        const auto r = vg(stag::each(x, xs), alpha = p.a, mu = p.m, logq = p.lq);
        BOOST_TEST(r.value == by_hand(xs, p), boost::test_tools::tolerance(1e-12));
        BOOST_TEST(stag::eval(loglik, stag::each(x, xs), alpha = p.a, mu = p.m, logq = p.lq) == r.value,
                   boost::test_tools::tolerance(1e-14));
        check_against_differences(xs, p, &parameters::a, r.grad[alpha]);
        check_against_differences(xs, p, &parameters::m, r.grad[mu]);
        check_against_differences(xs, p, &parameters::lq, r.grad[logq]);
        // grad alone is the same gradient.
        const auto g = stag::grad(loglik, mu)(stag::each(x, xs), alpha = p.a, mu = p.m, logq = p.lq);
        for (std::size_t i = 0; i < by_component::size(); ++i) BOOST_TEST(g[mu].data()[i] == r.grad[mu].data()[i]);
    }
}

BOOST_AUTO_TEST_CASE(no_rows_and_one_row) {
    const parameters p;
    const std::vector<point> none;
    const auto r0 = stag::value_and_grad(loglik, alpha, mu)(stag::each(x, none), alpha = p.a, mu = p.m, logq = p.lq);
    BOOST_TEST(r0.value == 0.0);
    for (double e : r0.grad[alpha]) BOOST_TEST(e == 0.0);
    for (double e : r0.grad[mu]) BOOST_TEST(e == 0.0);
    const auto one = points(1);
    const auto r1 = stag::value_and_grad(loglik, alpha, mu)(stag::each(x, one), alpha = p.a, mu = p.m, logq = p.lq);
    const auto single = stag::value_and_grad(per_point, alpha, mu)(x = one[0], alpha = p.a, mu = p.m, logq = p.lq);
    BOOST_TEST(r1.value == single.value);
    for (std::size_t i = 0; i < by_component::size(); ++i) BOOST_TEST(r1.grad[mu].data()[i] == single.grad[mu].data()[i]);
}

BOOST_AUTO_TEST_CASE(rows_as_a_flat_array) {
    // An n x D matrix kept row-major, as a file is read: the same sums as rows of tensors.
    const parameters p;
    const auto xs = points(13);
    std::vector<double> flat;
    for (const auto& pt : xs) flat.insert(flat.end(), pt.begin(), pt.end());
    const auto vg = stag::value_and_grad(loglik, alpha, mu, logq);
    const auto a = vg(stag::each(x, xs), alpha = p.a, mu = p.m, logq = p.lq);
    const auto b = vg(stag::each(x, flat), alpha = p.a, mu = p.m, logq = p.lq);
    BOOST_TEST(a.value == b.value);
    for (std::size_t i = 0; i < by_component::size(); ++i) BOOST_TEST(a.grad[logq].data()[i] == b.grad[logq].data()[i]);
    // Elements that are not whole rows: a clear error.
    flat.pop_back();
    try {
        (void)vg(stag::each(x, flat), alpha = p.a, mu = p.m, logq = p.lq);
        BOOST_FAIL("no error for 25 numbers in rows of 2");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: map_sum: the values of x (25 numbers) are not whole rows of 2");
    }
}

BOOST_AUTO_TEST_CASE(several_per_row_variables_and_their_lengths) {
    // A weighted least-squares sum: each row is an observation t with its weight w.
    constexpr auto t = stag::var<"t">;
    constexpr auto w = stag::var<"w">;
    constexpr auto a = stag::var<"a">;
    constexpr auto b = stag::var<"b">;
    const auto fit = stag::map_sum(w * stag::square(a * t + b - stag::sin(t)), t, w);
    const std::vector<double> ts{0.1, 0.5, 0.9, 1.4}, ws{1.0, 2.0, 0.5, 1.5};
    const auto r = stag::value_and_grad(fit, a, b)(stag::each(t, ts), stag::each(w, ws), a = 0.8, b = 0.1);
    double value = 0, da = 0, db = 0;
    for (std::size_t i = 0; i < ts.size(); ++i) {
        const double res = 0.8 * ts[i] + 0.1 - std::sin(ts[i]);
        value += ws[i] * res * res;
        da += 2 * ws[i] * res * ts[i];
        db += 2 * ws[i] * res;
    }
    BOOST_TEST(r.value == value, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[a] == da, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[b] == db, boost::test_tools::tolerance(1e-14));
    // Lengths that disagree: the one run-time error, naming both variables and both lengths.
    const std::vector<double> short_ws{1.0, 2.0, 0.5};
    try {
        (void)stag::value_and_grad(fit, a, b)(stag::each(t, ts), stag::each(w, short_ws), a = 0.8, b = 0.1);
        BOOST_FAIL("no error for 4 observations and 3 weights");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: map_sum: t has 4 values along the run-time axis but w has 3");
    }
}

BOOST_AUTO_TEST_CASE(numbers_hoisted_out_of_the_rows) {
    // exp(a) and sin(b) * b depend on no row: computed once, their adjoints taken back once.
    constexpr auto t = stag::var<"t">;
    constexpr auto a = stag::var<"a">;
    constexpr auto b = stag::var<"b">;
    const auto m = stag::map_sum(stag::exp(a) * t + stag::sin(b) * b * stag::square(t), t);
    const std::vector<double> ts{0.3, -1.2, 2.0};
    const auto r = stag::value_and_grad(m, a, b)(stag::each(t, ts), a = 0.4, b = 1.1);
    double value = 0, da = 0, db = 0;
    for (double tv : ts) {
        value += std::exp(0.4) * tv + std::sin(1.1) * 1.1 * tv * tv;
        da += std::exp(0.4) * tv;
        db += (std::cos(1.1) * 1.1 + std::sin(1.1)) * tv * tv;
    }
    BOOST_TEST(r.value == value, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[a] == da, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[b] == db, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(stag::eval(m, stag::each(t, ts), a = 0.4, b = 1.1) == value, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(a_large_shared_value_hoisted_to_the_heap) {
    // tanh(M) of a 150 x 150 M (176 KiB, above the stack threshold) depends on no row: computed
    // once per call into a heap allocation of its own, its adjoint there too. Against the same sum
    // written out for the two rows.
    using Big = stag::tensor<double, 150, 150>;
    using row = stag::tensor<double, 150>;
    static_assert(!stag::detail::held<Big>::in_place);
    constexpr auto M = stag::var<"M", Big>;
    constexpr auto r = stag::var<"r", row>;
    constexpr auto r1 = stag::var<"r1", row>;
    constexpr auto r2 = stag::var<"r2", row>;
    const auto term = [&](auto v) { return stag::sum(stag::square(stag::matmul(stag::tanh(M), v))); };
    auto m = std::make_unique<Big>();
    for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] = std::sin(0.37 * double(i));
    std::vector<row> rows(2);
    for (std::size_t i = 0; i < 150; ++i) {
        rows[0](i) = std::cos(0.1 * double(i));
        rows[1](i) = 0.01 * double(i % 7);
    }
    const auto got = stag::value_and_grad(stag::map_sum(term(r), r), M)(stag::each(r, rows), M = *m);
    const auto want = stag::value_and_grad(term(r1) + term(r2), M)(r1 = rows[0], r2 = rows[1], M = *m);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < m->size(); i += 97) BOOST_TEST(got.grad[M].data()[i] == want.grad[M].data()[i], boost::test_tools::tolerance(1e-12));
    BOOST_TEST(stag::eval(stag::map_sum(term(r), r), stag::each(r, rows), M = *m) == want.value, boost::test_tools::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(gradients_into_the_callers_storage) {
    // into writes the gradient into the caller's arrays (overwriting what they held) and returns
    // the value; accumulate_into adds, so two calls over two halves of the points give the
    // gradient over all of them (with the hoisted terms' adjoints taken back each time).
    const parameters p;
    const auto xs = points(10);
    const auto want = stag::value_and_grad(loglik, alpha, mu, logq)(stag::each(x, xs), alpha = p.a, mu = p.m, logq = p.lq);
    std::array<double, K> ga;
    ga.fill(7.0);
    by_component gm{}, gq{};
    gm(0, 0) = 7.0;
    const double v = stag::value_and_grad(loglik, alpha, mu, logq).into(ga, gm, gq)(stag::each(x, xs), alpha = p.a, mu = p.m, logq = p.lq);
    BOOST_TEST(v == want.value, boost::test_tools::tolerance(1e-14));
    for (std::size_t i = 0; i < K; ++i) BOOST_TEST(ga[i] == want.grad[alpha](i), boost::test_tools::tolerance(1e-14));
    for (std::size_t i = 0; i < by_component::size(); ++i) {
        BOOST_TEST(gm.data()[i] == want.grad[mu].data()[i], boost::test_tools::tolerance(1e-14));
        BOOST_TEST(gq.data()[i] == want.grad[logq].data()[i], boost::test_tools::tolerance(1e-14));
    }
    by_component sum_m{};
    const auto add = stag::grad(loglik, mu).accumulate_into(sum_m);
    const std::span<const point> all(xs);
    add(stag::each(x, all.first(4)), alpha = p.a, mu = p.m, logq = p.lq);
    add(stag::each(x, all.last(6)), alpha = p.a, mu = p.m, logq = p.lq);
    for (std::size_t i = 0; i < by_component::size(); ++i) BOOST_TEST(sum_m.data()[i] == want.grad[mu].data()[i], boost::test_tools::tolerance(1e-12));
    // A destination that is a bound value: a run-time error, nothing written.
    auto m_copy = p.m;
    BOOST_CHECK_THROW(stag::grad(loglik, mu).into(m_copy)(stag::each(x, xs), alpha = p.a, mu = m_copy, logq = p.lq), std::invalid_argument);
    for (std::size_t i = 0; i < by_component::size(); ++i) BOOST_TEST(m_copy.data()[i] == p.m.data()[i]);
}

// A value that depends on no row is computed once per call, not once per row, in place (4 x 4) or
// on the heap (150 x 150): counted(tanh(M)) counts its forward loops. Once for eval; for the
// gradient once for the rows and once where its adjoint is taken back to M.
BOOST_AUTO_TEST_CASE(a_shared_value_is_computed_once_per_call) {
    auto check = [&]<std::size_t N>(std::integral_constant<std::size_t, N>) {
        using Matrix = stag::tensor<double, N, N>;
        using row = stag::tensor<double, N>;
        constexpr auto M = stag::var<"M", Matrix>;
        constexpr auto r = stag::var<"r", row>;
        const auto term = stag::sum(stag::square(stag::matmul(stag_test::counted(stag::tanh(M)), r)));
        auto m = std::make_unique<Matrix>();
        for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] = std::sin(0.37 * double(i));
        std::vector<row> rows(9);
        for (std::size_t k = 0; k < rows.size(); ++k)
            for (std::size_t i = 0; i < N; ++i) rows[k](i) = std::cos(0.1 * double(i * k));
        stag_test::counted_evaluations = 0;
        const double value = stag::eval(stag::map_sum(term, r), stag::each(r, rows), M = *m);
        BOOST_TEST(stag_test::counted_evaluations == 1u);
        stag_test::counted_evaluations = 0;
        const auto got = stag::value_and_grad(stag::map_sum(term, r), M)(stag::each(r, rows), M = *m);
        BOOST_TEST(stag_test::counted_evaluations == 2u);
        BOOST_TEST(got.value == value, boost::test_tools::tolerance(1e-14));
    };
    check(std::integral_constant<std::size_t, 4>{});
    check(std::integral_constant<std::size_t, 150>{});
}
