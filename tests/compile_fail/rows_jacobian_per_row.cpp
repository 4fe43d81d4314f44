// The Jacobian of a value with a run-time axis (a value per row): its number of elements is known
// only at the call; one stag error that says what to do.
// expect: stag: jacobian(f, ...): f has a value per row of the run-time axis
#include <stag/stag.hpp>

#include <vector>

constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    const std::vector<double> xs{1, 2, 3, 4};
    const stag::tensor<double, 2> w0{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const auto J = stag::jacobian(stag::tanh(X * w), w)(X = xs, w = w0);
#else
    const auto J = stag::jacobian(stag::sum<0>(stag::tanh(X * w)), w)(X = xs, w = w0);
#endif
    (void)J;
}
