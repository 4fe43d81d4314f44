// Tensor-level ops of expressions: matmul, transpose, sum, mean, max and min (whole tensor or
// along an axis), reshape, slice, concat, gather, softmax, log_softmax, pick, and what is written with them: dot, mse,
// cross_entropy. Each op states, in one place, its shape rule (`shape`), its printing, its forward
// loop and the backward loop for each argument (`backward<J, Assign>`: Assign when it is the first
// push into that adjoint, which it then overwrites instead of adding to), and the same two loops
// as C99 text for stag::to_c (`c_forward`, `c_backward<J>`, which always adds). Every scalar function and
// operator applies to tensors elementwise without any code here (engine/tensor_sweep.hpp).
#pragma once

#include <stag/core/op.hpp>
#include <stag/ops/arithmetic.hpp>
#include <stag/ops/exponential.hpp>
#include <stag/tensor/shape.hpp>
#include <stag/detail/loops.hpp>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

namespace stag {

namespace detail {
template <class Shape>
struct dims;
template <std::size_t... D>
struct dims<std::index_sequence<D...>> {
    static constexpr std::size_t rank = sizeof...(D);
    static constexpr std::array<std::size_t, sizeof...(D) + 1> of{D..., 0};  // (clang reads a std::array here, not a C array)
};
/// Whether a shape's leading axis is a run-time one (stag::dynamic).
template <class Shape>
inline constexpr bool leading_dynamic = false;
template <std::size_t... D>
inline constexpr bool leading_dynamic<std::index_sequence<dynamic, D...>> = true;
/// The number of elements of a shape's row (all dimensions but the leading one).
template <class Shape>
struct row_count;
template <std::size_t L, std::size_t... D>
struct row_count<std::index_sequence<L, D...>> : std::integral_constant<std::size_t, (std::size_t{1} * ... * D)> {};
/// 1 / (the length of the run-time axis): a variable that the rows engine (engine/rows.hpp) binds,
/// through which a mean over that axis divides by a length known only at the call.
/// (Its name spelt as characters: nvcc does not take a string literal as a template argument here.)
using rows_reciprocal_t = var_t<boost::hana::string<'s', 't', 'a', 'g', ':', ':', '1', '/', 'r', 'o', 'w', 's'>, deduce>;
/// The rank of the first of some shapes (an op's rows_apart asks it of its first argument).
template <class Shape, class... Rest>
inline constexpr std::size_t first_rank = dims<Shape>::rank;
template <class Shape, class... Rest>
inline constexpr bool first_leading_dynamic = leading_dynamic<Shape>;
/// The rows and columns of a matmul operand: a vector is one row on the left, one column on the right.
template <class Shape, bool Left>
struct matrix_dims {
    static constexpr std::size_t rows = dims<Shape>::rank == 2 ? dims<Shape>::of[0] : (Left ? 1 : dims<Shape>::of[0]);
    static constexpr std::size_t cols = dims<Shape>::rank == 2 ? dims<Shape>::of[1] : (Left ? dims<Shape>::of[0] : 1);
};
template <class A, class B>
struct matmul_shape {
    static constexpr std::size_t m = matrix_dims<A, true>::rows, n = matrix_dims<B, false>::cols;
    static constexpr std::size_t ra = dims<A>::rank, rb = dims<B>::rank;
    using type = std::conditional_t<ra == 2 && rb == 2, std::index_sequence<m, n>,
                                    std::conditional_t<ra == 2, std::index_sequence<m>,
                                                       std::conditional_t<rb == 2, std::index_sequence<n>, std::index_sequence<>>>>;
};

/// A shape without its dimension Axis.
template <std::size_t Axis, class Shape, class Seq = std::make_index_sequence<dims<Shape>::rank - 1>>
struct drop_axis;
template <std::size_t Axis, class Shape, std::size_t... I>
struct drop_axis<Axis, Shape, std::index_sequence<I...>> {
    using type = std::index_sequence<dims<Shape>::of[I < Axis ? I : I + 1]...>;
};
/// The first Axis dimensions of a shape, and the ones from Axis on.
template <std::size_t Axis, class Shape, class Seq = std::make_index_sequence<Axis>>
struct axis_prefix;
template <std::size_t Axis, class Shape, std::size_t... I>
struct axis_prefix<Axis, Shape, std::index_sequence<I...>> {
    using type = std::index_sequence<dims<Shape>::of[I]...>;
};
template <std::size_t Axis, class Shape, class Seq = std::make_index_sequence<dims<Shape>::rank - Axis>>
struct axis_suffix;
template <std::size_t Axis, class Shape, std::size_t... I>
struct axis_suffix<Axis, Shape, std::index_sequence<I...>> {
    using type = std::index_sequence<dims<Shape>::of[Axis + I]...>;
};
/// A shape with dimension Axis replaced by Length.
template <std::size_t Axis, std::size_t Length, class Shape, class Seq = std::make_index_sequence<dims<Shape>::rank>>
struct with_axis;
template <std::size_t Axis, std::size_t Length, class Shape, std::size_t... I>
struct with_axis<Axis, Length, Shape, std::index_sequence<I...>> {
    using type = std::index_sequence<(I == Axis ? Length : dims<Shape>::of[I])...>;
};
/// Whether two shapes have one rank and agree in every dimension but Axis.
template <std::size_t Axis, class A, class B>
constexpr bool agree_but() {
    if (dims<A>::rank != dims<B>::rank || Axis >= dims<A>::rank) return false;
    for (std::size_t i = 0; i < dims<A>::rank; ++i)
        if (i != Axis && dims<A>::of[i] != dims<B>::of[i]) return false;
    return true;
}
/// The dimensions of A followed by those of B.
template <class A, class B>
struct join_shapes;
template <std::size_t... I, std::size_t... J>
struct join_shapes<std::index_sequence<I...>, std::index_sequence<J...>> {
    using type = std::index_sequence<I..., J...>;
};
/// A tensor of shape Shape seen as outer x length x inner around dimension Axis.
template <std::size_t Axis, class Shape>
struct around_axis {
    static constexpr std::size_t length = dims<Shape>::of[Axis];
    static constexpr std::size_t outer = [] {
        std::size_t p = 1;
        for (std::size_t i = 0; i < Axis; ++i) p *= dims<Shape>::of[i];
        return p;
    }();
    static constexpr std::size_t inner = shape_count<Shape>::value / (outer * length);
};
/// The Axis of an op along an axis that stands for every element (max(a) and min(a)'s masks,
/// logsumexp's shift).
inline constexpr std::size_t all_axes = static_cast<std::size_t>(-1);
/// A tensor of shape Shape seen as outer x length x inner around Axis, or as one run of all its
/// elements for all_axes.
template <std::size_t Axis, class Shape>
struct run_geometry : around_axis<Axis, Shape> {};
template <class Shape>
struct run_geometry<all_axes, Shape> {
    static constexpr std::size_t outer = 1, length = shape_count<Shape>::value, inner = 1;
};
/// exp in tensor loops: the vectorisable form for double and float (detail/lanes.hpp).
template <class S>
[[gnu::always_inline]] constexpr S exp_of(S x) {
    if constexpr (lanes_type<S>) return exp_lanes(x);
    else {
        using std::exp;
        return exp(x);
    }
}
/// The largest of a[0], ..., a[N - 1], as S.
template <class S, std::size_t N, class P>
[[gnu::always_inline]] constexpr S max_of(const P* a) {
    S m = S(a[0]);
    for (std::size_t k = 1; k < N; ++k) m = std::max(m, S(a[k]));
    return m;
}
/// A tensor of shape Shape seen as rows along its last dimension.
template <class Shape>
struct rows_of {
    static constexpr std::size_t length = dims<Shape>::rank == 0 ? 1 : dims<Shape>::of[dims<Shape>::rank - 1];
    static constexpr std::size_t count = shape_count<Shape>::value / length;
};

inline constexpr const char* sum_axis_names[] = {"sum<0>", "sum<1>", "sum<2>", "sum<3>", "sum<axis>"};
inline constexpr const char* max_axis_names[] = {"max<0>", "max<1>", "max<2>", "max<3>", "max<axis>"};
inline constexpr const char* min_axis_names[] = {"min<0>", "min<1>", "min<2>", "min<3>", "min<axis>"};

/// The position of the largest (Max) or smallest of a[0], a[stride], ..., a[(n - 1) stride]: the
/// first one at a tie, and the first NaN if there is one (so that the extreme is NaN).
template <bool Max, class S, class P>
[[gnu::always_inline]] constexpr std::size_t extreme_at(const P* a, std::size_t n, std::size_t stride) {
    std::size_t at = 0;
    S m = S(a[0]);
    for (std::size_t l = 1; l < n && m == m; ++l) {
        const S x = S(a[l * stride]);
        if ((Max ? m < x : x < m) || x != x) at = l, m = x;
    }
    return at;
}
}  // namespace detail

// ---- shape checks whose failures show the shapes in the note under stag's error -------------------
template <class ShapeA, class ShapeB>
inline constexpr bool matmul_shapes_fit =
    detail::dims<ShapeA>::rank >= 1 && detail::dims<ShapeA>::rank <= 2 && detail::dims<ShapeB>::rank >= 1 &&
    detail::dims<ShapeB>::rank <= 2 && detail::matrix_dims<ShapeA, true>::cols == detail::matrix_dims<ShapeB, false>::rows;
template <std::size_t Axis, class Shape>
inline constexpr bool axis_in_shape = Axis < detail::dims<Shape>::rank;
template <class From, class To>
inline constexpr bool reshape_keeps_count = detail::shape_count<From>::value == detail::shape_count<To>::value;
template <class ShapeA, class ShapeB>
inline constexpr bool pick_shapes_fit =
    (detail::dims<ShapeA>::rank == 1 && detail::dims<ShapeB>::rank == 0) ||
    (detail::dims<ShapeA>::rank == 2 && std::is_same_v<ShapeB, std::index_sequence<detail::dims<ShapeA>::of[0]>>);

// ---- C99 forms (stag::to_c) ------------------------------------------------------------------------
/// The C arrays a tensor op's C form reads and writes (io/emit.hpp names them): its value `out`,
/// its adjoint `adj`, the adjoint `to` of the argument it pushes into (zeroed before the backward
/// steps: c_backward adds), and its arguments' values `arg` (row-major, of the shapes Sh gives).
struct c_arrays {
    std::string out, adj, to;
    std::array<std::string, 3> arg;
};
namespace detail {
/// A dimension or offset as C text.
inline std::string c_int(std::size_t v) { return std::to_string(v); }
/// The C index into an argument of shape In of the element that broadcasts to element `e` of a
/// loop over shape Out (as broadcast_at computes it).
template <class In, class Out>
std::string c_broadcast_index(const std::string& e) {
    if constexpr (std::is_same_v<In, Out>) return e;
    else if constexpr (shape_count<In>::value == 1) return "0";
    else {
        constexpr auto out = dims<Out>::of;
        constexpr auto in = dims<In>::of;
        constexpr std::size_t R = dims<Out>::rank, r = dims<In>::rank;
        std::string text;
        std::size_t out_stride = 1, in_stride = 1;
        for (std::size_t k = R; k-- > 0;) {
            const std::size_t i = k >= R - r ? in[k - (R - r)] : 1;
            if (i != 1) {
                if (!text.empty()) text += " + ";
                std::string term = out_stride == 1 ? e : "(" + e + " / " + std::to_string(out_stride) + ")";
                if (k > 0) term += " % " + std::to_string(out[k]);  // the leading dimension needs no wrap
                if (in_stride != 1) term = "(" + term + ") * " + std::to_string(in_stride);
                text += term;
            }
            out_stride *= out[k];
            in_stride *= i;
        }
        return text;
    }
}

/// C statements that set `int stag_at` to the position of the largest (Max) or smallest of
/// a[0], a[stride], ..., a[(n - 1) stride], as extreme_at does (the first at a tie, the first NaN).
template <bool Max>
std::string c_extreme_at(const std::string& a, std::size_t n, std::size_t stride, const std::string& indent) {
    const std::string x = a + "[stag_l * " + detail::c_int(stride) + "]";
    return indent + "int stag_at = 0;\n" + indent + "double stag_m = " + a + "[0];\n" + indent + "for (int stag_l = 1; stag_l < " + detail::c_int(n) + " && stag_m == stag_m; ++stag_l)\n" + indent +
           "    if (" + (Max ? "stag_m < " + x : x + " < stag_m") + " || " + x + " != " + x + ") {\n" + indent + "        stag_at = stag_l;\n" + indent + "        stag_m = " + x +
           ";\n" + indent + "    }\n";
}
}  // namespace detail

// ---- the ops --------------------------------------------------------------------------------------

// What the ops' vector-Jacobian products (vjp<J>) build with, defined with the builders below.
namespace detail {
template <class Shape, class G>
constexpr auto broadcast_as(const G& g);
template <class Shape, class G>
constexpr auto sum_as(const G& g);
template <class Shape, class G>
constexpr auto reshape_as(const G& g);
template <std::size_t Axis, class Shape, class G>
constexpr auto keep_axis(const G& g);
template <class G>
constexpr auto row_sums(const G& g);
}  // namespace detail
template <bool Max, std::size_t Axis>
struct extreme_mask_op;
template <std::size_t Axis, std::size_t Begin, std::size_t End, expression A>
constexpr auto slice(const A& a) noexcept;
template <std::size_t Axis, std::size_t Begin, std::size_t Length, expression A>
constexpr auto pad(const A& a) noexcept;
template <std::size_t N, class K>
    requires operand<K>
constexpr auto one_hot(const K& k) noexcept;

/// Matrix product: (M x K)(K x N) is M x N, (M x K) times a vector of K is a vector of M, a vector
/// of K times (K x N) a vector of N. Adjoints: adj * B^T and A^T * adj.
namespace detail {
/// to[k0 + k] (assigned or added) = sum over the M rows i of a[i, k0 + k] g[i], for k < Width, a an
/// M x K matrix: the sums are kept in Width partial sums that the compiler holds in registers. (The
/// adjoint A^T g of a matrix-vector product, and the forward of a vector-matrix one.)
/// (Adding into `to` row by row would store and reload it for every row, since `to` may share
/// storage with `a` as far as the compiler knows: measured, the LSTM's U^T g then took 40% of its
/// backward pass.)
inline constexpr std::size_t column_block = 64;
template <std::size_t Width, std::size_t M, std::size_t K, bool Assign, class S, class PG, class PA>
[[gnu::always_inline]] constexpr void column_sums(S* to, const PG* g, const PA* a, std::size_t k0) {
    S acc[Width];
    for (std::size_t k = 0; k < Width; ++k) acc[k] = S(a[k0 + k]) * S(g[0]);
    for (std::size_t i = 1; i < M; ++i)
        for (std::size_t k = 0; k < Width; ++k) acc[k] += S(a[i * K + k0 + k]) * S(g[i]);
    for (std::size_t k = 0; k < Width; ++k) put<Assign>(to[k0 + k], acc[k]);
}
}  // namespace detail

struct matmul_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = true;  // (engine/rows.hpp)
    static constexpr call notation{"matmul"};
    template <class A, class B>
    using shape = typename detail::matmul_shape<A, B>::type;
    /// The vector-Jacobian products: adj * B^T and A^T * adj, as outer products or scalings for
    /// the vector forms.
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        using SA = node_shape_t<decltype(arg<0>(n))>;
        using SB = node_shape_t<decltype(arg<1>(n))>;
        constexpr std::size_t ra = detail::dims<SA>::rank, rb = detail::dims<SB>::rank;
        if constexpr (J == 0) {
            if constexpr (ra == 2 && rb == 2) return matmul(g, transpose(arg<1>(n)));
            else if constexpr (ra == 2) return detail::reshape_as<std::index_sequence<detail::dims<SA>::of[0], 1>>(g) * arg<1>(n);
            else if constexpr (rb == 2) return matmul(arg<1>(n), g);
            else return g * arg<1>(n);
        } else {
            if constexpr (ra == 2 && rb == 2) return matmul(transpose(arg<0>(n)), g);
            else if constexpr (ra == 2) return matmul(g, arg<0>(n));
            else if constexpr (rb == 2) return detail::reshape_as<std::index_sequence<detail::dims<SA>::of[0], 1>>(arg<0>(n)) * g;
            else return g * arg<0>(n);
        }
    }

    template <class Sh, class S, class PA, class PB>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a, const PB* b) {
        using da = detail::matrix_dims<typename Sh::template arg<0>, true>;
        using db = detail::matrix_dims<typename Sh::template arg<1>, false>;
        constexpr std::size_t M = da::rows, K = da::cols, N = db::cols;
        if constexpr (N == 1) {
            for (std::size_t i = 0; i < M; ++i) out[i] = detail::sum_of<S, K>([&](std::size_t k) { return S(a[i * K + k]) * S(b[k]); });
        } else if constexpr (M == 1) {  // out[j] = sum over the K rows k of b[k, j] a[k], in blocks of columns kept in registers
            constexpr std::size_t block = detail::column_block, full = N / block, rest = N % block;
            if constexpr (full > 0)  // (nvcc warns of a comparison with 0 otherwise)
                for (std::size_t j0 = 0; j0 < full * block; j0 += block) detail::column_sums<block, K, N, true>(out, a, b, j0);
            if constexpr (rest > 0) detail::column_sums<rest, K, N, true>(out, a, b, full * block);
        } else {
            for (std::size_t i = 0; i < M; ++i) {
                for (std::size_t j = 0; j < N; ++j) out[i * N + j] = S(a[i * K]) * S(b[j]);
                for (std::size_t k = 1; k < K; ++k)
                    for (std::size_t j = 0; j < N; ++j) out[i * N + j] += S(a[i * K + k]) * S(b[k * N + j]);
            }
        }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA, class PB>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA* a, const PB* b) {
        using da = detail::matrix_dims<typename Sh::template arg<0>, true>;
        using db = detail::matrix_dims<typename Sh::template arg<1>, false>;
        constexpr std::size_t M = da::rows, K = da::cols, N = db::cols;
        if constexpr (J == 0) {  // adj_A[i, k] = sum_j g[i, j] b[k, j]
            for (std::size_t i = 0; i < M; ++i)
                for (std::size_t k = 0; k < K; ++k)
                    detail::put<Assign>(to[i * K + k], detail::sum_of<S, N>([&](std::size_t j) { return g[i * N + j] * S(b[k * N + j]); }));
        } else if constexpr (N == 1) {  // adj_b[k] = sum_i a[i, k] g[i], in blocks of columns
            constexpr std::size_t block = detail::column_block, full = K / block, rest = K % block;
            if constexpr (full > 0)  // (nvcc warns of a comparison with 0 otherwise)
                for (std::size_t k0 = 0; k0 < full * block; k0 += block) detail::column_sums<block, M, K, Assign>(to, g, a, k0);
            if constexpr (rest > 0) detail::column_sums<rest, M, K, Assign>(to, g, a, full * block);
        } else {  // adj_B[k, j] = sum_i a[i, k] g[i, j], row by row of A
            for (std::size_t k = 0; k < K; ++k)
                for (std::size_t j = 0; j < N; ++j) detail::put<Assign>(to[k * N + j], S(a[k]) * g[j]);
            for (std::size_t i = 1; i < M; ++i)
                for (std::size_t k = 0; k < K; ++k)
                    for (std::size_t j = 0; j < N; ++j) to[k * N + j] += S(a[i * K + k]) * g[i * N + j];
        }
    }

    // C99 forms for stag::to_c: value into n.out; the adjoint of argument J added into n.to.
    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using da = detail::matrix_dims<typename Sh::template arg<0>, true>;
        using db = detail::matrix_dims<typename Sh::template arg<1>, false>;
        const std::string M = detail::c_int(da::rows), K = detail::c_int(da::cols), N = detail::c_int(db::cols);
        return "for (int stag_i = 0; stag_i < " + M + "; ++stag_i)\n    for (int stag_j = 0; stag_j < " + N + "; ++stag_j) {\n        double stag_s = 0.0;\n" +
               "        for (int stag_k = 0; stag_k < " + K + "; ++stag_k) stag_s += " + n.arg[0] + "[stag_i * " + K + " + stag_k] * " + n.arg[1] + "[stag_k * " + N +
               " + stag_j];\n        " + n.out + "[stag_i * " + N + " + stag_j] = stag_s;\n    }\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using da = detail::matrix_dims<typename Sh::template arg<0>, true>;
        using db = detail::matrix_dims<typename Sh::template arg<1>, false>;
        const std::string M = detail::c_int(da::rows), K = detail::c_int(da::cols), N = detail::c_int(db::cols);
        if constexpr (J == 0)
            return "for (int stag_i = 0; stag_i < " + M + "; ++stag_i)\n    for (int stag_k = 0; stag_k < " + K + "; ++stag_k)\n        for (int stag_j = 0; stag_j < " + N +
                   "; ++stag_j) " + n.to + "[stag_i * " + K + " + stag_k] += " + n.adj + "[stag_i * " + N + " + stag_j] * " + n.arg[1] + "[stag_k * " + N + " + stag_j];\n";
        else
            return "for (int stag_i = 0; stag_i < " + M + "; ++stag_i)\n    for (int stag_k = 0; stag_k < " + K + "; ++stag_k)\n        for (int stag_j = 0; stag_j < " + N +
                   "; ++stag_j) " + n.to + "[stag_k * " + N + " + stag_j] += " + n.arg[0] + "[stag_i * " + K + " + stag_k] * " + n.adj + "[stag_i * " + N + " + stag_j];\n";
    }
};

/// The transpose of a matrix.
struct transpose_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = true;  // (engine/rows.hpp)
    static constexpr call notation{"transpose"};
    template <class A>
    using shape = std::index_sequence<detail::dims<A>::of[1], detail::dims<A>::of[0]>;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N&) { return transpose(g); }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        constexpr std::size_t M = detail::dims<typename Sh::template arg<0>>::of[0], N = detail::dims<typename Sh::template arg<0>>::of[1];
        for (std::size_t j = 0; j < N; ++j)
            for (std::size_t i = 0; i < M; ++i) out[j * M + i] = S(a[i * N + j]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        constexpr std::size_t M = detail::dims<typename Sh::template arg<0>>::of[0], N = detail::dims<typename Sh::template arg<0>>::of[1];
        for (std::size_t i = 0; i < M; ++i)
            for (std::size_t j = 0; j < N; ++j) detail::put<Assign>(to[i * N + j], g[j * M + i]);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        const std::string M = detail::c_int(detail::dims<typename Sh::template arg<0>>::of[0]), N = detail::c_int(detail::dims<typename Sh::template arg<0>>::of[1]);
        return "for (int stag_i = 0; stag_i < " + M + "; ++stag_i)\n    for (int stag_j = 0; stag_j < " + N + "; ++stag_j) " + n.out + "[stag_j * " + M + " + stag_i] = " + n.arg[0] +
               "[stag_i * " + N + " + stag_j];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        const std::string M = detail::c_int(detail::dims<typename Sh::template arg<0>>::of[0]), N = detail::c_int(detail::dims<typename Sh::template arg<0>>::of[1]);
        return "for (int stag_i = 0; stag_i < " + M + "; ++stag_i)\n    for (int stag_j = 0; stag_j < " + N + "; ++stag_j) " + n.to + "[stag_i * " + N + " + stag_j] += " + n.adj +
               "[stag_j * " + M + " + stag_i];\n";
    }
};

/// The sum of all elements; the adjoint is broadcast back to every element.
struct sum_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool sums_rows = true;  // (engine/rows.hpp)
    static constexpr call notation{"sum"};
    template <class A>
    using shape = std::index_sequence<>;
    /// Its vector-Jacobian product is the seed, which broadcasts to every element.
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N&) { return g; }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        out[0] = detail::sum_of<S, Sh::template arg_count<0>>([&](std::size_t e) { return S(a[e]); });
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        const S s = g[0];
        for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) detail::put<Assign>(to[e], s);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        return n.out + "[0] = 0.0;\nfor (int stag_e = 0; stag_e < " + detail::c_int(Sh::template arg_count<0>) + "; ++stag_e) " + n.out + "[0] += " + n.arg[0] + "[stag_e];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::template arg_count<0>) + "; ++stag_e) " + n.to + "[stag_e] += " + n.adj + "[0];\n";
    }
};

/// The sum along dimension Axis, which the result drops.
template <std::size_t Axis>
struct sum_axis_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0;  // (engine/rows.hpp)
    template <class... Shapes>
    static constexpr bool sums_rows = Axis == 0;  // (engine/rows.hpp)
    static constexpr call notation{detail::sum_axis_names[Axis < 4 ? Axis : 4]};
    template <class A>
    using shape = typename detail::drop_axis<Axis, A>::type;
    /// The seed with the summed dimension back as a 1, so that it broadcasts along it.
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        using SA = node_shape_t<decltype(arg<0>(n))>;
        return detail::keep_axis<Axis, SA>(g);
    }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        for (std::size_t o = 0; o < ax::outer; ++o) {
            for (std::size_t i = 0; i < ax::inner; ++i) out[o * ax::inner + i] = S(a[o * ax::length * ax::inner + i]);
            for (std::size_t l = 1; l < ax::length; ++l)
                for (std::size_t i = 0; i < ax::inner; ++i) out[o * ax::inner + i] += S(a[(o * ax::length + l) * ax::inner + i]);
        }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t l = 0; l < ax::length; ++l)
                for (std::size_t i = 0; i < ax::inner; ++i) detail::put<Assign>(to[(o * ax::length + l) * ax::inner + i], g[o * ax::inner + i]);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string L = detail::c_int(ax::length), I = detail::c_int(ax::inner);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_i = 0; stag_i < " + I + "; ++stag_i) {\n        double stag_s = 0.0;\n" +
               "        for (int stag_l = 0; stag_l < " + L + "; ++stag_l) stag_s += " + n.arg[0] + "[(stag_o * " + L + " + stag_l) * " + I + " + stag_i];\n        " + n.out + "[stag_o * " +
               I + " + stag_i] = stag_s;\n    }\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string L = detail::c_int(ax::length), I = detail::c_int(ax::inner);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_l = 0; stag_l < " + L + "; ++stag_l)\n        for (int stag_i = 0; stag_i < " + I +
               "; ++stag_i) " + n.to + "[(stag_o * " + L + " + stag_l) * " + I + " + stag_i] += " + n.adj + "[stag_o * " + I + " + stag_i];\n";
    }
};

/// The largest (Max) or smallest element. Its adjoint goes to that element alone: the first one
/// at a tie, or the first NaN (the result is then NaN).
template <bool Max>
struct extreme_op {
    static constexpr bool tensor_level = true;
    static constexpr call notation{Max ? "max" : "min"};
    template <class A>
    using shape = std::index_sequence<>;
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) { return g * make_node<extreme_mask_op<Max, detail::all_axes>>(arg<0>(n)); }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        out[0] = S(a[detail::extreme_at<Max, S>(a, Sh::template arg_count<0>, 1)]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA* a) {
        if constexpr (Assign)
            for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) to[e] = S(0);
        to[detail::extreme_at<Max, S>(a, Sh::template arg_count<0>, 1)] += g[0];
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        return "{\n" + detail::c_extreme_at<Max>(n.arg[0], Sh::template arg_count<0>, 1, "    ") + "    " + n.out + "[0] = " + n.arg[0] + "[stag_at];\n}\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        return "{\n" + detail::c_extreme_at<Max>(n.arg[0], Sh::template arg_count<0>, 1, "    ") + "    " + n.to + "[stag_at] += " + n.adj + "[0];\n}\n";
    }
};

/// The largest (Max) or smallest element along dimension Axis, which the result drops; the
/// adjoint of each goes to that element alone (the first at a tie, or the first NaN).
template <std::size_t Axis, bool Max>
struct extreme_axis_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0;  // (engine/rows.hpp)
    static constexpr call notation{(Max ? detail::max_axis_names : detail::min_axis_names)[Axis < 4 ? Axis : 4]};
    template <class A>
    using shape = typename detail::drop_axis<Axis, A>::type;
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        using SA = node_shape_t<decltype(arg<0>(n))>;
        return detail::keep_axis<Axis, SA>(g) * make_node<extreme_mask_op<Max, Axis>>(arg<0>(n));
    }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t i = 0; i < ax::inner; ++i) {
                const PA* from = a + o * ax::length * ax::inner + i;
                out[o * ax::inner + i] = S(from[detail::extreme_at<Max, S>(from, ax::length, ax::inner) * ax::inner]);
            }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA* a) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        if constexpr (Assign)
            for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) to[e] = S(0);
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t i = 0; i < ax::inner; ++i) {
                const std::size_t base = o * ax::length * ax::inner + i;
                to[base + detail::extreme_at<Max, S>(a + base, ax::length, ax::inner) * ax::inner] += g[o * ax::inner + i];
            }
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string L = detail::c_int(ax::length), I = detail::c_int(ax::inner);
        const std::string from = "(" + n.arg[0] + " + stag_o * " + detail::c_int(ax::length * ax::inner) + " + stag_i)";
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_i = 0; stag_i < " + I + "; ++stag_i) {\n" +
               detail::c_extreme_at<Max>(from, ax::length, ax::inner, "        ") + "        " + n.out + "[stag_o * " + I + " + stag_i] = " + from + "[stag_at * " + I +
               "];\n    }\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string I = detail::c_int(ax::inner);
        const std::string from = "(" + n.arg[0] + " + stag_o * " + detail::c_int(ax::length * ax::inner) + " + stag_i)";
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_i = 0; stag_i < " + I + "; ++stag_i) {\n" +
               detail::c_extreme_at<Max>(from, ax::length, ax::inner, "        ") + "        " + n.to + "[stag_o * " + detail::c_int(ax::length * ax::inner) +
               " + stag_i + stag_at * " + I + "] += " + n.adj + "[stag_o * " + I + " + stag_i];\n    }\n";
    }
};

/// The largest element along Axis, kept as an axis of length 1 (of all elements, as a number, for
/// all_axes), as the shift of logsumexp: m + log(sum(exp(a - m))). Its derivative cancels there
/// exactly (the gradient of m's two uses is 1 - the sum of the softmax, zero), so the op states
/// none (piecewise_constant): the backward sweep never visits it, nor computes that zero in
/// rounding. Any finite shift gives the same value; a NaN element makes logsumexp NaN through exp.
template <std::size_t Axis>
struct lse_shift_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0 && Axis != detail::all_axes;  // (engine/rows.hpp)
    static constexpr bool piecewise_constant = true;
    static constexpr call notation{"shift"};
    template <class A>
    using shape = std::conditional_t<Axis == detail::all_axes, std::index_sequence<>, typename detail::with_axis<Axis, 1, A>::type>;

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using ax = detail::run_geometry<Axis, typename Sh::template arg<0>>;
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t i = 0; i < ax::inner; ++i) {
                const PA* from = a + o * ax::length * ax::inner + i;
                S m = S(from[0]);
                for (std::size_t l = 1; l < ax::length; ++l) m = std::max(m, S(from[l * ax::inner]));
                out[o * ax::inner + i] = m;
            }
    }
    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using ax = detail::run_geometry<Axis, typename Sh::template arg<0>>;
        const std::string L = detail::c_int(ax::length), I = detail::c_int(ax::inner);
        const std::string from = "(" + n.arg[0] + " + stag_o * " + detail::c_int(ax::length * ax::inner) + " + stag_i)";
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_i = 0; stag_i < " + I + "; ++stag_i) {\n        double stag_m = " + from +
               "[0];\n        for (int stag_l = 1; stag_l < " + L + "; ++stag_l) stag_m = fmax(stag_m, " + from + "[stag_l * " + I + "]);\n        " + n.out + "[stag_o * " + I +
               " + stag_i] = stag_m;\n    }\n";
    }
};

/// Elements Begin .. End - 1 along dimension Axis. The adjoint goes back to those elements; the
/// others get none.
template <std::size_t Axis, std::size_t Begin, std::size_t End>
struct slice_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0;  // (engine/rows.hpp)
    static constexpr call notation{"slice"};
    template <class A>
    using shape = typename detail::with_axis<Axis, End - Begin, A>::type;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        return pad<Axis, Begin, detail::dims<node_shape_t<decltype(arg<0>(n))>>::of[Axis]>(g);
    }
    /// One piece per position along the axes before Axis.
    template <class Sh>
    static constexpr auto window(Sh) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        constexpr std::size_t part = (End - Begin) * ax::inner;
        std::array<window_piece, ax::outer> w{};
        for (std::size_t o = 0; o < ax::outer; ++o) w[o] = {o * part, (o + 1) * part, 0, (o * ax::length + Begin) * ax::inner};
        return w;
    }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        constexpr std::size_t part = (End - Begin) * ax::inner;
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t e = 0; e < part; ++e) out[o * part + e] = S(a[(o * ax::length + Begin) * ax::inner + e]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        constexpr std::size_t part = (End - Begin) * ax::inner;
        if constexpr (Assign)
            for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) to[e] = S(0);
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t e = 0; e < part; ++e) to[(o * ax::length + Begin) * ax::inner + e] += g[o * part + e];
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string part = detail::c_int((End - Begin) * ax::inner);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_e = 0; stag_e < " + part + "; ++stag_e) " + n.out + "[stag_o * " + part +
               " + stag_e] = " + n.arg[0] + "[(stag_o * " + detail::c_int(ax::length) + " + " + detail::c_int(Begin) + ") * " + detail::c_int(ax::inner) + " + stag_e];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string part = detail::c_int((End - Begin) * ax::inner);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_e = 0; stag_e < " + part + "; ++stag_e) " + n.to + "[(stag_o * " +
               detail::c_int(ax::length) + " + " + detail::c_int(Begin) + ") * " + detail::c_int(ax::inner) + " + stag_e] += " + n.adj + "[stag_o * " + part + " + stag_e];\n";
    }
};

/// a followed by b along dimension Axis (their other dimensions agree). Each gets back its part of
/// the adjoint.
template <std::size_t Axis>
struct concat_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0;  // (engine/rows.hpp)
    static constexpr call notation{"concat"};
    template <class A, class B>
    using shape = typename detail::with_axis<Axis, detail::dims<A>::of[Axis] + detail::dims<B>::of[Axis], A>::type;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        constexpr std::size_t la = detail::dims<node_shape_t<decltype(arg<0>(n))>>::of[Axis];
        constexpr std::size_t lb = detail::dims<node_shape_t<decltype(arg<1>(n))>>::of[Axis];
        if constexpr (J == 0) return slice<Axis, 0, la>(g);
        else return slice<Axis, la, la + lb>(g);
    }
    /// Two pieces per position along the axes before Axis.
    template <class Sh>
    static constexpr auto window(Sh) {
        using xa = detail::around_axis<Axis, typename Sh::template arg<0>>;
        using xb = detail::around_axis<Axis, typename Sh::template arg<1>>;
        constexpr std::size_t na = xa::length * xa::inner, nb = xb::length * xb::inner;
        std::array<window_piece, 2 * xa::outer> w{};
        for (std::size_t o = 0; o < xa::outer; ++o) {
            w[2 * o] = {o * (na + nb), o * (na + nb) + na, 0, o * na};
            w[2 * o + 1] = {o * (na + nb) + na, (o + 1) * (na + nb), 1, o * nb};
        }
        return w;
    }

    template <class Sh, class S, class PA, class PB>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a, const PB* b) {
        using xa = detail::around_axis<Axis, typename Sh::template arg<0>>;
        using xb = detail::around_axis<Axis, typename Sh::template arg<1>>;
        constexpr std::size_t na = xa::length * xa::inner, nb = xb::length * xb::inner;
        for (std::size_t o = 0; o < xa::outer; ++o) {
            for (std::size_t e = 0; e < na; ++e) out[o * (na + nb) + e] = S(a[o * na + e]);
            for (std::size_t e = 0; e < nb; ++e) out[o * (na + nb) + na + e] = S(b[o * nb + e]);
        }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA, class PB>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*, const PB*) {
        using xa = detail::around_axis<Axis, typename Sh::template arg<0>>;
        using xb = detail::around_axis<Axis, typename Sh::template arg<1>>;
        constexpr std::size_t na = xa::length * xa::inner, nb = xb::length * xb::inner;
        constexpr std::size_t mine = J == 0 ? na : nb, skip = J == 0 ? 0 : na;
        for (std::size_t o = 0; o < xa::outer; ++o)
            for (std::size_t e = 0; e < mine; ++e) detail::put<Assign>(to[o * mine + e], g[o * (na + nb) + skip + e]);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using xa = detail::around_axis<Axis, typename Sh::template arg<0>>;
        using xb = detail::around_axis<Axis, typename Sh::template arg<1>>;
        const std::string na = detail::c_int(xa::length * xa::inner), nb = detail::c_int(xb::length * xb::inner), both = detail::c_int(xa::length * xa::inner + xb::length * xb::inner);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(xa::outer) + "; ++stag_o) {\n    for (int stag_e = 0; stag_e < " + na + "; ++stag_e) " + n.out + "[stag_o * " + both +
               " + stag_e] = " + n.arg[0] + "[stag_o * " + na + " + stag_e];\n    for (int stag_e = 0; stag_e < " + nb + "; ++stag_e) " + n.out + "[stag_o * " + both + " + " + na +
               " + stag_e] = " + n.arg[1] + "[stag_o * " + nb + " + stag_e];\n}\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using xa = detail::around_axis<Axis, typename Sh::template arg<0>>;
        using xb = detail::around_axis<Axis, typename Sh::template arg<1>>;
        constexpr std::size_t na = xa::length * xa::inner, nb = xb::length * xb::inner;
        const std::string mine = detail::c_int(J == 0 ? na : nb), skip = detail::c_int(J == 0 ? 0 : na);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(xa::outer) + "; ++stag_o)\n    for (int stag_e = 0; stag_e < " + mine + "; ++stag_e) " + n.to + "[stag_o * " + mine +
               " + stag_e] += " + n.adj + "[stag_o * " + detail::c_int(na + nb) + " + " + skip + " + stag_e];\n";
    }
};

/// The same elements in another shape.
template <std::size_t... Dims>
struct reshape_op {
    static constexpr bool tensor_level = true;
    static constexpr call notation{"reshape"};
    template <class A>
    using shape = std::index_sequence<Dims...>;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) { return detail::reshape_as<node_shape_t<decltype(arg<0>(n))>>(g); }
    /// One piece: the same elements in the same order.
    template <class Sh>
    static constexpr std::array<window_piece, 1> window(Sh) {
        return {window_piece{0, Sh::out_count, 0, 0}};
    }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(a[e]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) detail::put<Assign>(to[e], g[e]);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.out + "[stag_e] = " + n.arg[0] + "[stag_e];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.to + "[stag_e] += " + n.adj + "[stag_e];\n";
    }
};

/// softmax along the last dimension: exp(a - max) / sum(exp(a - max)), row by row. Adjoint from the
/// result y: y * (adj - sum(adj * y)).
struct softmax_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = detail::first_rank<Shapes...> >= 2;  // (engine/rows.hpp)
    static constexpr call notation{"softmax"};
    template <class A>
    using shape = A;
    /// y * (adj - sum(adj * y)) row by row, y the node itself.
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) { return n * (g - detail::row_sums(g * n)); }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using rows = detail::rows_of<typename Sh::out>;
        for (std::size_t r = 0; r < rows::count; ++r) {
            const std::size_t at = r * rows::length;
            const S m = detail::max_of<S, rows::length>(a + at);
            for (std::size_t k = 0; k < rows::length; ++k) out[at + k] = detail::exp_of(S(a[at + k]) - m);
            const S inv = S(1) / detail::sum_of<S, rows::length>([&](std::size_t k) { return out[at + k]; });
            for (std::size_t k = 0; k < rows::length; ++k) out[at + k] *= inv;
        }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S* y, const PA*) {
        using rows = detail::rows_of<typename Sh::out>;
        for (std::size_t r = 0; r < rows::count; ++r) {
            const std::size_t at = r * rows::length;
            const S dot = detail::sum_of<S, rows::length>([&](std::size_t k) { return g[at + k] * y[at + k]; });
            for (std::size_t k = 0; k < rows::length; ++k) detail::put<Assign>(to[at + k], y[at + k] * (g[at + k] - dot));
        }
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using rows = detail::rows_of<typename Sh::out>;
        const std::string L = detail::c_int(rows::length), a = "(" + n.arg[0] + " + stag_r * " + L + ")", y = "(" + n.out + " + stag_r * " + L + ")";
        return "for (int stag_r = 0; stag_r < " + detail::c_int(rows::count) + "; ++stag_r) {\n    double stag_m = " + a + "[0], stag_s = 0.0;\n    for (int stag_k = 1; stag_k < " + L +
               "; ++stag_k) stag_m = fmax(stag_m, " + a + "[stag_k]);\n    for (int stag_k = 0; stag_k < " + L + "; ++stag_k) stag_s += " + y + "[stag_k] = exp(" + a +
               "[stag_k] - stag_m);\n    for (int stag_k = 0; stag_k < " + L + "; ++stag_k) " + y + "[stag_k] *= 1.0 / stag_s;\n}\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using rows = detail::rows_of<typename Sh::out>;
        const std::string L = detail::c_int(rows::length), at = "stag_r * " + L + " + stag_k";
        return "for (int stag_r = 0; stag_r < " + detail::c_int(rows::count) + "; ++stag_r) {\n    double stag_dot = 0.0;\n    for (int stag_k = 0; stag_k < " + L + "; ++stag_k) stag_dot += " +
               n.adj + "[" + at + "] * " + n.out + "[" + at + "];\n    for (int stag_k = 0; stag_k < " + L + "; ++stag_k) " + n.to + "[" + at + "] += " + n.out +
               "[" + at + "] * (" + n.adj + "[" + at + "] - stag_dot);\n}\n";
    }
};

/// log(softmax(a)) along the last dimension, computed as a - max - log(sum(exp(a - max))) so that
/// it neither overflows nor underflows to log(0). Adjoint: adj - exp(y) * sum(adj).
struct log_softmax_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = detail::first_rank<Shapes...> >= 2;  // (engine/rows.hpp)
    static constexpr call notation{"log_softmax"};
    template <class A>
    using shape = A;
    /// adj - exp(y) * sum(adj) row by row, y the node itself.
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) { return g - exp(n) * detail::row_sums(g); }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using rows = detail::rows_of<typename Sh::out>;
        using std::log;
        for (std::size_t r = 0; r < rows::count; ++r) {
            const std::size_t at = r * rows::length;
            const S m = detail::max_of<S, rows::length>(a + at);
            const S lse = m + log(detail::sum_of<S, rows::length>([&](std::size_t k) { return detail::exp_of(S(a[at + k]) - m); }));
            for (std::size_t k = 0; k < rows::length; ++k) out[at + k] = S(a[at + k]) - lse;
        }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S* y, const PA*) {
        using rows = detail::rows_of<typename Sh::out>;
        for (std::size_t r = 0; r < rows::count; ++r) {
            const std::size_t at = r * rows::length;
            const S total = detail::sum_of<S, rows::length>([&](std::size_t k) { return g[at + k]; });
            for (std::size_t k = 0; k < rows::length; ++k) detail::put<Assign>(to[at + k], g[at + k] - detail::exp_of(y[at + k]) * total);
        }
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using rows = detail::rows_of<typename Sh::out>;
        const std::string L = detail::c_int(rows::length), a = "(" + n.arg[0] + " + stag_r * " + L + ")";
        return "for (int stag_r = 0; stag_r < " + detail::c_int(rows::count) + "; ++stag_r) {\n    double stag_m = " + a + "[0], stag_s = 0.0;\n    for (int stag_k = 1; stag_k < " + L +
               "; ++stag_k) stag_m = fmax(stag_m, " + a + "[stag_k]);\n    for (int stag_k = 0; stag_k < " + L + "; ++stag_k) stag_s += exp(" + a + "[stag_k] - stag_m);\n    for (int stag_k = 0; stag_k < " +
               L + "; ++stag_k) " + n.out + "[stag_r * " + L + " + stag_k] = " + a + "[stag_k] - (stag_m + log(stag_s));\n}\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using rows = detail::rows_of<typename Sh::out>;
        const std::string L = detail::c_int(rows::length), at = "stag_r * " + L + " + stag_k";
        return "for (int stag_r = 0; stag_r < " + detail::c_int(rows::count) + "; ++stag_r) {\n    double stag_total = 0.0;\n    for (int stag_k = 0; stag_k < " + L +
               "; ++stag_k) stag_total += " + n.adj + "[" + at + "];\n    for (int stag_k = 0; stag_k < " + L + "; ++stag_k) " + n.to + "[" + at + "] += " + n.adj + "[" +
               at + "] - exp(" + n.out + "[" + at + "]) * stag_total;\n}\n";
    }
};

/// pick(a, k): element k of a vector, or element k[r] of each row r of a matrix. The indices are
/// numbers rounded down (a class label bound as an integer); out of range is a failed assert. The
/// result is piecewise constant in k: its adjoint is zero.
struct pick_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = detail::first_rank<Shapes...> >= 2;  // (engine/rows.hpp)
    static constexpr call notation{"pick"};
    template <class A, class K>
    using shape = K;
    /// The adjoint of a goes to the picked elements: adj times one_hot(k); k gets none.
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        using SA = node_shape_t<decltype(arg<0>(n))>;
        if constexpr (J == 1) return zero_t{};
        else return detail::keep_axis<detail::dims<SA>::rank - 1, SA>(g) *
                    one_hot<detail::rows_of<SA>::length>(arg<1>(n));
    }

    template <class PK>
    [[gnu::always_inline]] static constexpr std::size_t index(const PK* k, std::size_t r, std::size_t length) {
        const auto i = static_cast<std::size_t>(primal_value(k[r]));
        assert(primal_value(k[r]) >= 0 && i < length && "stag: pick(a, k): k is out of range");
        (void)length;
        return i;
    }
    template <class Sh, class S, class PA, class PK>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a, const PK* k) {
        using rows = detail::rows_of<typename Sh::template arg<0>>;
        for (std::size_t r = 0; r < rows::count; ++r) out[r] = S(a[r * rows::length + index(k, r, rows::length)]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA, class PK>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*, const PK* k) {
        if constexpr (J == 0) {
            using rows = detail::rows_of<typename Sh::template arg<0>>;
            if constexpr (Assign)
                for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) to[e] = S(0);
            for (std::size_t r = 0; r < rows::count; ++r) to[r * rows::length + index(k, r, rows::length)] += g[r];
        } else if constexpr (Assign) {
            for (std::size_t e = 0; e < Sh::template arg_count<1>; ++e) to[e] = S(0);
        }
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using rows = detail::rows_of<typename Sh::template arg<0>>;
        const std::string L = detail::c_int(rows::length);
        return "for (int stag_r = 0; stag_r < " + detail::c_int(rows::count) + "; ++stag_r) " + n.out + "[stag_r] = " + n.arg[0] + "[stag_r * " + L + " + (int)" + n.arg[1] + "[stag_r]];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using rows = detail::rows_of<typename Sh::template arg<0>>;
        const std::string L = detail::c_int(rows::length);
        if constexpr (J == 0)
            return "for (int stag_r = 0; stag_r < " + detail::c_int(rows::count) + "; ++stag_r) " + n.to + "[stag_r * " + L + " + (int)" + n.arg[1] + "[stag_r]] += " + n.adj + "[stag_r];\n";
        else return "";  // piecewise constant in the indices
    }
};

/// gather(a, ids): the rows a[ids[e]] of a, for every element e of ids: a vector gives one number
/// per id, a matrix one row per id (an embedding table). The ids are numbers rounded down, like
/// pick's; out of range is a failed assert. The adjoint of each row is added back to the row it
/// came from; the ids get none.
struct gather_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = !detail::first_leading_dynamic<Shapes...>;  // (engine/rows.hpp)
    static constexpr call notation{"gather"};
    template <class A, class I>
    using shape = typename detail::join_shapes<I, typename detail::drop_axis<0, A>::type>::type;
    /// The adjoint of the table: one_hot(ids)^T times the adjoint rows (a dense product, so it
    /// costs ids x rows x row); the ids get none.
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        using SA = node_shape_t<decltype(arg<0>(n))>;
        using SI = node_shape_t<decltype(arg<1>(n))>;
        constexpr std::size_t rows = detail::dims<SA>::of[0], m = detail::shape_count<SI>::value, row = detail::shape_count<SA>::value / rows;
        if constexpr (J == 1) return zero_t{};
        else {
            const auto hot = detail::reshape_as<std::index_sequence<m, rows>>(one_hot<rows>(arg<1>(n)));
            if constexpr (detail::dims<SA>::rank == 1) return matmul(detail::reshape_as<std::index_sequence<m>>(g), hot);
            else return detail::reshape_as<SA>(matmul(transpose(hot), detail::reshape_as<std::index_sequence<m, row>>(g)));
        }
    }

    template <class Sh, class S, class PA, class PI>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a, const PI* ids) {
        constexpr std::size_t rows = detail::dims<typename Sh::template arg<0>>::of[0];
        constexpr std::size_t row = Sh::template arg_count<0> / rows;
        for (std::size_t e = 0; e < Sh::template arg_count<1>; ++e) {
            const std::size_t r = pick_op::index(ids, e, rows);
            for (std::size_t k = 0; k < row; ++k) out[e * row + k] = S(a[r * row + k]);
        }
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA, class PI>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*, const PI* ids) {
        if constexpr (Assign)
            for (std::size_t e = 0; e < Sh::template arg_count<J>; ++e) to[e] = S(0);
        if constexpr (J == 0) {
            constexpr std::size_t rows = detail::dims<typename Sh::template arg<0>>::of[0];
            constexpr std::size_t row = Sh::template arg_count<0> / rows;
            for (std::size_t e = 0; e < Sh::template arg_count<1>; ++e) {
                const std::size_t r = pick_op::index(ids, e, rows);
                for (std::size_t k = 0; k < row; ++k) to[r * row + k] += g[e * row + k];
            }
        }
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        constexpr std::size_t rows = detail::dims<typename Sh::template arg<0>>::of[0];
        const std::string row = detail::c_int(Sh::template arg_count<0> / rows);
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::template arg_count<1>) + "; ++stag_e)\n    for (int stag_k = 0; stag_k < " + row + "; ++stag_k) " + n.out + "[stag_e * " +
               row + " + stag_k] = " + n.arg[0] + "[(int)" + n.arg[1] + "[stag_e] * " + row + " + stag_k];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        constexpr std::size_t rows = detail::dims<typename Sh::template arg<0>>::of[0];
        const std::string row = detail::c_int(Sh::template arg_count<0> / rows);
        if constexpr (J == 0)
            return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::template arg_count<1>) + "; ++stag_e)\n    for (int stag_k = 0; stag_k < " + row + "; ++stag_k) " + n.to +
                   "[(int)" + n.arg[1] + "[stag_e] * " + row + " + stag_k] += " + n.adj + "[stag_e * " + row + " + stag_k];\n";
        else return "";
    }
};

/// a broadcast to the shape Dims... by the trailing-dimension rule; a tensor even where a is a
/// number (the derivative of sum(W) is broadcast<...>(1)). The adjoint is summed back.
template <std::size_t... Dims>
struct broadcast_op {
    static constexpr bool tensor_level = true;
    static constexpr bool makes_tensor = true;
    static constexpr call notation{"broadcast"};
    template <class A>
    using shape = std::index_sequence<Dims...>;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) { return detail::sum_as<node_shape_t<decltype(arg<0>(n))>>(g); }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(a[detail::broadcast_at<typename Sh::template arg<0>, typename Sh::out>(e)]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        if constexpr (Assign)
            for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) to[e] = S(0);
        for (std::size_t e = 0; e < Sh::out_count; ++e) to[detail::broadcast_at<typename Sh::template arg<0>, typename Sh::out>(e)] += g[e];
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.out + "[stag_e] = " + n.arg[0] + "[" +
               detail::c_broadcast_index<typename Sh::template arg<0>, typename Sh::out>("stag_e") + "];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.to + "[" +
               detail::c_broadcast_index<typename Sh::template arg<0>, typename Sh::out>("stag_e") + "] += " + n.adj + "[stag_e];\n";
    }
};

/// a summed down to the shape Dims..., which broadcasts to a's: the adjoint of an elementwise op's
/// broadcast argument. The adjoint is broadcast back.
template <std::size_t... Dims>
struct sum_to_op {
    static constexpr bool tensor_level = true;
    static constexpr call notation{"sum_to"};
    template <class A>
    using shape = std::index_sequence<Dims...>;
    static constexpr bool broadcast_seed = true;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) { return detail::broadcast_as<node_shape_t<decltype(arg<0>(n))>>(g); }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(0);
        for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e) out[detail::broadcast_at<typename Sh::out, typename Sh::template arg<0>>(e)] += S(a[e]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        for (std::size_t e = 0; e < Sh::template arg_count<0>; ++e)
            detail::put<Assign>(to[e], g[detail::broadcast_at<typename Sh::out, typename Sh::template arg<0>>(e)]);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.out + "[stag_e] = 0.0;\nfor (int stag_e = 0; stag_e < " +
               detail::c_int(Sh::template arg_count<0>) + "; ++stag_e) " + n.out + "[" + detail::c_broadcast_index<typename Sh::out, typename Sh::template arg<0>>("stag_e") +
               "] += " + n.arg[0] + "[stag_e];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::template arg_count<0>) + "; ++stag_e) " + n.to + "[stag_e] += " + n.adj + "[" +
               detail::c_broadcast_index<typename Sh::out, typename Sh::template arg<0>>("stag_e") + "];\n";
    }
};

/// 1 where a takes its largest (Max) or smallest value along Axis (over all elements for
/// all_axes), 0 elsewhere: the element max and min give their adjoint to (the first at a tie, the
/// first NaN). Piecewise constant.
template <bool Max, std::size_t Axis>
struct extreme_mask_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0 && Axis != detail::all_axes;  // (engine/rows.hpp)
    static constexpr bool piecewise_constant = true;
    static constexpr call notation{Max ? "max_mask" : "min_mask"};
    template <class A>
    using shape = A;

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using ax = detail::run_geometry<Axis, typename Sh::out>;
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(0);
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t i = 0; i < ax::inner; ++i) {
                const std::size_t base = o * ax::length * ax::inner + i;
                out[base + detail::extreme_at<Max, S>(a + base, ax::length, ax::inner) * ax::inner] = S(1);
            }
    }
    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using ax = detail::run_geometry<Axis, typename Sh::out>;
        const std::string I = detail::c_int(ax::inner), base = "stag_o * " + detail::c_int(ax::length * ax::inner) + " + stag_i";
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.out + "[stag_e] = 0.0;\nfor (int stag_o = 0; stag_o < " +
               detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_i = 0; stag_i < " + I + "; ++stag_i) {\n" +
               detail::c_extreme_at<Max>("(" + n.arg[0] + " + " + base + ")", ax::length, ax::inner, "        ") + "        " + n.out + "[" + base + " + stag_at * " + I +
               "] = 1.0;\n    }\n";
    }
};

/// a placed at Begin along dimension Axis of a tensor of length Length there, zero elsewhere (the
/// adjoint of a slice). The adjoint is the slice back.
template <std::size_t Axis, std::size_t Begin, std::size_t Length>
struct pad_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = Axis != 0;  // (engine/rows.hpp)
    static constexpr call notation{"pad"};
    template <class A>
    using shape = typename detail::with_axis<Axis, Length, A>::type;
    template <std::size_t J, class G, class N>
    static constexpr auto vjp(const G& g, const N& n) {
        return slice<Axis, Begin, Begin + detail::dims<node_shape_t<decltype(arg<0>(n))>>::of[Axis]>(g);
    }

    template <class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PA* a) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        constexpr std::size_t part = ax::length * ax::inner;
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(0);
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t e = 0; e < part; ++e) out[(o * Length + Begin) * ax::inner + e] = S(a[o * part + e]);
    }
    template <std::size_t J, bool Assign, class Sh, class S, class PA>
    [[gnu::always_inline]] static constexpr void backward(Sh, S* to, const S* g, const S*, const PA*) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        constexpr std::size_t part = ax::length * ax::inner;
        for (std::size_t o = 0; o < ax::outer; ++o)
            for (std::size_t e = 0; e < part; ++e) detail::put<Assign>(to[o * part + e], g[(o * Length + Begin) * ax::inner + e]);
    }

    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string part = detail::c_int(ax::length * ax::inner);
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.out + "[stag_e] = 0.0;\nfor (int stag_o = 0; stag_o < " +
               detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_e = 0; stag_e < " + part + "; ++stag_e) " + n.out + "[(stag_o * " + detail::c_int(Length) + " + " +
               detail::c_int(Begin) + ") * " + detail::c_int(ax::inner) + " + stag_e] = " + n.arg[0] + "[stag_o * " + part + " + stag_e];\n";
    }
    template <std::size_t J, class Sh>
    static std::string c_backward(Sh, const c_arrays& n) {
        using ax = detail::around_axis<Axis, typename Sh::template arg<0>>;
        const std::string part = detail::c_int(ax::length * ax::inner);
        return "for (int stag_o = 0; stag_o < " + detail::c_int(ax::outer) + "; ++stag_o)\n    for (int stag_e = 0; stag_e < " + part + "; ++stag_e) " + n.to + "[stag_o * " +
               part + " + stag_e] += " + n.adj + "[(stag_o * " + detail::c_int(Length) + " + " + detail::c_int(Begin) + ") * " + detail::c_int(ax::inner) + " + stag_e];\n";
    }
};

/// one_hot<N>(k): for each element of k (indices rounded down, as pick's), a row of N numbers, 1 at
/// that index and 0 elsewhere. Piecewise constant.
template <std::size_t N>
struct one_hot_op {
    static constexpr bool tensor_level = true;
    template <class... Shapes>
    static constexpr bool rows_apart = true;  // (engine/rows.hpp)
    static constexpr bool piecewise_constant = true;
    static constexpr bool makes_tensor = true;
    static constexpr call notation{"one_hot"};
    template <class K>
    using shape = typename detail::join_shapes<K, std::index_sequence<N>>::type;

    template <class Sh, class S, class PK>
    [[gnu::always_inline]] static constexpr void forward(Sh, S* out, const PK* k) {
        for (std::size_t e = 0; e < Sh::out_count; ++e) out[e] = S(0);
        for (std::size_t r = 0; r < Sh::template arg_count<0>; ++r) out[r * N + pick_op::index(k, r, N)] = S(1);
    }
    template <class Sh>
    static std::string c_forward(Sh, const c_arrays& n) {
        return "for (int stag_e = 0; stag_e < " + detail::c_int(Sh::out_count) + "; ++stag_e) " + n.out + "[stag_e] = 0.0;\nfor (int stag_r = 0; stag_r < " +
               detail::c_int(Sh::template arg_count<0>) + "; ++stag_r) " + n.out + "[stag_r * " + detail::c_int(N) + " + (int)" + n.arg[0] + "[stag_r]] = 1.0;\n";
    }
};

// ---- the builders: each checks its shapes where the expression is written --------------------------

template <class A, class B>
    requires(operand<A> && operand<B> && (expression<A> || expression<B>))
constexpr auto matmul(const A& a, const B& b) noexcept {
    using SA = node_shape_t<as_expr_t<A>>;
    using SB = node_shape_t<as_expr_t<B>>;
    constexpr bool fit = matmul_shapes_fit<SA, SB>;
    static_assert(fit, "stag: matmul(a, b): a and b must be matrices or vectors, and the columns of a must match the rows of b");
    if constexpr (fit) return make_node<matmul_op>(as_expr(a), as_expr(b));
    else return detail::failed{};
}

template <expression A>
constexpr auto transpose(const A& a) noexcept {
    constexpr bool matrix = detail::dims<node_shape_t<A>>::rank == 2;
    static_assert(matrix, "stag: transpose(a): a must be a matrix");
    if constexpr (matrix) return make_node<transpose_op>(a);
    else return detail::failed{};
}

/// The sum of all elements of a (a number is its own sum).
template <expression A>
constexpr auto sum(const A& a) noexcept {
    if constexpr (scalar_node<A>) return a;
    else return make_node<sum_op>(a);
}
/// The sum along dimension Axis: sum<1>(m) of an 8 x 4 matrix is a vector of 8.
template <std::size_t Axis, expression A>
constexpr auto sum(const A& a) noexcept {
    constexpr bool ok = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(ok, "stag: sum<axis>(a): a has no such axis");
    if constexpr (ok) return make_node<sum_axis_op<Axis>>(a);
    else return detail::failed{};
}
/// The mean of all elements of a (a number is its own mean). Over a run-time axis, the sum times
/// 1 / (the number of elements), that number known at the call.
template <expression A>
constexpr auto mean(const A& a) noexcept {
    using Sh = node_shape_t<A>;
    if constexpr (scalar_node<A>) return a;
    else if constexpr (detail::leading_dynamic<Sh>)
        return c<1, static_cast<std::intmax_t>(detail::row_count<Sh>::value)> * (detail::rows_reciprocal_t{} * sum(a));
    else return c<1, static_cast<std::intmax_t>(detail::shape_count<Sh>::value)> * sum(a);
}
/// The mean along dimension Axis (a run-time axis included).
template <std::size_t Axis, expression A>
constexpr auto mean(const A& a) noexcept {
    using Sh = node_shape_t<A>;
    constexpr bool ok = axis_in_shape<Axis, Sh>;
    static_assert(ok, "stag: mean<axis>(a): a has no such axis");
    if constexpr (!ok) return detail::failed{};
    else if constexpr (Axis == 0 && detail::leading_dynamic<Sh>) return detail::rows_reciprocal_t{} * sum<Axis>(a);
    else return c<1, static_cast<std::intmax_t>(detail::dims<Sh>::of[Axis])> * sum<Axis>(a);
}

/// The largest element of a (a number is its own maximum); its derivative goes to that element
/// alone, the first one at a tie. A NaN element makes the result NaN. max(a, b) of two arguments
/// is the elementwise maximum.
template <expression A>
constexpr auto max(const A& a) noexcept {
    if constexpr (scalar_node<A>) return a;
    else return make_node<extreme_op<true>>(a);
}
/// The smallest element of a, as max(a) is the largest.
template <expression A>
constexpr auto min(const A& a) noexcept {
    if constexpr (scalar_node<A>) return a;
    else return make_node<extreme_op<false>>(a);
}
/// The largest element along dimension Axis: max<1>(m) of an 8 x 4 matrix is the vector of the
/// 8 row maxima.
template <std::size_t Axis, expression A>
constexpr auto max(const A& a) noexcept {
    constexpr bool ok = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(ok, "stag: max<axis>(a) and min<axis>(a): a has no such axis");
    if constexpr (ok) return make_node<extreme_axis_op<Axis, true>>(a);
    else return detail::failed{};
}
/// The smallest element along dimension Axis.
template <std::size_t Axis, expression A>
constexpr auto min(const A& a) noexcept {
    if constexpr (axis_in_shape<Axis, node_shape_t<A>>) return make_node<extreme_axis_op<Axis, false>>(a);
    else return max<Axis>(a);  // its error
}

/// a with the shape Dims... (the same number of elements, row-major order kept).
template <std::size_t... Dims, expression A>
constexpr auto reshape(const A& a) noexcept {
    constexpr bool ok = !scalar_node<A> && reshape_keeps_count<node_shape_t<A>, std::index_sequence<Dims...>>;
    static_assert(ok, "stag: reshape<dims...>(a): a must be a tensor, and the new shape must have as many elements");
    if constexpr (ok) return make_node<reshape_op<Dims...>>(a);
    else return detail::failed{};
}

/// Elements Begin .. End - 1 of a along dimension Axis: slice<0, 2, 5>(v) is v(2), v(3), v(4);
/// slice<0, 3, 4> of an 8 x 4 matrix is its row 3, as a 1 x 4 matrix.
template <std::size_t Axis, std::size_t Begin, std::size_t End, expression A>
constexpr auto slice(const A& a) noexcept {
    constexpr bool has_axis = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(has_axis, "stag: slice<axis, begin, end>(a): a has no such axis");
    constexpr bool in_range = has_axis && Begin < End && End <= detail::dims<node_shape_t<A>>::of[Axis];
    static_assert(!has_axis || in_range, "stag: slice<axis, begin, end>(a): need begin < end <= the length of a along axis");
    if constexpr (in_range) return make_node<slice_op<Axis, Begin, End>>(a);
    else return detail::failed{};
}
/// a followed by b along dimension Axis: concat<0> of a vector of 3 and a vector of 5 is a
/// vector of 8; their other dimensions must agree.
template <std::size_t Axis, class A, class B>
    requires(operand<A> && operand<B> && (expression<A> || expression<B>))
constexpr auto concat(const A& a, const B& b) noexcept {
    constexpr bool ok = detail::agree_but<Axis, node_shape_t<as_expr_t<A>>, node_shape_t<as_expr_t<B>>>();
    static_assert(ok, "stag: concat<axis>(a, b): a and b must be tensors of one rank that agree in every dimension but axis");
    if constexpr (ok) return make_node<concat_op<Axis>>(as_expr(a), as_expr(b));
    else return detail::failed{};
}

/// Element Index along dimension Axis, without that dimension: take<0, 2>(m) of an 8 x 4 matrix is
/// its row 2, a vector of 4; take<0, 2>(v) of a vector is the number v(2). Written with slice and
/// reshape, whose derivatives it takes.
template <std::size_t Axis, std::size_t Index, expression A>
constexpr auto take(const A& a) noexcept {
    constexpr bool has_axis = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(has_axis, "stag: take<axis, index>(a): a has no such axis");
    constexpr bool in_range = has_axis && Index < detail::dims<node_shape_t<A>>::of[Axis];
    static_assert(!has_axis || in_range, "stag: take<axis, index>(a): index is not below the length of a along axis");
    if constexpr (in_range) {
        using Shape = typename detail::drop_axis<Axis, node_shape_t<A>>::type;
        return [&]<std::size_t... D>(std::index_sequence<D...>) { return reshape<D...>(slice<Axis, Index, Index + 1>(a)); }(Shape{});
    } else
        return detail::failed{};
}

/// a, b, ... (of one shape) stacked along a new dimension Axis: stack<0>(u, v) of two vectors of 4 is
/// a 2 x 4 matrix, stack<1>(u, v) its transpose; stack<0>(x, y) of numbers is a vector of 2. Written
/// with reshape (or broadcast_to, for numbers) and concat.
template <std::size_t Axis, class A, class... Bs>
    requires(operand<A> && (operand<Bs> && ...) && (expression<A> || (expression<Bs> || ...)))
constexpr auto stack(const A& a, const Bs&... bs) noexcept {
    using SA = node_shape_t<as_expr_t<A>>;
    constexpr bool same = (std::is_same_v<SA, node_shape_t<as_expr_t<Bs>>> && ...);
    static_assert(same, "stag: stack<axis>(a, b, ...): the arguments must have one shape");
    constexpr bool has_axis = Axis <= detail::dims<SA>::rank;
    static_assert(!same || has_axis, "stag: stack<axis>(a, b, ...): axis must be at most the rank of the arguments");
    if constexpr (same && has_axis) {
        using One = typename detail::join_shapes<typename detail::join_shapes<typename detail::axis_prefix<Axis, SA>::type, std::index_sequence<1>>::type,
                                                 typename detail::axis_suffix<Axis, SA>::type>::type;
        if constexpr (sizeof...(Bs) == 0) return detail::reshape_as<One>(as_expr(a));
        else return concat<Axis>(detail::reshape_as<One>(as_expr(a)), stack<Axis>(as_expr(bs)...));
    } else
        return detail::failed{};
}

/// softmax along the last dimension.
template <expression A>
constexpr auto softmax(const A& a) noexcept {
    static_assert(!scalar_node<A>, "stag: softmax(a): a must be a tensor");
    if constexpr (!scalar_node<A>) return make_node<softmax_op>(a);
    else return detail::failed{};
}
/// log(softmax(a)) along the last dimension, computed stably.
template <expression A>
constexpr auto log_softmax(const A& a) noexcept {
    static_assert(!scalar_node<A>, "stag: log_softmax(a): a must be a tensor");
    if constexpr (!scalar_node<A>) return make_node<log_softmax_op>(a);
    else return detail::failed{};
}
/// log(sum(exp(a))) over all of a, computed as m + log(sum(exp(a - m))) with m = max(a), so that it
/// neither overflows nor underflows; its gradient is softmax(a) (m's part cancels exactly, so m is
/// a shift without a derivative: lse_shift_op).
template <expression A>
constexpr auto logsumexp(const A& a) noexcept {
    if constexpr (scalar_node<A>) return a;
    else {
        const auto m = make_node<lse_shift_op<detail::all_axes>>(a);
        return m + log(sum(exp(a - m)));
    }
}
/// log(sum<Axis>(exp(a))), computed as logsumexp(a) is, along dimension Axis, which the result
/// drops: logsumexp<1>(z) of an n x K matrix is the n row values (a mixture's log-likelihood per
/// point). Its gradient is the softmax along Axis.
template <std::size_t Axis, expression A>
constexpr auto logsumexp(const A& a) noexcept {
    constexpr bool ok = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(ok, "stag: logsumexp<axis>(a): a has no such axis");
    if constexpr (ok) {
        const auto m = make_node<lse_shift_op<Axis>>(a);  // the axis kept, of length 1
        return sum<Axis>(m) + log(sum<Axis>(exp(a - m)));
    } else
        return detail::failed{};
}

/// Element k of the vector a, or element k[r] of each row r of the matrix a.
template <expression A, operand K>
constexpr auto pick(const A& a, const K& k) noexcept {
    constexpr bool ok = pick_shapes_fit<node_shape_t<A>, node_shape_t<as_expr_t<K>>>;
    static_assert(ok, "stag: pick(a, k): a vector takes one index, a matrix a vector of one index per row");
    if constexpr (ok) return make_node<pick_op>(a, as_expr(k));
    else return detail::failed{};
}

/// The rows a[ids[e]] for every element of ids: of shape ids' shape followed by a's row shape.
/// gather(v, ids) of a vector v is v[ids[e]]; gather(table, ids) of a matrix stacks its rows.
template <expression A, operand I>
constexpr auto gather(const A& a, const I& ids) noexcept {
    static_assert(!scalar_node<A>, "stag: gather(a, ids): a must be a vector or a tensor of rows");
    if constexpr (!scalar_node<A>) return make_node<gather_op>(a, as_expr(ids));
    else return detail::failed{};
}

/// a broadcast to the shape Dims... (a's shape must broadcast to it): broadcast_to<8, 4>(v) of a
/// vector of 4 repeats it in 8 rows; broadcast_to<3>(x) of a number is a vector of three x.
template <std::size_t... Dims, class A>
    requires operand<A>
constexpr auto broadcast_to(const A& a) noexcept {
    using SA = node_shape_t<as_expr_t<A>>;
    using To = std::index_sequence<Dims...>;
    constexpr bool ok = shapes_broadcast<SA, To> && std::is_same_v<broadcast_shape<SA, To>, To>;
    static_assert(ok, "stag: broadcast_to<dims...>(a): the shape of a does not broadcast to dims...");
    if constexpr (!ok) return detail::failed{};
    else if constexpr (std::is_same_v<SA, To>) return as_expr(a);
    else return make_node<broadcast_op<Dims...>>(as_expr(a));
}
/// a summed down to the shape Dims..., which must broadcast to a's shape: sum_to<1, 4>(m) of an
/// 8 x 4 matrix sums its rows; sum_to<>(a) is sum(a).
template <std::size_t... Dims, expression A>
constexpr auto sum_to(const A& a) noexcept {
    using SA = node_shape_t<A>;
    using To = std::index_sequence<Dims...>;
    constexpr bool ok = shapes_broadcast<To, SA> && std::is_same_v<broadcast_shape<To, SA>, SA>;
    static_assert(ok, "stag: sum_to<dims...>(a): dims... does not broadcast to the shape of a");
    if constexpr (!ok) return detail::failed{};
    else if constexpr (std::is_same_v<SA, To>) return a;
    else if constexpr (sizeof...(Dims) == 0) return sum(a);
    else return make_node<sum_to_op<Dims...>>(a);
}
/// a placed at Begin along dimension Axis of a tensor that is Length long there, zeros elsewhere:
/// pad<0, 2, 8>(v) of a vector of 3 is 0, 0, v(0), v(1), v(2), 0, 0, 0.
template <std::size_t Axis, std::size_t Begin, std::size_t Length, expression A>
constexpr auto pad(const A& a) noexcept {
    constexpr bool has_axis = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(has_axis, "stag: pad<axis, begin, length>(a): a has no such axis");
    constexpr bool fits = has_axis && Begin + detail::dims<node_shape_t<A>>::of[Axis] <= Length;
    static_assert(!has_axis || fits, "stag: pad<axis, begin, length>(a): begin plus the length of a along axis exceeds length");
    if constexpr (fits) return make_node<pad_op<Axis, Begin, Length>>(a);
    else return detail::failed{};
}
/// one_hot<N>(k): a row of N numbers per element of k, 1 at index k (rounded down) and 0
/// elsewhere: one_hot<10>(labels) of a vector of 32 labels is a 32 x 10 matrix.
template <std::size_t N, class K>
    requires operand<K>
constexpr auto one_hot(const K& k) noexcept {
    static_assert(N > 0, "stag: one_hot<n>(k): n must be positive");
    return make_node<one_hot_op<N>>(as_expr(k));
}
/// 1 where a takes its largest value (the first at a tie, the first NaN), 0 elsewhere: the
/// element that max(a) gives its derivative to.
template <expression A>
constexpr auto max_mask(const A& a) noexcept {
    return make_node<extreme_mask_op<true, detail::all_axes>>(a);
}
/// The same for min(a).
template <expression A>
constexpr auto min_mask(const A& a) noexcept {
    return make_node<extreme_mask_op<false, detail::all_axes>>(a);
}
/// 1 where a takes its largest value along dimension Axis, 0 elsewhere (for max<Axis>(a)).
template <std::size_t Axis, expression A>
constexpr auto max_mask(const A& a) noexcept {
    constexpr bool ok = axis_in_shape<Axis, node_shape_t<A>>;
    static_assert(ok, "stag: max_mask<axis>(a) and min_mask<axis>(a): a has no such axis");
    if constexpr (ok) return make_node<extreme_mask_op<true, Axis>>(a);
    else return detail::failed{};
}
/// The same for min<Axis>(a).
template <std::size_t Axis, expression A>
constexpr auto min_mask(const A& a) noexcept {
    if constexpr (axis_in_shape<Axis, node_shape_t<A>>) return make_node<extreme_mask_op<false, Axis>>(a);
    else return max_mask<Axis>(a);  // its error
}

namespace detail {
template <class Shape, class G>
constexpr auto broadcast_as(const G& g) {
    if constexpr (is_zero<G>) return zero_t{};
    else return [&]<std::size_t... D>(std::index_sequence<D...>) { return broadcast_to<D...>(g); }(Shape{});
}
template <class Shape, class G>
constexpr auto sum_as(const G& g) {
    if constexpr (is_zero<G>) return zero_t{};
    else return [&]<std::size_t... D>(std::index_sequence<D...>) { return sum_to<D...>(g); }(Shape{});
}
/// g in the shape Shape, of as many elements (a number broadcast to it).
template <class Shape, class G>
constexpr auto reshape_as(const G& g) {
    if constexpr (is_zero<G> || std::is_same_v<node_shape_t<G>, Shape>) return g;
    else if constexpr (scalar_node<G>) return broadcast_as<Shape>(g);
    else return [&]<std::size_t... D>(std::index_sequence<D...>) { return reshape<D...>(g); }(Shape{});
}
/// g, which stands for a tensor of Shape without dimension Axis (of that shape, or of one that
/// broadcasts to it), with that dimension back as a 1, so that it broadcasts along it. A number, or
/// g where Axis is the first, broadcasts as it is.
template <std::size_t Axis, class Shape, class G>
constexpr auto keep_axis(const G& g) {
    if constexpr (scalar_node<G> || Axis == 0 || dims<Shape>::rank <= 1) return g;
    else return reshape_as<typename with_axis<Axis, 1, Shape>::type>(broadcast_as<typename drop_axis<Axis, Shape>::type>(g));
}
/// The sums of g along its last dimension, kept as a dimension of 1.
template <class G>
constexpr auto row_sums(const G& g) {
    using SG = node_shape_t<G>;
    constexpr std::size_t rank = dims<SG>::rank;
    if constexpr (rank <= 1) return sum(g);
    else return keep_axis<rank - 1, SG>(sum<rank - 1>(g));
}
}  // namespace detail

/// The dot product: the sum of the elementwise product of two tensors of one shape.
template <class A, class B>
    requires(operand<A> && operand<B> && (expression<A> || expression<B>))
constexpr auto dot(const A& a, const B& b) noexcept {
    constexpr bool agree = shapes_agree<node_shape_t<as_expr_t<A>>, node_shape_t<as_expr_t<B>>>;
    static_assert(agree, "stag: dot(a, b): the shapes differ");
    if constexpr (agree) return sum(as_expr(a) * as_expr(b));
    else return detail::failed{};
}

namespace detail {
/// <a, b>: a * b for numbers, the dot product for tensors (what map_sum's hoisted nodes' adjoints
/// are carried back with).
template <class A, class B>
constexpr auto inner(const A& a, const B& b) {
    if constexpr (scalar_node<B>) return a * b;
    else return dot(a, b);
}
}  // namespace detail

/// Mean squared error: mean((a - b)^2).
template <class A, class B>
    requires(operand<A> && operand<B> && (expression<A> || expression<B>))
constexpr auto mse(const A& a, const B& b) noexcept {
    constexpr bool agree = shapes_agree<node_shape_t<as_expr_t<A>>, node_shape_t<as_expr_t<B>>>;
    static_assert(agree, "stag: mse(a, b): the shapes differ");
    if constexpr (agree) return mean(square(as_expr(a) - as_expr(b)));
    else return detail::failed{};
}

/// Cross-entropy of the logits z (a vector, or a matrix of one row per sample) against a target:
/// either a one-hot (or probability) tensor of z's shape, or a class index (a number for a vector,
/// a vector of one index per row for a matrix). Over rows it is the mean. Computed through
/// log_softmax, so it neither overflows nor takes log(0).
template <expression Z, operand T>
constexpr auto cross_entropy(const Z& z, const T& target) noexcept {
    using SZ = node_shape_t<Z>;
    using ST = node_shape_t<as_expr_t<T>>;
    constexpr std::size_t rank = detail::dims<SZ>::rank;
    static_assert(rank == 1 || rank == 2, "stag: cross_entropy(z, target): z must be a vector or a matrix of logits");
    if constexpr (std::is_same_v<SZ, ST>) {
        const auto per_element = as_expr(target) * log_softmax(z);
        if constexpr (rank == 1) return -sum(per_element);
        else return -(c<1, static_cast<std::intmax_t>(detail::dims<SZ>::of[0])> * sum(per_element));
    } else {
        constexpr bool index = pick_shapes_fit<SZ, ST>;
        static_assert(index, "stag: cross_entropy(z, target): the target must be one-hot of z's shape or class indices");
        if constexpr (index) return -mean(pick(log_softmax(z), target));
        else return detail::failed{};
    }
}

}  // namespace stag
