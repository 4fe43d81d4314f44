// A map_sum whose rows are bound to another variable than its per-row one: one stag error that
// says how to bind them.
// expect: stag: map_sum: bind each per-row variable, and only those, with stag::each(x, values), once each
#include <stag/stag.hpp>

#include <vector>

constexpr auto t = stag::var<"t">;
constexpr auto a = stag::var<"a">;

int main() {
    const auto fit = stag::map_sum(stag::square(a * t - 1.0), t);
    const std::vector<double> ts{0.5, 1.5};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::value_and_grad(fit, a)(stag::each(a, ts), t = 2.0);
#else
    const auto r = stag::value_and_grad(fit, a)(stag::each(t, ts), a = 2.0);
#endif
    (void)r;
}
