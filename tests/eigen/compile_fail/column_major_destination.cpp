// A column-major Eigen matrix as the destination of a gradient would be written transposed: one
// stag error that says so.
// expect: stag: into(...): a column-major matrix would be written transposed (stag writes storage row-major): declare it row-major (Eigen::RowMajor)
#include <stag/eigen.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 3, 2>>;

int main() {
    const Eigen::Matrix<double, 3, 2, Eigen::RowMajor> m = Eigen::Matrix<double, 3, 2, Eigen::RowMajor>::Ones();
#ifdef STAG_SHOULD_FAIL
    Eigen::Matrix<double, 3, 2> g;
#else
    Eigen::Matrix<double, 3, 2, Eigen::RowMajor> g;
#endif
    stag::grad(stag::sum(stag::square(W)), W).into(g)(W = m);
    return static_cast<int>(g(0, 0));
}
