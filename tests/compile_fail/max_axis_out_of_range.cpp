// A reduction along an axis the tensor does not have (min<axis> shares max<axis>'s check): one
// stag error where it is written.
// expect: stag: max<axis>(a) and min<axis>(a): a has no such axis
#include <stag/stag.hpp>

constexpr auto X = stag::var<"X", stag::tensor<double, 8, 4>>;
#ifdef STAG_SHOULD_FAIL
constexpr std::size_t axis = 2;
#else
constexpr std::size_t axis = 1;
#endif

int main() {
    const auto m = stag::min<axis>(X);
    (void)m;
}
