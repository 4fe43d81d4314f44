// C code for the gradient of an expression with several elements: one stag error that says what to do.
// expect: stag: to_c(grad(f, ...), name): f must have one element; reduce a tensor with stag::sum or stag::mean first
#include <stag/stag.hpp>

#include <string>

constexpr auto W = stag::var<"W", stag::tensor<double, 2>>;

int main() {
#ifdef STAG_SHOULD_FAIL
    const std::string code = stag::to_c(stag::grad(W * W, W), "f");
#else
    const std::string code = stag::to_c(stag::grad(stag::sum(W * W), W), "f");
#endif
    return code.empty() ? 1 : 0;
}
