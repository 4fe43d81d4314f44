// vmap with no per-sample binding: one stag error saying what to bind.
// expect: stag: vmap(...).into(...)(bindings...): bind at least one variable to its per-sample values, stag::each(x, values)
#include <stag/stag.hpp>

#include <vector>

constexpr auto x = stag::var<"x">;

int main() {
    std::vector<double> xs{1.0, 2.0}, ys(2);
#ifdef STAG_SHOULD_FAIL
    stag::vmap(stag::exp(x)).into(ys)(x = 1.0);
#else
    stag::vmap(stag::exp(x)).into(ys)(stag::each(x, xs));
#endif
}
