// Models over run-time-length data: a Gaussian mixture's log-likelihood over n points, its value
// and gradient with stag::map_sum against the same gradient written by hand.
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
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

}  // namespace

BENCHMARK(gmm_hand<5, 2>)->Name("gmm_k5_d2/grad/hand")->Arg(1000);
BENCHMARK(gmm_stag<5, 2>)->Name("gmm_k5_d2/grad/stag")->Arg(1000);
BENCHMARK(gmm_hand<10, 8>)->Name("gmm_k10_d8/grad/hand")->Arg(1000);
BENCHMARK(gmm_stag<10, 8>)->Name("gmm_k10_d8/grad/stag")->Arg(1000);

int main(int argc, char** argv) {
    check<5, 2>(100);
    check<10, 8>(100);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
}
