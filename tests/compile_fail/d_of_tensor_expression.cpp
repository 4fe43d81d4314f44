// The symbolic derivative of a tensor expression is not supported: one stag error naming what is.
// expect: stag: d(f, v) works on scalar expressions; for a tensor expression use stag::grad
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2, 2>>;
constexpr auto s = stag::var<"s">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const auto f = stag::d(stag::sum(W * s), s);
#else
    const auto f = stag::d(s * s, s);
#endif
    (void)f;
}
