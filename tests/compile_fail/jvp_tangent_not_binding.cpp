// tangents(...) takes bindings, as eval does: one stag error.
// expect: stag: tangents(...): pass bindings such as x = 1.0
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
#ifdef STAG_SHOULD_FAIL
    const auto r = stag::jvp(x * x, stag::primals(x = 3.0), stag::tangents(1.0));
#else
    const auto r = stag::jvp(x * x, stag::primals(x = 3.0), stag::tangents(x = 1.0));
#endif
    return static_cast<int>(r.tangent);
}
