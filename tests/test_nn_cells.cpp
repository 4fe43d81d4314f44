// stag::nn's recurrent cells: the LSTM and GRU cells against the equations written out by hand in
// plain C++, their gradients against central differences, an LSTM over a sequence as a scan on
// the packed state (h, c) against the same steps unrolled, the same LSTM carrying h and c as two
// states (stag::carry) against it and over 200 steps against central differences, a number and a
// tensor carried together, two LSTM layers stacked in one scan, and both cells over a batch of
// samples (a sample per row), in a scan too.
#define BOOST_TEST_MODULE nn_cells
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include "tensor_values.hpp"

#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>
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

/// A GRU's weights and biases, and their values.
constexpr auto Wg = stag::var<"Wg", T<3 * H, I>>;
constexpr auto Ug = stag::var<"Ug", T<3 * H, H>>;
constexpr auto bi = stag::var<"bi", T<3 * H>>;
constexpr auto bh = stag::var<"bh", T<3 * H>>;
struct gru_values {
    T<3 * H, I> w;
    T<3 * H, H> u;
    T<3 * H> vi, vh;
    gru_values() {
        fill(w, 0.4);
        fill(u, 0.5);
        fill(vi, 0.6);
        fill(vh, 0.7);
    }
};

/// Row i of a matrix, as a vector.
template <std::size_t R, std::size_t C>
T<C> row_of(const T<R, C>& m, std::size_t i) {
    T<C> r{};
    for (std::size_t e = 0; e < C; ++e) r(e) = m(i, e);
    return r;
}

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
    const T<I> xv{0.4, -0.9};
    const T<H> hv{0.1, -0.3, 0.2};
    const gru_values g;
    const auto& [w, u, vi, vh] = g;
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

// A batch of samples steps at once (a sample per row, the weights shared): each row as the cell
// on that sample alone, the gradient the sum of the samples' gradients; the GRU the same.
BOOST_AUTO_TEST_CASE(cells_over_a_batch_of_samples) {
    constexpr std::size_t Bn = 2;
    constexpr auto xb = stag::var<"xb", T<Bn, I>>;
    constexpr auto hb = stag::var<"hb", T<Bn, H>>;
    constexpr auto cb = stag::var<"cb", T<Bn, H>>;
    const lstm_values p;
    T<Bn, I> xv;
    T<Bn, H> hv, cv;
    fill(xv, 0.7);
    fill(hv, 1.1);
    fill(cv, 1.9);
    const auto next = stag::nn::lstm_cell(xb, hb, cb, W, U, b);
    const auto loss = stag::sum(next.h * next.c) + stag::sum(stag::square(next.h));
    const auto batched = stag::value_and_grad(loss, W, U, b, hb)(xb = xv, hb = hv, cb = cv, W = p.w, U = p.u, b = p.bv);
    const auto single = stag::nn::lstm_cell(x, h, c, W, U, b);
    const auto one = stag::sum(single.h * single.c) + stag::sum(stag::square(single.h));
    double value = 0;
    T<4 * H, I> gw{};
    T<4 * H> gb{};
    for (std::size_t i = 0; i < Bn; ++i) {
        const auto r = stag::value_and_grad(one, W, b, h)(x = row_of(xv, i), h = row_of(hv, i), c = row_of(cv, i), W = p.w, U = p.u, b = p.bv);
        value += r.value;
        for (std::size_t e = 0; e < gw.size(); ++e) gw.data()[e] += r.grad[W].data()[e];
        for (std::size_t e = 0; e < gb.size(); ++e) gb.data()[e] += r.grad[b].data()[e];
        for (std::size_t e = 0; e < H; ++e) BOOST_TEST(batched.grad[hb](i, e) == r.grad[h](e), boost::test_tools::tolerance(1e-13));
    }
    BOOST_TEST(batched.value == value, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < gw.size(); ++e) BOOST_TEST(batched.grad[W].data()[e] == gw.data()[e], boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < gb.size(); ++e) BOOST_TEST(batched.grad[b].data()[e] == gb.data()[e], boost::test_tools::tolerance(1e-13));

    const gru_values g;
    const auto& [w, u, vi, vh] = g;
    const T<Bn, H> gru = stag::eval(stag::nn::gru_cell(xb, hb, Wg, Ug, bi, bh), xb = xv, hb = hv, Wg = w, Ug = u, bi = vi, bh = vh);
    for (std::size_t i = 0; i < Bn; ++i) {
        const T<H> want = stag::eval(stag::nn::gru_cell(x, h, Wg, Ug, bi, bh), x = row_of(xv, i), h = row_of(hv, i), Wg = w, Ug = u, bi = vi, bh = vh);
        for (std::size_t e = 0; e < H; ++e) BOOST_TEST(gru(i, e) == want(e), boost::test_tools::tolerance(1e-14));
    }
    const auto report = stag::check_grad(stag::sum(stag::square(stag::nn::gru_cell(xb, hb, Wg, Ug, bi, bh))), xb = xv, hb = hv, Wg = w, Ug = u, bi = vi, bh = vh);
    BOOST_TEST(report.passed(1e-7), report);

    // A batch of sequences in one scan: the packed state B x 2H, each step's input B x I.
    constexpr auto sb = stag::var<"sb", T<Bn, 2 * H>>;
    constexpr auto s = stag::var<"s", T<2 * H>>;
    const auto step_b = stag::nn::lstm_step(xb, sb, W, U, b);
    const auto loop_b = stag::scan(step_b, stag::sum(stag::square(stag::slice<1, 0, H>(step_b))), sb, xb);
    const auto step = stag::nn::lstm_step(x, s, W, U, b);
    const auto loop = stag::scan(step, stag::sum(stag::square(stag::slice<0, 0, H>(step))), s, x);
    std::vector<T<Bn, I>> xs(5);
    for (std::size_t t = 0; t < xs.size(); ++t) fill(xs[t], 0.3 * double(t));
    const T<Bn, 2 * H> s0{};
    const auto rb = stag::value_and_grad(loop_b, W, U, b)(sb = s0, stag::steps(xb, xs), W = p.w, U = p.u, b = p.bv);
    double total = 0;
    T<4 * H, H> gu{};
    for (std::size_t i = 0; i < Bn; ++i) {
        std::vector<T<I>> sample(xs.size());
        for (std::size_t t = 0; t < xs.size(); ++t) sample[t] = row_of(xs[t], i);
        const auto r = stag::value_and_grad(loop, U)(s = T<2 * H>{}, stag::steps(x, sample), W = p.w, U = p.u, b = p.bv);
        total += r.value;
        for (std::size_t e = 0; e < gu.size(); ++e) gu.data()[e] += r.grad[U].data()[e];
    }
    BOOST_TEST(rb.value == total, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < gu.size(); ++e) BOOST_TEST(rb.grad[U].data()[e] == gu.data()[e], boost::test_tools::tolerance(1e-12));
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

// The same LSTM with h and c carried as two states of their own (stag::carry), against the packed
// scan above, and over 200 steps against central differences of the loop's value.
BOOST_AUTO_TEST_CASE(lstm_with_two_carried_states) {
    const lstm_values p;
    constexpr auto s = stag::var<"s", T<2 * H>>;
    constexpr auto y = stag::var<"y">;
    constexpr auto V = stag::var<"V", T<H>>;
    const auto next = stag::nn::lstm_cell(x, h, c, W, U, b);
    const auto two = stag::scan(stag::carry(h, next.h, c, next.c), stag::square(stag::dot(V, next.h) - y), x, y);
    const auto packed_next = stag::nn::lstm_step(x, s, W, U, b);
    const auto packed = stag::scan(packed_next, stag::square(stag::dot(V, stag::slice<0, 0, H>(packed_next)) - y), s, x, y);

    std::vector<T<I>> xs(200);
    std::vector<double> ys(200);
    for (std::size_t t = 0; t < xs.size(); ++t) {
        xs[t] = T<I>{std::sin(0.3 * double(t)), std::cos(0.17 * double(t))};
        ys[t] = 0.5 * std::sin(0.3 * double(t + 1));
    }
    const T<H> v{0.8, -0.4, 0.6};
    const T<2 * H> s0 = stag::eval(stag::concat<0>(h, c), h = p.hv, c = p.cv);
    const auto run = [&](const T<4 * H, H>& u, const T<H>& h0) {
        return stag::value_and_grad(two, W, U, b, V, h, c)(h = h0, c = p.cv, stag::steps(x, xs), stag::steps(y, ys), W = p.w, U = u, b = p.bv, V = v);
    };
    const auto r = run(p.u, p.hv);
    const auto q = stag::value_and_grad(packed, W, U, b, V, s)(s = s0, stag::steps(x, xs), stag::steps(y, ys), W = p.w, U = p.u, b = p.bv, V = v);
    BOOST_TEST(r.value == q.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < 4 * H * H; ++e) BOOST_TEST(r.grad[U].data()[e] == q.grad[U].data()[e], boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 4 * H; ++e) BOOST_TEST(r.grad[b](e) == q.grad[b](e), boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < H; ++e) {
        BOOST_TEST(r.grad[h](e) == q.grad[s](e), boost::test_tools::tolerance(1e-12));
        BOOST_TEST(r.grad[c](e) == q.grad[s](H + e), boost::test_tools::tolerance(1e-12));
    }
    // Central differences over 200 steps: every element of U, and of the initial hidden state.
    const double step = 1e-6;
    for (std::size_t e = 0; e < 4 * H * H; ++e) {
        T<4 * H, H> up = p.u, down = p.u;
        up.data()[e] += step;
        down.data()[e] -= step;
        BOOST_TEST(r.grad[U].data()[e] == (run(up, p.hv).value - run(down, p.hv).value) / (2 * step), boost::test_tools::tolerance(1e-6));
    }
    for (std::size_t e = 0; e < H; ++e) {
        T<H> up = p.hv, down = p.hv;
        up(e) += step;
        down(e) -= step;
        BOOST_TEST(r.grad[h](e) == (run(p.u, up).value - run(p.u, down).value) / (2 * step), boost::test_tools::tolerance(1e-6));
    }
}

// A number and a tensor carried together: a damped oscillator's position (a number) and a
// velocity vector, against the steps unrolled by hand.
BOOST_AUTO_TEST_CASE(a_number_and_a_tensor_carried_together) {
    constexpr auto pos = stag::var<"pos">;
    constexpr auto vel = stag::var<"vel", T<2>>;
    constexpr auto k = stag::var<"k">;
    constexpr auto f = stag::var<"f", T<2>>;
    const auto next_pos = pos + 0.1 * stag::sum(vel);
    const auto next_vel = vel - 0.1 * k * pos * vel + f;
    const auto loop = stag::scan(stag::carry(pos, next_pos, vel, next_vel), stag::square(next_pos), f);
    const std::vector<T<2>> fs{{0.1, 0.2}, {-0.3, 0.1}, {0.2, -0.1}};
    const T<2> v0{0.5, -0.2};
    const auto r = stag::value_and_grad(loop, k, pos, vel)(pos = 1.0, vel = v0, k = 0.7, stag::steps(f, fs));
    // By hand, with the gradients by central differences.
    const auto by_hand = [&](double kk, double p0, T<2> v) {
        double p = p0, total = 0;
        for (const auto& ft : fs) {
            const double np = p + 0.1 * (v(0) + v(1));
            for (std::size_t i = 0; i < 2; ++i) v(i) = v(i) - 0.1 * kk * p * v(i) + ft(i);
            p = np;
            total += np * np;
        }
        return total;
    };
    BOOST_TEST(r.value == by_hand(0.7, 1.0, v0), boost::test_tools::tolerance(1e-14));
    const double e = 1e-6;
    BOOST_TEST(r.grad[k] == (by_hand(0.7 + e, 1.0, v0) - by_hand(0.7 - e, 1.0, v0)) / (2 * e), boost::test_tools::tolerance(1e-7));
    BOOST_TEST(r.grad[pos] == (by_hand(0.7, 1.0 + e, v0) - by_hand(0.7, 1.0 - e, v0)) / (2 * e), boost::test_tools::tolerance(1e-7));
    const T<2> v_up{0.5 + e, -0.2}, v_down{0.5 - e, -0.2};
    BOOST_TEST(r.grad[vel](0) == (by_hand(0.7, 1.0, v_up) - by_hand(0.7, 1.0, v_down)) / (2 * e), boost::test_tools::tolerance(1e-7));
}

// Two layers stacked in one scan whose state holds both (h1, c1, h2, c2): the second layer reads
// the first layer's new hidden state. Against the same network unrolled by hand over three steps,
// the checkpointed loop, and over 40 steps against central differences.
BOOST_AUTO_TEST_CASE(two_lstm_layers_stacked_in_one_scan) {
    constexpr std::size_t H2 = 2;
    constexpr auto c2 = stag::var<"c2", T<H2>>;
    constexpr auto h2 = stag::var<"h2", T<H2>>;
    constexpr auto W2 = stag::var<"W2", T<4 * H2, H>>;
    constexpr auto U2 = stag::var<"U2", T<4 * H2, H2>>;
    constexpr auto b2 = stag::var<"b2", T<4 * H2>>;
    constexpr auto V = stag::var<"V", T<H2>>;
    constexpr auto y = stag::var<"y">;
    const auto first = stag::nn::lstm_cell(x, h, c, W, U, b);
    const auto second = stag::nn::lstm_cell(first.h, h2, c2, W2, U2, b2);
    const auto stacked =
        stag::scan(stag::carry(h, first.h, c, first.c, h2, second.h, c2, second.c), stag::square(stag::dot(V, second.h) - y), x, y);

    const lstm_values p;
    T<4 * H2, H> w2;
    T<4 * H2, H2> u2;
    T<4 * H2> bias2;
    fill(w2, 0.3);
    fill(u2, 0.4);
    fill(bias2, 0.05);
    const T<H2> v{0.7, -0.5}, h20{0.2, -0.1}, c20{0.0, 0.3};
    std::vector<T<I>> xs(40);
    std::vector<double> ys(40);
    for (std::size_t t = 0; t < xs.size(); ++t) {
        xs[t] = T<I>{std::sin(0.3 * double(t)), std::cos(0.17 * double(t))};
        ys[t] = 0.5 * std::sin(0.3 * double(t + 1));
    }
    const auto run = [&](std::size_t n, const T<4 * H2, H>& w2v, const T<4 * H, H>& uv) {
        return stag::value_and_grad(stacked, W, U, W2, U2, b2, h, c2)(h = p.hv, c = p.cv, h2 = h20, c2 = c20, stag::steps(x, std::span(xs).first(n)),
                                                                     stag::steps(y, std::span(ys).first(n)), W = p.w, U = uv, b = p.bv, W2 = w2v,
                                                                     U2 = u2, b2 = bias2, V = v);
    };

    // Three steps unrolled by hand: each step's cells read the states the step before wrote.
    constexpr auto x1 = stag::var<"x1", T<I>>;
    constexpr auto x2 = stag::var<"x2", T<I>>;
    constexpr auto x3 = stag::var<"x3", T<I>>;
    const auto a1 = stag::nn::lstm_cell(x1, h, c, W, U, b);
    const auto b1 = stag::nn::lstm_cell(a1.h, h2, c2, W2, U2, b2);
    const auto a2 = stag::nn::lstm_cell(x2, a1.h, a1.c, W, U, b);
    const auto bb2 = stag::nn::lstm_cell(a2.h, b1.h, b1.c, W2, U2, b2);
    const auto a3 = stag::nn::lstm_cell(x3, a2.h, a2.c, W, U, b);
    const auto b3 = stag::nn::lstm_cell(a3.h, bb2.h, bb2.c, W2, U2, b2);
    const auto unrolled = stag::square(stag::dot(V, b1.h) - ys[0]) + stag::square(stag::dot(V, bb2.h) - ys[1]) + stag::square(stag::dot(V, b3.h) - ys[2]);
    const auto g = stag::value_and_grad(unrolled, W, U, W2, U2, b2, h, c2)(h = p.hv, c = p.cv, h2 = h20, c2 = c20, x1 = xs[0], x2 = xs[1], x3 = xs[2],
                                                                           W = p.w, U = p.u, b = p.bv, W2 = w2, U2 = u2, b2 = bias2, V = v);
    const auto r3 = run(3, w2, p.u);
    BOOST_TEST(r3.value == g.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < 4 * H * I; ++e) BOOST_TEST(r3.grad[W].data()[e] == g.grad[W].data()[e], boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 4 * H2 * H; ++e) BOOST_TEST(r3.grad[W2].data()[e] == g.grad[W2].data()[e], boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 4 * H2 * H2; ++e) BOOST_TEST(r3.grad[U2].data()[e] == g.grad[U2].data()[e], boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 4 * H2; ++e) BOOST_TEST(r3.grad[b2](e) == g.grad[b2](e), boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < H; ++e) BOOST_TEST(r3.grad[h](e) == g.grad[h](e), boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < H2; ++e) BOOST_TEST(r3.grad[c2](e) == g.grad[c2](e), boost::test_tools::tolerance(1e-12));

    // Over 40 steps: every element of W2 and of U against central differences, and the
    // checkpointed loop to the last bit.
    const auto r = run(40, w2, p.u);
    const double step = 1e-6;
    for (std::size_t e = 0; e < 4 * H2 * H; ++e) {
        T<4 * H2, H> up = w2, down = w2;
        up.data()[e] += step;
        down.data()[e] -= step;
        BOOST_TEST(r.grad[W2].data()[e] == (run(40, up, p.u).value - run(40, down, p.u).value) / (2 * step), boost::test_tools::tolerance(1e-6));
    }
    for (std::size_t e = 0; e < 4 * H * H; ++e) {
        T<4 * H, H> up = p.u, down = p.u;
        up.data()[e] += step;
        down.data()[e] -= step;
        BOOST_TEST(r.grad[U].data()[e] == (run(40, w2, up).value - run(40, w2, down).value) / (2 * step), boost::test_tools::tolerance(1e-6));
    }
    const auto kept = stag::value_and_grad(stacked.checkpoint(7), W, U, W2, U2, b2, h, c2)(
        h = p.hv, c = p.cv, h2 = h20, c2 = c20, stag::steps(x, xs), stag::steps(y, ys), W = p.w, U = p.u, b = p.bv, W2 = w2, U2 = u2, b2 = bias2, V = v);
    BOOST_TEST(kept.value == r.value);
    for (std::size_t e = 0; e < 4 * H2 * H; ++e) BOOST_TEST(kept.grad[W2].data()[e] == r.grad[W2].data()[e]);
    for (std::size_t e = 0; e < H; ++e) BOOST_TEST(kept.grad[h](e) == r.grad[h](e));
}

// The cells' products with the weights: x W^T for weights up to the stack threshold (a scan hoists
// the transpose), W x for larger ones (nothing large is kept on the stack).
BOOST_AUTO_TEST_CASE(the_form_of_the_products_with_the_weights) {
    constexpr auto big = stag::var<"big", T<4 * 128, 128>>;  // 512 KiB
    constexpr auto hb = stag::var<"hb", T<128>>;
    static_assert(std::is_same_v<decltype(stag::nn::detail::times(U, h)), decltype(stag::matmul(h, stag::transpose(U)))>);
    static_assert(std::is_same_v<decltype(stag::nn::detail::times(big, hb)), decltype(stag::matmul(big, hb))>);
    // Either way, the same numbers as the product written out.
    const lstm_values p;
    const T<4 * H> direct = stag::eval(stag::matmul(U, h), U = p.u, h = p.hv);
    const T<4 * H> cell = stag::eval(stag::nn::detail::times(U, h), U = p.u, h = p.hv);
    for (std::size_t e = 0; e < 4 * H; ++e) BOOST_TEST(cell(e) == direct(e), boost::test_tools::tolerance(1e-15));
}
