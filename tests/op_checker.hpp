// A reusable kit that checks an op's laws, in the spirit of Boost.Hana's test laws.
//
// For a unary op, given as a lambda that builds the expression from a variable, and a reference
// function (generic, so that it can run in float, double and long double), at every point:
//   - eval agrees with the reference (tight relative tolerance), and has the binding's type;
//   - the symbolic derivative eval(d(f, x)) agrees with a central finite difference of the
//     reference, computed in long double with a fourth-order stencil;
//   - reverse mode grad(f, x) agrees with the symbolic derivative (to about 1e-12 in double);
//   - value_and_grad(f, x) gives exactly eval's value and grad's gradient;
//   - d(f, w) for a variable w that f does not use is the constant 0, and grad gives 0 for it.
// For a binary op the same holds for both partials, and again with a plain number (a run-time
// constant) in place of either argument: pow(x, 2.5), atan2(1.5, y).
//
// Failures print the op, the point, the scalar type and both numbers in full precision.
#pragma once

#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace stag_test {

/// |a - b| <= rtol * max(1, |a|, |b|): relative for large values, absolute below 1. Equal values
/// (infinities included) are close; NaN is close to nothing.
template <class A, class B>
bool close(A a, B b, long double rtol) {
    const long double la = static_cast<long double>(a);
    const long double lb = static_cast<long double>(b);
    if (la == lb) return true;
    const long double scale = std::max({1.0L, std::fabs(la), std::fabs(lb)});
    return std::fabs(la - lb) <= rtol * scale;
}

/// A number in full precision for failure messages.
template <class T>
std::string fmt(T v) {
    std::ostringstream out;
    out << std::setprecision(std::numeric_limits<T>::max_digits10) << v;
    return out.str();
}

template <class T>
constexpr std::string_view type_name() {
    if constexpr (std::is_same_v<T, float>) return "float";
    else if constexpr (std::is_same_v<T, double>) return "double";
    else if constexpr (std::is_same_v<T, long double>) return "long double";
    else return "?";
}

}  // namespace stag_test

/// BOOST_TEST(close(a, b, rtol)) that prints both values when it fails.
#define STAG_CHECK_CLOSE(a, b, rtol)                                                                         \
    do {                                                                                                     \
        const auto stag_check_a_ = (a);                                                                      \
        const auto stag_check_b_ = (b);                                                                      \
        BOOST_TEST_INFO(#a " = " << ::stag_test::fmt(stag_check_a_) << ", " #b " = "                         \
                                 << ::stag_test::fmt(stag_check_b_) << ", rtol = " << (rtol));               \
        BOOST_TEST(::stag_test::close(stag_check_a_, stag_check_b_, (rtol)));                                \
    } while (false)

namespace stag_test {

/// Tolerances of the checks, by scalar type.
template <class T>
struct tolerance {
    long double value;       ///< eval against the std library reference
    long double derivative;  ///< d against the finite difference of the reference
    long double reverse;     ///< grad against d
};
template <class T>
constexpr tolerance<T> default_tolerance() {
    if constexpr (std::is_same_v<T, float>) return {1e-6L, 1e-5L, 4e-6L};
    else if constexpr (std::is_same_v<T, double>) return {1e-14L, 1e-9L, 1e-12L};
    else return {1e-17L, 1e-9L, 1e-15L};
}

/// Central difference of f at p, fourth order, in long double: error far below 1e-9 relative for
/// the smooth functions and points the tests use.
template <class F>
long double central_difference(const F& f, long double p) {
    const long double h = 1e-4L * std::max(1.0L, std::fabs(p));
    auto at = [&](long double s) { return static_cast<long double>(f(s)); };
    return (8 * (at(p + h) - at(p - h)) - (at(p + 2 * h) - at(p - 2 * h))) / (12 * h);
}

inline constexpr auto x = stag::var<"x">;
inline constexpr auto y = stag::var<"y">;
inline constexpr auto unused = stag::var<"unused">;

/// The laws for f, an expression of x alone, at the point x = p; `fd` is the finite difference of
/// the reference at p. Shared by check_unary and the one-variable forms of check_binary.
template <class T, class F>
void check_one_variable(const F& f, T p, long double reference_value, long double fd, const tolerance<T>& tol) {
    using stag::eval;
    const auto v = eval(f, x = p);
    static_assert(std::is_same_v<std::remove_const_t<decltype(v)>, T>, "eval has the binding's type");
    STAG_CHECK_CLOSE(v, static_cast<T>(reference_value), tol.value);

    const auto ds = static_cast<T>(eval(stag::d(f, x), x = p));
    STAG_CHECK_CLOSE(ds, fd, tol.derivative);

    const auto g = stag::grad(f, x, unused)(x = p);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(g[x])>, T>, "grad has the binding's type");
    STAG_CHECK_CLOSE(g[x], ds, tol.reverse);
    BOOST_TEST(g[unused] == T(0));
    static_assert(stag::is_zero<decltype(stag::d(f, unused))>, "d with respect to an absent variable is 0");

    const auto vg = stag::value_and_grad(f, x)(x = p);
    BOOST_TEST(vg.value == v);
    BOOST_TEST(vg.grad[x] == g[x]);
}

/// Checks the unary op `build` (a lambda: expression -> expression) against `ref` (a generic
/// function of one number) at `points`, in scalar type T.
template <class T = double, class Build, class Ref>
void check_unary(std::string_view name, const Build& build, const Ref& ref, std::initializer_list<double> points,
                 const tolerance<T>& tol = default_tolerance<T>()) {
    const auto f = build(x);
    for (const double point : points) {
        const T p = static_cast<T>(point);
        BOOST_TEST_CONTEXT("op " << name << " at x = " << fmt(p) << " in " << type_name<T>()) {
            const long double lp = p;
            check_one_variable<T>(f, p, static_cast<long double>(ref(p)), central_difference(ref, lp), tol);
        }
    }
}

/// Checks the binary op `build` (a lambda of two operands) against `ref` (a generic function of
/// two numbers) at `points`, in scalar type T: both partials with two variables, then the partial
/// in x of build(x, b) and the partial in y of build(a, y), b and a plain numbers.
template <class T = double, class Build, class Ref>
void check_binary(std::string_view name, const Build& build, const Ref& ref,
                  std::initializer_list<std::pair<double, double>> points,
                  const tolerance<T>& tol = default_tolerance<T>()) {
    using stag::eval;
    const auto f = build(x, y);
    for (const auto& [pa, pb] : points) {
        const T a = static_cast<T>(pa);
        const T b = static_cast<T>(pb);
        const long double la = a, lb = b;
        const long double fd_a = central_difference([&](long double s) { return ref(s, lb); }, la);
        const long double fd_b = central_difference([&](long double s) { return ref(la, s); }, lb);
        BOOST_TEST_CONTEXT("op " << name << " at (x, y) = (" << fmt(a) << ", " << fmt(b) << ") in " << type_name<T>()) {
            const auto v = eval(f, x = a, y = b);
            static_assert(std::is_same_v<std::remove_const_t<decltype(v)>, T>, "eval has the bindings' type");
            STAG_CHECK_CLOSE(v, static_cast<T>(ref(a, b)), tol.value);

            const auto dx = static_cast<T>(eval(stag::d(f, x), x = a, y = b));
            const auto dy = static_cast<T>(eval(stag::d(f, y), x = a, y = b));
            STAG_CHECK_CLOSE(dx, fd_a, tol.derivative);
            STAG_CHECK_CLOSE(dy, fd_b, tol.derivative);

            const auto g = stag::grad(f, x, y, unused)(y = b, x = a);
            STAG_CHECK_CLOSE(g[x], dx, tol.reverse);
            STAG_CHECK_CLOSE(g[y], dy, tol.reverse);
            BOOST_TEST(g[unused] == T(0));
            const auto [gx, gy, gu] = g;  // structured bindings follow the order given to grad
            BOOST_TEST(gx == g[x]);
            BOOST_TEST(gy == g[y]);
            BOOST_TEST(gu == T(0));
            static_assert(stag::is_zero<decltype(stag::d(f, unused))>, "d with respect to an absent variable is 0");

            const auto vg = stag::value_and_grad(f, y, x)(x = a, y = b);
            BOOST_TEST(vg.value == v);
            BOOST_TEST(vg.grad[x] == g[x]);
            BOOST_TEST(vg.grad[y] == g[y]);
        }
        BOOST_TEST_CONTEXT("op " << name << "(x, " << fmt(b) << ") at x = " << fmt(a) << " in " << type_name<T>()) {
            check_one_variable<T>(build(x, b), a, static_cast<long double>(ref(a, b)), fd_a, tol);
        }
        BOOST_TEST_CONTEXT("op " << name << "(" << fmt(a) << ", x) at x = " << fmt(b) << " in " << type_name<T>()) {
            check_one_variable<T>(build(a, x), b, static_cast<long double>(ref(a, b)), fd_b, tol);
        }
    }
}

}  // namespace stag_test
