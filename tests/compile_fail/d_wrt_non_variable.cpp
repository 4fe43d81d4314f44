// d(f, v) with a v that is not a variable; using the result adds no second error.
// expect: stag: d(f, v): v must be a variable such as stag::var<
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(stag::eval(stag::d(x * y, x * y), x = 1.0, y = 2.0));
#else
    return static_cast<int>(stag::eval(stag::d(x * y, x), x = 1.0, y = 2.0));
#endif
}
