// eval(outputs(...)) of a tensor-valued output: one stag error that says what it takes.
// expect: stag: eval(outputs(...), bindings...) takes number-valued outputs (a loss, an accuracy); evaluate a tensor-valued expression by itself
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 2, 2>>;

int main() {
    const stag::tensor<double, 2, 2> w{1.0, 2.0, 3.0, 4.0};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::eval(stag::outputs(stag::sum(W), W * 2.0), W = w);
#else
    const auto r = stag::eval(stag::outputs(stag::sum(W), stag::max(W * 2.0)), W = w);
#endif
    (void)r;
}
