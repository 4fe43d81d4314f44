// stag::dual<T>: a number with a tangent, value + tangent * e with e * e = 0, for forward-mode
// derivatives through stag's own sweeps. Bound to a variable (a number, or the elements of a
// tensor), it makes every sweep carry tangents along: eval then gives a directional derivative
// (a Jacobian-vector product) in the result's tangents, and grad gives the gradient in the values
// and a Hessian-vector product in the tangents (forward over reverse). dual<T, tangent_lanes<T, K>>
// carries K tangents at once: K directions for the price of one primal computation.
#pragma once

#include <stag/core/config.hpp>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <type_traits>

namespace stag {

template <class T, class Tangent = T>
struct dual;

template <class T>
inline constexpr bool is_dual_v = false;
template <class T, class Tangent>
inline constexpr bool is_dual_v<dual<T, Tangent>> = true;

/// K tangents of a dual number (T a floating-point type): the vector arithmetic the dual's rules
/// need, lane by lane. Built from a number, every lane takes it (the dual only builds zeros so).
template <class T, std::size_t K>
struct tangent_lanes {
    T lane[K];

    constexpr tangent_lanes() = default;
    constexpr tangent_lanes(T x) noexcept {
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) lane[k] = x;
    }
    constexpr tangent_lanes& operator+=(const tangent_lanes& b) noexcept {
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) lane[k] += b.lane[k];
        return *this;
    }
    constexpr tangent_lanes& operator-=(const tangent_lanes& b) noexcept {
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) lane[k] -= b.lane[k];
        return *this;
    }
    friend constexpr tangent_lanes operator-(const tangent_lanes& a) noexcept {
        tangent_lanes r;
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) r.lane[k] = -a.lane[k];
        return r;
    }
    friend constexpr tangent_lanes operator+(const tangent_lanes& a, const tangent_lanes& b) noexcept {
        tangent_lanes r;
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) r.lane[k] = a.lane[k] + b.lane[k];
        return r;
    }
    friend constexpr tangent_lanes operator-(const tangent_lanes& a, const tangent_lanes& b) noexcept {
        tangent_lanes r;
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) r.lane[k] = a.lane[k] - b.lane[k];
        return r;
    }
    friend constexpr tangent_lanes operator*(const T& c, const tangent_lanes& a) noexcept {
        tangent_lanes r;
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) r.lane[k] = c * a.lane[k];
        return r;
    }
    friend constexpr tangent_lanes operator*(const tangent_lanes& a, const T& c) noexcept {
        tangent_lanes r;
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) r.lane[k] = a.lane[k] * c;
        return r;
    }
    friend constexpr tangent_lanes operator/(const tangent_lanes& a, const T& c) noexcept {
        tangent_lanes r;
        STAG_UNROLL_SHORT
        for (std::size_t k = 0; k < K; ++k) r.lane[k] = a.lane[k] / c;
        return r;
    }
    /// Whether some lane is not x.
    friend constexpr bool operator!=(const tangent_lanes& a, const T& x) noexcept {
        for (std::size_t k = 0; k < K; ++k)
            if (a.lane[k] != x) return true;
        return false;
    }
};

/// A number type stag computes with: an arithmetic type, or a dual number of one.
template <class T>
inline constexpr bool number_type = std::is_arithmetic_v<T> || is_dual_v<T>;
/// A number type whose values are real (not integral): floating point, or a dual number.
template <class T>
inline constexpr bool real_number_type = std::is_floating_point_v<T> || is_dual_v<T>;

/// The value of a number with its tangents dropped (the number itself if it has none): what an
/// index (gather's ids, pick's k) is read as.
template <class T>
constexpr auto primal_value(const T& x) noexcept {
    if constexpr (is_dual_v<T>) return primal_value(x.value);
    else return x;
}

/// value + tangent * e, e * e = 0. T is a floating-point type, or a dual number itself (a nested
/// dual: second-order forward mode); the tangent is a T, or tangent_lanes<T, K> for K directions at
/// once. Comparisons look at the values; every function's tangent is its derivative times the
/// argument's tangent.
template <class T, class Tangent>
struct dual {
    static_assert(real_number_type<T>, "stag: dual<T>: T must be a floating-point type or a stag::dual (nested: forward over forward)");
    using value_type = T;
    T value;
    Tangent tangent;

    constexpr dual() = default;  // as T: `dual<double> d{}` is zero, `dual<double> d;` is not set
    constexpr dual(T v, Tangent t = Tangent(T(0))) noexcept : value(v), tangent(t) {}  // a constant: no tangent
    template <class U>
        requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
    constexpr dual(U v) noexcept : value(static_cast<T>(v)), tangent(T(0)) {}
    template <class U>
        requires(std::is_floating_point_v<U> && !std::is_same_v<U, T> && std::is_same_v<Tangent, T>)
    explicit constexpr dual(const dual<U>& d) noexcept : value(static_cast<T>(d.value)), tangent(static_cast<T>(d.tangent)) {}

    constexpr dual& operator+=(const dual& b) noexcept { return value += b.value, tangent += b.tangent, *this; }
    constexpr dual& operator-=(const dual& b) noexcept { return value -= b.value, tangent -= b.tangent, *this; }
    constexpr dual& operator*=(const dual& b) noexcept { return *this = *this * b; }
    constexpr dual& operator/=(const dual& b) noexcept { return *this = *this / b; }

    friend constexpr dual operator+(const dual& a) noexcept { return a; }
    friend constexpr dual operator-(const dual& a) noexcept { return {-a.value, -a.tangent}; }
    friend constexpr dual operator+(const dual& a, const dual& b) noexcept { return {a.value + b.value, a.tangent + b.tangent}; }
    friend constexpr dual operator-(const dual& a, const dual& b) noexcept { return {a.value - b.value, a.tangent - b.tangent}; }
    friend constexpr dual operator*(const dual& a, const dual& b) noexcept {
        return {a.value * b.value, a.tangent * b.value + a.value * b.tangent};
    }
    friend constexpr dual operator/(const dual& a, const dual& b) noexcept {
        const T q = a.value / b.value;
        return {q, (a.tangent - q * b.tangent) / b.value};
    }
    // With a plain number (exactly a T) on one side: no tangent is made for it and multiplied by
    // zero, which matters when the tangent holds several lanes.
    template <std::same_as<T> U>
    friend constexpr dual operator+(const dual& a, const U& b) noexcept { return {a.value + b, a.tangent}; }
    template <std::same_as<T> U>
    friend constexpr dual operator+(const U& a, const dual& b) noexcept { return {a + b.value, b.tangent}; }
    template <std::same_as<T> U>
    friend constexpr dual operator-(const dual& a, const U& b) noexcept { return {a.value - b, a.tangent}; }
    template <std::same_as<T> U>
    friend constexpr dual operator-(const U& a, const dual& b) noexcept { return {a - b.value, -b.tangent}; }
    template <std::same_as<T> U>
    friend constexpr dual operator*(const dual& a, const U& b) noexcept { return {a.value * b, a.tangent * b}; }
    template <std::same_as<T> U>
    friend constexpr dual operator*(const U& a, const dual& b) noexcept { return {a * b.value, a * b.tangent}; }
    template <std::same_as<T> U>
    friend constexpr dual operator/(const dual& a, const U& b) noexcept { return {a.value / b, a.tangent / b}; }
    friend constexpr bool operator==(const dual& a, const dual& b) noexcept { return a.value == b.value; }
    friend constexpr bool operator!=(const dual& a, const dual& b) noexcept { return a.value != b.value; }
    friend constexpr bool operator<(const dual& a, const dual& b) noexcept { return a.value < b.value; }
    friend constexpr bool operator<=(const dual& a, const dual& b) noexcept { return a.value <= b.value; }
    friend constexpr bool operator>(const dual& a, const dual& b) noexcept { return a.value > b.value; }
    friend constexpr bool operator>=(const dual& a, const dual& b) noexcept { return a.value >= b.value; }

    // The functions stag's ops call, found by argument-dependent lookup: f(a) = f(value) +
    // f'(value) tangent e. The calls on T are unqualified, so that for a nested dual (T itself a
    // dual) they find T's own functions.
    friend dual exp(const dual& a) { using namespace std; const T e = exp(a.value); return {e, e * a.tangent}; }
    friend dual expm1(const dual& a) { using namespace std; return {expm1(a.value), exp(a.value) * a.tangent}; }
    friend dual log(const dual& a) { using namespace std; return {log(a.value), a.tangent / a.value}; }
    friend dual log1p(const dual& a) { using namespace std; return {log1p(a.value), a.tangent / (T(1) + a.value)}; }
    friend dual sqrt(const dual& a) { using namespace std; const T r = sqrt(a.value); return {r, a.tangent / (T(2) * r)}; }
    friend dual cbrt(const dual& a) { using namespace std; const T r = cbrt(a.value); return {r, a.tangent / (T(3) * r * r)}; }
    friend dual sin(const dual& a) { using namespace std; return {sin(a.value), cos(a.value) * a.tangent}; }
    friend dual cos(const dual& a) { using namespace std; return {cos(a.value), -sin(a.value) * a.tangent}; }
    friend dual tan(const dual& a) { using namespace std; const T t = tan(a.value); return {t, (T(1) + t * t) * a.tangent}; }
    friend dual asin(const dual& a) { using namespace std; return {asin(a.value), a.tangent / sqrt(T(1) - a.value * a.value)}; }
    friend dual acos(const dual& a) { using namespace std; return {acos(a.value), -a.tangent / sqrt(T(1) - a.value * a.value)}; }
    friend dual atan(const dual& a) { using namespace std; return {atan(a.value), a.tangent / (T(1) + a.value * a.value)}; }
    friend dual sinh(const dual& a) { using namespace std; return {sinh(a.value), cosh(a.value) * a.tangent}; }
    friend dual cosh(const dual& a) { using namespace std; return {cosh(a.value), sinh(a.value) * a.tangent}; }
    friend dual tanh(const dual& a) { using namespace std; const T t = tanh(a.value); return {t, (T(1) - t * t) * a.tangent}; }
    friend dual erf(const dual& a) { using namespace std;
        constexpr T two_over_sqrt_pi = T(1.12837916709551257389615890312154517);
        return {erf(a.value), two_over_sqrt_pi * exp(-a.value * a.value) * a.tangent};
    }
    friend dual fabs(const dual& a) { return a.value < T(0) ? -a : a; }
    friend dual abs(const dual& a) { return fabs(a); }
    friend dual atan2(const dual& y, const dual& x) { using namespace std;
        const T r2 = x.value * x.value + y.value * y.value;
        return {atan2(y.value, x.value), (x.value * y.tangent - y.value * x.tangent) / r2};
    }
    friend dual hypot(const dual& a, const dual& b) { using namespace std;
        const T h = hypot(a.value, b.value);
        return {h, (a.value * a.tangent + b.value * b.tangent) / h};
    }
    /// a^b = exp(b log a); the tangent of the exponent is taken only where it has one (so a
    /// negative base with a constant exponent keeps its real power).
    friend dual pow(const dual& a, const dual& b) { using namespace std;
        const T p = pow(a.value, b.value);
        Tangent t(T(0));
        if (b.value != T(0)) t = b.value * pow(a.value, b.value - T(1)) * a.tangent;
        if (b.tangent != T(0)) t += p * log(a.value) * b.tangent;
        return {p, t};
    }
};

}  // namespace stag
