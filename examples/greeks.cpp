// A book of European call options priced with Black-Scholes, with delta, gamma, vega, rho and theta
// for every option, by stag::vmap (the samples in SIMD lanes, and over threads with
// stag::parallel), checked against the closed forms.
//
//     greeks [OPTIONS [THREADS]]    (default: 1000000 options, 2 threads)
//
// Prints the time of each run and the largest difference from the closed forms, relative to
// max(1, |closed form|); exit status 1 when one passes 1e-9 or when the threaded run's results
// differ at all from the one-thread run's, 2 on bad arguments.
#include "black_scholes.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

struct std_math {
    static double sqrt(double x) { return std::sqrt(x); }
    static double log(double x) { return std::log(x); }
    static double exp(double x) { return std::exp(x); }
    static double erf(double x) { return std::erf(x); }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool parse(const char* text, std::size_t& out) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || v == 0) return false;
    out = static_cast<std::size_t>(v);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 1'000'000, threads = 2;
    if (argc > 3 || (argc > 1 && !parse(argv[1], n)) || (argc > 2 && !parse(argv[2], threads))) {
        std::fprintf(stderr, "usage: greeks [OPTIONS [THREADS]] (positive integers)\n");
        return 2;
    }
    using namespace black_scholes;
    const book b(n);
    greeks one(n), many(n), exact(n);

    auto t0 = std::chrono::steady_clock::now();
    with_stag(stag::parallel{1}, b, one);
    const double t_one = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    with_stag(stag::parallel{static_cast<unsigned>(threads)}, b, many);
    const double t_many = seconds_since(t0);
    closed_forms<std_math>(b, exact);

    struct column {
        const char* name;
        std::vector<double> greeks::*member;
    };
    const column columns[] = {{"price", &greeks::price}, {"delta", &greeks::delta}, {"gamma", &greeks::gamma},
                              {"vega", &greeks::vega},   {"rho", &greeks::rho},     {"theta", &greeks::theta}};
    std::printf("greeks: %zu options, stag::vmap %.1f ms on 1 thread, %.1f ms on %zu\n", n, 1e3 * t_one, 1e3 * t_many, threads);
    bool ok = true;
    for (const column& c : columns) {
        const auto &mine = one.*c.member, &theirs = exact.*c.member, &threaded = many.*c.member;
        double worst = 0;
        std::size_t at = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double e = std::fabs(mine[i] - theirs[i]) / std::max(1.0, std::fabs(theirs[i]));
            if (!(e <= worst)) worst = e, at = i;  // (a NaN counts as the worst)
        }
        const bool same = std::equal(mine.begin(), mine.end(), threaded.begin());
        std::printf("  %-6s largest difference from the closed form %.2e (option %zu)%s\n", c.name, worst, at,
                    same ? "" : "; the threaded run differs");
        ok = ok && worst <= 1e-9 && same;
    }
    std::printf("greeks: %s\n", ok ? "agree with the closed forms" : "DISAGREE");
    return ok ? 0 : 1;
}
