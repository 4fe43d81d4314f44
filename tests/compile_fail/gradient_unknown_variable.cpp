// g[v] for a variable v that was not given to grad (even though f uses it): the error names it.
// expect: stag: gradient[v]: v is not among the variables given to grad
// expect: 'y'
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
    const auto g = stag::grad(x * y, x)(x = 1.0, y = 2.0);
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(g[y]);
#else
    return static_cast<int>(g[x]);
#endif
}
