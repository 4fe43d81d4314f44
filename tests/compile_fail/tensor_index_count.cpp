// A matrix element needs two indices: one stag error.
// expect: stag: tensor(i, j, ...): give one index per dimension
#include <stag/stag.hpp>

int main() {
    const stag::tensor<double, 2, 3> a{};
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(a(1));
#else
    return static_cast<int>(a(1, 2));
#endif
}
