// Many samples at once (stag::vmap): the Black-Scholes price and Greeks of a book of 1,000,000
// European calls (examples/black_scholes.hpp), stag against hand-written closed forms, in one
// binary.
//
// The hand-written code is one loop that a careful engineer writes for the compiler to vectorise
// (pointer parameters declared not to alias, every result written straight into the caller's
// vectors), in two forms: with the standard library's functions (std::exp, std::log, std::erf,
// std::sqrt; g++ calls them once per option unless -ffast-math lets it use glibc's vector
// variants), and with the branch-free functions that stag's vectorised loops use, so that only the
// derivative code differs from stag's. The closed forms use the identity S n(d1) = K e^(-rT) n(d2)
// that no automatic differentiation finds: they need one normal density where the chain rule needs
// two, and gamma comes out of the same few terms.
//
//   bench_vmap --check        checks stag's results against the closed forms
//   bench_vmap [benchmark flags]
#include <benchmark/benchmark.h>
#include <stag/stag.hpp>

#include "../examples/black_scholes.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string_view>
#include <thread>

namespace {

using namespace black_scholes;
constexpr std::size_t options = 1'000'000;

struct std_math {
    static double sqrt(double x) { return std::sqrt(x); }
    static double log(double x) { return std::log(x); }
    static double exp(double x) { return std::exp(x); }
    static double erf(double x) { return std::erf(x); }
};
struct lanes_math {
    [[gnu::always_inline]] static double sqrt(double x) { return stag::detail::sqrt_lanes(x); }
    [[gnu::always_inline]] static double log(double x) { return stag::detail::log_lanes(x); }
    [[gnu::always_inline]] static double exp(double x) { return stag::detail::exp_lanes(x); }
    [[gnu::always_inline]] static double erf(double x) { return stag::detail::erf_lanes(x); }
};

const book& the_book() {
    static const book b(options);
    return b;
}

/// The closed forms for options [from, until).
template <class Math>
void hand_range(const book& b, greeks& g, std::size_t from, std::size_t until) {
    closed_forms<Math>(until - from, b.S.data() + from, b.K.data() + from, b.sigma.data() + from, b.r.data() + from, b.T.data() + from,
                       g.price.data() + from, g.delta.data() + from, g.gamma.data() + from, g.vega.data() + from, g.rho.data() + from,
                       g.theta.data() + from);
}

/// The closed forms on `threads` threads, each over a contiguous range (as vmap shares its blocks).
template <class Math>
void hand(const book& b, greeks& g, unsigned threads) {
    if (threads == 1) return hand_range<Math>(b, g, 0, b.size());
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; ++t)
        workers.emplace_back([&, t] { hand_range<Math>(b, g, b.size() * t / threads, b.size() * (t + 1) / threads); });
    hand_range<Math>(b, g, 0, b.size() / threads);
    for (auto& w : workers) w.join();
}

template <class Run>
void run(benchmark::State& state, Run f) {
    const book& b = the_book();
    greeks g(b.size());
    for (auto _ : state) {
        f(b, g, static_cast<unsigned>(state.range(0)));
        benchmark::DoNotOptimize(g.price.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(b.size()));
}

void greeks_stag(benchmark::State& state) {
    run(state, [](const book& b, greeks& g, unsigned threads) { with_stag(stag::parallel{threads}, b, g); });
}
void greeks_hand_vectorised(benchmark::State& state) { run(state, hand<lanes_math>); }
void greeks_hand_std(benchmark::State& state) { run(state, hand<std_math>); }

BENCHMARK(greeks_stag)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(greeks_hand_vectorised)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(greeks_hand_std)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The largest difference between two books' results, relative to max(1, |b|).
double worst_difference(const greeks& a, const greeks& b) {
    double worst = 0;
    for (auto member : {&greeks::price, &greeks::delta, &greeks::gamma, &greeks::vega, &greeks::rho, &greeks::theta})
        for (std::size_t i = 0; i < (a.*member).size(); ++i) {
            const double e = std::fabs((a.*member)[i] - (b.*member)[i]) / std::max(1.0, std::fabs((b.*member)[i]));
            if (!(e <= worst)) worst = e;
        }
    return worst;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--check") {
        const book& b = the_book();
        greeks one(b.size()), two(b.size()), vectorised(b.size()), exact(b.size());
        with_stag(stag::parallel{1}, b, one);
        with_stag(stag::parallel{2}, b, two);
        hand<lanes_math>(b, vectorised, 1);
        hand<std_math>(b, exact, 1);
        const double stag_error = worst_difference(one, exact), vectorised_error = worst_difference(vectorised, exact);
        const double threads = worst_difference(two, one);
        const bool ok = stag_error <= 1e-9 && vectorised_error <= 1e-9 && threads == 0;
        std::printf("largest relative difference from the closed forms with std's functions: stag %.3g, hand-written "
                    "vectorised %.3g; stag on 2 threads against 1: %.3g\n%s\n",
                    stag_error, vectorised_error, threads, ok ? "stag agrees with hand-written code" : "stag DISAGREES with hand-written code");
        return ok ? 0 : 1;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
