// A gradient with respect to a variable with a run-time axis: it has a value per row, so there is
// no one gradient; the error names the variable.
// expect: stag: grad(f, vars...): a variable with a run-time axis has a value per row, so no one gradient
// expect-variable: xx
#include <stag/stag.hpp>

#include <vector>

constexpr auto xx = stag::var<"xx", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    const std::vector<double> xs{1, 2, 3, 4};
    const stag::tensor<double, 2> w0{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::grad(stag::sum(stag::square(w * xx)), w, xx)(xx = xs, w = w0);
#else
    const auto r = stag::grad(stag::sum(stag::square(w * xx)), w)(xx = xs, w = w0);
#endif
    (void)r;
}
