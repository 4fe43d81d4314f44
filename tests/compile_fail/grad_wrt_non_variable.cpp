// grad(f, ...) with something that is not a variable; using the gradient adds no second error.
// expect: stag: grad(f, vars...): differentiate with respect to variables such as stag::var<
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    const auto g = stag::grad(x * y, x, 2.0 * y)(x = 1.0, y = 2.0);
#else
    const auto g = stag::grad(x * y, x, y)(x = 1.0, y = 2.0);
#endif
    return static_cast<int>(g[x]);
}
