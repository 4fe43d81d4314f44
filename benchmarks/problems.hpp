// The benchmark problems written with stag, shared by the benchmarks and the tests that use them.
#pragma once

#include <stag/stag.hpp>

#include <cstddef>

namespace stag_problems {
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto z = stag::var<"z">;
constexpr auto a = stag::var<"a">;
constexpr auto b = stag::var<"b">;
constexpr auto c = stag::var<"c">;
constexpr auto d = stag::var<"d">;
constexpr auto e = stag::var<"e">;
/// P1, the seed graph.
constexpr auto p1 = (x + y) * z;
/// P2, the scalar problem of the peers' benchmark.
inline const auto p2 = stag::sin(a * b) + stag::exp(c / d) * stag::log(1.0 + e * e) +
                       stag::tanh(a - c) * stag::sqrt(b * b + d * d + 1.0) + (a * b * c) / (1.0 + d * d + e * e) -
                       a * stag::cos(b - e);

/// P3 and P4 over a vector of N inputs.
template <std::size_t N>
constexpr auto v = stag::var<"v", stag::tensor<double, N>>;
/// P3, the sum.
template <std::size_t N>
constexpr auto p3 = stag::sum(v<N>);
/// P4, log-sum-exp, written as its definition.
template <std::size_t N>
constexpr auto p4 = stag::log(stag::sum(stag::exp(v<N>)));

/// P5, the sum of the normal log-densities of 64 observations y, with respect to mu and sigma.
constexpr auto mu = stag::var<"mu">;
constexpr auto sigma = stag::var<"sigma">;
constexpr auto obs = stag::var<"y", stag::tensor<double, 64>>;
constexpr double half_log_2pi = 0.91893853320467274178;
constexpr auto p5 = stag::sum(-0.5 * stag::square((obs - mu) / sigma) - stag::log(sigma) - half_log_2pi);

/// P6, the MLP of the tensor issue: 4 inputs, 8 hidden units, one output. T is the element type
/// (the constant 1/2 is exact, so that a float model computes in float).
template <std::size_t In, std::size_t Hidden, std::size_t Out, class T = double>
struct mlp {
    static constexpr auto W1 = stag::var<"W1", stag::tensor<T, Hidden, In>>;
    static constexpr auto b1 = stag::var<"b1", stag::tensor<T, Hidden>>;
    static constexpr auto W2 = stag::var<"W2", stag::tensor<T, Out, Hidden>>;
    static constexpr auto b2 = stag::var<"b2", stag::tensor<T, Out>>;
    static constexpr auto x = stag::var<"x", stag::tensor<T, In>>;
    static constexpr auto t = stag::var<"t", stag::tensor<T, Out>>;
    static constexpr auto h = stag::tanh(stag::matmul(W1, x) + b1);
    static constexpr auto out = stag::matmul(W2, h) + b2;
    static constexpr auto loss = stag::c<1, 2> * stag::sum(stag::square(out - t));
};
using p6 = mlp<4, 8, 1>;
}  // namespace stag_problems
