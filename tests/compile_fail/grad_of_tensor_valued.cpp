// The gradient of an expression with several elements: one stag error that says what to do.
// expect: stag: grad(f, ...): f must have one element; reduce a tensor with stag::sum or stag::mean first
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2, 2>>;

int main() {
    const stag::tensor<double, 2, 2> w{};
#ifdef STAG_SHOULD_FAIL
    const auto g = stag::grad(W * 2.0, W)(W = w);
#else
    const auto g = stag::grad(stag::sum(W * 2.0), W)(W = w);
#endif
    return static_cast<int>(g[W](0, 0));
}
