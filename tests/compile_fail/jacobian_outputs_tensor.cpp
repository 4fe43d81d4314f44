// A tensor-valued expression among jacobian's outputs(...): one stag error that says how to pass it.
// expect: stag: jacobian(outputs(...), vars...) takes number-valued outputs; give a tensor-valued expression by itself: jacobian(f, vars...)
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2>>;

int main() {
    const stag::tensor<double, 2> w{1, 2};
#ifdef STAG_SHOULD_FAIL
    const auto J = stag::jacobian(stag::outputs(W * W), W)(W = w);
#else
    const auto J = stag::jacobian(W * W, W)(W = w);
#endif
    return static_cast<int>(J[1][W](1));
}
