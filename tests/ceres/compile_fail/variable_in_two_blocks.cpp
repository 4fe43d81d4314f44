// One variable in two parameter blocks.
// expect: stag: parameters(...): a variable is in two parameter blocks
#include <stag/ceres.hpp>

constexpr auto b1 = stag::var<"b1">;
constexpr auto b2 = stag::var<"b2">;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::ceres_cost_function cf(b1 * x + b2, stag::parameters(stag::block(b1, b2), b1), x = 1.0);
#else
    const stag::ceres_cost_function cf(b1 * x + b2, stag::parameters(stag::block(b1, b2)), x = 1.0);
#endif
    return cf.num_residuals() == 1 ? 0 : 1;
}
