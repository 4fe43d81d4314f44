// H[v] for a variable v that was not given to hessian: one stag error.
// expect: stag: hessian[v]: v is not among the variables given to hessian
// expect-variable: yy
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto yy = stag::var<"yy">;
    const auto h = stag::hessian(x * x * yy, x)(x = 1.0, yy = 2.0);
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(h[yy][x]);
#else
    return static_cast<int>(h[x][x]);
#endif
}
