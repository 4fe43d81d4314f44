// The parameter blocks given without stag::parameters.
// expect: stag: ceres_cost_function(r, parameters(...), data...): pass the parameter blocks through stag::parameters(...)
#include <stag/ceres.hpp>

constexpr auto b1 = stag::var<"b1">;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(b1 * x, b1, x = 1.0);
#else
    const stag::ceres_cost_function cf(b1 * x, stag::parameters(b1), x = 1.0);
#endif
    return cf.num_residuals() == 1 ? 0 : 1;
}
