// The benchmark problems written with stag, shared by the benchmarks and the tests that use them.
#pragma once

#include <stag/stag.hpp>

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
}  // namespace stag_problems
