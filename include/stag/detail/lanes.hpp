// Math functions written without branches or library calls, so that the compiler vectorises the
// tensor loops that use them (glibc's exp is one call per element unless -ffast-math allows its
// vector variant). An op states such a form as `lane_apply`; tensor loops use it, scalar code keeps
// the op's `apply` (the standard library's function).
#pragma once

#include <bit>
#include <cstdint>
#include <type_traits>

namespace stag::detail {

/// exp(x) for double, within 1 ulp of the exact value over the whole range (tests/test_tensor_grad.cpp
/// compares it with std::exp): exp(x) = 2^k exp(r), k = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by
/// its Taylor polynomial of degree 13 (truncation error below 5e-18). 2^k is built from its bits in
/// two factors, so that results that are subnormal are rounded once. Below -746 it is 0, above 710
/// +inf, and NaN stays NaN. Constexpr.
[[gnu::always_inline]] constexpr double exp_lanes(double x) noexcept {
    constexpr double log2e = 1.4426950408889634;
    constexpr double ln2_hi = 0x1.62e42fee00000p-1;  // ln 2 in 32 bits: k * ln2_hi is exact for |k| < 2^21
    constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
    constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer, which its low bits then hold
    x = x < -746.0 ? -746.0 : x;  // (NaN compares false and passes through)
    x = x > 710.0 ? 710.0 : x;
    const double kd = x * log2e + shifter;
    const double k = kd - shifter;
    const double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // k in [-1077, 1025] as an integer, in two halves each of which is a normal power of two.
    const std::uint64_t ki = std::bit_cast<std::uint64_t>(kd) - std::bit_cast<std::uint64_t>(shifter);
    const std::uint64_t k1 = static_cast<std::uint64_t>(static_cast<std::int64_t>(ki) >> 1), k2 = ki - k1;
    return p * std::bit_cast<double>((k1 + 1023) << 52) * std::bit_cast<double>((k2 + 1023) << 52);
}

/// exp for float, through the double form (exact to the float's precision).
[[gnu::always_inline]] constexpr float exp_lanes(float x) noexcept { return static_cast<float>(exp_lanes(static_cast<double>(x))); }

/// Whether T has a branch-free exp here (double and float).
template <class T>
concept lanes_type = std::is_same_v<T, double> || std::is_same_v<T, float>;

}  // namespace stag::detail
