// A matrix product whose inner dimensions differ: one stag error, with both in the note.
// expect: stag: matmul(a, b): the columns of a must match the rows of b
// expect: 3
// expect: 4
#include <stag/stag.hpp>

int main() {
    const stag::tensor<double, 2, 3> a{};
#ifdef STAG_SHOULD_FAIL
    const stag::tensor<double, 4, 2> b{};
#else
    const stag::tensor<double, 3, 2> b{};
#endif
    return static_cast<int>(stag::matmul(a, b)(0, 0));
}
