// A plain number where a binding belongs.
// expect: stag: after the expression, pass bindings such as x = 1.0
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    const double v = stag::eval(x * y, 1.0, y = 2.0);
#else
    const double v = stag::eval(x * y, x = 1.0, y = 2.0);
#endif
    return static_cast<int>(v);
}
