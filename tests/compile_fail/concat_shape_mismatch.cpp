// Joining two matrices whose other dimension differs: one stag error where it is written.
// expect: stag: concat<axis>(a, b): a and b must be tensors of one rank that agree in every dimension but axis
#include <stag/stag.hpp>

constexpr auto A = stag::var<"A", stag::tensor<double, 8, 4>>;
#ifdef STAG_SHOULD_FAIL
constexpr auto B = stag::var<"B", stag::tensor<double, 2, 3>>;
#else
constexpr auto B = stag::var<"B", stag::tensor<double, 2, 4>>;
#endif

int main() {
    const auto m = stag::concat<0>(A, B);
    (void)m;
}
