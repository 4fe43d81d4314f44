// A loop whose next state has another shape than its state: one stag error.
// expect: stag: scan(next, out, state, inputs...): next must have the state's shape
#include <stag/stag.hpp>

constexpr auto h = stag::var<"h", stag::tensor<double, 3>>;
constexpr auto x = stag::var<"x">;

int main() {
#ifdef STAG_SHOULD_FAIL
    const auto loop = stag::scan(stag::sum(h) * x, stag::sum(h), h, x);
#else
    const auto loop = stag::scan(stag::tanh(h * x), stag::sum(h), h, x);
#endif
    (void)loop;
}
