// H[W] of a tensor variable has no single row: one stag error that names H.row.
// expect: stag: hessian[v] of a tensor variable: take H.row(v, e), e its element (row-major)
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2>>;
constexpr auto s = stag::var<"s">;

int main() {
    const stag::tensor<double, 2> w{1, 2};
    const auto H = stag::hessian(stag::sum(W * W) * s, W, s)(W = w, s = 2.0);
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(H[W][s]);
#else
    return static_cast<int>(H.row(W, 1)[s] + H[s][s]);
#endif
}
