// Small helpers of the loops that ops state and the sweeps run: the first value of an adjoint, a
// store that assigns or adds, and a sum that vectorises without reordering at run time.
#pragma once

#include <cstddef>
#include <type_traits>

namespace stag::detail {

template <class S>
constexpr S negative_zero() noexcept {
    // Adjoints start at -0 rather than +0: -0 + t is exactly t, so the compiler folds the first
    // accumulation into a plain store, as hand-written code would write it.
    if constexpr (std::is_floating_point_v<S>) return -S(0);
    else return S{};
}

/// to = x where this is the first push into an adjoint (Assign), to += x otherwise.
template <bool Assign, class S, class T>
[[gnu::always_inline]] constexpr void put(S& to, const T& x) noexcept {
    if constexpr (Assign) to = x;
    else to += x;
}
/// term(0) + ... + term(N - 1), in 16 interleaved partial sums (32 from 256 terms on) added pairwise
/// at the end: the compiler keeps them in vector registers, so a long sum runs at the adder's
/// throughput rather than its latency (a plain `s += term(e)` loop may not be vectorised without
/// -ffast-math, since that reorders the additions; with 16 sums, two 512-bit registers, a sum of
/// 256 doubles still waited on its additions). The order of the additions is fixed by N, so
/// results are reproducible.
template <class S, std::size_t N, class Term>
[[gnu::always_inline]] constexpr S sum_of(Term term) {
    constexpr std::size_t lanes = N >= 256 ? 32 : 16;
    if constexpr (N < lanes) {
        S s = negative_zero<S>();
        for (std::size_t e = 0; e < N; ++e) s += term(e);
        return s;
    } else {
        // Pairwise at the end, each step a loop of constant length that the compiler unrolls (a
        // loop over the width would be left as branches and reloads). No partial sum starts as a
        // bare copy of a term: g++ turns a loop of such copies into a memcpy to the stack, which
        // with AVX2 code it writes in 16-byte pieces and reads back in 32-byte ones, a stalled
        // store forwarding per vector (a sum of 16 numbers took 34 ns instead of 9).
        S half[16], quarter[4];
        if constexpr (N < 2 * lanes) {
            const auto first = [&](std::size_t l) { return l + lanes < N ? S(term(l) + term(l + lanes)) : S(term(l)); };
            for (std::size_t l = 0; l < 8; ++l) half[l] = first(l) + first(l + 8);
        } else {
            S lane[lanes];
            for (std::size_t l = 0; l < lanes; ++l) lane[l] = S(term(l) + term(l + lanes));
            std::size_t e = 2 * lanes;
            for (; e + lanes <= N; e += lanes)
                for (std::size_t l = 0; l < lanes; ++l) lane[l] += term(e + l);
            for (std::size_t l = 0; e + l < N; ++l) lane[l] += term(e + l);
            if constexpr (lanes == 32) {
                for (std::size_t l = 0; l < 16; ++l) half[l] = lane[l] + lane[l + 16];
                for (std::size_t l = 0; l < 8; ++l) half[l] = half[l] + half[l + 8];
            } else
                for (std::size_t l = 0; l < 8; ++l) half[l] = lane[l] + lane[l + 8];
        }
        for (std::size_t l = 0; l < 4; ++l) quarter[l] = half[l] + half[l + 4];
        return (quarter[0] + quarter[2]) + (quarter[1] + quarter[3]);
    }
}

}  // namespace stag::detail
