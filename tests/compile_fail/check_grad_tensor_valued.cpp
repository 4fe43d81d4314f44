// check_grad of an expression with several elements: one stag error that says what to do.
// expect: stag: check_grad(f, bindings...): f must have one element; reduce a tensor with stag::sum or stag::mean first
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2>>;

int main() {
    const stag::tensor<double, 2> w{1, 2};
#ifdef STAG_SHOULD_FAIL
    const auto c = stag::check_grad(W * W, W = w);
#else
    const auto c = stag::check_grad(stag::sum(W * W), W = w);
#endif
    return c.passed(1e-6) ? 0 : 1;
}
