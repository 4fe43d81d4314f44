// The symbolic gradient d(f, v) of a loss over a run-time axis: as an expression it would need ops
// that mix rows; one stag error that points to grad.
// expect: stag: d(f, v): f has a run-time axis (stag::dynamic)
#include <stag/stag.hpp>

#include <vector>

constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto X3 = stag::var<"X", stag::tensor<double, 3, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    const stag::tensor<double, 2> w0{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const std::vector<double> xs{1, 2, 3, 4, 5, 6};
    const auto g = stag::eval(stag::d(stag::sum(stag::square(X * w)), w), X = xs, w = w0);
#else
    const stag::tensor<double, 3, 2> xs{1, 2, 3, 4, 5, 6};
    const auto g = stag::eval(stag::d(stag::sum(stag::square(X3 * w)), w), X3 = xs, w = w0);
#endif
    (void)g;
}
