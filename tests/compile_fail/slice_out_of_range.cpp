// A slice that runs past the end of its axis: one stag error where it is written.
// expect: stag: slice<axis, begin, end>(a): need begin < end <= the length of a along axis
#include <stag/stag.hpp>

constexpr auto X = stag::var<"X", stag::tensor<double, 8, 4>>;
#ifdef STAG_SHOULD_FAIL
constexpr std::size_t end = 5;
#else
constexpr std::size_t end = 4;
#endif

int main() {
    const auto m = stag::slice<1, 2, end>(X);
    (void)m;
}
