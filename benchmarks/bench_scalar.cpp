// Scalar gradients and values: stag against hand-written code, in one binary.
//
// Each benchmark evaluates the value and the full gradient once per iteration, on inputs that change
// from one iteration to the next (a table of 64 points), and writes the results to memory, so the
// compiler can neither hoist the work out of the loop nor drop part of it.
#include <benchmark/benchmark.h>
#include <stag/stag.hpp>

#include "problems.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string_view>

namespace {

using namespace stag_problems;  // the variables, and p1 = (x + y) * z

constexpr std::size_t points = 64;

// ---- P1, the seed graph: f(x, y, z) = (x + y) * z ------------------------------------------------
struct seed_point {
    double x, y, z;
};
const std::array<seed_point, points> seed_inputs = [] {
    std::array<seed_point, points> in{};
    for (std::size_t i = 0; i < points; ++i) in[i] = {1.0 + 0.01 * i, 3.0 - 0.02 * i, -3.0 + 0.03 * i};
    return in;
}();

struct seed_result {
    double value, gx, gy, gz;
};

[[gnu::noinline]] seed_result seed_hand(const seed_point& p) {
    const double s = p.x + p.y;
    return {s * p.z, p.z, p.z, s};
}


[[gnu::noinline]] seed_result seed_stag(const seed_point& p) {
    const auto r = stag::value_and_grad(p1, x, y, z)(x = p.x, y = p.y, z = p.z);
    return {r.value, r.grad[x], r.grad[y], r.grad[z]};
}

// ---- the scalar function of the core issue ---------------------------------------------------------
// f = sin(a*b) + exp(c/d)*log(1 + e*e) + tanh(a - c)*sqrt(b*b + d*d + 1) + (a*b*c)/(1 + d*d + e*e)
struct point5 {
    double a, b, c, d, e;
};
const std::array<point5, points> inputs5 = [] {
    std::array<point5, points> in{};
    for (std::size_t i = 0; i < points; ++i) {
        const double t = 0.01 * static_cast<double>(i);
        in[i] = {0.5 + t, 1.2 - t, 0.8 + 0.5 * t, 1.5 + t, 0.3 - 0.5 * t};
    }
    return in;
}();
struct result5 {
    double value, ga, gb, gc, gd, ge;
};

[[gnu::noinline]] double scalar_value_hand(const point5& p) {
    const double ab = p.a * p.b, dd = p.d * p.d, ee = p.e * p.e;
    return std::sin(ab) + std::exp(p.c / p.d) * std::log(1 + ee) + std::tanh(p.a - p.c) * std::sqrt(p.b * p.b + dd + 1) +
           (ab * p.c) / (1 + dd + ee);
}

[[gnu::noinline]] result5 scalar_grad_hand(const point5& p) {
    const double a = p.a, b = p.b, c = p.c, d = p.d, e = p.e;
    // forward
    const double ab = a * b, s1 = std::sin(ab);
    const double cd = c / d, ex = std::exp(cd), ee = e * e, l1 = 1 + ee, lg = std::log(l1);
    const double th = std::tanh(a - c), dd = d * d, q = b * b + dd + 1, sq = std::sqrt(q);
    const double abc = ab * c, den = 1 + dd + ee, t4 = abc / den;
    const double value = s1 + ex * lg + th * sq + t4;
    // backward (adjoints of the intermediate values, seed 1)
    const double g_den = -t4 / den, g_abc = 1 / den;
    double g_ab = std::cos(ab) + g_abc * c;
    double gc = g_abc * ab;
    const double g_cd = lg * ex;
    gc += g_cd / d;
    double gd = -g_cd * cd / d;
    const double g_l1 = ex / l1;
    const double g_amc = sq * (1 - th * th);
    const double g_q = th * 0.5 / sq;
    const double g_dd = g_q + g_den, g_ee = g_l1 + g_den;
    gd += 2 * d * g_dd;
    const double ge = 2 * e * g_ee;
    const double ga = g_ab * b + g_amc;
    const double gb = g_ab * a + 2 * b * g_q;
    gc -= g_amc;
    return {value, ga, gb, gc, gd, ge};
}

constexpr auto scalar_f = stag::sin(a * b) + stag::exp(c / d) * stag::log(1 + e * e) + stag::tanh(a - c) * stag::sqrt(b * b + d * d + 1) +
                          (a * b * c) / (1 + d * d + e * e);

[[gnu::noinline]] double scalar_value_stag(const point5& p) {
    return stag::eval(scalar_f, a = p.a, b = p.b, c = p.c, d = p.d, e = p.e);
}

[[gnu::noinline]] result5 scalar_grad_stag(const point5& p) {
    const auto r = stag::value_and_grad(scalar_f, a, b, c, d, e)(a = p.a, b = p.b, c = p.c, d = p.d, e = p.e);
    const auto& g = r.grad;
    return {r.value, g[a], g[b], g[c], g[d], g[e]};
}

// ---- benchmark drivers -----------------------------------------------------------------------------
template <auto Fn, const auto& Inputs>
void run(benchmark::State& state) {
    std::size_t i = 0;
    for (auto _ : state) {
        auto r = Fn(Inputs[i]);
        benchmark::DoNotOptimize(r);
        i = (i + 1) % points;
    }
}

}  // namespace

BENCHMARK(run<seed_hand, seed_inputs>)->Name("P1_seed/grad/hand");
BENCHMARK(run<seed_stag, seed_inputs>)->Name("P1_seed/grad/stag");
BENCHMARK(run<scalar_grad_hand, inputs5>)->Name("scalar/grad/hand");
BENCHMARK(run<scalar_grad_stag, inputs5>)->Name("scalar/grad/stag");
BENCHMARK(run<scalar_value_hand, inputs5>)->Name("scalar/value/hand");
BENCHMARK(run<scalar_value_stag, inputs5>)->Name("scalar/value/stag");

// Checks every contender against hand-written code before any timing (also run by CTest).
int check() {
    int failures = 0;
    auto close = [&](const char* what, double u, double v) {
        if (std::abs(u - v) > 1e-12 * (1 + std::abs(u))) {
            std::fprintf(stderr, "mismatch in %s: %.17g vs %.17g\n", what, u, v);
            ++failures;
        }
    };
    for (const auto& p : seed_inputs) {
        const auto h = seed_hand(p), s = seed_stag(p);
        close("seed value", h.value, s.value), close("seed gx", h.gx, s.gx), close("seed gy", h.gy, s.gy), close("seed gz", h.gz, s.gz);
    }
    for (const auto& p : inputs5) {
        const auto h = scalar_grad_hand(p), s = scalar_grad_stag(p);
        close("value", h.value, s.value), close("ga", h.ga, s.ga), close("gb", h.gb, s.gb), close("gc", h.gc, s.gc);
        close("gd", h.gd, s.gd), close("ge", h.ge, s.ge);
        close("eval", scalar_value_hand(p), scalar_value_stag(p));
    }
    return failures;
}

int main(int argc, char** argv) {
    if (const int failures = check(); failures != 0) return 1;
    if (argc > 1 && std::string_view(argv[1]) == "--check") {
        std::puts("all contenders agree with the hand-written code");
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
