// A parameter block made of something other than variables.
// expect: stag: block(v...): a parameter block is made of variables
#include <stag/ceres.hpp>

constexpr auto b1 = stag::var<"b1">;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(b1 * x, stag::parameters(stag::block(b1, 2.0)), x = 1.0);
#else
    const stag::ceres_cost_function cf(b1 * x, stag::parameters(stag::block(b1)), x = 1.0);
#endif
    return cf.num_residuals() == 1 ? 0 : 1;
}
