// A row that reads a sum over all rows (centring by the column means): not computed per row,
// so a compile-time error, not a wrong value.
// expect: stag: a value per row of the run-time axis reads a sum over all rows
#include <stag/stag.hpp>

#include <vector>

constexpr auto xx = stag::var<"xx", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    const std::vector<double> xs{1, 2, 3, 4};
    const stag::tensor<double, 2> w0{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::value_and_grad(stag::sum(stag::square(w * (xx - stag::mean<0>(xx)))), w)(xx = xs, w = w0);
#else
    const auto r = stag::value_and_grad(stag::sum(stag::square(w * xx)) - stag::sum(stag::square(w * stag::mean<0>(xx))), w)(xx = xs, w = w0);
#endif
    (void)r;
}
