// A column-major Eigen matrix as eval_into's destination would be written transposed: one stag
// error that says so.
// expect: stag: eval_into(out, f, ...): a column-major matrix would be written transposed (stag writes storage row-major): declare it row-major (Eigen::RowMajor)
#include <stag/eigen.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 3, 2>>;

int main() {
    const Eigen::Matrix<double, 3, 2, Eigen::RowMajor> m = Eigen::Matrix<double, 3, 2, Eigen::RowMajor>::Ones();
#ifdef STAG_SHOULD_FAIL
    Eigen::Matrix<double, 3, 2> out;
#else
    Eigen::Matrix<double, 3, 2, Eigen::RowMajor> out;
#endif
    stag::eval_into(out, stag::square(W), W = m);
    return static_cast<int>(out(0, 0));
}
