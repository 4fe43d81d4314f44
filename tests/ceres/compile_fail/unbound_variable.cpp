// A residual variable that is neither a parameter nor bound as data.
// expect: stag: a variable of the expression has no binding
#include <stag/ceres.hpp>

constexpr auto b1 = stag::var<"b1">;
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(y - b1 * x, stag::parameters(b1), x = 1.0);
#else
    const stag::ceres_cost_function cf(y - b1 * x, stag::parameters(b1), x = 1.0, y = 2.0);
#endif
    return cf.num_residuals() == 1 ? 0 : 1;
}
