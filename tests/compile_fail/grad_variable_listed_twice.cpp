// A variable listed twice in grad.
// expect: stag: grad(f, vars...): a variable is listed twice
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    const auto vg = stag::value_and_grad(x * y, x, y, x)(x = 1.0, y = 2.0);
#else
    const auto vg = stag::value_and_grad(x * y, x, y)(x = 1.0, y = 2.0);
#endif
    return static_cast<int>(vg.value) + static_cast<int>(vg.grad[x]);
}
