// A Hessian-vector product with a tangent on a variable with a run-time axis: hvp differentiates
// with respect to the variables that have a tangent, and such a variable has a value per row; the
// error names the variable (hessian checks the same).
// expect: stag: grad(f, vars...): a variable with a run-time axis has a value per row, so no one gradient
// expect-variable: xx
#include <stag/stag.hpp>

#include <vector>

constexpr auto xx = stag::var<"xx", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    const std::vector<double> xs{1, 2, 3, 4}, dxs{1, 0, 0, 1};
    const stag::tensor<double, 2> w0{0.5, 1.5};
    const auto f = stag::sum(stag::square(w * xx));
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::hvp(f, stag::primals(xx = xs, w = w0), stag::tangents(w = w0, xx = dxs));
#else
    const auto r = stag::hvp(f, stag::primals(xx = xs, w = w0), stag::tangents(w = w0));
#endif
    (void)r;
}
