// stag::nn's recurrent cells: the LSTM and GRU cells against the equations written out by hand in
// plain C++, their gradients against central differences, and an LSTM over a sequence as a scan
// on the packed state (h, c), against the same steps unrolled.
#define BOOST_TEST_MODULE nn_cells
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include "tensor_values.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace {
template <std::size_t... D>
using T = stag::tensor<double, D...>;
using stag_test::fill;

constexpr std::size_t H = 3, I = 2;
constexpr auto x = stag::var<"x", T<I>>;
constexpr auto h = stag::var<"h", T<H>>;
constexpr auto c = stag::var<"c", T<H>>;
constexpr auto W = stag::var<"W", T<4 * H, I>>;
constexpr auto U = stag::var<"U", T<4 * H, H>>;
constexpr auto b = stag::var<"b", T<4 * H>>;

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

struct lstm_values {
    T<I> xv{0.4, -0.9};
    T<H> hv{0.1, -0.3, 0.2}, cv{0.5, 0.05, -0.4};
    T<4 * H, I> w;
    T<4 * H, H> u;
    T<4 * H> bv;
    lstm_values() {
        fill(w, 0.1);
        fill(u, 0.2);
        fill(bv, 0.3);
    }
};
}  // namespace

BOOST_AUTO_TEST_CASE(lstm_cell_follows_its_equations) {
    const lstm_values p;
    const auto [next_h, next_c] = stag::nn::lstm_cell(x, h, c, W, U, b);
    const T<H> hs = stag::eval(next_h, x = p.xv, h = p.hv, c = p.cv, W = p.w, U = p.u, b = p.bv);
    const T<H> cs = stag::eval(next_c, x = p.xv, h = p.hv, c = p.cv, W = p.w, U = p.u, b = p.bv);
    double z[4 * H];
    for (std::size_t r = 0; r < 4 * H; ++r) {
        z[r] = p.bv(r);
        for (std::size_t k = 0; k < I; ++k) z[r] += p.w(r, k) * p.xv(k);
        for (std::size_t k = 0; k < H; ++k) z[r] += p.u(r, k) * p.hv(k);
    }
    for (std::size_t j = 0; j < H; ++j) {
        const double in = sigmoid(z[j]), forget = sigmoid(z[H + j]), cell = std::tanh(z[2 * H + j]), out = sigmoid(z[3 * H + j]);
        const double cj = forget * p.cv(j) + in * cell;
        BOOST_TEST(cs(j) == cj, boost::test_tools::tolerance(1e-14));
        BOOST_TEST(hs(j) == out * std::tanh(cj), boost::test_tools::tolerance(1e-14));
    }
    // Its derivatives, with respect to everything, against central differences.
    const auto report = stag::check_grad(stag::sum(next_h * next_c) + stag::sum(next_h), x = p.xv, h = p.hv, c = p.cv, W = p.w, U = p.u, b = p.bv);
    BOOST_TEST(report.passed(1e-7), report);
}

BOOST_AUTO_TEST_CASE(gru_cell_follows_its_equations) {
    constexpr auto Wg = stag::var<"Wg", T<3 * H, I>>;
    constexpr auto Ug = stag::var<"Ug", T<3 * H, H>>;
    constexpr auto bi = stag::var<"bi", T<3 * H>>;
    constexpr auto bh = stag::var<"bh", T<3 * H>>;
    const T<I> xv{0.4, -0.9};
    const T<H> hv{0.1, -0.3, 0.2};
    T<3 * H, I> w;
    T<3 * H, H> u;
    T<3 * H> vi, vh;
    fill(w, 0.4);
    fill(u, 0.5);
    fill(vi, 0.6);
    fill(vh, 0.7);
    const auto next = stag::nn::gru_cell(x, h, Wg, Ug, bi, bh);
    const T<H> hs = stag::eval(next, x = xv, h = hv, Wg = w, Ug = u, bi = vi, bh = vh);
    double a[3 * H], e[3 * H];
    for (std::size_t r = 0; r < 3 * H; ++r) {
        a[r] = vi(r);
        e[r] = vh(r);
        for (std::size_t k = 0; k < I; ++k) a[r] += w(r, k) * xv(k);
        for (std::size_t k = 0; k < H; ++k) e[r] += u(r, k) * hv(k);
    }
    for (std::size_t j = 0; j < H; ++j) {
        const double reset = sigmoid(a[j] + e[j]), update = sigmoid(a[H + j] + e[H + j]);
        const double candidate = std::tanh(a[2 * H + j] + reset * e[2 * H + j]);
        BOOST_TEST(hs(j) == (1 - update) * candidate + update * hv(j), boost::test_tools::tolerance(1e-14));
    }
    const auto report = stag::check_grad(stag::sum(stag::square(next)), x = xv, h = hv, Wg = w, Ug = u, bi = vi, bh = vh);
    BOOST_TEST(report.passed(1e-7), report);
}

// An LSTM over a sequence: stag::scan carries the packed state s = (h, c); each step's loss reads h.
BOOST_AUTO_TEST_CASE(lstm_over_a_sequence_as_a_scan) {
    const lstm_values p;
    constexpr auto s = stag::var<"s", T<2 * H>>;
    constexpr auto y = stag::var<"y">;
    constexpr auto V = stag::var<"V", T<H>>;
    const auto next = stag::nn::lstm_step(x, s, W, U, b);
    const auto loop = stag::scan(next, stag::square(stag::dot(V, stag::slice<0, 0, H>(next)) - y), s, x, y);
    const std::vector<T<I>> xs{{0.1, -0.3}, {0.7, 0.2}, {-0.4, 0.5}};
    const std::vector<double> ys{0.2, 0.1, -0.4};
    const T<2 * H> s0 = stag::eval(stag::concat<0>(h, c), h = p.hv, c = p.cv);
    const T<H> v{0.8, -0.4, 0.6};
    const auto r = stag::value_and_grad(loop, W, U, b, V, s)(s = s0, stag::steps(x, xs), stag::steps(y, ys), W = p.w, U = p.u, b = p.bv, V = v);
    // The three steps written out.
    constexpr auto x1 = stag::var<"x1", T<I>>;
    constexpr auto x2 = stag::var<"x2", T<I>>;
    constexpr auto x3 = stag::var<"x3", T<I>>;
    const auto s1 = stag::nn::lstm_step(x1, s, W, U, b);
    const auto s2 = stag::nn::lstm_step(x2, s1, W, U, b);
    const auto s3 = stag::nn::lstm_step(x3, s2, W, U, b);
    const auto unrolled = stag::square(stag::dot(V, stag::slice<0, 0, H>(s1)) - 0.2) + stag::square(stag::dot(V, stag::slice<0, 0, H>(s2)) - 0.1) +
                          stag::square(stag::dot(V, stag::slice<0, 0, H>(s3)) + 0.4);
    const auto g = stag::value_and_grad(unrolled, W, U, b, V, s)(s = s0, x1 = xs[0], x2 = xs[1], x3 = xs[2], W = p.w, U = p.u, b = p.bv, V = v);
    BOOST_TEST(r.value == g.value, boost::test_tools::tolerance(1e-14));
    for (std::size_t e = 0; e < 4 * H * I; ++e) BOOST_TEST(r.grad[W].data()[e] == g.grad[W].data()[e], boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 4 * H * H; ++e) BOOST_TEST(r.grad[U].data()[e] == g.grad[U].data()[e], boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 4 * H; ++e) BOOST_TEST(r.grad[b](e) == g.grad[b](e), boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 2 * H; ++e) BOOST_TEST(r.grad[s](e) == g.grad[s](e), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(r.grad[V](1) == g.grad[V](1), boost::test_tools::tolerance(1e-12));
    const auto report = stag::check_grad(unrolled, s = s0, x1 = xs[0], x2 = xs[1], x3 = xs[2], W = p.w, U = p.u, b = p.bv, V = v);
    BOOST_TEST(report.passed(1e-7), report);
}
