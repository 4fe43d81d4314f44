// stag::dual<T>: a number with a tangent, value + tangent * e with e * e = 0, for forward-mode
// derivatives through stag's own sweeps. Bound to a variable (a number, or the elements of a
// tensor), it makes every sweep carry tangents along: eval then gives a directional derivative
// (a Jacobian-vector product) in the result's tangents, and grad gives the gradient in the values
// and a Hessian-vector product in the tangents (forward over reverse).
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

namespace stag {

template <class T>
struct dual;

template <class T>
inline constexpr bool is_dual_v = false;
template <class T>
inline constexpr bool is_dual_v<dual<T>> = true;

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
/// dual: second-order forward mode). Comparisons look at the values;
/// every function's tangent is its derivative times the argument's tangent.
template <class T>
struct dual {
    static_assert(real_number_type<T>, "stag: dual<T>: T must be a floating-point type or a stag::dual (nested: forward over forward)");
    T value;
    T tangent;

    constexpr dual() = default;  // as T: `dual<double> d{}` is zero, `dual<double> d;` is not set
    constexpr dual(T v, T t = T(0)) noexcept : value(v), tangent(t) {}  // a constant: no tangent
    template <class U>
        requires(std::is_arithmetic_v<U> && !std::is_same_v<U, T>)
    constexpr dual(U v) noexcept : value(static_cast<T>(v)), tangent(0) {}
    template <class U>
        requires(std::is_floating_point_v<U> && !std::is_same_v<U, T>)
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
        T t = b.value == T(0) ? T(0) : b.value * pow(a.value, b.value - T(1)) * a.tangent;
        if (b.tangent != T(0)) t += p * log(a.value) * b.tangent;
        return {p, t};
    }
};

}  // namespace stag
