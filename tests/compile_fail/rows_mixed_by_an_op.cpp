// softmax works along the last axis; of a vector with a run-time axis, that axis is the rows'
// own, so each row's value would depend on every other row. stag says so rather than computing
// something else.
// expect: stag: an operation would mix the rows of the run-time axis
#include <stag/stag.hpp>

#include <vector>

constexpr auto xx = stag::var<"xx", stag::tensor<double, stag::dynamic>>;
constexpr auto zz = stag::var<"zz", stag::tensor<double, stag::dynamic, 2>>;
constexpr auto a = stag::var<"a">;

int main() {
    const std::vector<double> xs{0.5, 1.5}, zs{1, 2, 3, 4};
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::value_and_grad(stag::sum(stag::softmax(a * xx)), a)(xx = xs, a = 2.0);
#else
    const auto r = stag::value_and_grad(stag::sum(stag::softmax(a * zz)), a)(zz = zs, a = 2.0);
#endif
    (void)r;
}
