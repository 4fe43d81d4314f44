// A column-major Eigen matrix bound to a tensor variable would be read transposed: one stag error
// that says so, instead of a silent transpose.
// expect: stag: a column-major matrix would be read transposed (stag reads storage row-major): declare it row-major (Eigen::RowMajor)
#include <stag/eigen.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 3, 2>>;

int main() {
#ifdef STAG_SHOULD_FAIL
    const Eigen::Matrix<double, 3, 2> m = Eigen::Matrix<double, 3, 2>::Ones();
#else
    const Eigen::Matrix<double, 3, 2, Eigen::RowMajor> m = Eigen::Matrix<double, 3, 2, Eigen::RowMajor>::Ones();
#endif
    return static_cast<int>(stag::eval(stag::sum(W), W = m));
}
