// vmap of a tensor model: one stag error (its loops are vectorised over its elements already).
// expect: stag: vmap takes models of numbers
#include <stag/stag.hpp>

#include <vector>

constexpr auto x = stag::var<"x">;
constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;

int main() {
    std::vector<double> xs{1.0, 2.0}, ys(2);
    const stag::tensor<double, 2> wv{1.0, 2.0};
#ifdef STAG_SHOULD_FAIL
    stag::vmap(stag::sum(w * x)).into(ys)(stag::each(x, xs), w = wv);
#else
    stag::vmap(x * 2.0).into(ys)(stag::each(x, xs), w = wv);
#endif
}
