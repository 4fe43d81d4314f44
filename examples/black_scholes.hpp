// The Black-Scholes price of a European call as a stag expression, and its Greeks in closed form
// (examples/greeks.cpp checks the one against the other; benchmarks/bench_vmap.cpp times both).
#pragma once

#include <stag/stag.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace black_scholes {

constexpr auto S = stag::var<"S">;          // spot
constexpr auto K = stag::var<"K">;          // strike
constexpr auto sigma = stag::var<"sigma">;  // volatility
constexpr auto r = stag::var<"r">;          // risk-free rate
constexpr auto T = stag::var<"T">;          // time to expiry, in years

// The constants are stag::c<p, q> (p/q, known to the compiler) rather than doubles held in the
// expression: so the compiler sees that the price and delta, two expressions, hold the same
// subexpressions, and computes them once when a vmap runs both.
constexpr auto half = stag::c<1, 2>;

/// The standard normal distribution function, through erf.
constexpr auto N(auto x) { return half * (stag::c<1> + stag::erf(x * stag::sqrt(half))); }

constexpr auto sigma_sqrt_T = sigma * stag::sqrt(T);
constexpr auto d1 = (stag::log(S / K) + (r + half * sigma * sigma) * T) / sigma_sqrt_T;
constexpr auto d2 = d1 - sigma_sqrt_T;
/// C = S N(d1) - K e^(-rT) N(d2).
constexpr auto price = S * N(d1) - K * stag::exp(-r * T) * N(d2);
/// Delta as an expression, for gamma = d(delta)/dS.
constexpr auto delta = stag::d(price, S);

/// A book of options: one element per option in each vector.
struct book {
    std::vector<double> S, K, sigma, r, T;
    explicit book(std::size_t n) : S(n), K(n), sigma(n), r(n), T(n) {
        // splitmix64: the same book on every machine and standard library.
        std::uint64_t state = 0x5eed;
        auto uniform = [&](double lo, double hi) {
            std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            z ^= z >> 31;
            return lo + (hi - lo) * double(z >> 11) * 0x1p-53;
        };
        for (std::size_t i = 0; i < n; ++i) {
            S[i] = uniform(50, 150), K[i] = uniform(60, 140), sigma[i] = uniform(0.1, 0.6);
            r[i] = uniform(0.0, 0.08), T[i] = uniform(0.05, 3.0);
        }
    }
    std::size_t size() const noexcept { return S.size(); }
};

/// A book's results: price and Greeks, one element per option (theta = -dC/dT, per year).
struct greeks {
    std::vector<double> price, delta, gamma, vega, rho, theta;
    explicit greeks(std::size_t n) : price(n), delta(n), gamma(n), vega(n), rho(n), theta(n) {}
};

/// The closed forms for the whole book, with the math functions of `Math` (std's, or others with
/// the same names): n(x) = e^(-x^2/2)/sqrt(2 pi), delta = N(d1), gamma = n(d1)/(S sigma sqrt T),
/// vega = S n(d1) sqrt T, rho = K T e^(-rT) N(d2), theta = -S n(d1) sigma/(2 sqrt T) - r K e^(-rT) N(d2).
/// Written as a careful engineer writes a loop for the compiler to vectorise: one pass, pointer
/// parameters declared not to alias (g++ ignores __restrict on local variables), the results
/// written straight where they are kept.
template <class Math>
inline void closed_forms(std::size_t n, const double* __restrict s, const double* __restrict k, const double* __restrict v,
                         const double* __restrict rate, const double* __restrict t, double* __restrict price,
                         double* __restrict delta, double* __restrict gamma, double* __restrict vega, double* __restrict rho,
                         double* __restrict theta) {
    for (std::size_t i = 0; i < n; ++i) {
        const double sqrt_t = Math::sqrt(t[i]), vst = v[i] * sqrt_t;
        const double x1 = (Math::log(s[i] / k[i]) + (rate[i] + 0.5 * v[i] * v[i]) * t[i]) / vst, x2 = x1 - vst;
        const double n1 = 0.5 * (1.0 + Math::erf(x1 * 0.70710678118654752));
        const double n2 = 0.5 * (1.0 + Math::erf(x2 * 0.70710678118654752));
        const double pdf1 = 0.39894228040143268 * Math::exp(-0.5 * x1 * x1), discount = Math::exp(-rate[i] * t[i]);
        price[i] = s[i] * n1 - k[i] * discount * n2;
        delta[i] = n1;
        gamma[i] = pdf1 / (s[i] * vst);
        vega[i] = s[i] * pdf1 * sqrt_t;
        rho[i] = k[i] * t[i] * discount * n2;
        theta[i] = -s[i] * pdf1 * v[i] / (2.0 * sqrt_t) - rate[i] * k[i] * discount * n2;
    }
}
template <class Math>
inline void closed_forms(const book& b, greeks& g) {
    closed_forms<Math>(b.size(), b.S.data(), b.K.data(), b.sigma.data(), b.r.data(), b.T.data(), g.price.data(), g.delta.data(),
                       g.gamma.data(), g.vega.data(), g.rho.data(), g.theta.data());
}

/// The Greeks of the whole book with stag: the price with its gradient, and the gradient of delta
/// (itself an expression) for gamma, in one vmap, so that the compiler computes what the two share
/// once per option.
template <class Policy>
inline void with_stag(const Policy& policy, const book& b, greeks& g) {
    stag::vmap(policy, stag::value_and_grad(price, S, sigma, r, T), stag::grad(delta, S))
        .into(g.price, g.delta, g.vega, g.rho, g.theta, g.gamma)(stag::each(S, b.S), stag::each(K, b.K), stag::each(sigma, b.sigma),
                                                                 stag::each(r, b.r), stag::each(T, b.T));
    for (double& x : g.theta) x = -x;  // theta is -dC/dT
}

}  // namespace black_scholes
