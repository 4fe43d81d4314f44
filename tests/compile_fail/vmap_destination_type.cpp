// A float destination for a double sweep: one stag error (no silent conversion).
// expect: stag: vmap(...).into(...): a destination's numbers are not of the sweep's number type
#include <stag/stag.hpp>

#include <vector>

constexpr auto x = stag::var<"x">;

int main() {
    std::vector<double> xs{1.0, 2.0};
    std::vector<double> ys(2);
    std::vector<float> fs(2);
#ifdef STAG_SHOULD_FAIL
    stag::vmap(stag::exp(x)).into(fs)(stag::each(x, xs));
#else
    stag::vmap(stag::exp(x)).into(ys)(stag::each(x, xs));
#endif
    (void)fs;
}
