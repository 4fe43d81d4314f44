// A gradient with respect to a per-row variable of map_sum: it has a value per row, so there is no
// one gradient; the error says which variables can be differentiated.
// expect: stag: value_and_grad(map_sum, vars...): a per-row variable has a value per row, so no one gradient
// expect-variable: tt
#include <stag/stag.hpp>

#include <vector>

constexpr auto tt = stag::var<"tt">;
constexpr auto a = stag::var<"a">;

int main() {
    const auto fit = stag::map_sum(stag::square(a * tt - 1.0), tt);
    const std::vector<double> ts{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::value_and_grad(fit, a, tt)(stag::each(tt, ts), a = 2.0);
#else
    const auto r = stag::value_and_grad(fit, a)(stag::each(tt, ts), a = 2.0);
#endif
    (void)r;
}
