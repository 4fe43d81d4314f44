// Math functions written without branches or library calls, so that the compiler vectorises the
// tensor loops that use them (glibc's exp is one call per element unless -ffast-math allows its
// vector variant). An op states such a form as `lane_apply`; tensor loops use it, scalar code keeps
// the op's `apply` (the standard library's function).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace stag::detail {

/// c ? a : b by bit masks. Both a and b are computed before, so that the compiler sees no branch:
/// g++ does not turn `c ? a * 2 : a * 3` into a blend without AVX-512's masked arithmetic (an
/// unconditional multiply might raise a floating-point exception the branch would not), and then
/// the whole loop stays scalar.
[[gnu::always_inline]] constexpr double select_lanes(bool c, double a, double b) noexcept {
    const std::uint64_t m = std::uint64_t{0} - static_cast<std::uint64_t>(c);
    return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & m) | (std::bit_cast<std::uint64_t>(b) & ~m));
}

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
    x = select_lanes(x < -746.0, -746.0, x);  // (NaN compares false and passes through)
    x = select_lanes(x > 710.0, 710.0, x);
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

/// exp(x) - 1 for double, accurate near 0 (within 1 ulp of the exact value in
/// tests/test_tensor_grad.cpp): with k and r as in exp_lanes (r kept with the rounding error c of
/// its last subtraction), expm1(x) = (2^k - 1) + 2^k r + 2^k (r^2 q(r) + c (1 + r)), q by the
/// Taylor series of (expm1(r) - r) / r^2 to degree 12; the first two terms are exact or rounded
/// once, so the polynomial's rounding stays small next to the result. Above k = 56 the - 1 no
/// longer counts and 2^k is applied in two factors, so that it overflows only where the result does.
/// Below -40 it is -1, above 710 +inf, NaN stays NaN. Only adds, multiplies, selects and 64-bit
/// shifts: it vectorises on AVX2 as on AVX-512. Constexpr.
[[gnu::always_inline]] constexpr double expm1_lanes(double x) noexcept {
    constexpr double log2e = 1.4426950408889634;
    constexpr double ln2_hi = 0x1.62e42fee00000p-1;
    constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
    constexpr double shifter = 0x1.8p52;
    x = select_lanes(x < -40.0, -40.0, x);
    x = select_lanes(x > 710.0, 710.0, x);
    const double kd = x * log2e + shifter;
    const double k = kd - shifter;
    const double hi = x - k * ln2_hi, lo = k * ln2_lo;  // hi is exact
    const double r = hi - lo;
    const double c = (hi - r) - lo;
    double q = 1.0 / 87178291200.0;  // 1/14!
    q = q * r + 1.0 / 6227020800.0;
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    const double small = (r * r) * q + c * (1.0 + r);  // expm1(r + c) - r
    const std::uint64_t ki = std::bit_cast<std::uint64_t>(kd) - std::bit_cast<std::uint64_t>(shifter);
    // k in [-58, 56]: 2^k is a normal number and 2^k - 1 is exact.
    const double t = std::bit_cast<double>((ki + 1023) << 52);
    const double near = ((t - 1.0) + t * r) + t * small;
    // k in [57, 1025]: in two halves, each a normal power of two (ki is not negative here).
    const std::uint64_t k1 = ki >> 1, k2 = ki - k1;
    const double far = ((1.0 + r) + small) * std::bit_cast<double>((k1 + 1023) << 52) * std::bit_cast<double>((k2 + 1023) << 52) - 1.0;
    return select_lanes(k > 56.0, far, near);
}

/// log(x) for double (within 1 ulp in tests/test_tensor_grad.cpp's comparison with std::log):
/// x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f), and
/// log(m) = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R)), R = sum over j of 2 s^(2j) / (2j + 1), by its
/// Taylor series to j = 10 (|s| < 0.172: truncation below 1e-18). k log 2 is added in two parts.
/// Subnormal x is scaled by 2^54 first. log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, NaN stays
/// NaN. The exponent is read as a double through its bits (no integer to double conversion), so that
/// this vectorises on AVX2 as on AVX-512. Constexpr.
[[gnu::always_inline]] constexpr double log_lanes(double x) noexcept {
    constexpr double ln2_hi = 0x1.62e42fee00000p-1;  // k * ln2_hi is exact for |k| < 2^21
    constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
    constexpr double two52 = 0x1p52;
    const bool tiny = x < 0x1p-1022;
    const double xs = select_lanes(tiny, x * 0x1p54, x);
    const std::uint64_t bits = std::bit_cast<std::uint64_t>(xs);
    // The biased exponent as a double: 2^52 + e, minus 2^52.
    double k = std::bit_cast<double>(((bits >> 52) & 0x7ff) | std::bit_cast<std::uint64_t>(two52)) - two52;
    k -= select_lanes(tiny, 1023.0 + 54.0, 1023.0);
    double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    const bool high = m > 1.4142135623730951;
    m = select_lanes(high, 0.5 * m, m);
    k = select_lanes(high, k + 1.0, k);
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    double R = 2.0 / 21.0;
    R = R * z + 2.0 / 19.0;
    R = R * z + 2.0 / 17.0;
    R = R * z + 2.0 / 15.0;
    R = R * z + 2.0 / 13.0;
    R = R * z + 2.0 / 11.0;
    R = R * z + 2.0 / 9.0;
    R = R * z + 2.0 / 7.0;
    R = R * z + 2.0 / 5.0;
    R = R * z + 2.0 / 3.0;
    R = R * z;
    const double hfsq = 0.5 * f * f;
    double r = k * ln2_hi - ((hfsq - (s * (hfsq + R) + k * ln2_lo)) - f);
    constexpr double inf = __builtin_inf();
    r = select_lanes(x == 0.0, -inf, r);
    r = select_lanes(x < 0.0, __builtin_nan(""), r);
    r = select_lanes(x == inf, inf, r);
    return select_lanes(x != x, x, r);
}

/// log(1 + x), accurate near 0 (within 1 ulp of std::log1p in the tests): with u = 1 + x rounded,
/// log(u) plus the first-order correction (x - (u - 1)) / u for u's rounding. log1p(-1) = -inf,
/// below -1 NaN, log1p(+inf) = +inf.
[[gnu::always_inline]] constexpr double log1p_lanes(double x) noexcept {
    const double u = 1.0 + x;
    double r = log_lanes(u) + (x - (u - 1.0)) / u;
    constexpr double inf = __builtin_inf();
    r = select_lanes(x == -1.0, -inf, r);
    return select_lanes(x == inf, inf, r);
}

/// |x| by its bits, and x with the sign of y.
[[gnu::always_inline]] constexpr double abs_lanes(double x) noexcept {
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) & 0x7fffffffffffffffULL);
}
[[gnu::always_inline]] constexpr double copysign_lanes(double x, double y) noexcept {
    return std::bit_cast<double>((std::bit_cast<std::uint64_t>(x) & 0x7fffffffffffffffULL) |
                                 (std::bit_cast<std::uint64_t>(y) & 0x8000000000000000ULL));
}

/// tanh(x) = e / (e + 2) with e = expm1(2|x|), with x's sign (within 2 ulp of std::tanh in the
/// tests); |x| above 22 gives +-1 (the exact value rounds to it), NaN stays NaN.
[[gnu::always_inline]] constexpr double tanh_lanes(double x) noexcept {
    double a = abs_lanes(x);
    a = select_lanes(a > 22.0, 22.0, a);
    const double e = expm1_lanes(2.0 * a);
    return copysign_lanes(e / (e + 2.0), x);
}

/// The logistic sigmoid: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e) below, so that
/// e is never large (within 2 ulp of the exact value in the tests). NaN stays NaN.
[[gnu::always_inline]] constexpr double sigmoid_lanes(double x) noexcept {
    const double e = exp_lanes(-abs_lanes(x));
    return select_lanes(x >= 0.0, 1.0, e) / (1.0 + e);
}

/// softplus max(x, 0) + log1p(exp(-|x|)), the scalar rule's formula with the forms above.
[[gnu::always_inline]] constexpr double softplus_lanes(double x) noexcept {
    return select_lanes(x > 0.0, x, 0.0) + log1p_lanes(exp_lanes(-abs_lanes(x)));
}

/// a * b as an unevaluated sum hi + lo, exactly (Dekker's product, without fused multiply-add;
/// a and b below 2^996 in magnitude).
struct exact_product {
    double hi, lo;
};
[[gnu::always_inline]] constexpr exact_product product_lanes(double a, double b) noexcept {
    constexpr double split = 134217729.0;  // 2^27 + 1
    const double ca = split * a, cb = split * b;
    const double ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    const double p = a * b;
    return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}

/// sqrt(x) for double, since g++ does not vectorise std::sqrt without -fno-math-errno (within
/// 0.5 ulp of the exact value in the tests, as std::sqrt): 1/sqrt(x) from the exponent's bits to
/// 3.5%, four Newton steps to full precision, then s = x y and one correction
/// s + (x - s^2) y / 2 with x - s^2 exact. x below 2^-1000 or above 2^1000 is scaled by 2^108 or
/// 2^-108 first, so that no step underflows or overflows.
/// sqrt(-0) = -0, sqrt(x < 0) = NaN, sqrt(+inf) = +inf, NaN stays NaN.
[[gnu::always_inline]] constexpr double sqrt_lanes(double x) noexcept {
    const bool tiny = x < 0x1p-1000, huge = x > 0x1p1000;
    const double xs = x * select_lanes(tiny, 0x1p108, select_lanes(huge, 0x1p-108, 1.0));
    double y = std::bit_cast<double>(0x5fe6eb50c7b537a9ULL - (std::bit_cast<std::uint64_t>(xs) >> 1));
    const double half = 0.5 * xs;
    y = y * (1.5 - half * y * y);
    y = y * (1.5 - half * y * y);
    y = y * (1.5 - half * y * y);
    y = y * (1.5 - half * y * y);
    double r = xs * y;
    const exact_product rr = product_lanes(r, r);
    r = r + ((xs - rr.hi) - rr.lo) * (0.5 * y);
    r = r * select_lanes(tiny, 0x1p-54, select_lanes(huge, 0x1p54, 1.0));
    constexpr double inf = __builtin_inf();
    r = select_lanes(x == 0.0, x, r);
    r = select_lanes(x < 0.0, __builtin_nan(""), r);
    r = select_lanes(x == inf, inf, r);
    return select_lanes(x != x, x, r);
}

/// c[From] + c[From + 1] x + ... + c[N - 1] x^(N - From - 1) by Horner's rule, unrolled by a pack
/// expansion: g++ unrolls a loop of more than 16 steps only in part, and then does not vectorise
/// the loop around it.
template <std::size_t From, std::size_t N, std::size_t... I>
[[gnu::always_inline]] constexpr double horner_lanes(double x, const std::array<double, N>& c,
                                                     std::index_sequence<I...>) noexcept {
    double p = c[N - 1];
    ((p = p * x + c[N - 2 - I]), ...);
    return p;
}
template <std::size_t From, std::size_t N>
[[gnu::always_inline]] constexpr double horner_lanes(double x, const std::array<double, N>& c) noexcept {
    static_assert(From < N);
    return horner_lanes<From>(x, c, std::make_index_sequence<N - 1 - From>{});
}

/// 1 / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) to sizeof...(K) levels, through the recurrence
/// of its convergents (one division; unrolled as horner_lanes is).
struct convergents {
    double p0, p1, q0, q1;
    /// The next level: p' = x p1 + a p0, q' = x q1 + a q0.
    [[gnu::always_inline]] constexpr void next(double x, double a) noexcept {
        const double p2 = x * p1 + a * p0, q2 = x * q1 + a * q0;
        p0 = p1, p1 = p2, q0 = q1, q1 = q2;
    }
};
template <std::size_t... K>
[[gnu::always_inline]] constexpr double erfc_fraction_lanes(double x, std::index_sequence<K...>) noexcept {
    convergents c{1.0, x, 0.0, 1.0};
    (c.next(x, 0.5 * double(K + 1)), ...);
    return c.q1 / c.p1;
}

/// Taylor coefficients of erf at 13/8: c[0] = erf(13/8), c[n] = erf^(n)(13/8) / n! =
/// 2/sqrt(pi) e^(-169/64) (-1)^(n-1) H_(n-1)(13/8) / n!, Hermite polynomials by their recurrence.
inline constexpr std::array<double, 40> erf_taylor_at_13_8 = [] {
    constexpr double x0 = 1.625, e0 = 0.07131668269775803564481135;  // e^(-x0^2)
    std::array<double, 40> c{};
    c[0] = 0.978443733239983664726723;  // erf(x0)
    double h0 = 1.0, h1 = 2.0 * x0;     // H_0, H_1
    double factorial = 1.0;
    for (std::size_t n = 1; n < c.size(); ++n) {
        factorial *= double(n);
        c[n] = 1.1283791670955126 * e0 * ((n - 1) % 2 == 0 ? 1.0 : -1.0) * h0 / factorial;
        const double h2 = 2.0 * x0 * h1 - 2.0 * double(n) * h0;
        h0 = h1, h1 = h2;
    }
    return c;
}();
/// Taylor coefficients of erf(x) / x in x^2 at 0: (-1)^n 2/sqrt(pi) / (n! (2n + 1)).
inline constexpr std::array<double, 21> erf_taylor_at_0 = [] {
    std::array<double, 21> c{};
    double factorial = 1.0;
    for (std::size_t n = 0; n < c.size(); ++n) {
        if (n > 0) factorial *= double(n);
        c[n] = (n % 2 == 0 ? 1.0 : -1.0) * 1.1283791670955126 / (factorial * double(2 * n + 1));
    }
    return c;
}();
/// The error function for double (within 1.4 ulp of the exact value in the tests; glibc's erf is
/// within 1.1), odd, on |x| clamped at 6 (where erf rounds to 1): below 0.75 by its Taylor series
/// at 0, 2/sqrt(pi) x (1 - x^2/3 + ...) (20 terms, the leading product kept exact); below 2.25
/// by its Taylor series at 13/8 (39 terms); above as 1 - erfc, erfc by its continued fraction
/// e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) to 36 levels, through the
/// recurrence of its convergents (one division), with x^2 kept exact so that e^(-x^2) loses
/// nothing to its rounding. All three are computed for every element (no branch). NaN stays NaN.
[[gnu::always_inline]] constexpr double erf_lanes(double x) noexcept {
    double a = abs_lanes(x);
    a = select_lanes(a > 6.0, 6.0, a);
    const exact_product aa = product_lanes(a, a);
    const double e = exp_lanes(-aa.hi) * (1.0 - aa.lo);
    constexpr double two_over_sqrt_pi = 1.1283791670955126, one_over_sqrt_pi = 0.56418958354775628;
    const double z = aa.hi;
    const double q = horner_lanes<1>(z, erf_taylor_at_0);
    constexpr double two_over_sqrt_pi_lo = 1.52872506320456125e-17;  // 2/sqrt(pi) - two_over_sqrt_pi
    const exact_product ac = product_lanes(a, two_over_sqrt_pi);
    const double low = ac.hi + (ac.lo + a * (two_over_sqrt_pi_lo + z * q));
    const double h = a - 1.625;
    const double middle = erf_taylor_at_13_8[0] + horner_lanes<1>(h, erf_taylor_at_13_8) * h;
    const double high = 1.0 - one_over_sqrt_pi * e * erfc_fraction_lanes(a, std::make_index_sequence<36>{});
    const double r = select_lanes(a < 0.75, low, select_lanes(a < 2.25, middle, high));
    return copysign_lanes(r, x);
}

/// The forms above for float, through double (exact to the float's precision but for the final
/// rounding).
[[gnu::always_inline]] constexpr float exp_lanes(float x) noexcept { return static_cast<float>(exp_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float expm1_lanes(float x) noexcept { return static_cast<float>(expm1_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float log_lanes(float x) noexcept { return static_cast<float>(log_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float log1p_lanes(float x) noexcept { return static_cast<float>(log1p_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float tanh_lanes(float x) noexcept { return static_cast<float>(tanh_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float sigmoid_lanes(float x) noexcept { return static_cast<float>(sigmoid_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float softplus_lanes(float x) noexcept { return static_cast<float>(softplus_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float sqrt_lanes(float x) noexcept { return static_cast<float>(sqrt_lanes(static_cast<double>(x))); }
[[gnu::always_inline]] constexpr float erf_lanes(float x) noexcept { return static_cast<float>(erf_lanes(static_cast<double>(x))); }

/// Whether the compiler vectorises the forms above on this target. On x86 that takes SSE4.1
/// (x86-64-v2, every x86-64 processor since about 2008): with the baseline's SSE2 alone, g++ keeps
/// loops with 64-bit masks scalar, and then the standard library's functions are the faster
/// choice. stag::vmap asks this; tensor loops that fill vectors (lane_loop) use the forms anyway
/// (as fast there as the library's).
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__SSE4_1__)
inline constexpr bool lanes_vectorise = false;
#else
inline constexpr bool lanes_vectorise = true;
#endif

/// The width in bytes of the vectors the compiler fills: 32 where AVX is there (g++ and clang
/// prefer 256-bit vectors on AVX-512 machines too, unless told otherwise), 16 otherwise.
#if defined(__AVX__)
inline constexpr std::size_t vector_bytes = 32;
#else
inline constexpr std::size_t vector_bytes = 16;
#endif

/// Whether T has the branch-free forms here (double and float).
template <class T>
concept lanes_type = std::is_same_v<T, double> || std::is_same_v<T, float>;

/// Whether a tensor loop of `count` elements of T uses the forms above, rather than the standard
/// library's functions: where it fills whole vectors, or is long enough (four vectors or more) for
/// its scalar remainder to matter little. Elsewhere the loop waits on the forms' long chains of
/// dependent multiply-adds, one vector and a scalar remainder at a time, and the library's
/// functions, table-based and of short latency, are faster (measured on a mixture model's rows of
/// 5 and 10 components: the forms took 1.8 and 1.4 times as long; engine/tensor_sweep.hpp,
/// `element`). Constant expressions use the forms at any length.
template <class T>
constexpr bool lane_loop(std::size_t count) noexcept {
    if constexpr (!lanes_type<T>) return true;  // (no such forms: the ops' own apply)
    else {
        constexpr std::size_t width = vector_bytes / sizeof(T);
        return count % width == 0 || count >= 4 * width;
    }
}

}  // namespace stag::detail
