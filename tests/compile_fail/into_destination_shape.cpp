// into with a destination of another shape than its variable.
// expect: stag: into(...): a destination does not fit its variable's gradient
#include <stag/stag.hpp>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
    const stag::tensor<double, 2> wv{1.0, 2.0};
#ifdef STAG_SHOULD_FAIL
    stag::tensor<double, 3> gw{};
#else
    stag::tensor<double, 2> gw{};
#endif
    stag::grad(stag::sum(w * w), w).into(gw)(w = wv);
    return static_cast<int>(gw(0));
}
