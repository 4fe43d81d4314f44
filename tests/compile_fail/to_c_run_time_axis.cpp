// C code of an expression with a run-time axis: C's loops would need the length, which only the
// call knows; one stag error that says what to do instead.
// expect: stag: to_c: an expression with a run-time axis (stag::dynamic) has no C form
#include <stag/stag.hpp>

#include <string>

constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto X4 = stag::var<"X", stag::tensor<double, 4, 2>>;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
#ifdef STAG_SHOULD_FAIL
    const std::string code = stag::to_c(stag::mean(stag::square(X * w)), "f");
#else
    const std::string code = stag::to_c(stag::mean(stag::square(X4 * w)), "f");
#endif
    return code.empty() ? 1 : 0;
}
