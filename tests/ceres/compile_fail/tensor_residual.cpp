// A tensor-valued residual: each residual must be a number.
// expect: stag: ceres_cost_function: each residual must be a number
#include <stag/ceres.hpp>

constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(w * x, stag::parameters(w), x = 1.0);
#else
    const stag::ceres_cost_function cf(stag::outputs(stag::pick(w, 0) * x, stag::pick(w, 1) * x), stag::parameters(w), x = 1.0);
#endif
    return cf.num_residuals() == 2 ? 0 : 1;
}
