// eval_into of an expression over a run-time axis, whose value eval computes.
// expect: stag: eval_into(out, f, ...) takes static shapes; f has a run-time axis: use eval(f, ...)
#include <stag/stag.hpp>

#include <vector>

int main() {
    std::vector<double> xs(6, 1.0);
    double out = 0;
#ifdef STAG_SHOULD_FAIL
    constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 3>>;
    stag::eval_into(out, stag::sum(X), X = xs);
#else
    constexpr auto X = stag::var<"X", stag::tensor<double, 2, 3>>;
    stag::eval_into(out, stag::sum(X), X = stag::tensor<double, 2, 3>{});
#endif
    return static_cast<int>(out);
}
