// stag::vmap: a scalar model over many samples, against one call per sample; block edges, sums
// in their documented order, results independent of the thread count, float, and the errors.
#define BOOST_TEST_MODULE vmap
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr auto s = stag::var<"s">;
constexpr auto v = stag::var<"v">;
constexpr auto k = stag::var<"k">;
// Every op with a vectorisable form, and some without one (sqrt, erf, sin).
constexpr auto f = stag::log(s) * v + stag::tanh(v - s) / (1.0 + s * s) + stag::exp(-k * s) + stag::sigmoid(v * k) +
                   stag::softplus(s - v) + stag::sqrt(s) * stag::erf(v) + stag::sin(k * v) + stag::relu(v) * s;

struct samples {
    std::vector<double> s, v;
    explicit samples(std::size_t n) : s(n), v(n) {
        for (std::size_t i = 0; i < n; ++i) s[i] = 0.3 + std::fabs(std::sin(0.37 * double(i))), v[i] = std::cos(0.11 * double(i));
    }
};

/// |a - b| relative to max(1, |b|).
double error(double a, double b) { return std::fabs(a - b) / std::max(1.0, std::fabs(b)); }

}  // namespace

// Values and both kinds of gradient destination against one value_and_grad call per sample, at
// lengths around the block size (256).
BOOST_AUTO_TEST_CASE(agrees_with_one_call_per_sample) {
    for (std::size_t n : {std::size_t{1}, std::size_t{5}, std::size_t{255}, std::size_t{256}, std::size_t{257}, std::size_t{1000}}) {
        const samples d(n);
        std::vector<double> value(n), ds(n);
        double dk = 0;
        stag::vmap(stag::value_and_grad(f, s, k)).into(value, ds, dk)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
        double worst = 0, dk_sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto r = stag::value_and_grad(f, s, k)(s = d.s[i], v = d.v[i], k = 0.7);
            worst = std::max({worst, error(value[i], r.value), error(ds[i], r.grad[s])});
            dk_sum += r.grad[k];
        }
        // The vectorisable forms differ from the standard library's in the last bits.
        BOOST_TEST(worst <= 1e-14, "n = " << n);
        BOOST_TEST(error(dk, dk_sum) <= 1e-13, "n = " << n);
    }
}

// A number destination gets the per-sample results added in sample order within each block of
// vmap_block samples, then block by block: exactly.
BOOST_AUTO_TEST_CASE(sums_in_their_documented_order) {
    const std::size_t n = 1000;
    const samples d(n);
    std::vector<double> dk_each(n);
    double dk = 0;
    stag::vmap(stag::grad(f, k)).into(dk)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
    stag::vmap(stag::grad(f, k)).into(dk_each)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
    double want = 0;
    for (std::size_t first = 0; first < n; first += stag::vmap_block) {
        double block = dk_each[first];
        for (std::size_t i = first + 1; i < std::min(n, first + stag::vmap_block); ++i) block += dk_each[i];
        want += block;
    }
    BOOST_TEST(dk == want);
}

// One thread or several: the same bits, whatever the count (blocks are fixed, sums keep their order).
BOOST_AUTO_TEST_CASE(results_do_not_depend_on_the_thread_count) {
    const std::size_t n = 3000;
    const samples d(n);
    std::vector<double> value(n), ds(n);
    double dk = 0;
    stag::vmap(stag::value_and_grad(f, s, k)).into(value, ds, dk)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
    for (unsigned threads : {1u, 2u, 3u, 7u, 64u, 0u}) {
        std::vector<double> value2(n), ds2(n);
        double dk2 = 0;
        stag::vmap(stag::parallel{threads}, stag::value_and_grad(f, s, k)).into(value2, ds2, dk2)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
        BOOST_TEST((value2 == value), "threads = " << threads);
        BOOST_TEST((ds2 == ds), "threads = " << threads);
        BOOST_TEST(dk2 == dk, "threads = " << threads);
    }
}

// An expression alone (values only), into a span over part of a vector; no samples at all; float.
BOOST_AUTO_TEST_CASE(values_spans_empty_and_float) {
    const samples d(300);
    std::vector<double> big(310, -1.0);
    stag::vmap(s * v + 1.0).into(std::span<double>(big.data() + 5, 300))(stag::each(s, d.s), stag::each(v, d.v));
    BOOST_TEST(big[4] == -1.0);
    BOOST_TEST(big[305] == -1.0);
    for (std::size_t i = 0; i < 300; ++i) BOOST_TEST(big[5 + i] == d.s[i] * d.v[i] + 1.0);

    std::vector<double> none;
    double sum = 42;
    stag::vmap(stag::value_and_grad(f, s)).into(none, sum)(stag::each(s, none), v = 1.0, k = 2.0);
    BOOST_TEST(sum == 0.0);

    std::vector<float> xs{0.5f, 1.5f, 2.5f}, ys(3), dys(3);
    constexpr auto x = stag::var<"x">;
    stag::vmap(stag::value_and_grad(stag::tanh(x) * x, x)).into(ys, dys)(stag::each(x, xs));
    for (std::size_t i = 0; i < 3; ++i) {
        const float t = std::tanh(xs[i]);
        BOOST_TEST(ys[i] == t * xs[i], boost::test_tools::tolerance(1e-6f));
        BOOST_TEST(dys[i] == t + xs[i] * (1 - t * t), boost::test_tools::tolerance(1e-6f));
    }
}

// Mismatched lengths: std::invalid_argument naming what disagrees, before anything is written.
BOOST_AUTO_TEST_CASE(mismatched_lengths_are_errors) {
    const samples d(10), e(9);
    std::vector<double> value(10, -1.0), ds(9);
    double dk = 0;
    const auto run = stag::vmap(stag::value_and_grad(f, s, k));
    try {
        run.into(value, ds, dk)(stag::each(s, d.s), stag::each(v, e.v), k = 1.0);
        BOOST_FAIL("no exception");
    } catch (const std::invalid_argument& x) {
        BOOST_TEST(std::string(x.what()) == "stag: vmap: each(s, ...) has 10 samples but each(v, ...) has 9");
    }
    try {
        run.into(value, ds, dk)(stag::each(s, d.s), stag::each(v, d.v), k = 1.0);
        BOOST_FAIL("no exception");
    } catch (const std::invalid_argument& x) {
        BOOST_TEST(std::string(x.what()) == "stag: vmap: destination 2 of into(...) (d/ds) holds 9 elements, for 10 samples");
    }
    for (double x : value) BOOST_TEST(x == -1.0);
}

// Several models in one vmap: their outputs in order, each the same as its own vmap's; errors name
// the model.
BOOST_AUTO_TEST_CASE(several_models_at_once) {
    const std::size_t n = 600;
    const samples d(n);
    const auto g = stag::d(f, s);
    std::vector<double> value(n), ds(n), dds(n), value1(n), ds1(n), dds1(n);
    double dk = 0, dk1 = 0;
    stag::vmap(stag::value_and_grad(f, s, k), stag::grad(g, s))
        .into(value, ds, dk, dds)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
    stag::vmap(stag::value_and_grad(f, s, k)).into(value1, ds1, dk1)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
    stag::vmap(stag::grad(g, s)).into(dds1)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
    // One loop may let the compiler contract a product and a sum differently: equal to rounding.
    for (std::size_t i = 0; i < n; ++i) {
        BOOST_TEST(error(value[i], value1[i]) <= 1e-15);
        BOOST_TEST(error(ds[i], ds1[i]) <= 1e-15);
        BOOST_TEST(error(dds[i], dds1[i]) <= 1e-15);
    }
    BOOST_TEST(error(dk, dk1) <= 1e-13);
    // The second derivative against central differences of the first.
    const double h = 1e-5, s0 = d.s[3], v0 = d.v[3];
    const double fd = (stag::eval(g, s = s0 + h, v = v0, k = 0.7) - stag::eval(g, s = s0 - h, v = v0, k = 0.7)) / (2 * h);
    BOOST_TEST(error(dds[3], fd) <= 1e-6);

    std::vector<double> short_(n - 1);
    try {
        stag::vmap(stag::value_and_grad(f, s, k), stag::grad(g, s))
            .into(value, ds, dk, short_)(stag::each(s, d.s), stag::each(v, d.v), k = 0.7);
        BOOST_FAIL("no exception");
    } catch (const std::invalid_argument& x) {
        BOOST_TEST(std::string(x.what()) == "stag: vmap: destination 4 of into(...) (d/ds, of model 2) holds 599 elements, for 600 samples");
    }
}
