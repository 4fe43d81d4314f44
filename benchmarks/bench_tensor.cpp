// Tensor gradients, inference and optimizer steps: stag against hand-written loops, in one binary
// (the tensor issue). The network is the issue's: h = tanh(W1 x + b1), out = W2 h + b2,
// loss = 0.5 * sum((out - t)^2), with shapes 4-8-1 and 32-64-10.
//
// Every call gets another input (a table of 64 inputs and targets), and writes its results to
// memory, so the compiler can neither hoist the work out of the loop nor drop part of it. Each side
// returns its results by value, built where the caller keeps them: hand-written code in a struct of
// its own, stag in what value_and_grad returns; neither is copied. stag_into writes stag's gradient
// into the hand-written code's struct with value_and_grad(...).into(...), as a user who keeps
// gradients in their own struct would. The gradient has a second hand-written baseline on Eigen's
// fixed-size matrices (row-major, as stag's tensors), where Eigen is installed.
//
//   bench_tensor --check        checks stag's values and gradients against the hand-written ones
//   bench_tensor [benchmark flags]
#include <benchmark/benchmark.h>
#include <stag/stag.hpp>

#include "problems.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <string_view>
#include <type_traits>
#include <vector>

#if defined(STAG_HAVE_EIGEN)
#include <Eigen/Dense>
#endif

namespace {

constexpr std::size_t points = 64;

template <std::size_t In, std::size_t Hidden, std::size_t Out, class T = double>
struct network {
    using model = stag_problems::mlp<In, Hidden, Out, T>;
    stag::tensor<T, Hidden, In> w1;
    stag::tensor<T, Hidden> b1;
    stag::tensor<T, Out, Hidden> w2;
    stag::tensor<T, Out> b2;

    network() {
        auto fill = [](auto& t, double phase, double scale) {
            for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = T(scale * std::sin(1.7 * double(i) + phase));
        };
        fill(w1, 0.1, 1.0 / std::sqrt(double(In)));
        fill(b1, 0.2, 0.1);
        fill(w2, 0.3, 1.0 / std::sqrt(double(Hidden)));
        fill(b2, 0.4, 0.1);
    }
};

template <std::size_t In, std::size_t Out, class T = double>
struct samples {
    std::array<stag::tensor<T, In>, points> x;
    std::array<stag::tensor<T, Out>, points> t;
    samples() {
        for (std::size_t p = 0; p < points; ++p) {
            for (std::size_t i = 0; i < In; ++i) x[p](i) = T(std::cos(0.37 * double(i) + 0.11 * double(p)));
            for (std::size_t i = 0; i < Out; ++i) t[p](i) = T(0.5 * std::sin(0.53 * double(i) + 0.07 * double(p)));
        }
    }
};

template <std::size_t In, std::size_t Hidden, std::size_t Out, class T = double>
struct gradients {
    T loss;
    stag::tensor<T, Hidden, In> w1;
    stag::tensor<T, Hidden> b1;
    stag::tensor<T, Out, Hidden> w2;
    stag::tensor<T, Out> b2;
};

// ---- hand-written: the forward pass, then backpropagation, in plain loops ----------------------------
// BranchFreeTanh: tanh by the branch-free form stag's loops use (detail::tanh_lanes), in a loop of
// its own that the compiler vectorises, rather than std::tanh once per unit, which g++ does not
// vectorise without -ffast-math: the hand-written code with the same function as stag's.
template <std::size_t In, std::size_t Hidden, std::size_t Out, class T = double, bool BranchFreeTanh = false>
[[gnu::noinline]] gradients<In, Hidden, Out, T> hand_grad(const network<In, Hidden, Out, T>& n, const stag::tensor<T, In>& x,
                                                         const stag::tensor<T, Out>& t) {
    gradients<In, Hidden, Out, T> g;  // written in full below
    T h[Hidden], r[Out];
    for (std::size_t j = 0; j < Hidden; ++j) {
        T a = n.b1(j);
        for (std::size_t k = 0; k < In; ++k) a += n.w1(j, k) * x(k);
        h[j] = a;
    }
    for (std::size_t j = 0; j < Hidden; ++j) {
        if constexpr (BranchFreeTanh) h[j] = stag::detail::tanh_lanes(h[j]);
        else h[j] = std::tanh(h[j]);
    }
    T loss = 0;
    for (std::size_t o = 0; o < Out; ++o) {
        T out = n.b2(o);
        for (std::size_t j = 0; j < Hidden; ++j) out += n.w2(o, j) * h[j];
        r[o] = out - t(o);
        loss += r[o] * r[o];
    }
    g.loss = T(0.5) * loss;
    for (std::size_t o = 0; o < Out; ++o) {
        g.b2(o) = r[o];
        for (std::size_t j = 0; j < Hidden; ++j) g.w2(o, j) = r[o] * h[j];
    }
    // The hidden adjoint W2^T r row by row, so that the inner loop runs along a row of W2 and
    // vectorises (summing down a column, `for j: for o: dh += w2(o, j) * r[o]`, does not).
    T dh[Hidden] = {};
    for (std::size_t o = 0; o < Out; ++o)
        for (std::size_t j = 0; j < Hidden; ++j) dh[j] += r[o] * n.w2(o, j);
    for (std::size_t j = 0; j < Hidden; ++j) {
        const T dz = dh[j] * (1 - h[j] * h[j]);
        g.b1(j) = dz;
        for (std::size_t k = 0; k < In; ++k) g.w1(j, k) = dz * x(k);
    }
    return g;
}

template <std::size_t In, std::size_t Hidden, std::size_t Out>
[[gnu::noinline]] stag::tensor<double, Out> hand_infer(const network<In, Hidden, Out>& n, const stag::tensor<double, In>& x) {
    stag::tensor<double, Out> y;  // written in full below
    double h[Hidden];
    for (std::size_t j = 0; j < Hidden; ++j) {
        double a = n.b1(j);
        for (std::size_t k = 0; k < In; ++k) a += n.w1(j, k) * x(k);
        h[j] = std::tanh(a);
    }
    for (std::size_t o = 0; o < Out; ++o) {
        double out = n.b2(o);
        for (std::size_t j = 0; j < Hidden; ++j) out += n.w2(o, j) * h[j];
        y(o) = out;
    }
    return y;
}

// ---- stag --------------------------------------------------------------------------------------------
template <std::size_t In, std::size_t Hidden, std::size_t Out, class T = double>
[[gnu::noinline]] auto stag_grad(const network<In, Hidden, Out, T>& n, const stag::tensor<T, In>& x, const stag::tensor<T, Out>& t) {
    using m = typename network<In, Hidden, Out, T>::model;
    return stag::value_and_grad(m::loss, m::W1, m::b1, m::W2, m::b2)(m::W1 = n.w1, m::b1 = n.b1, m::W2 = n.w2, m::b2 = n.b2, m::x = x,
                                                                    m::t = t);
}

/// The gradient written into the caller's struct (the hand-written code's) by into.
template <std::size_t In, std::size_t Hidden, std::size_t Out, class T = double>
[[gnu::noinline]] gradients<In, Hidden, Out, T> stag_into(const network<In, Hidden, Out, T>& n, const stag::tensor<T, In>& x,
                                                         const stag::tensor<T, Out>& t) {
    using m = typename network<In, Hidden, Out, T>::model;
    gradients<In, Hidden, Out, T> g;  // written in full below
    g.loss = stag::value_and_grad(m::loss, m::W1, m::b1, m::W2, m::b2)
                 .into(g.w1, g.b1, g.w2, g.b2)(m::W1 = n.w1, m::b1 = n.b1, m::W2 = n.w2, m::b2 = n.b2, m::x = x, m::t = t);
    return g;
}

// ---- the Hessian: rows stag::hessian_lanes per sweep, against one sweep per row ------------------------
/// Every entry of the Hessian of the loss in all the network's parameters, row by row (row-major
/// in W1, b1, W2, b2 for rows and columns alike).
template <std::size_t In, std::size_t Hidden, std::size_t Out>
[[gnu::noinline]] std::vector<double> stag_hessian(const network<In, Hidden, Out>& n, const stag::tensor<double, In>& x,
                                                   const stag::tensor<double, Out>& t) {
    using m = typename network<In, Hidden, Out>::model;
    const auto H = stag::hessian(m::loss, m::W1, m::b1, m::W2, m::b2)(m::W1 = n.w1, m::b1 = n.b1, m::W2 = n.w2, m::b2 = n.b2, m::x = x,
                                                                     m::t = t);
    std::vector<double> all;
    for (const auto& row : H.rows) {
        all.insert(all.end(), row[m::W1].data(), row[m::W1].data() + Hidden * In);
        all.insert(all.end(), row[m::b1].data(), row[m::b1].data() + Hidden);
        all.insert(all.end(), row[m::W2].data(), row[m::W2].data() + Out * Hidden);
        all.insert(all.end(), row[m::b2].data(), row[m::b2].data() + Out);
    }
    return all;
}
/// The same rows as a careful user would get them without stag::hessian: one Hessian-vector
/// product (one sweep over one-tangent duals) along each parameter's unit vector.
template <std::size_t In, std::size_t Hidden, std::size_t Out>
[[gnu::noinline]] std::vector<double> stag_hvp_rows(const network<In, Hidden, Out>& n, const stag::tensor<double, In>& x,
                                                    const stag::tensor<double, Out>& t) {
    using m = typename network<In, Hidden, Out>::model;
    network<In, Hidden, Out> u;  // the unit tangent, one element at a time
    std::fill_n(u.w1.data(), Hidden * In, 0.0);
    std::fill_n(u.b1.data(), Hidden, 0.0);
    std::fill_n(u.w2.data(), Out * Hidden, 0.0);
    std::fill_n(u.b2.data(), Out, 0.0);
    std::vector<double> all;
    auto rows_of = [&](double* e, std::size_t count) {
        for (std::size_t k = 0; k < count; ++k) {
            e[k] = 1;
            const auto r = stag::hvp(m::loss, stag::primals(m::W1 = n.w1, m::b1 = n.b1, m::W2 = n.w2, m::b2 = n.b2, m::x = x, m::t = t),
                                     stag::tangents(m::W1 = u.w1, m::b1 = u.b1, m::W2 = u.w2, m::b2 = u.b2));
            e[k] = 0;
            all.insert(all.end(), r.hvp[m::W1].data(), r.hvp[m::W1].data() + Hidden * In);
            all.insert(all.end(), r.hvp[m::b1].data(), r.hvp[m::b1].data() + Hidden);
            all.insert(all.end(), r.hvp[m::W2].data(), r.hvp[m::W2].data() + Out * Hidden);
            all.insert(all.end(), r.hvp[m::b2].data(), r.hvp[m::b2].data() + Out);
        }
    };
    rows_of(u.w1.data(), Hidden * In);
    rows_of(u.b1.data(), Hidden);
    rows_of(u.w2.data(), Out * Hidden);
    rows_of(u.b2.data(), Out);
    return all;
}

#if defined(STAG_HAVE_EIGEN)
// ---- hand-written on Eigen: the same backpropagation with fixed-size matrices -----------------------------
// The network's tensors are mapped, not copied (row-major, as Eigen's RowMajor matrices); the
// gradients are Eigen matrices in a struct of the caller's.
template <std::size_t In, std::size_t Hidden, std::size_t Out>
struct eigen_gradients {
    double loss;
    Eigen::Matrix<double, int(Hidden), int(In), In == 1 ? Eigen::ColMajor : Eigen::RowMajor> w1;
    Eigen::Matrix<double, int(Hidden), 1> b1;
    Eigen::Matrix<double, int(Out), int(Hidden), Hidden == 1 ? Eigen::ColMajor : Eigen::RowMajor> w2;
    Eigen::Matrix<double, int(Out), 1> b2;
};
template <std::size_t In, std::size_t Hidden, std::size_t Out>
[[gnu::noinline]] eigen_gradients<In, Hidden, Out> eigen_grad(const network<In, Hidden, Out>& n, const stag::tensor<double, In>& x,
                                                              const stag::tensor<double, Out>& t) {
    using G = eigen_gradients<In, Hidden, Out>;
    using W1 = Eigen::Map<const std::remove_cvref_t<decltype(G::w1)>>;
    using W2 = Eigen::Map<const std::remove_cvref_t<decltype(G::w2)>>;
    using V = Eigen::Map<const Eigen::Matrix<double, int(In), 1>>;
    using H = Eigen::Map<const Eigen::Matrix<double, int(Hidden), 1>>;
    using O = Eigen::Map<const Eigen::Matrix<double, int(Out), 1>>;
    const W1 w1(n.w1.data());
    const W2 w2(n.w2.data());
    const V xv(x.data());
    G g;
    const Eigen::Matrix<double, int(Hidden), 1> h = (w1 * xv + H(n.b1.data())).array().tanh().matrix();
    const Eigen::Matrix<double, int(Out), 1> r = w2 * h + O(n.b2.data()) - O(t.data());
    g.loss = 0.5 * r.squaredNorm();
    g.b2 = r;
    g.w2.noalias() = r * h.transpose();
    g.b1 = ((w2.transpose() * r).array() * (1.0 - h.array().square())).matrix();
    g.w1.noalias() = g.b1 * xv.transpose();
    return g;
}
#endif

template <std::size_t In, std::size_t Hidden, std::size_t Out>
[[gnu::noinline]] stag::tensor<double, Out> stag_infer(const network<In, Hidden, Out>& n, const stag::tensor<double, In>& x) {
    using m = typename network<In, Hidden, Out>::model;
    return stag::eval(m::out, m::W1 = n.w1, m::b1 = n.b1, m::W2 = n.w2, m::b2 = n.b2, m::x = x);
}

// ---- one optimizer step: Adam on every parameter -------------------------------------------------------
// Hand-written Adam over the four tensors, with the textbook bias correction.
template <std::size_t In, std::size_t Hidden, std::size_t Out>
struct hand_adam {
    double rate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, p1 = 1, p2 = 1;
    gradients<In, Hidden, Out> m{}, v{};
    template <class P, class G, class M>
    static void update(P& p, const G& g, M& m, M& v, double rate, double b1, double b2, double c1, double c2, double eps) {
        for (std::size_t i = 0; i < p.size(); ++i) {
            m.data()[i] = b1 * m.data()[i] + (1 - b1) * g.data()[i];
            v.data()[i] = b2 * v.data()[i] + (1 - b2) * g.data()[i] * g.data()[i];
            p.data()[i] -= rate * (m.data()[i] / c1) / (std::sqrt(v.data()[i] / c2) + eps);
        }
    }
    [[gnu::noinline]] void step(network<In, Hidden, Out>& n, const gradients<In, Hidden, Out>& g) {
        p1 *= beta1;
        p2 *= beta2;
        const double c1 = 1 - p1, c2 = 1 - p2;
        update(n.w1, g.w1, m.w1, v.w1, rate, beta1, beta2, c1, c2, epsilon);
        update(n.b1, g.b1, m.b1, v.b1, rate, beta1, beta2, c1, c2, epsilon);
        update(n.w2, g.w2, m.w2, v.w2, rate, beta1, beta2, c1, c2, epsilon);
        update(n.b2, g.b2, m.b2, v.b2, rate, beta1, beta2, c1, c2, epsilon);
    }
};

template <class Adam, class G>
[[gnu::noinline]] void stag_adam_step(Adam& opt, const G& g) {
    opt.step(g.w1, g.b1, g.w2, g.b2);
}

// ---- the benchmarks ---------------------------------------------------------------------------------
/// Run(network, input, target) for a gradient, Run(network, input) for inference, on the next
/// sample at every call.
template <std::size_t In, std::size_t Hidden, std::size_t Out, auto Run, class T = double>
void bench_pass(benchmark::State& state) {
    const network<In, Hidden, Out, T> n;
    const samples<In, Out, T> s;
    std::size_t p = 0;
    for (auto _ : state) {
        if constexpr (requires { Run(n, s.x[p], s.t[p]); }) {
            const auto result = Run(n, s.x[p], s.t[p]);
            benchmark::DoNotOptimize(result);
        } else {
            const auto result = Run(n, s.x[p]);
            benchmark::DoNotOptimize(result);
        }
        p = (p + 1) % points;
    }
}
template <std::size_t In, std::size_t Hidden, std::size_t Out>
void bench_adam_hand(benchmark::State& state) {
    network<In, Hidden, Out> n;
    const samples<In, Out> s;
    const auto g = hand_grad(n, s.x[0], s.t[0]);
    hand_adam<In, Hidden, Out> opt{1e-6};
    for (auto _ : state) {
        opt.step(n, g);
        benchmark::DoNotOptimize(n);
    }
}
template <std::size_t In, std::size_t Hidden, std::size_t Out>
void bench_adam_stag(benchmark::State& state) {
    network<In, Hidden, Out> n;
    const samples<In, Out> s;
    const auto g = hand_grad(n, s.x[0], s.t[0]);
    stag::adam opt(1e-6, n.w1, n.b1, n.w2, n.b2);
    for (auto _ : state) {
        stag_adam_step(opt, g);
        benchmark::DoNotOptimize(n);
    }
}

BENCHMARK(bench_pass<4, 8, 1, hand_grad<4, 8, 1>>)->Name("mlp_4_8_1/grad/hand");
BENCHMARK(bench_pass<4, 8, 1, stag_grad<4, 8, 1>>)->Name("mlp_4_8_1/grad/stag");
BENCHMARK(bench_pass<32, 64, 10, hand_grad<32, 64, 10>>)->Name("mlp_32_64_10/grad/hand");
BENCHMARK(bench_pass<32, 64, 10, stag_grad<32, 64, 10>>)->Name("mlp_32_64_10/grad/stag");
BENCHMARK(bench_pass<4, 8, 1, hand_grad<4, 8, 1, double, true>>)->Name("mlp_4_8_1/grad/hand_branch_free_tanh");
BENCHMARK(bench_pass<32, 64, 10, hand_grad<32, 64, 10, double, true>>)->Name("mlp_32_64_10/grad/hand_branch_free_tanh");
BENCHMARK(bench_pass<4, 8, 1, stag_into<4, 8, 1>>)->Name("mlp_4_8_1/grad/stag_into");
BENCHMARK(bench_pass<32, 64, 10, stag_into<32, 64, 10>>)->Name("mlp_32_64_10/grad/stag_into");
#if defined(STAG_HAVE_EIGEN)
BENCHMARK(bench_pass<4, 8, 1, eigen_grad<4, 8, 1>>)->Name("mlp_4_8_1/grad/hand_eigen");
BENCHMARK(bench_pass<32, 64, 10, eigen_grad<32, 64, 10>>)->Name("mlp_32_64_10/grad/hand_eigen");
#endif
// The same gradients in float: stag's tensor loops then use float lanes (twice as many per vector).
BENCHMARK(bench_pass<4, 8, 1, hand_grad<4, 8, 1, float>, float>)->Name("mlp_4_8_1_float/grad/hand");
BENCHMARK(bench_pass<4, 8, 1, hand_grad<4, 8, 1, float, true>, float>)->Name("mlp_4_8_1_float/grad/hand_branch_free_tanh");
BENCHMARK(bench_pass<4, 8, 1, stag_into<4, 8, 1, float>, float>)->Name("mlp_4_8_1_float/grad/stag_into");
BENCHMARK(bench_pass<32, 64, 10, hand_grad<32, 64, 10, float>, float>)->Name("mlp_32_64_10_float/grad/hand");
BENCHMARK(bench_pass<32, 64, 10, hand_grad<32, 64, 10, float, true>, float>)->Name("mlp_32_64_10_float/grad/hand_branch_free_tanh");
BENCHMARK(bench_pass<32, 64, 10, stag_into<32, 64, 10, float>, float>)->Name("mlp_32_64_10_float/grad/stag_into");
BENCHMARK(bench_pass<4, 8, 1, hand_infer<4, 8, 1>>)->Name("mlp_4_8_1/infer/hand");
BENCHMARK(bench_pass<4, 8, 1, stag_infer<4, 8, 1>>)->Name("mlp_4_8_1/infer/stag");
BENCHMARK(bench_pass<32, 64, 10, hand_infer<32, 64, 10>>)->Name("mlp_32_64_10/infer/hand");
BENCHMARK(bench_pass<32, 64, 10, stag_infer<32, 64, 10>>)->Name("mlp_32_64_10/infer/stag");
BENCHMARK(bench_adam_hand<4, 8, 1>)->Name("mlp_4_8_1/adam_step/hand");
BENCHMARK(bench_adam_stag<4, 8, 1>)->Name("mlp_4_8_1/adam_step/stag");
BENCHMARK(bench_adam_hand<32, 64, 10>)->Name("mlp_32_64_10/adam_step/hand");
BENCHMARK(bench_adam_stag<32, 64, 10>)->Name("mlp_32_64_10/adam_step/stag");
BENCHMARK(bench_pass<4, 8, 1, stag_hvp_rows<4, 8, 1>>)->Name("mlp_4_8_1/hessian/hvp_per_row");
BENCHMARK(bench_pass<4, 8, 1, stag_hessian<4, 8, 1>>)->Name("mlp_4_8_1/hessian/stag");

// ---- --check: stag against the hand-written code, at every input ---------------------------------------
template <std::size_t In, std::size_t Hidden, std::size_t Out>
double worst_error() {
    const network<In, Hidden, Out> n;
    const samples<In, Out> s;
    double worst = 0;
    auto compare = [&](const auto& a, const auto& b) {
        for (std::size_t i = 0; i < b.size(); ++i)
            worst = std::max(worst, std::fabs(a.data()[i] - b.data()[i]) / std::max(1.0, std::fabs(b.data()[i])));
    };
    using m = typename network<In, Hidden, Out>::model;
    for (std::size_t p = 0; p < points; ++p) {
        const auto want = hand_grad(n, s.x[p], s.t[p]);
        const auto got = stag_grad(n, s.x[p], s.t[p]);
        worst = std::max(worst, std::fabs(got.value - want.loss) / std::max(1.0, want.loss));
        compare(got.grad[m::W1], want.w1);
        compare(got.grad[m::b1], want.b1);
        compare(got.grad[m::W2], want.w2);
        compare(got.grad[m::b2], want.b2);
        // The loss and gradients of a struct laid out as the hand-written code's.
        auto compare_struct = [&](const auto& g) {
            worst = std::max(worst, std::fabs(g.loss - want.loss) / std::max(1.0, want.loss));
            compare(g.w1, want.w1);
            compare(g.b1, want.b1);
            compare(g.w2, want.w2);
            compare(g.b2, want.b2);
        };
        compare_struct(stag_into(n, s.x[p], s.t[p]));
        compare_struct(hand_grad<In, Hidden, Out, double, true>(n, s.x[p], s.t[p]));
#if defined(STAG_HAVE_EIGEN)
        compare_struct(eigen_grad(n, s.x[p], s.t[p]));
#endif
        compare(stag_infer(n, s.x[p]), hand_infer(n, s.x[p]));
    }
    // One Adam step each, from the same gradient.
    network<In, Hidden, Out> a, b;
    const auto g = hand_grad(a, s.x[0], s.t[0]);
    hand_adam<In, Hidden, Out> hand_opt{1e-3};
    stag::adam stag_opt(1e-3, b.w1, b.b1, b.w2, b.b2);
    for (int step = 0; step < 3; ++step) {
        hand_opt.step(a, g);
        stag_adam_step(stag_opt, g);
    }
    compare(b.w1, a.w1);
    compare(b.b2, a.b2);
    // The Hessian, its rows eight per sweep, against one Hessian-vector product per row.
    if constexpr (In * Hidden < 100) compare(stag_hessian(n, s.x[0], s.t[0]), stag_hvp_rows(n, s.x[0], s.t[0]));
    return worst;
}

/// The float gradient written by stag against the hand-written float code.
template <std::size_t In, std::size_t Hidden, std::size_t Out>
double worst_float_error() {
    const network<In, Hidden, Out, float> n;
    const samples<In, Out, float> s;
    double worst = 0;
    auto compare = [&](const auto& a, const auto& b) {
        for (std::size_t i = 0; i < b.size(); ++i)
            worst = std::max(worst, std::fabs(double(a.data()[i]) - double(b.data()[i])) / std::max(1.0, std::fabs(double(b.data()[i]))));
    };
    for (std::size_t p = 0; p < points; ++p) {
        const auto want = hand_grad(n, s.x[p], s.t[p]);
        for (const auto& got : {stag_into(n, s.x[p], s.t[p]), hand_grad<In, Hidden, Out, float, true>(n, s.x[p], s.t[p])}) {
            worst = std::max(worst, std::fabs(double(got.loss) - double(want.loss)) / std::max(1.0, double(want.loss)));
            compare(got.w1, want.w1);
            compare(got.b1, want.b1);
            compare(got.w2, want.w2);
            compare(got.b2, want.b2);
        }
    }
    return worst;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--check") {
        const double small = worst_error<4, 8, 1>(), large = worst_error<32, 64, 10>();
        const double small_float = worst_float_error<4, 8, 1>(), large_float = worst_float_error<32, 64, 10>();
        const bool ok = small <= 1e-12 && large <= 1e-12 && small_float <= 1e-5 && large_float <= 1e-5;
        std::printf("largest relative error: 4-8-1 %.3g, 32-64-10 %.3g; in float %.3g, %.3g\n%s\n", small, large, small_float,
                    large_float, ok ? "stag agrees with hand-written code" : "stag DISAGREES with hand-written code");
        return ok ? 0 : 1;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
