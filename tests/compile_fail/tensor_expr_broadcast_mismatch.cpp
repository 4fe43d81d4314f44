// Tensor variables whose shapes do not broadcast in an elementwise operation: one stag error, both
// shapes in the note.
// expect: stag: the shapes of the arguments of an elementwise operation do not broadcast
// expect: 2, 3
// expect: 3, 2
#include <stag/stag.hpp>

constexpr auto a = stag::var<"a", stag::tensor<double, 2, 3>>;
#ifdef STAG_SHOULD_FAIL
constexpr auto b = stag::var<"b", stag::tensor<double, 3, 2>>;
#else
constexpr auto b = stag::var<"b", stag::tensor<double, 1, 3>>;
#endif

int main() {
    const decltype(a)::value_type av{};
    const decltype(b)::value_type bv{};
    return static_cast<int>(stag::eval(stag::sum(a * b), a = av, b = bv));
}
