// Eigen's fixed-size matrices and vectors as the storage of tensor variables and of gradients,
// without a copy (optional: needs Eigen 3, Debian's libeigen3-dev; not part of <stag/stag.hpp>).
//
// A fixed-size Eigen::Matrix, or an Eigen::Map of one without strides, is contiguous storage of
// rows x cols numbers. Bound to a tensor variable of as many elements (`W = m`, W declared as
// stag::tensor<double, 3, 2> for a 3 x 2 matrix), it is read in place, row-major; given to `into`
// or `accumulate_into`, the gradient is written there. A row-major matrix, and a vector of either
// kind, is read as it is. A column-major matrix (Eigen's default for matrices) would be read
// transposed, so binding one is a stag: error rather than a silent transpose: declare it
// Eigen::RowMajor. Matrices of run-time size need a tensor axis of run-time length, which stag does
// not have yet; bind `std::span<const double, N>(m.data(), N)` after checking their size.
#pragma once

#include <stag/stag.hpp>

#include <Eigen/Core>

#include <cstddef>
#include <type_traits>

namespace stag::detail {

/// The facts of a fixed-size Eigen matrix type as flat storage.
template <int Rows, int Cols, int Options>
struct eigen_storage : std::true_type {
    static constexpr std::size_t count = static_cast<std::size_t>(Rows) * static_cast<std::size_t>(Cols);
    /// Whether row-major reading would transpose it: a column-major matrix that is not a vector.
    static constexpr bool transposed = Rows != 1 && Cols != 1 && (Options & Eigen::RowMajor) == 0;
};

template <class S, int R, int C, int Options, int MaxR, int MaxC>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic)
struct flat_storage<Eigen::Matrix<S, R, C, Options, MaxR, MaxC>> : eigen_storage<R, C, Options> {};
template <class S, int R, int C, int Options, int MaxR, int MaxC, int MapOptions>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic)
struct flat_storage<Eigen::Map<Eigen::Matrix<S, R, C, Options, MaxR, MaxC>, MapOptions, Eigen::Stride<0, 0>>> : eigen_storage<R, C, Options> {};
template <class S, int R, int C, int Options, int MaxR, int MaxC, int MapOptions>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic)
struct flat_storage<Eigen::Map<const Eigen::Matrix<S, R, C, Options, MaxR, MaxC>, MapOptions, Eigen::Stride<0, 0>>>
    : eigen_storage<R, C, Options> {};

}  // namespace stag::detail
