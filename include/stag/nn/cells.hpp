// Recurrent cells written with stag's ops (no loops of their own): an LSTM cell and a GRU cell,
// with PyTorch's equations and gate order, so that weights trained there carry over. Each returns
// expressions; their derivatives are those of the ops they are made of, for grad, d and every tool.
//
// The products with the weights are written x w^T (matmul(x, transpose(w))), not w x, while the
// weights are at most the tensor sweep's stack threshold (128 KiB, detail::stack_sweep_bytes, for
// doubles): with the transposes, the sums run along contiguous rows and vectorise (matmul's
// vector-times-matrix kernel), where w x is one short dot product per gate. In a scan the
// transposes do not change from step to step, so they are computed once per call
// (engine/hoist.hpp); in a graph unrolled by hand they are one node each, shared by every step.
// Larger weights keep w x: their rows are long enough for dot products to vectorise (an LSTM of 128
// units, bench_sequence's lstm_h128_i32: 2.0 to 2.3 ms with w x, 2.9 to 3.0 ms with x w^T).
#pragma once

#include <stag/engine/tensor_sweep.hpp>
#include <stag/ops/exponential.hpp>
#include <stag/ops/hyperbolic.hpp>
#include <stag/ops/special.hpp>
#include <stag/ops/tensor.hpp>

#include <cstddef>
#include <type_traits>

namespace stag::nn {

/// The state after an LSTM step: the hidden state h and the cell state c.
template <class H, class C>
struct lstm_state {
    H h;
    C c;
};

namespace detail {
template <class E>
inline constexpr std::size_t length_of = stag::detail::dims<node_shape_t<E>>::of[0];
template <class E>
inline constexpr std::size_t rank_of = stag::detail::dims<node_shape_t<E>>::rank;
/// The features of one sample: a vector's length, or the columns of a batch (a sample per row).
template <class E>
inline constexpr std::size_t features_of = stag::detail::dims<node_shape_t<E>>::of[rank_of<E> == 0 ? 0 : rank_of<E> - 1];
/// Whether x, h (and c) are one sample each (vectors) or batches of as many samples (a sample per
/// row), h and c of one shape.
template <class X, class Hs, class... Cs>
inline constexpr bool samples_fit = [] {
    if constexpr ((rank_of<X> != rank_of<Hs>) || (rank_of<X> != 1 && rank_of<X> != 2) || !(std::is_same_v<node_shape_t<Hs>, node_shape_t<Cs>> && ...))
        return false;
    else if constexpr (rank_of<X> == 2) return length_of<X> == length_of<Hs>;
    else return true;
}();
/// w x, as x w^T where w is at most the stack threshold (see above), and always
/// for a batch (x w^T is then B x 4H, a sample per row).
template <class Wt, class X>
constexpr auto times(const Wt& w, const X& x) {
    if constexpr (rank_of<X> == 2 || stag::detail::shape_count<node_shape_t<Wt>>::value * sizeof(double) <= stag::detail::stack_sweep_bytes)
        return matmul(x, transpose(w));
    else
        return matmul(w, x);
}
/// The gates' columns [Begin, End) of z: along its last axis.
template <std::size_t Begin, std::size_t End, class Z>
constexpr auto gate(const Z& z) {
    return slice<rank_of<Z> - 1, Begin, End>(z);
}
/// Whether w is Rows x Cols.
template <class W, std::size_t Rows, std::size_t Cols>
inline constexpr bool matrix_of = std::is_same_v<node_shape_t<W>, std::index_sequence<Rows, Cols>>;
template <class B, std::size_t Rows>
inline constexpr bool vector_of = std::is_same_v<node_shape_t<B>, std::index_sequence<Rows>>;
}  // namespace detail

/// One LSTM step (Hochreiter and Schmidhuber 1997, with a forget gate; PyTorch's LSTMCell), for an
/// input x of I numbers, a hidden state h and a cell state c of H numbers, weights w (4H x I) and
/// u (4H x H) and a bias b (4H: PyTorch's b_ih + b_hh), the gates in the order input, forget,
/// cell, output:
///     z = w x + u h + b,  i = sigmoid(z[0, H)),  f = sigmoid(z[H, 2H)),  g = tanh(z[2H, 3H)),
///     o = sigmoid(z[3H, 4H)),  c' = f c + i g,  h' = o tanh(c').
/// Returns {h', c'}. A batch of B samples steps at once: x of B x I, h and c of B x H, a sample
/// per row (z = x w^T + h u^T + b, the gates' columns), the weights shared.
template <expression X, expression Hs, expression Cs, expression W, expression U, expression B>
constexpr auto lstm_cell(const X& x, const Hs& h, const Cs& c, const W& w, const U& u, const B& b) {
    constexpr bool samples = detail::samples_fit<X, Hs, Cs>;
    static_assert(samples, "stag: nn::lstm_cell(x, h, c, w, u, b): x, h and c must be vectors (one sample), or matrices of as many rows "
                           "(a batch, a sample per row); h and c of one shape");
    if constexpr (samples) {
        constexpr std::size_t n = detail::features_of<Hs>, in = detail::features_of<X>;
        constexpr bool fit = detail::matrix_of<W, 4 * n, in> && detail::matrix_of<U, 4 * n, n> && detail::vector_of<B, 4 * n>;
        static_assert(fit, "stag: nn::lstm_cell(x, h, c, w, u, b): for h of H and x of I, w must be 4H x I, u 4H x H and b of 4H");
        if constexpr (fit) {
            const auto z = detail::times(w, x) + detail::times(u, h) + b;
            const auto i = sigmoid(detail::gate<0, n>(z));
            const auto f = sigmoid(detail::gate<n, 2 * n>(z));
            const auto g = tanh(detail::gate<2 * n, 3 * n>(z));
            const auto o = sigmoid(detail::gate<3 * n, 4 * n>(z));
            const auto next_c = f * c + i * g;
            const auto next_h = o * tanh(next_c);
            return lstm_state<decltype(next_h), decltype(next_c)>{next_h, next_c};
        } else
            return stag::detail::failed{};
    } else
        return stag::detail::failed{};
}

/// An LSTM step on a packed state s = (h, c), a vector of 2H numbers, for stag::scan, whose state
/// is one variable: the next (h', c') packed the same way. Its h' is `slice<0, 0, H>` of it. For a
/// batch, s is B x 2H (each row a sample's h and then c), x is B x I, and h' is `slice<1, 0, H>`.
template <expression X, expression S, expression W, expression U, expression B>
constexpr auto lstm_step(const X& x, const S& s, const W& w, const U& u, const B& b) {
    constexpr bool even = (detail::rank_of<S> == 1 || detail::rank_of<S> == 2) && detail::features_of<S> % 2 == 0;
    static_assert(even, "stag: nn::lstm_step(x, s, w, u, b): s must be a vector of 2H numbers, h and then c (or B x 2H for a batch)");
    if constexpr (even) {
        constexpr std::size_t n = detail::features_of<S> / 2;
        const auto next = lstm_cell(x, detail::gate<0, n>(s), detail::gate<n, 2 * n>(s), w, u, b);
        return concat<detail::rank_of<S> - 1>(next.h, next.c);
    } else
        return stag::detail::failed{};
}

/// One GRU step (Cho et al. 2014; PyTorch's GRUCell), for an input x of I numbers and a hidden
/// state h of H, weights w (3H x I) and u (3H x H) and biases bi and bh (3H each), the gates in the
/// order reset, update, new:
///     a = w x + bi,  e = u h + bh,  r = sigmoid(a[0, H) + e[0, H)),  z = sigmoid(a[H, 2H) + e[H, 2H)),
///     n = tanh(a[2H, 3H) + r e[2H, 3H)),  h' = (1 - z) n + z h.
/// A batch of B samples steps at once: x of B x I and h of B x H, a sample per row.
template <expression X, expression Hs, expression W, expression U, expression Bi, expression Bh>
constexpr auto gru_cell(const X& x, const Hs& h, const W& w, const U& u, const Bi& bi, const Bh& bh) {
    constexpr bool samples = detail::samples_fit<X, Hs>;
    static_assert(samples, "stag: nn::gru_cell(x, h, w, u, bi, bh): x and h must be vectors (one sample), or matrices of as many rows "
                           "(a batch, a sample per row)");
    if constexpr (samples) {
        constexpr std::size_t n = detail::features_of<Hs>, in = detail::features_of<X>;
        constexpr bool fit = detail::matrix_of<W, 3 * n, in> && detail::matrix_of<U, 3 * n, n> && detail::vector_of<Bi, 3 * n> && detail::vector_of<Bh, 3 * n>;
        static_assert(fit, "stag: nn::gru_cell(x, h, w, u, bi, bh): for h of H and x of I, w must be 3H x I, u 3H x H, bi and bh of 3H");
        if constexpr (fit) {
            const auto a = detail::times(w, x) + bi;
            const auto e = detail::times(u, h) + bh;
            const auto r = sigmoid(detail::gate<0, n>(a) + detail::gate<0, n>(e));
            const auto z = sigmoid(detail::gate<n, 2 * n>(a) + detail::gate<n, 2 * n>(e));
            const auto candidate = tanh(detail::gate<2 * n, 3 * n>(a) + r * detail::gate<2 * n, 3 * n>(e));
            return (c<1> - z) * candidate + z * h;
        } else
            return stag::detail::failed{};
    } else
        return stag::detail::failed{};
}

}  // namespace stag::nn
