// A tensor variable bound to a tensor of another shape: one stag error, both shapes in the note.
// expect: stag: a tensor variable is bound to a tensor of another shape
// expect: 8, 4
// expect: 4, 8
// expect-variable: WW
#include <stag/stag.hpp>

constexpr auto WW = stag::var<"WW", stag::tensor<double, 8, 4>>;

int main() {
#ifdef STAG_SHOULD_FAIL
    const stag::tensor<double, 4, 8> w{};
#else
    const stag::tensor<double, 8, 4> w{};
#endif
    return static_cast<int>(stag::eval(stag::sum(WW), WW = w));
}
