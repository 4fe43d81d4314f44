// Two tangents for one variable: one stag error.
// expect: stag: tangents(...): a variable has two tangents
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2>>;

int main() {
    const stag::tensor<double, 2> w{1, 2}, dw{1, 0};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::jvp(stag::sum(W * W), stag::primals(W = w), stag::tangents(W = dw, W = w));
#else
    const auto r = stag::jvp(stag::sum(W * W), stag::primals(W = w), stag::tangents(W = dw));
#endif
    return static_cast<int>(r.tangent);
}
