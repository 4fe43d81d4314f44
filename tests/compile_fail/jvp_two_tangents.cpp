// Two tangents for one variable: one stag error.
// expect: stag: tangents(...): a variable has two tangents
// expect-variable: WW
#include <stag/stag.hpp>

constexpr auto WW = stag::var<"WW", stag::tensor<double, 2>>;

int main() {
    const stag::tensor<double, 2> w{1, 2}, dw{1, 0};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::jvp(stag::sum(WW * WW), stag::primals(WW = w), stag::tangents(WW = dw, WW = w));
#else
    const auto r = stag::jvp(stag::sum(WW * WW), stag::primals(WW = w), stag::tangents(WW = dw));
#endif
    return static_cast<int>(r.tangent);
}
