// carry() takes each carried state followed by its next value: a state without one is an error.
// expect: stag: carry(state, next, ...): give each carried state followed by its next value
#include <stag/stag.hpp>

constexpr auto h = stag::var<"h">;
constexpr auto c = stag::var<"c">;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const auto states = stag::carry(h, h * x + c, c);
#else
    const auto states = stag::carry(h, h * x + c, c, c * x);
#endif
    const auto loop = stag::scan(states, stag::square(h), x);
    (void)loop;
}
