// stag against established C++ AD libraries, side by side in one binary (the peers issue):
// P1 (seed graph), P2 (scalar function of five inputs), P3 (sum of 16 or 256 inputs), P4
// (log-sum-exp of 16 or 256 inputs), P5 (normal log-likelihood of 64 observations in mu and sigma)
// and P6 (loss of a small MLP in its 49 parameters). stag's rows for P3 to P6 need its tensor engine
// and come with it. Every contender computes the value and the full gradient per call, on inputs
// that change from call to call (64 points), and writes the results to memory.
//
//   bench_peers --check        checks every contender's gradient against the hand-written one
//   bench_peers [benchmark flags]
//
// A peer whose Debian package is missing is left out at configure time (STAG_HAVE_* below).
// Each benchmark reports heap allocations per call in the `allocs` counter.
#include <benchmark/benchmark.h>
#include <stag/stag.hpp>

#include "problems.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <span>
#include <numbers>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if STAG_HAVE_ADOLC
#include <adolc/adolc.h>
#endif
#if STAG_HAVE_SACADO
#include <Sacado.hpp>
#endif
#if STAG_HAVE_CERES
#include <ceres/jet.h>
#endif
#if STAG_HAVE_EIGEN
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>
#endif
#if STAG_HAVE_BOOST_AUTODIFF
#include <boost/math/differentiation/autodiff.hpp>
#endif

// ---- heap allocations, counted for every contender ------------------------------------------------
// The malloc family is replaced in this executable, which ELF symbol interposition makes the one
// every shared library calls too (ADOL-C allocates with malloc, C++ code with operator new, which
// calls malloc); each forwards to glibc's own entry point.
namespace {
std::atomic<std::size_t> allocations{0};
}
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(alignment, n);
}
void free(void* p) { __libc_free(p); }
}

namespace {

constexpr std::size_t points = 64;

template <std::size_t N>
struct result {
    double value;
    std::array<double, N> grad;
};

// ---- the problems, written once for every scalar type ---------------------------------------------
struct P1 {
    static constexpr std::size_t n = 3;
    static constexpr const char* name = "P1_seed";
    template <class T>
    static T f(const std::array<T, n>& v) {
        return (v[0] + v[1]) * v[2];
    }
    static std::array<double, n> point(std::size_t i) { return {1.0 + 0.01 * i, 3.0 - 0.02 * i, -3.0 + 0.03 * i}; }
};
struct P2 {
    static constexpr std::size_t n = 5;
    static constexpr const char* name = "P2_scalar";
    template <class T>
    static T f(const std::array<T, n>& v) {
        using std::cos, std::exp, std::log, std::sin, std::sqrt, std::tanh;
        const T &a = v[0], &b = v[1], &c = v[2], &d = v[3], &e = v[4];
        return sin(a * b) + exp(c / d) * log(1.0 + e * e) + tanh(a - c) * sqrt(b * b + d * d + 1.0) +
               (a * b * c) / (1.0 + d * d + e * e) - a * cos(b - e);
    }
    // a = 0.5, b = 1.2, c = 0.8, d = 1.5, e = 0.3 and nearby points.
    static std::array<double, n> point(std::size_t i) {
        const double t = 0.01 * static_cast<double>(i % 16) - 0.08;
        return {0.5 + t, 1.2 - t, 0.8 + 0.5 * t, 1.5 + t, 0.3 - 0.5 * t};
    }
};
// P3 and P4 come in two sizes: 16 inputs, where a forward-mode peer carries a short derivative vector,
// and 256, where it carries 256 derivatives through every operation.
template <std::size_t N>
struct P3 {
    static_assert(N == 16 || N == 256);
    static constexpr std::size_t n = N;
    static constexpr const char* name = N == 16 ? "P3_sum16" : "P3_sum256";
    template <class T>
    static T f(const std::array<T, n>& v) {
        T s = v[0];
        for (std::size_t k = 1; k < n; ++k) s += v[k];
        return s;
    }
    static std::array<double, n> point(std::size_t i) {
        std::array<double, n> v;
        for (std::size_t k = 0; k < n; ++k) v[k] = 1.0 + 0.5 * std::sin(0.9 * double(k) + 0.1 * double(i));
        return v;
    }
};
template <std::size_t N>
struct P4 {
    static_assert(N == 16 || N == 256);
    static constexpr std::size_t n = N;
    static constexpr const char* name = N == 16 ? "P4_logsumexp16" : "P4_logsumexp256";
    template <class T>
    static T f(const std::array<T, n>& v) {
        using std::exp, std::log;
        T s = exp(v[0]);
        for (std::size_t k = 1; k < n; ++k) s += exp(v[k]);
        return log(s);
    }
    // Inputs in [-0.5, 0.5]: exp cannot overflow, so no shift by the largest input is needed.
    static std::array<double, n> point(std::size_t i) {
        std::array<double, n> v;
        for (std::size_t k = 0; k < n; ++k) v[k] = 0.5 * std::sin(1.3 * double(k) + 0.1 * double(i));
        return v;
    }
};
struct P5 {
    static constexpr std::size_t n = 2;
    static constexpr const char* name = "P5_normal";
    static constexpr std::size_t m = 64;  // observations
    static inline const double half_log_2pi = 0.5 * std::log(2 * std::numbers::pi);
    static inline const std::array<double, m> y = [] {
        std::array<double, m> obs;
        for (std::size_t i = 0; i < m; ++i) obs[i] = 0.5 + std::sin(2.3 * double(i)) + 0.3 * std::cos(0.7 * double(i));
        return obs;
    }();
    // The sum of log N(y_i | mu, sigma); log(sigma), the same in every term, is taken once, as anyone
    // writing it would.
    template <class T>
    static T f(const std::array<T, n>& v) {
        using std::log;
        const T &mu = v[0], &sigma = v[1];
        const T log_sigma = log(sigma);
        T s(0.0);
        for (const double yi : y) {
            const T z = (yi - mu) / sigma;
            s += -0.5 * z * z - log_sigma - half_log_2pi;
        }
        return s;
    }
    // mu = 0.5, sigma = 1.3 and nearby points.
    static std::array<double, n> point(std::size_t i) {
        const double t = 0.01 * static_cast<double>(i % 16) - 0.08;
        return {0.5 + t, 1.3 - 0.5 * t};
    }
};
// P6: h = tanh(W1 x + b1), out = W2 h + b2, loss = (out - t)^2 / 2 with W1 8x4, b1 8, W2 1x8, b2 1;
// the inputs are the 49 parameters: W1 row by row, b1, W2, b2.
struct P6 {
    static constexpr std::size_t hidden = 8, inputs = 4;
    static constexpr std::size_t n = hidden * inputs + hidden + hidden + 1;
    static constexpr std::size_t b1 = hidden * inputs, w2 = b1 + hidden, b2 = w2 + hidden;  // offsets
    static constexpr const char* name = "P6_mlp";
    static constexpr std::array<double, inputs> x{0.5, -1.0, 0.25, 2.0};
    static constexpr double t = 0.7;
    template <class T>
    static T f(const std::array<T, n>& w) {
        using std::tanh;
        T out = w[b2];
        for (std::size_t j = 0; j < hidden; ++j) {
            T a = w[b1 + j];
            for (std::size_t k = 0; k < inputs; ++k) a += w[inputs * j + k] * x[k];
            out += w[w2 + j] * tanh(a);
        }
        const T r = out - t;
        return 0.5 * r * r;
    }
    static std::array<double, n> point(std::size_t i) {
        std::array<double, n> w;
        for (std::size_t k = 0; k < n; ++k) w[k] = 0.3 * std::sin(1.7 * double(k) + 0.1 * double(i));
        return w;
    }
};

// ---- hand-written adjoint code ------------------------------------------------------------------
[[gnu::noinline]] result<3> hand(const P1&, const std::array<double, 3>& v) {
    const double s = v[0] + v[1];
    return {s * v[2], {v[2], v[2], s}};
}
[[gnu::noinline]] result<5> hand(const P2&, const std::array<double, 5>& v) {
    const double a = v[0], b = v[1], c = v[2], d = v[3], e = v[4];
    const double ab = a * b, s1 = std::sin(ab), cab = std::cos(ab);
    const double cd = c / d, ex = std::exp(cd), ee = e * e, l1 = 1 + ee, lg = std::log(l1);
    const double th = std::tanh(a - c), dd = d * d, q = b * b + dd + 1, sq = std::sqrt(q);
    const double abc = ab * c, den = 1 + dd + ee, t4 = abc / den;
    const double be = b - e, cbe = std::cos(be), sbe = std::sin(be);
    const double value = s1 + ex * lg + th * sq + t4 - a * cbe;
    const double g_den = -t4 / den;  // d t4 / d den
    const double dth = 1 - th * th;
    const double g_ex = lg * ex / d;  // d(ex*lg)/dc
    const double ga = cab * b + dth * sq + b * c / den - cbe;
    const double gb = cab * a + th * b / sq + a * c / den + a * sbe;
    const double gc = g_ex - dth * sq + ab / den;
    const double gd = -g_ex * cd + th * d / sq + g_den * 2 * d;
    const double ge = ex * 2 * e / l1 + g_den * 2 * e - a * sbe;
    return {value, {ga, gb, gc, gd, ge}};
}
// Plain loops: the compiler keeps the order of a floating-point sum as written (no -ffast-math), so
// each reduction below runs one addition after the other, and exp is glibc's scalar one.
template <std::size_t N>
[[gnu::noinline]] result<N> hand(const P3<N>&, const std::array<double, N>& v) {
    result<N> r{v[0], {}};
    for (std::size_t k = 1; k < N; ++k) r.value += v[k];
    r.grad.fill(1.0);
    return r;
}
template <std::size_t N>
[[gnu::noinline]] result<N> hand(const P4<N>&, const std::array<double, N>& v) {
    result<N> r;
    double s = 0;
    for (std::size_t k = 0; k < N; ++k) {
        r.grad[k] = std::exp(v[k]);
        s += r.grad[k];
    }
    r.value = std::log(s);
    const double inv = 1 / s;
    for (double& g : r.grad) g *= inv;
    return r;
}
[[gnu::noinline]] result<2> hand(const P5&, const std::array<double, 2>& v) {
    const double mu = v[0], sigma = v[1], inv = 1 / sigma;
    double sz = 0, szz = 0;  // the sums of z and of z^2, z = (y - mu) / sigma
    for (const double yi : P5::y) {
        const double z = (yi - mu) * inv;
        sz += z;
        szz += z * z;
    }
    const double m = P5::m;
    return {-0.5 * szz - m * (std::log(sigma) + P5::half_log_2pi), {sz * inv, (szz - m) * inv}};
}
[[gnu::noinline]] result<P6::n> hand(const P6&, const std::array<double, P6::n>& w) {
    std::array<double, P6::hidden> h;
    double out = w[P6::b2];
    for (std::size_t j = 0; j < P6::hidden; ++j) {
        double a = w[P6::b1 + j];
        for (std::size_t k = 0; k < P6::inputs; ++k) a += w[P6::inputs * j + k] * P6::x[k];
        h[j] = std::tanh(a);
        out += w[P6::w2 + j] * h[j];
    }
    const double r = out - P6::t;
    result<P6::n> g;
    g.value = 0.5 * r * r;
    for (std::size_t j = 0; j < P6::hidden; ++j) {
        const double ga = r * w[P6::w2 + j] * (1 - h[j] * h[j]);  // d loss / d (W1 x + b1)_j
        for (std::size_t k = 0; k < P6::inputs; ++k) g.grad[P6::inputs * j + k] = ga * P6::x[k];
        g.grad[P6::b1 + j] = ga;
        g.grad[P6::w2 + j] = r * h[j];
    }
    g.grad[P6::b2] = r;
    return g;
}

#if STAG_HAVE_EIGEN
// g++ 12 warns that its own AVX-512 intrinsics read an uninitialised register (_mm512_undefined_pd,
// in Eigen's exp and sums: GCC bug 105593, fixed after 12.2).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
// The same adjoint code on Eigen's fixed-size arrays: its reductions keep vector partial sums (8
// doubles to a register with AVX-512), and its exp is vectorised, where the plain loops above run
// one element at a time. Maps leave the inputs and gradients where they are, unaligned.
template <std::size_t N>
using eigen_array = Eigen::Array<double, int(N), 1>;
template <std::size_t N>
[[gnu::noinline]] result<N> hand_eigen(const P3<N>&, const std::array<double, N>& v) {
    result<N> r;
    r.value = Eigen::Map<const eigen_array<N>>(v.data()).sum();
    Eigen::Map<eigen_array<N>>(r.grad.data()).setOnes();
    return r;
}
template <std::size_t N>
[[gnu::noinline]] result<N> hand_eigen(const P4<N>&, const std::array<double, N>& v) {
    result<N> r;
    Eigen::Map<eigen_array<N>> g(r.grad.data());
    g = Eigen::Map<const eigen_array<N>>(v.data()).exp();
    const double s = g.sum();
    r.value = std::log(s);
    g *= 1 / s;
    return r;
}
[[gnu::noinline]] result<2> hand_eigen(const P5&, const std::array<double, 2>& v) {
    const double mu = v[0], sigma = v[1], inv = 1 / sigma;
    const eigen_array<P5::m> z = (Eigen::Map<const eigen_array<P5::m>>(P5::y.data()) - mu) * inv;
    const double sz = z.sum(), szz = z.square().sum(), m = P5::m;
    return {-0.5 * szz - m * (std::log(sigma) + P5::half_log_2pi), {sz * inv, (szz - m) * inv}};
}
#pragma GCC diagnostic pop
#endif

// ---- stag ----------------------------------------------------------------------------------------
using namespace stag_problems;

[[gnu::noinline]] result<3> with_stag(const P1&, const std::array<double, 3>& v) {
    const auto r = stag::value_and_grad(p1, x, y, z)(x = v[0], y = v[1], z = v[2]);
    return {r.value, {r.grad[x], r.grad[y], r.grad[z]}};
}
[[gnu::noinline]] result<5> with_stag(const P2&, const std::array<double, 5>& v) {
    const auto r = stag::value_and_grad(p2, a, b, c, d, e)(a = v[0], b = v[1], c = v[2], d = v[3], e = v[4]);
    return {r.value, {r.grad[a], r.grad[b], r.grad[c], r.grad[d], r.grad[e]}};
}
// P3 and P4: a tensor variable is bound to the input array itself (no copy), and the gradient is
// written straight into the result's array (`into`), where the hand-written code writes it.
template <std::size_t N, class F>
result<N> stag_over_vector(const F& f, const std::array<double, N>& in) {
    result<N> out;  // written in full below
    out.value = stag::value_and_grad(f, v<N>).into(out.grad)(v<N> = in);
    return out;
}
template <std::size_t N>
[[gnu::noinline]] result<N> with_stag(const P3<N>&, const std::array<double, N>& in) {
    return stag_over_vector(p3<N>, in);
}
template <std::size_t N>
[[gnu::noinline]] result<N> with_stag(const P4<N>&, const std::array<double, N>& in) {
    return stag_over_vector(p4<N>, in);
}
[[gnu::noinline]] result<2> with_stag(const P5&, const std::array<double, 2>& in) {
    const auto r = stag::value_and_grad(p5, mu, sigma)(mu = in[0], sigma = in[1], obs = P5::y);
    return {r.value, {r.grad[mu], r.grad[sigma]}};
}
[[gnu::noinline]] result<P6::n> with_stag(const P6&, const std::array<double, P6::n>& in) {
    using m = p6;
    static constexpr stag::tensor<double, 1> target{P6::t};
    const auto r = stag::value_and_grad(m::loss, m::W1, m::b1, m::W2, m::b2)(
        m::W1 = std::span<const double, 32>(in.data(), 32), m::b1 = std::span<const double, 8>(in.data() + P6::b1, 8),
        m::W2 = std::span<const double, 8>(in.data() + P6::w2, 8), m::b2 = std::span<const double, 1>(in.data() + P6::b2, 1),
        m::x = P6::x, m::t = target);
    result<P6::n> out;  // written in full below
    out.value = r.value;
    auto to = std::copy(r.grad[m::W1].begin(), r.grad[m::W1].end(), out.grad.begin());
    to = std::copy(r.grad[m::b1].begin(), r.grad[m::b1].end(), to);
    to = std::copy(r.grad[m::W2].begin(), r.grad[m::W2].end(), to);
    *to = r.grad[m::b2](0);
    return out;
}

// ---- forward-mode peers: one sweep carrying n derivatives ------------------------------------------
// Make(value, i) makes input i; Value(y) and Deriv(y, i) read the result.
template <class P, class T, class Make, class Value, class Deriv>
result<P::n> forward_mode(const std::array<double, P::n>& v, Make make, Value value, Deriv deriv) {
    std::array<T, P::n> in;
    for (std::size_t i = 0; i < P::n; ++i) in[i] = make(v[i], i);
    const T out = P::f(in);
    result<P::n> r{value(out), {}};
    for (std::size_t i = 0; i < P::n; ++i) r.grad[i] = deriv(out, i);
    return r;
}

#if STAG_HAVE_SACADO
template <class Fad, class P>
[[gnu::noinline]] result<P::n> sacado(const P&, const std::array<double, P::n>& v) {
    return forward_mode<P, Fad>(
        v, [](double s, std::size_t i) { return Fad(int(P::n), int(i), s); }, [](const Fad& f) { return f.val(); },
        [](const Fad& f, std::size_t i) { return f.dx(int(i)); });
}
#endif
#if STAG_HAVE_CERES
template <class P>
[[gnu::noinline]] result<P::n> ceres_jet(const P&, const std::array<double, P::n>& v) {
    using J = ceres::Jet<double, int(P::n)>;
    return forward_mode<P, J>(
        v, [](double s, std::size_t i) { return J(s, int(i)); }, [](const J& j) { return j.a; },
        [](const J& j, std::size_t i) { return j.v[int(i)]; });
}
#endif
#if STAG_HAVE_EIGEN
template <class P>
[[gnu::noinline]] result<P::n> eigen_autodiff(const P&, const std::array<double, P::n>& v) {
    using AD = Eigen::AutoDiffScalar<Eigen::Matrix<double, int(P::n), 1>>;
    return forward_mode<P, AD>(
        v, [](double s, std::size_t i) { return AD(s, int(P::n), int(i)); }, [](const AD& f) { return f.value(); },
        [](const AD& f, std::size_t i) { return f.derivatives()(int(i)); });
}
#endif
#if STAG_HAVE_BOOST_AUTODIFF
// Boost's fvar carries one direction: one pass per input.
template <class P>
[[gnu::noinline]] result<P::n> boost_autodiff(const P&, const std::array<double, P::n>& v) {
    using F = boost::math::differentiation::autodiff_fvar<double, 1>;
    result<P::n> r{};
    for (std::size_t k = 0; k < P::n; ++k) {
        std::array<F, P::n> in;
        for (std::size_t i = 0; i < P::n; ++i) in[i] = F(v[i], i == k);
        const F out = P::f(in);
        r.value = out.derivative(0);
        r.grad[k] = out.derivative(1);
    }
    return r;
}
#endif

#if STAG_HAVE_ADOLC
// ADOL-C records a tape, then sweeps it: retaped at every call, or taped once and reused (valid
// here: no problem branches on its inputs).
template <class P>
std::array<adouble, P::n> adolc_inputs(const std::array<double, P::n>& v) {
    std::array<adouble, P::n> in;
    for (std::size_t i = 0; i < P::n; ++i) in[i] <<= v[i];
    return in;
}
template <class P>
[[gnu::noinline]] result<P::n> adolc_retape(const P&, const std::array<double, P::n>& v) {
    constexpr short tag = 1;
    result<P::n> r{};
    trace_on(tag);
    {
        const auto in = adolc_inputs<P>(v);
        adouble out = P::f(in);
        out >>= r.value;
    }
    trace_off();
    gradient(tag, int(P::n), v.data(), r.grad.data());
    return r;
}
// Tape 1 is the retaping contender's; each problem's kept tape takes the next free tag.
short adolc_free_tag = 2;
template <class P>
short adolc_taped() {
    static const short tag = [] {
        const short t = adolc_free_tag++;
        trace_on(t, 1);
        {
            const auto in = adolc_inputs<P>(P::point(0));
            adouble out = P::f(in);
            double ignored = 0;
            out >>= ignored;
        }
        trace_off();
        return t;
    }();
    return tag;
}
template <class P>
[[gnu::noinline]] result<P::n> adolc_reuse(const P&, const std::array<double, P::n>& v) {
    const short tag = adolc_taped<P>();
    result<P::n> r{};
    zos_forward(tag, 1, int(P::n), 1, v.data(), &r.value);  // keep = 1: ready for the reverse sweep
    double seed = 1.0;
    fos_reverse(tag, 1, int(P::n), &seed, r.grad.data());
    return r;
}
#endif

// ---- the contenders, by name -------------------------------------------------------------------------
template <class P>
struct contender {
    std::string name;
    result<P::n> (*run)(const P&, const std::array<double, P::n>&);
};

template <class P>
std::vector<contender<P>> contenders() {
    std::vector<contender<P>> list{{"hand", &hand}};
#if STAG_HAVE_EIGEN
    if constexpr (requires { hand_eigen(P{}, std::declval<const std::array<double, P::n>&>()); })
        list.push_back({"hand_eigen", &hand_eigen});
#endif
    if constexpr (requires { with_stag(P{}, std::declval<const std::array<double, P::n>&>()); })
        list.push_back({"stag", &with_stag});
#if STAG_HAVE_ADOLC
    list.push_back({"adolc_retape", &adolc_retape<P>});
    list.push_back({"adolc_reuse", &adolc_reuse<P>});
#endif
#if STAG_HAVE_SACADO
    list.push_back({"sacado_SFad", &sacado<Sacado::Fad::SFad<double, int(P::n)>, P>});
    list.push_back({"sacado_CacheFad", &sacado<Sacado::CacheFad::SFad<double, int(P::n)>, P>});
    list.push_back({"sacado_ELRCacheFad", &sacado<Sacado::ELRCacheFad::SFad<double, int(P::n)>, P>});
#endif
#if STAG_HAVE_CERES
    list.push_back({"ceres_Jet", &ceres_jet<P>});
#endif
#if STAG_HAVE_EIGEN
    list.push_back({"eigen_AutoDiffScalar", &eigen_autodiff<P>});
#endif
#if STAG_HAVE_BOOST_AUTODIFF
    list.push_back({"boost_autodiff", &boost_autodiff<P>});
#endif
    return list;
}

template <class P>
void run_benchmark(benchmark::State& state, result<P::n> (*run)(const P&, const std::array<double, P::n>&)) {
    std::array<std::array<double, P::n>, points> in;
    for (std::size_t i = 0; i < points; ++i) in[i] = P::point(i);
    std::size_t i = 0;
    result<P::n> out{};
    run(P{}, in[0]);  // first-call work (ADOL-C's one tape) stays out of the count
    const std::size_t before = allocations.load();
    for (auto _ : state) {
        out = run(P{}, in[i]);
        benchmark::DoNotOptimize(out);
        i = (i + 1) % points;
    }
    state.counters["allocs"] =
        benchmark::Counter(double(allocations.load() - before), benchmark::Counter::kAvgIterations);
}

// Every problem, in the order of the report.
template <class... P>
struct problems {};
using all_problems = problems<P1, P2, P3<16>, P3<256>, P4<16>, P4<256>, P5, P6>;

template <class P>
void register_problem() {
    for (const auto& c : contenders<P>())
        benchmark::RegisterBenchmark((std::string(P::name) + "/" + c.name).c_str(), run_benchmark<P>, c.run);
}
template <class... P>
void register_all(problems<P...>) {
    (register_problem<P>(), ...);
}

// Every contender's value and gradient against hand-written code at every point.
template <class P>
bool check_problem() {
    bool ok = true;
    for (const auto& c : contenders<P>()) {
        double worst = 0;
        for (std::size_t i = 0; i < points; ++i) {
            const auto v = P::point(i);
            const auto want = hand(P{}, v), got = c.run(P{}, v);
            auto err = [](double g, double w) { return std::fabs(g - w) / std::max(1.0, std::fabs(w)); };
            worst = std::max(worst, err(got.value, want.value));
            for (std::size_t k = 0; k < P::n; ++k) worst = std::max(worst, err(got.grad[k], want.grad[k]));
        }
        // hand_eigen adds P3 to P5's sums in another order than hand does: the results differ by a few
        // ulps of the sum (1e-15 here), well within the bound.
        const bool good = worst <= 1e-12;
        std::printf("%-16s %-22s largest error %.3g %s\n", P::name, c.name.c_str(), worst, good ? "ok" : "MISMATCH");
        ok = ok && good;
    }
    return ok;
}
template <class... P>
bool check_all(problems<P...>) {
    bool ok = true;
    ((ok = check_problem<P>() && ok), ...);  // every problem runs, whatever the ones before say
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--check") {
        const bool ok = check_all(all_problems{});
        std::puts(ok ? "all contenders agree with hand-written code" : "some contenders disagree");
        return ok ? 0 : 1;
    }
    register_all(all_problems{});
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
