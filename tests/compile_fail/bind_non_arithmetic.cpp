// A variable bound to something that is not a number.
// expect: stag: a scalar variable must be bound to an arithmetic value
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(stag::eval(x * y, x = "1.5", y = 2.0));
#else
    return static_cast<int>(stag::eval(x * y, x = 1.5, y = 2.0));
#endif
}
