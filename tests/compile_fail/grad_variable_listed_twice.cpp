// A variable listed twice in grad.
// expect: stag: grad(f, vars...): a variable is listed twice
// expect-variable: xx
#include <stag/stag.hpp>

int main() {
    constexpr auto xx = stag::var<"xx">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    const auto vg = stag::value_and_grad(xx * y, xx, y, xx)(xx = 1.0, y = 2.0);
#else
    const auto vg = stag::value_and_grad(xx * y, xx, y)(xx = 1.0, y = 2.0);
#endif
    return static_cast<int>(vg.value) + static_cast<int>(vg.grad[xx]);
}
