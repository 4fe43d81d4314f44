// A parameter also given a value as data.
// expect: stag: a variable is bound twice
#include <stag/ceres.hpp>

constexpr auto b1 = stag::var<"b1">;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(b1 * x, stag::parameters(b1), x = 1.0, b1 = 2.0);
#else
    const stag::ceres_cost_function cf(b1 * x, stag::parameters(b1), x = 1.0);
#endif
    return cf.num_residuals() == 1 ? 0 : 1;
}
