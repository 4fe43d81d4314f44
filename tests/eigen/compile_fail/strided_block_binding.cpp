// A row of a column-major Eigen matrix is a strided block, not storage stag reads in place: one
// stag error (a contiguous block, a row of a row-major matrix, binds).
// expect: stag: a tensor variable must be bound to a stag::tensor of its declared shape
#include <stag/eigen.hpp>

constexpr auto x = stag::var<"x", stag::tensor<double, 2>>;

int main() {
#ifdef STAG_SHOULD_FAIL
    const Eigen::Matrix<double, 3, 2> m = Eigen::Matrix<double, 3, 2>::Ones();
#else
    const Eigen::Matrix<double, 3, 2, Eigen::RowMajor> m = Eigen::Matrix<double, 3, 2, Eigen::RowMajor>::Ones();
#endif
    return static_cast<int>(stag::eval(stag::sum(x), x = m.row(1)));
}
