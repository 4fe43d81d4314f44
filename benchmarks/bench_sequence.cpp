// Models over run-time-length data, against the same gradients written by hand:
// - a Gaussian mixture's log-likelihood over n points, its value and gradient with stag::map_sum;
// - softmax regression over n rows, X declared with a run-time axis (stag::dynamic);
// - an LSTM over a sequence of 1000 steps, its loss and gradient with stag::scan carrying h and c,
//   against backpropagation through time in plain loops (the standard library's tanh and exp, or the
//   branch-free forms stag uses, with which the gate loops vectorise);
//   and one of 128 units over 100 steps, whose weights are above the tensor sweep's stack threshold;
// - an Elman network of 150 units over 200 steps, its weight 176 KiB (above the tensor sweep's
//   stack threshold): the step-invariant transpose in its body is computed once per call.
//
// The mixture has K components in D dimensions with diagonal precisions q = exp(logq):
//     sum over points x of  log sum_k softmax(alpha)_k prod_j q_kj exp(-(q_kj (x_j - mu_kj))^2 / 2)
// (up to a constant). The hand-written code is what a careful engineer writes: exp(logq), the
// sums of logq and the log-sum-exp of alpha computed once per call, not per point; the inner loops
// over the D dimensions contiguous; the gradient written into the caller's arrays. stag hoists the
// same per-call terms itself (map_sum, docs/tensors.md). Both are checked against each other
// before timing.
#include <stag/stag.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

template <std::size_t K, std::size_t D>
struct mixture {
    stag::tensor<double, K> alpha;
    stag::tensor<double, K, D> mu, logq;
    std::vector<double> points;  // n x D, row-major

    explicit mixture(std::size_t n) : points(n * D) {
        for (std::size_t k = 0; k < K; ++k) {
            alpha(k) = 0.3 * std::sin(1.1 * double(k));
            for (std::size_t j = 0; j < D; ++j) {
                mu(k, j) = std::cos(0.7 * double(k * D + j));
                logq(k, j) = 0.2 * std::sin(0.3 * double(k + j));
            }
        }
        for (std::size_t i = 0; i < points.size(); ++i) points[i] = 1.5 * std::sin(0.37 * double(i) + 0.1);
    }
};

template <std::size_t K, std::size_t D>
struct gradient_arrays {
    double alpha[K];
    double mu[K][D], logq[K][D];
};

/// The value and gradient by hand.
template <std::size_t K, std::size_t D>
double hand(const mixture<K, D>& m, gradient_arrays<K, D>& g) {
    double q[K][D], base[K], top_alpha = m.alpha(0);
    for (std::size_t k = 0; k < K; ++k) {
        base[k] = m.alpha(k);
        for (std::size_t j = 0; j < D; ++j) {
            q[k][j] = std::exp(m.logq(k, j));
            base[k] += m.logq(k, j);
        }
        top_alpha = std::max(top_alpha, m.alpha(k));
    }
    double sum_alpha = 0;
    for (std::size_t k = 0; k < K; ++k) sum_alpha += std::exp(m.alpha(k) - top_alpha);
    const double lse_alpha = top_alpha + std::log(sum_alpha);

    std::fill(&g.alpha[0], &g.alpha[0] + K, 0.0);
    std::fill(&g.mu[0][0], &g.mu[0][0] + K * D, 0.0);
    std::fill(&g.logq[0][0], &g.logq[0][0] + K * D, 0.0);
    const std::size_t n = m.points.size() / D;
    double value = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double* x = m.points.data() + i * D;
        double r[K][D], z[K];
        for (std::size_t k = 0; k < K; ++k) {
            double squares = 0;
            for (std::size_t j = 0; j < D; ++j) {
                r[k][j] = q[k][j] * (x[j] - m.mu(k, j));
                squares += r[k][j] * r[k][j];
            }
            z[k] = base[k] - 0.5 * squares;
        }
        double top = z[0];
        for (std::size_t k = 1; k < K; ++k) top = std::max(top, z[k]);
        double s = 0;
        for (std::size_t k = 0; k < K; ++k) s += (z[k] = std::exp(z[k] - top));
        value += top + std::log(s) - lse_alpha;
        const double inv = 1.0 / s;
        for (std::size_t k = 0; k < K; ++k) {
            const double p = z[k] * inv;  // the point's responsibility of component k
            g.alpha[k] += p;
            for (std::size_t j = 0; j < D; ++j) {
                g.mu[k][j] += p * r[k][j] * q[k][j];
                g.logq[k][j] += p * (1.0 - r[k][j] * r[k][j]);
            }
        }
    }
    for (std::size_t k = 0; k < K; ++k) g.alpha[k] -= double(n) * std::exp(m.alpha(k) - lse_alpha);
    return value;
}

template <std::size_t K, std::size_t D>
struct stag_model {
    static constexpr auto x = stag::var<"x", stag::tensor<double, D>>;
    static constexpr auto alpha = stag::var<"alpha", stag::tensor<double, K>>;
    static constexpr auto mu = stag::var<"mu", stag::tensor<double, K, D>>;
    static constexpr auto logq = stag::var<"logq", stag::tensor<double, K, D>>;
    static constexpr auto loglik() {
        const auto z = alpha + stag::sum<1>(logq) - stag::c<1, 2> * stag::sum<1>(stag::square(stag::exp(logq) * (stag::broadcast_to<K, D>(x) - mu)));
        return stag::map_sum(stag::logsumexp(z) - stag::logsumexp(alpha), x);
    }
    static auto run(const mixture<K, D>& m) {
        return stag::value_and_grad(loglik(), alpha, mu, logq)(stag::each(x, m.points), alpha = m.alpha, mu = m.mu, logq = m.logq);
    }
};

template <std::size_t K, std::size_t D>
void check(std::size_t n) {
    const mixture<K, D> m(n);
    gradient_arrays<K, D> g;
    const double v = hand(m, g);
    const auto r = stag_model<K, D>::run(m);
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a) + std::abs(b)); };
    bool same = close(v, r.value);
    for (std::size_t k = 0; k < K; ++k) {
        same = same && close(g.alpha[k], r.grad[stag_model<K, D>::alpha](k));
        for (std::size_t j = 0; j < D; ++j)
            same = same && close(g.mu[k][j], r.grad[stag_model<K, D>::mu](k, j)) && close(g.logq[k][j], r.grad[stag_model<K, D>::logq](k, j));
    }
    if (!same) {
        std::fprintf(stderr, "bench_sequence: the hand-written and stag mixture gradients differ\n");
        std::exit(1);
    }
}

template <std::size_t K, std::size_t D>
void gmm_hand(benchmark::State& state) {
    const mixture<K, D> m(static_cast<std::size_t>(state.range(0)));
    gradient_arrays<K, D> g;
    for (auto _ : state) {
        benchmark::DoNotOptimize(hand(m, g));
        benchmark::ClobberMemory();
    }
}
template <std::size_t K, std::size_t D>
void gmm_stag(benchmark::State& state) {
    const mixture<K, D> m(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto r = stag_model<K, D>::run(m);
        benchmark::DoNotOptimize(r);
    }
}

// ---- a classifier over a run-time number of rows ---------------------------------------------------
// Softmax regression, 64 inputs and 10 classes, its mean cross-entropy over n rows and its gradient:
// with stag, X declared stag::tensor<double, stag::dynamic, 64> in the loss as one writes it; by
// hand, one pass over the rows (logits with the class loop innermost, so that it vectorises; the
// softmax; the gradient added into the caller's arrays).

constexpr std::size_t features = 64, classes = 10;

struct classifier_data {
    std::vector<double> x, labels;
    stag::tensor<double, features, classes> v;
    stag::tensor<double, classes> c;
    explicit classifier_data(std::size_t n) : x(n * features), labels(n) {
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37 * double(i) + 0.1);
        for (std::size_t i = 0; i < n; ++i) labels[i] = double((i * 7 + 3) % classes);
        for (std::size_t i = 0; i < v.size(); ++i) v.elements[i] = 0.05 * std::cos(0.21 * double(i));
        for (std::size_t j = 0; j < classes; ++j) c.elements[j] = 0.01 * double(j);
    }
};

double classifier_hand(const classifier_data& d, stag::tensor<double, features, classes>& gv, stag::tensor<double, classes>& gc) {
    const std::size_t n = d.labels.size();
    const double scale = 1.0 / double(n);
    double loss = 0;
    gv = {};
    gc = {};
    for (std::size_t i = 0; i < n; ++i) {
        const double* x = d.x.data() + i * features;
        double z[classes];
        for (std::size_t j = 0; j < classes; ++j) z[j] = d.c.elements[j];
        for (std::size_t k = 0; k < features; ++k)
            for (std::size_t j = 0; j < classes; ++j) z[j] += x[k] * d.v.elements[k * classes + j];
        double m = z[0];
        for (std::size_t j = 1; j < classes; ++j) m = std::max(m, z[j]);
        const auto label = static_cast<std::size_t>(d.labels[i]);
        const double picked = z[label];
        double s = 0;
        for (std::size_t j = 0; j < classes; ++j) s += (z[j] = std::exp(z[j] - m));
        loss += std::log(s) + m - picked;
        for (std::size_t j = 0; j < classes; ++j) z[j] = (z[j] / s - (j == label ? 1.0 : 0.0)) * scale;
        for (std::size_t k = 0; k < features; ++k)
            for (std::size_t j = 0; j < classes; ++j) gv.elements[k * classes + j] += x[k] * z[j];
        for (std::size_t j = 0; j < classes; ++j) gc.elements[j] += z[j];
    }
    return loss * scale;
}

struct classifier_stag {
    static constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, features>>;
    static constexpr auto labels = stag::var<"labels", stag::tensor<double, stag::dynamic>>;
    static constexpr auto V = stag::var<"V", stag::tensor<double, features, classes>>;
    static constexpr auto c = stag::var<"c", stag::tensor<double, classes>>;
    static auto run(const classifier_data& d) {
        return stag::value_and_grad(stag::cross_entropy(stag::matmul(X, V) + c, labels), V, c)(X = d.x, labels = d.labels, V = d.v, c = d.c);
    }
};

void check_classifier(std::size_t n) {
    const classifier_data d(n);
    stag::tensor<double, features, classes> gv;
    stag::tensor<double, classes> gc;
    const double v = classifier_hand(d, gv, gc);
    const auto r = classifier_stag::run(d);
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a) + std::abs(b)); };
    bool same = close(v, r.value);
    for (std::size_t e = 0; e < gv.size(); ++e) same = same && close(gv.elements[e], r.grad[classifier_stag::V].elements[e]);
    for (std::size_t e = 0; e < gc.size(); ++e) same = same && close(gc.elements[e], r.grad[classifier_stag::c].elements[e]);
    if (!same) {
        std::fprintf(stderr, "bench_sequence: the hand-written and stag classifier gradients differ\n");
        std::exit(1);
    }
}

void softmax_hand(benchmark::State& state) {
    const classifier_data d(static_cast<std::size_t>(state.range(0)));
    stag::tensor<double, features, classes> gv;
    stag::tensor<double, classes> gc;
    for (auto _ : state) {
        benchmark::DoNotOptimize(classifier_hand(d, gv, gc));
        benchmark::ClobberMemory();
    }
}
void softmax_stag(benchmark::State& state) {
    const classifier_data d(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto r = classifier_stag::run(d);
        benchmark::DoNotOptimize(r);
    }
}

// ---- the LSTM ------------------------------------------------------------------------------------
// h' and c' from stag::nn::lstm_cell (PyTorch's gate order: input, forget, cell, output); each
// step's loss is (<v, h'> - y)^2. The hand-written BPTT keeps each step's gates and cell state
// from the forward pass (what a careful engineer keeps), and its loops run along rows.

template <std::size_t H, std::size_t I>
struct lstm_problem {
    stag::tensor<double, 4 * H, I> w;
    stag::tensor<double, 4 * H, H> u;
    stag::tensor<double, 4 * H> b;
    stag::tensor<double, H> v;
    std::vector<stag::tensor<double, I>> xs;
    std::vector<double> ys;
    explicit lstm_problem(std::size_t n) : xs(n), ys(n) {
        for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] = 0.3 * std::sin(0.7 * double(i) + 0.2);
        for (std::size_t i = 0; i < u.size(); ++i) u.data()[i] = 0.2 * std::cos(1.3 * double(i) + 0.1);
        for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] = 0.1 * std::sin(double(i));
        for (std::size_t i = 0; i < H; ++i) v(i) = 0.5 * std::cos(0.9 * double(i));
        for (std::size_t t = 0; t < n; ++t) {
            for (std::size_t j = 0; j < I; ++j) xs[t](j) = std::sin(0.1 * double(t) + 0.5 * double(j));
            ys[t] = 0.3 * std::sin(0.1 * double(t + 1));
        }
    }
};

template <std::size_t H, std::size_t I>
struct lstm_gradient {
    double w[4 * H][I], u[4 * H][H], b[4 * H], v[H];
};

inline double logistic(double a) { return 1.0 / (1.0 + std::exp(-a)); }

/// BranchFree: tanh and the sigmoid by the branch-free forms stag's loops use (so the loops over
/// the gates vectorise), instead of the standard library's calls.
template <std::size_t H, std::size_t I, bool BranchFree>
struct lstm_hand {
    static double sig(double a) {
        if constexpr (BranchFree) return stag::detail::sigmoid_lanes(a);
        else return logistic(a);
    }
    static double th(double a) {
        if constexpr (BranchFree) return stag::detail::tanh_lanes(a);
        else return std::tanh(a);
    }
    struct step {
        double gate[4 * H];  // i, f, g, o after their nonlinearities
        double c[H], tc[H], h[H];
    };
    std::vector<step> steps;  // kept between calls, as a training loop keeps its buffers
    double wt[I][4 * H], ut[H][4 * H];

    double operator()(const lstm_problem<H, I>& p, lstm_gradient<H, I>& g) {
        const std::size_t n = p.xs.size();
        steps.resize(n);
        // W and U transposed once per call, so that z accumulates along contiguous rows.
        for (std::size_t r = 0; r < 4 * H; ++r) {
            for (std::size_t j = 0; j < I; ++j) wt[j][r] = p.w(r, j);
            for (std::size_t j = 0; j < H; ++j) ut[j][r] = p.u(r, j);
        }
        double h0[H] = {}, c0[H] = {}, value = 0;
        for (std::size_t t = 0; t < n; ++t) {
            const double* hp = t ? steps[t - 1].h : h0;
            const double* cp = t ? steps[t - 1].c : c0;
            step& s = steps[t];
            double z[4 * H];
            for (std::size_t r = 0; r < 4 * H; ++r) z[r] = p.b(r);
            for (std::size_t j = 0; j < I; ++j)
                for (std::size_t r = 0; r < 4 * H; ++r) z[r] += wt[j][r] * p.xs[t](j);
            for (std::size_t j = 0; j < H; ++j)
                for (std::size_t r = 0; r < 4 * H; ++r) z[r] += ut[j][r] * hp[j];
            for (std::size_t r = 0; r < 2 * H; ++r) s.gate[r] = sig(z[r]);
            for (std::size_t r = 2 * H; r < 3 * H; ++r) s.gate[r] = th(z[r]);
            for (std::size_t r = 3 * H; r < 4 * H; ++r) s.gate[r] = sig(z[r]);
            double out = 0;
            for (std::size_t k = 0; k < H; ++k) {
                s.c[k] = s.gate[H + k] * cp[k] + s.gate[k] * s.gate[2 * H + k];
                s.tc[k] = th(s.c[k]);
                s.h[k] = s.gate[3 * H + k] * s.tc[k];
                out += p.v(k) * s.h[k];
            }
            value += (out - p.ys[t]) * (out - p.ys[t]);
        }
        std::fill(&g.w[0][0], &g.w[0][0] + 4 * H * I, 0.0);
        std::fill(&g.u[0][0], &g.u[0][0] + 4 * H * H, 0.0);
        std::fill(&g.b[0], &g.b[0] + 4 * H, 0.0);
        std::fill(&g.v[0], &g.v[0] + H, 0.0);
        double dh[H] = {}, dc[H] = {};  // adjoints of the states after step t, from step t + 1
        for (std::size_t t = n; t-- > 0;) {
            const step& s = steps[t];
            const double* hp = t ? steps[t - 1].h : h0;
            const double* cp = t ? steps[t - 1].c : c0;
            double out = 0;
            for (std::size_t k = 0; k < H; ++k) out += p.v(k) * s.h[k];
            const double dout = 2 * (out - p.ys[t]);
            double dz[4 * H];
            for (std::size_t k = 0; k < H; ++k) {
                g.v[k] += dout * s.h[k];
                const double dhk = dh[k] + dout * p.v(k);
                const double o = s.gate[3 * H + k], i = s.gate[k], f = s.gate[H + k], gg = s.gate[2 * H + k];
                const double dck = dc[k] + dhk * o * (1 - s.tc[k] * s.tc[k]);
                dz[k] = dck * gg * i * (1 - i);
                dz[H + k] = dck * cp[k] * f * (1 - f);
                dz[2 * H + k] = dck * i * (1 - gg * gg);
                dz[3 * H + k] = dhk * s.tc[k] * o * (1 - o);
                dc[k] = dck * f;
            }
            std::fill(&dh[0], &dh[0] + H, 0.0);
            for (std::size_t r = 0; r < 4 * H; ++r) {
                g.b[r] += dz[r];
                for (std::size_t j = 0; j < I; ++j) g.w[r][j] += dz[r] * p.xs[t](j);
                for (std::size_t j = 0; j < H; ++j) {
                    g.u[r][j] += dz[r] * hp[j];
                    dh[j] += dz[r] * p.u(r, j);
                }
            }
        }
        return value;
    }
};

template <std::size_t H, std::size_t I>
struct lstm_stag {
    static constexpr auto x = stag::var<"x", stag::tensor<double, I>>;
    static constexpr auto y = stag::var<"y">;
    static constexpr auto h = stag::var<"h", stag::tensor<double, H>>;
    static constexpr auto c = stag::var<"c", stag::tensor<double, H>>;
    static constexpr auto W = stag::var<"W", stag::tensor<double, 4 * H, I>>;
    static constexpr auto U = stag::var<"U", stag::tensor<double, 4 * H, H>>;
    static constexpr auto B = stag::var<"b", stag::tensor<double, 4 * H>>;
    static constexpr auto V = stag::var<"V", stag::tensor<double, H>>;
    static constexpr auto loop() {
        const auto next = stag::nn::lstm_cell(x, h, c, W, U, B);
        return stag::scan(stag::carry(h, next.h, c, next.c), stag::square(stag::dot(V, next.h) - y), x, y);
    }
    static auto run(const lstm_problem<H, I>& p) {
        const stag::tensor<double, H> zero{};
        return stag::value_and_grad(loop(), W, U, B, V)(h = zero, c = zero, stag::steps(x, p.xs), stag::steps(y, p.ys), W = p.w, U = p.u,
                                                        B = p.b, V = p.v);
    }
};

/// The same LSTM with the products written x W^T + h U^T whatever the weights' size (the cell
/// itself writes W x + U h for weights above 128 KiB): the transposes hoisted out of the steps, the
/// steps' storage in a workspace kept between calls. For the 128-unit LSTM below, to show what
/// the cell's choice saves.
template <std::size_t H, std::size_t I>
struct lstm_stag_transposed {
    using base = lstm_stag<H, I>;
    static constexpr auto loop() {
        const auto z = stag::matmul(base::x, stag::transpose(base::W)) + stag::matmul(base::h, stag::transpose(base::U)) + base::B;
        const auto i = stag::sigmoid(stag::slice<0, 0, H>(z));
        const auto f = stag::sigmoid(stag::slice<0, H, 2 * H>(z));
        const auto g = stag::tanh(stag::slice<0, 2 * H, 3 * H>(z));
        const auto o = stag::sigmoid(stag::slice<0, 3 * H, 4 * H>(z));
        const auto next_c = f * base::c + i * g;
        const auto next_h = o * stag::tanh(next_c);
        return stag::scan(stag::carry(base::h, next_h, base::c, next_c), stag::square(stag::dot(base::V, next_h) - base::y), base::x, base::y);
    }
    static auto run(const lstm_problem<H, I>& p, stag::workspace& ws) {
        const stag::tensor<double, H> zero{};
        return stag::value_and_grad(loop().in(ws), base::W, base::U, base::B, base::V)(base::h = zero, base::c = zero, stag::steps(base::x, p.xs),
                                                                                      stag::steps(base::y, p.ys), base::W = p.w, base::U = p.u,
                                                                                      base::B = p.b, base::V = p.v);
    }
};

template <std::size_t H, std::size_t I, bool BranchFree>
void check_lstm(std::size_t n) {
    const lstm_problem<H, I> p(n);
    lstm_gradient<H, I> g;
    lstm_hand<H, I, BranchFree> hand_bptt;
    const double v = hand_bptt(p, g);
    const auto r = lstm_stag<H, I>::run(p);
    using S = lstm_stag<H, I>;
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a) + std::abs(b)); };
    bool same = close(v, r.value);
    for (std::size_t k = 0; k < 4 * H; ++k) {
        same = same && close(g.b[k], r.grad[S::B](k));
        for (std::size_t j = 0; j < I; ++j) same = same && close(g.w[k][j], r.grad[S::W](k, j));
        for (std::size_t j = 0; j < H; ++j) same = same && close(g.u[k][j], r.grad[S::U](k, j));
    }
    for (std::size_t k = 0; k < H; ++k) same = same && close(g.v[k], r.grad[S::V](k));
    if (!same) {
        std::fprintf(stderr, "bench_sequence: the hand-written and stag LSTM gradients differ\n");
        std::exit(1);
    }
}

/// The LSTM with its products transposed against the cell's own form.
template <std::size_t H, std::size_t I>
void check_transposed_lstm(std::size_t n) {
    const lstm_problem<H, I> p(n);
    stag::workspace ws;
    const auto a = lstm_stag<H, I>::run(p);
    const auto b = lstm_stag_transposed<H, I>::run(p, ws);
    using S = lstm_stag<H, I>;
    const auto close = [](double u, double v) { return std::abs(u - v) <= 1e-9 * std::max(1.0, std::abs(u) + std::abs(v)); };
    bool same = close(a.value, b.value);
    for (std::size_t e = 0; e < 4 * H * H; ++e) same = same && close(a.grad[S::U].data()[e], b.grad[S::U].data()[e]);
    for (std::size_t e = 0; e < 4 * H * I; ++e) same = same && close(a.grad[S::W].data()[e], b.grad[S::W].data()[e]);
    if (!same) {
        std::fprintf(stderr, "bench_sequence: the LSTM gradients with W x and with x W^T differ\n");
        std::exit(1);
    }
}

template <std::size_t H, std::size_t I, bool BranchFree>
void bptt_hand(benchmark::State& state) {
    const lstm_problem<H, I> p(static_cast<std::size_t>(state.range(0)));
    lstm_gradient<H, I> g;
    lstm_hand<H, I, BranchFree> hand_bptt;
    for (auto _ : state) {
        benchmark::DoNotOptimize(hand_bptt(p, g));
        benchmark::ClobberMemory();
    }
}
template <std::size_t H, std::size_t I>
void bptt_stag(benchmark::State& state) {
    const lstm_problem<H, I> p(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto r = lstm_stag<H, I>::run(p);
        benchmark::DoNotOptimize(r);
    }
}
template <std::size_t H, std::size_t I>
void bptt_stag_transposed(benchmark::State& state) {
    const lstm_problem<H, I> p(static_cast<std::size_t>(state.range(0)));
    stag::workspace ws;
    for (auto _ : state) {
        auto r = lstm_stag_transposed<H, I>::run(p, ws);
        benchmark::DoNotOptimize(r);
    }
}

// ---- an Elman network with a large weight -----------------------------------------------------------
// s' = tanh(0.01 s W^T + e) over N units, each step's loss sum(s'^2); W is N x N, 176 KiB for N =
// 150, above the tensor sweep's stack threshold (128 KiB). The model is written as one writes it
// for a row of states, matmul(s, transpose(W)): the transpose does not change from step to step, so
// stag computes it once per call, on the heap (engine/hoist.hpp). By hand: W transposed once per call
// so that the forward sums run along contiguous rows, each step's state kept, the backward loops
// contiguous, the gradient written into the caller's array.

template <std::size_t N>
struct elman_problem {
    std::unique_ptr<stag::tensor<double, N, N>> w = std::make_unique<stag::tensor<double, N, N>>();
    stag::tensor<double, N> s0;
    std::vector<stag::tensor<double, N>> es;
    explicit elman_problem(std::size_t n) : es(n) {
        for (std::size_t i = 0; i < w->size(); ++i) w->data()[i] = std::sin(0.37 * double(i));
        for (std::size_t i = 0; i < N; ++i) s0(i) = 0.01 * double(i % 7);
        for (std::size_t t = 0; t < n; ++t)
            for (std::size_t i = 0; i < N; ++i) es[t](i) = std::cos(0.1 * double(i) + 0.3 * double(t));
    }
};

/// BranchFree: tanh by the branch-free form stag's loops use (so that the loop vectorises), instead
/// of the standard library's.
template <std::size_t N, bool BranchFree>
struct elman_hand {
    static double th(double a) {
        if constexpr (BranchFree) return stag::detail::tanh_lanes(a);
        else return std::tanh(a);
    }
    std::vector<std::array<double, N>> states;  // s_1 .. s_n, kept between calls
    std::vector<double> wt = std::vector<double>(N * N);
    /// The loss, and its gradient with respect to W written into gw (row-major, N x N).
    double operator()(const elman_problem<N>& p, double* gw) {
        const std::size_t n = p.es.size();
        states.resize(n);
        const double* w = p.w->data();
        for (std::size_t r = 0; r < N; ++r)
            for (std::size_t j = 0; j < N; ++j) wt[j * N + r] = w[r * N + j];
        double value = 0;
        for (std::size_t t = 0; t < n; ++t) {
            const double* prev = t ? states[t - 1].data() : p.s0.data();
            double z[N] = {};
            for (std::size_t j = 0; j < N; ++j)
                for (std::size_t r = 0; r < N; ++r) z[r] += wt[j * N + r] * prev[j];
            for (std::size_t r = 0; r < N; ++r) {
                const double v = th(0.01 * z[r] + p.es[t](r));
                states[t][r] = v;
                value += v * v;
            }
        }
        std::fill(gw, gw + N * N, 0.0);
        double ds[N] = {};  // the adjoint of s_t from the steps after t
        for (std::size_t t = n; t-- > 0;) {
            const double* prev = t ? states[t - 1].data() : p.s0.data();
            double dz[N];
            for (std::size_t r = 0; r < N; ++r) {
                const double v = states[t][r];
                dz[r] = 0.01 * (ds[r] + 2 * v) * (1 - v * v);
            }
            std::fill(ds, ds + N, 0.0);
            for (std::size_t r = 0; r < N; ++r)
                for (std::size_t j = 0; j < N; ++j) {
                    gw[r * N + j] += dz[r] * prev[j];
                    ds[j] += dz[r] * w[r * N + j];
                }
        }
        return value;
    }
};

template <std::size_t N>
struct elman_stag {
    static constexpr auto W = stag::var<"W", stag::tensor<double, N, N>>;
    static constexpr auto s = stag::var<"s", stag::tensor<double, N>>;
    static constexpr auto e = stag::var<"e", stag::tensor<double, N>>;
    static constexpr auto loop() {
        const auto next = stag::tanh(stag::matmul(s, stag::transpose(W)) * 0.01 + e);
        return stag::scan(next, stag::sum(stag::square(next)), s, e);
    }
    /// The loss, and its gradient with respect to W written into gw.
    static double run(const elman_problem<N>& p, stag::tensor<double, N, N>& gw) {
        return stag::value_and_grad(loop(), W).into(gw)(s = p.s0, stag::steps(e, p.es), W = *p.w);
    }
};

template <std::size_t N, bool BranchFree>
void check_elman(std::size_t n) {
    const elman_problem<N> p(n);
    std::vector<double> g(N * N);
    auto gs = std::make_unique<stag::tensor<double, N, N>>();
    elman_hand<N, BranchFree> hand;
    const double v = hand(p, g.data());
    const double vs = elman_stag<N>::run(p, *gs);
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a) + std::abs(b)); };
    bool same = close(v, vs);
    for (std::size_t i = 0; i < N * N; ++i) same = same && close(g[i], gs->data()[i]);
    if (!same) {
        std::fprintf(stderr, "bench_sequence: the hand-written and stag Elman gradients differ\n");
        std::exit(1);
    }
}

template <std::size_t N, bool BranchFree>
void elman_hand_grad(benchmark::State& state) {
    const elman_problem<N> p(static_cast<std::size_t>(state.range(0)));
    std::vector<double> g(N * N);
    elman_hand<N, BranchFree> hand;
    for (auto _ : state) {
        benchmark::DoNotOptimize(hand(p, g.data()));
        benchmark::ClobberMemory();
    }
}
template <std::size_t N>
void elman_stag_grad(benchmark::State& state) {
    const elman_problem<N> p(static_cast<std::size_t>(state.range(0)));
    auto g = std::make_unique<stag::tensor<double, N, N>>();
    for (auto _ : state) {
        benchmark::DoNotOptimize(elman_stag<N>::run(p, *g));
        benchmark::ClobberMemory();
    }
}

}  // namespace

BENCHMARK(bptt_hand<32, 8, false>)->Name("lstm_h32_i8/grad/hand")->Arg(1000);
BENCHMARK(bptt_hand<32, 8, true>)->Name("lstm_h32_i8/grad/hand_branch_free")->Arg(1000);
BENCHMARK(bptt_stag<32, 8>)->Name("lstm_h32_i8/grad/stag")->Arg(1000);
BENCHMARK(bptt_hand<128, 32, true>)->Name("lstm_h128_i32/grad/hand_branch_free")->Arg(100);
BENCHMARK(bptt_stag<128, 32>)->Name("lstm_h128_i32/grad/stag")->Arg(100);
BENCHMARK(bptt_stag_transposed<128, 32>)->Name("lstm_h128_i32/grad/stag_x_wT_in_workspace")->Arg(100);
BENCHMARK(softmax_hand)->Name("softmax_64_10/grad/hand")->Arg(1000);
BENCHMARK(softmax_stag)->Name("softmax_64_10/grad/stag")->Arg(1000);
BENCHMARK(gmm_hand<5, 2>)->Name("gmm_k5_d2/grad/hand")->Arg(1000);
BENCHMARK(gmm_stag<5, 2>)->Name("gmm_k5_d2/grad/stag")->Arg(1000);
BENCHMARK(gmm_hand<10, 8>)->Name("gmm_k10_d8/grad/hand")->Arg(1000);
BENCHMARK(gmm_stag<10, 8>)->Name("gmm_k10_d8/grad/stag")->Arg(1000);
BENCHMARK(elman_hand_grad<150, false>)->Name("elman_h150/grad/hand")->Arg(200);
BENCHMARK(elman_hand_grad<150, true>)->Name("elman_h150/grad/hand_branch_free")->Arg(200);
BENCHMARK(elman_stag_grad<150>)->Name("elman_h150/grad/stag")->Arg(200);

int main(int argc, char** argv) {
    check_classifier(100);
    check<5, 2>(100);
    check<10, 8>(100);
    check_lstm<32, 8, false>(50);
    check_lstm<32, 8, true>(50);
    check_lstm<128, 32, true>(10);
    check_transposed_lstm<128, 32>(10);
    check_elman<150, false>(20);
    check_elman<150, true>(20);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
}
