// Exact rational constants known at compile time: stag::c<N, D>, and the zero and one that
// simplification looks for.
#pragma once

#include <stag/graph/node_list.hpp>

#include <cstdint>
#include <type_traits>

namespace stag {

/// An exact rational constant known at compile time, in lowest terms with D > 0.
template <std::intmax_t N, std::intmax_t D>
struct cst_t {
    static constexpr bool is_stag_node = true;
    static constexpr bool stateless = true;
    static constexpr bool is_constant = true;
    static constexpr std::intmax_t num = N;
    static constexpr std::intmax_t den = D;
    using nodes = graph::node_list<graph::key<cst_t>>;
    template <class S>
    static constexpr S value() noexcept {
        if constexpr (D == 1)
            return static_cast<S>(N);
        else
            return static_cast<S>(N) / static_cast<S>(D);
    }
};

namespace detail {
/// Whether E is a compile-time rational (cst_t), with its numerator and denominator: a trait, not
/// `requires { E::num; }`, since clang prints the (possibly huge) type of every failed check.
template <class E>
struct rational_parts : std::false_type {};
template <std::intmax_t N, std::intmax_t D>
struct rational_parts<cst_t<N, D>> : std::true_type {
    static constexpr std::intmax_t num = N, den = D;
};
template <class E>
inline constexpr bool is_rational = rational_parts<E>::value;

constexpr std::intmax_t gcd(std::intmax_t a, std::intmax_t b) noexcept {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
        std::intmax_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}
template <std::intmax_t N, std::intmax_t D>
struct make_rational {
    static_assert(D != 0, "stag: compile-time constant with a zero denominator");
    static constexpr std::intmax_t g = gcd(N, D) == 0 ? 1 : gcd(N, D);
    static constexpr std::intmax_t s = D < 0 ? -1 : 1;
    using type = cst_t<s * N / g, s * D / g>;
};
}  // namespace detail

/// Compile-time constant N/D: `stag::c<2>`, `stag::c<1, 3>`. Takes part in simplification.
template <std::intmax_t N, std::intmax_t D = 1>
inline constexpr typename detail::make_rational<N, D>::type c{};

using zero_t = cst_t<0, 1>;
using one_t = cst_t<1, 1>;

template <class E>
inline constexpr bool is_zero = std::is_same_v<std::remove_cvref_t<E>, zero_t>;
template <class E>
inline constexpr bool is_one = std::is_same_v<std::remove_cvref_t<E>, one_t>;

}  // namespace stag
