// trace of an expression with a run-time axis: its row nodes have a value per row; one stag error.
// expect: stag: trace(f, bindings...): f has a run-time axis (stag::dynamic), whose nodes have a value per row
#include <stag/stag.hpp>

#include <vector>

constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto X2 = stag::var<"X", stag::tensor<double, 2, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    const stag::tensor<double, 2> w0{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const std::vector<double> xs{1, 2, 3, 4};
    const auto t = stag::trace(stag::mean(stag::square(X * w)), X = xs, w = w0);
#else
    const stag::tensor<double, 2, 2> xs{1, 2, 3, 4};
    const auto t = stag::trace(stag::mean(stag::square(X2 * w)), X2 = xs, w = w0);
#endif
    (void)t;
}
