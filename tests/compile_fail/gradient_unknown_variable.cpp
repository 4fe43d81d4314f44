// g[v] for a variable v that was not given to grad (even though f uses it): the error names it.
// expect: stag: gradient[v]: v is not among the variables given to grad
// expect-variable: yy
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto yy = stag::var<"yy">;
    const auto g = stag::grad(x * yy, x)(x = 1.0, yy = 2.0);
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(g[yy]);
#else
    return static_cast<int>(g[x]);
#endif
}
