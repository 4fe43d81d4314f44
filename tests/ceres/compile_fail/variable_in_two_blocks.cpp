// One variable in two parameter blocks.
// expect: stag: parameters(...): a variable is in two parameter blocks
// expect-variable: bb
#include <stag/ceres.hpp>

constexpr auto bb = stag::var<"bb">;
constexpr auto b2 = stag::var<"b2">;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(bb * x + b2, stag::parameters(stag::block(bb, b2), bb), x = 1.0);
#else
    const stag::ceres_cost_function cf(bb * x + b2, stag::parameters(stag::block(bb, b2)), x = 1.0);
#endif
    return cf.num_residuals() == 1 ? 0 : 1;
}
