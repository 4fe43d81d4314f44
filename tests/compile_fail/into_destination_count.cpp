// into with fewer destinations than variables.
// expect: stag: into(...): give one destination per variable
#include <stag/stag.hpp>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
    constexpr auto c = stag::var<"c">;
    const stag::tensor<double, 2> wv{1.0, 2.0};
    stag::tensor<double, 2> gw{};
    double gc = 0.0;
#ifdef STAG_SHOULD_FAIL
    stag::grad(stag::sum(w * c), w, c).into(gw)(w = wv, c = 3.0);
#else
    stag::grad(stag::sum(w * c), w, c).into(gw, gc)(w = wv, c = 3.0);
#endif
    return static_cast<int>(gw(0) + gc);
}
