// Eigen's fixed-size matrices and vectors as the storage of tensor variables and of gradients,
// without a copy (optional: needs Eigen 3, Debian's libeigen3-dev; not part of <stag/stag.hpp>).
//
// A fixed-size Eigen::Matrix, or an Eigen::Map of one without strides, is contiguous storage of
// rows x cols numbers. Bound to a tensor variable of as many elements (`W = m`, W declared as
// stag::tensor<double, 3, 2> for a 3 x 2 matrix), it is read in place, row-major; given to `into`
// or `accumulate_into`, the gradient is written there (given to `eval_into`, the value). A
// row-major matrix, and a vector of either kind, is read as it is. A column-major matrix (Eigen's
// default for matrices) would be read transposed, so binding one is a stag: error rather than a
// silent transpose: declare it Eigen::RowMajor. A fixed-size block whose elements are contiguous (whole rows of a row-major
// matrix, `m.row(i)` or `m.middleRows<2>(i)`; a column; a vector's `segment<N>(i)`) is read in
// place too; a strided block is not storage stag reads. A matrix with a run-time number of rows
// and a fixed number of columns (row-major, or one column), or a Map of one, binds to a variable
// with a run-time axis (stag::tensor<double, stag::dynamic, cols>); so does a row-major matrix
// whose columns too are of run-time size (Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic,
// Eigen::RowMajor>), its number of columns checked at the call (std::invalid_argument).
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

/// A block of a fixed-size matrix whose elements are contiguous: Eigen's inner panels, whole rows
/// of a row-major matrix (`m.row(i)`, `m.topRows<2>()`, `m.middleRows<2>(i)`) or whole columns of
/// a column-major one (`m.col(j)`; several columns are column-major storage, so the transposed-read
/// error applies to them as to the matrix). Other blocks are strided and not storage stag reads.
template <class S, int R, int C, int Options, int MaxR, int MaxC, int BR, int BC>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic && BR != Eigen::Dynamic && BC != Eigen::Dynamic)
struct flat_storage<Eigen::Block<Eigen::Matrix<S, R, C, Options, MaxR, MaxC>, BR, BC, true>> : eigen_storage<BR, BC, Options> {};
template <class S, int R, int C, int Options, int MaxR, int MaxC, int BR, int BC>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic && BR != Eigen::Dynamic && BC != Eigen::Dynamic)
struct flat_storage<Eigen::Block<const Eigen::Matrix<S, R, C, Options, MaxR, MaxC>, BR, BC, true>> : eigen_storage<BR, BC, Options> {};
/// A fixed-size segment of a fixed-size vector (`v.segment<3>(i)`, `v.head<2>()`): contiguous.
template <class S, int R, int C, int Options, int MaxR, int MaxC, int N>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic && N != Eigen::Dynamic && (R == 1 || C == 1))
struct flat_storage<Eigen::VectorBlock<Eigen::Matrix<S, R, C, Options, MaxR, MaxC>, N>> : eigen_storage<N, 1, Options> {};
template <class S, int R, int C, int Options, int MaxR, int MaxC, int N>
    requires(R != Eigen::Dynamic && C != Eigen::Dynamic && N != Eigen::Dynamic && (R == 1 || C == 1))
struct flat_storage<Eigen::VectorBlock<const Eigen::Matrix<S, R, C, Options, MaxR, MaxC>, N>> : eigen_storage<N, 1, Options> {};

/// An Eigen matrix with a run-time number of rows, or a Map of one without strides, bound to a
/// variable with a run-time axis (`X = m`, X declared as stag::tensor<double, stag::dynamic, 3> for
/// an n x 3 matrix): its rows, read in place. A column-major one (Eigen's default) would be read
/// transposed: a stag: error, unless it has one column (fixed). Run-time columns: checked at the
/// call against the variable's row size.
template <int Cols, int Options, class S, bool View>
struct eigen_rows : std::true_type {
    static constexpr std::size_t row_size = Cols == Eigen::Dynamic ? 0 : static_cast<std::size_t>(Cols);  // 0: value.cols(), checked at the call
    using element = S;
    static constexpr bool transposed = Cols != 1 && (Options & Eigen::RowMajor) == 0;
    static constexpr bool view = View;  // a Map refers to the caller's numbers even as a temporary
};
template <class S, int C, int Options, int MaxR, int MaxC>
struct rows_storage<Eigen::Matrix<S, Eigen::Dynamic, C, Options, MaxR, MaxC>> : eigen_rows<C, Options, S, false> {};
template <class S, int C, int Options, int MaxR, int MaxC, int MapOptions>
struct rows_storage<Eigen::Map<Eigen::Matrix<S, Eigen::Dynamic, C, Options, MaxR, MaxC>, MapOptions, Eigen::Stride<0, 0>>>
    : eigen_rows<C, Options, S, true> {};
template <class S, int C, int Options, int MaxR, int MaxC, int MapOptions>
struct rows_storage<Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, C, Options, MaxR, MaxC>, MapOptions, Eigen::Stride<0, 0>>>
    : eigen_rows<C, Options, S, true> {};

}  // namespace stag::detail
