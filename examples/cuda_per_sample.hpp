// The per-sample work of examples/cuda_per_sample.cu, as functions that run in a CUDA thread and on
// the host alike (STAG_HOST_DEVICE): the gradient of a 4-8-1 MLP's loss for one sample, and the
// Black-Scholes price and Greeks of one European call. tests/cuda/test_cuda_host.cu checks them on
// the host against hand-written derivatives and the closed forms.
#pragma once

#include <stag/stag.hpp>

#include <cstddef>
#include <span>

namespace per_sample {

// ---- the MLP of the tensor benchmarks: out = W2 tanh(W1 x + b1) + b2, loss = (out - t)^2 / 2 ----

/// The 49 parameters, one array: W1 (8 x 4, row-major), b1 (8), W2 (1 x 8), b2 (1).
inline constexpr std::size_t inputs = 4, hidden = 8, parameters = hidden * inputs + hidden + hidden + 1;
inline constexpr std::size_t at_b1 = hidden * inputs, at_w2 = at_b1 + hidden, at_b2 = at_w2 + hidden;

namespace mlp {
template <class T>
struct model {
    static constexpr auto W1 = stag::var<"W1", stag::tensor<T, hidden, inputs>>;
    static constexpr auto b1 = stag::var<"b1", stag::tensor<T, hidden>>;
    static constexpr auto W2 = stag::var<"W2", stag::tensor<T, 1, hidden>>;
    static constexpr auto b2 = stag::var<"b2", stag::tensor<T, 1>>;
    static constexpr auto x = stag::var<"x", stag::tensor<T, inputs>>;
    static constexpr auto t = stag::var<"t", stag::tensor<T, 1>>;
    static constexpr auto loss = T(0.5) * stag::sum(stag::square(stag::matmul(W2, stag::tanh(stag::matmul(W1, x) + b1)) + b2 - t));
};
}  // namespace mlp

/// The loss of one sample (x: 4 inputs, t: its target) and its gradient in the 49 parameters, in
/// the layout of `w`, written to `grad`; returns the loss.
template <class T>
STAG_HOST_DEVICE T mlp_sample_gradient(const T* w, const T* x, const T* t, T* grad) {
    // Local copies: to nvcc a constexpr object at namespace or class scope lives in host memory,
    // which device code may not refer to; a local constexpr one is the thread's own (and, being
    // empty, costs nothing).
    using m = mlp::model<T>;
    constexpr auto W1 = m::W1;
    constexpr auto b1 = m::b1;
    constexpr auto W2 = m::W2;
    constexpr auto b2 = m::b2;
    constexpr auto x_ = m::x;
    constexpr auto t_ = m::t;
    constexpr auto loss = m::loss;
    const auto vg = stag::value_and_grad(loss, W1, b1, W2, b2)(
        W1 = std::span<const T, hidden * inputs>(w, hidden * inputs), b1 = std::span<const T, hidden>(w + at_b1, hidden),
        W2 = std::span<const T, hidden>(w + at_w2, hidden), b2 = std::span<const T, 1>(w + at_b2, 1),
        x_ = std::span<const T, inputs>(x, inputs), t_ = std::span<const T, 1>(t, 1));
    for (std::size_t i = 0; i < hidden * inputs; ++i) grad[i] = vg.grad[W1].data()[i];
    for (std::size_t i = 0; i < hidden; ++i) grad[at_b1 + i] = vg.grad[b1].data()[i];
    for (std::size_t i = 0; i < hidden; ++i) grad[at_w2 + i] = vg.grad[W2].data()[i];
    grad[at_b2] = vg.grad[b2].data()[0];
    return vg.value;
}

// ---- Black-Scholes: a European call and its Greeks ---------------------------------------------

namespace bs {
template <class T>
struct model {
    static constexpr auto S = stag::var<"S", T>;          // spot
    static constexpr auto K = stag::var<"K", T>;          // strike
    static constexpr auto sigma = stag::var<"sigma", T>;  // volatility
    static constexpr auto r = stag::var<"r", T>;          // interest rate
    static constexpr auto tau = stag::var<"tau", T>;      // time to expiry
    static constexpr auto root_tau = stag::sqrt(tau);
    static constexpr auto d1 = (stag::log(S / K) + (r + sigma * sigma / 2) * tau) / (sigma * root_tau);
    static constexpr auto d2 = d1 - sigma * root_tau;
    /// The standard normal distribution function.
    template <class E>
    static constexpr auto normal(const E& e) {
        return stag::c<1, 2> * (1 + stag::erf(e * stag::c<1, 2> * stag::sqrt(stag::c<2>)));
    }
    static constexpr auto call = S * normal(d1) - K * stag::exp(-r * tau) * normal(d2);
};
}  // namespace bs

/// Price and Greeks of one call.
template <class T>
struct greeks {
    T price, delta, vega, rho, theta, gamma;
};

/// The price of a European call and its Greeks (delta = dC/dS, vega = dC/dsigma, rho = dC/dr,
/// theta = -dC/dtau, gamma = d2C/dS2), from one forward sweep over the price and its derivative in
/// S, and one backward sweep from each.
template <class T>
STAG_HOST_DEVICE greeks<T> call_greeks(T spot, T strike, T volatility, T rate, T expiry) {
    using m = bs::model<T>;
    constexpr auto S = m::S;  // local copies: see mlp_sample_gradient
    constexpr auto K = m::K;
    constexpr auto sigma = m::sigma;
    constexpr auto r = m::r;
    constexpr auto tau = m::tau;
    constexpr auto call = m::call;
    const auto J = stag::jacobian(stag::outputs(call, stag::d(call, S)), S, sigma, r, tau)(S = spot, K = strike, sigma = volatility,
                                                                                          r = rate, tau = expiry);
    return {J.values[0], J[0][S], J[0][sigma], J[0][r], -J[0][tau], J[1][S]};
}

}  // namespace per_sample
