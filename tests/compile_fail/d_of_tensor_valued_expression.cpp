// The symbolic derivative of a tensor-valued expression: one stag error that points to the tools
// for it.
// expect: stag: d(f, v): f is tensor-valued; d takes a number-valued f such as a loss. For a tensor-valued f use stag::jacobian or stag::jvp
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2, 2>>;
constexpr auto s = stag::var<"s">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const auto f = stag::d(W * s, s);
#else
    const auto f = stag::d(stag::sum(W * s), W);
#endif
    (void)f;
}
