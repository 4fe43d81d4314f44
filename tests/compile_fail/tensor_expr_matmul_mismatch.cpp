// A matrix-vector product whose inner dimensions differ: one stag error where it is written, both
// shapes in the note.
// expect: stag: matmul(a, b): a and b must be matrices or vectors, and the columns of a must match the rows of b
// expect: 8, 4
#include <stag/stag.hpp>

constexpr auto W = stag::var<"W", stag::tensor<double, 8, 4>>;
#ifdef STAG_SHOULD_FAIL
constexpr auto x = stag::var<"x", stag::tensor<double, 3>>;
#else
constexpr auto x = stag::var<"x", stag::tensor<double, 4>>;
#endif

int main() {
    const auto h = stag::matmul(W, x);
    (void)h;
}
