// A variable of the expression has no binding: the error names the problem and the variable.
// expect: stag: a variable of the expression has no binding
// expect-variable: yy
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto yy = stag::var<"yy">;
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(stag::eval(x * yy, x = 1.0));
#else
    return static_cast<int>(stag::eval(x * yy, x = 1.0, yy = 0.0));
#endif
}
