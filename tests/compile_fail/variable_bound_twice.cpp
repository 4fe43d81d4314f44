// A variable bound twice in one call: the error names the problem and the variable.
// expect: stag: a variable is bound twice
// expect-variable: xx
#include <stag/stag.hpp>

int main() {
    constexpr auto xx = stag::var<"xx">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(stag::eval(xx * y, xx = 1.0, y = 0.0, xx = 2.0));
#else
    return static_cast<int>(stag::eval(xx * y, xx = 1.0, y = 0.0));
#endif
}
