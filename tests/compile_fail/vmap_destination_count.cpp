// value_and_grad under vmap has two outputs per sample here (the value, d/dx): one destination short.
// expect: stag: vmap(g...).into(...): give one destination per output: for each model in turn, the values (for an expression or value_and_grad), then one per variable of grad or value_and_grad
#include <stag/stag.hpp>

#include <vector>

constexpr auto x = stag::var<"x">;

int main() {
    std::vector<double> xs{1.0, 2.0}, ys(2), dys(2);
#ifdef STAG_SHOULD_FAIL
    stag::vmap(stag::value_and_grad(stag::exp(x), x)).into(dys)(stag::each(x, xs));
#else
    stag::vmap(stag::value_and_grad(stag::exp(x), x)).into(ys, dys)(stag::each(x, xs));
#endif
}
