// Shapes that do not broadcast in one elementwise operation: one stag error, both shapes in the note.
// expect: stag: tensor arithmetic: the shapes do not broadcast
// expect: 2, 3
// expect: 3, 2
#include <stag/stag.hpp>

int main() {
    const stag::tensor<double, 2, 3> a{};
#ifdef STAG_SHOULD_FAIL
    const stag::tensor<double, 3, 2> b{};
#else
    const stag::tensor<double, 2, 3> b{};
#endif
    return static_cast<int>((a + b)(0, 0));
}
