// A sum of a loop and an expression given per-step values for a variable that is no loop's
// per-step input: one stag error, rather than the values dropped without a word.
// expect: stag: loop + ...: a steps(x, values) or each(x, values) binding names a variable that is no loop's per-step variable
#include <stag/stag.hpp>

#include <vector>

constexpr auto h = stag::var<"h">;
constexpr auto x = stag::var<"x">;
constexpr auto q = stag::var<"q">;
constexpr auto w = stag::var<"w">;

int main() {
    const auto loop = stag::scan(stag::tanh(w * h + x), stag::square(h), h, x) + 0.1 * stag::square(w);
    const std::vector<double> xs{0.1, 0.2}, qs{1.0};
#ifdef STAG_SHOULD_FAIL
    const double v = stag::eval(loop, h = 0.0, w = 0.5, stag::steps(x, xs), stag::steps(q, qs));
#else
    const double v = stag::eval(loop, h = 0.0, w = 0.5, stag::steps(x, xs));
#endif
    (void)v;
}
