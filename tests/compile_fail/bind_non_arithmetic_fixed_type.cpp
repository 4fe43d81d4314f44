// A variable with a fixed value type (var<"y", double>) bound to something that is not a number:
// the same message as for a deduced variable, not a bare conversion error.
// expect: stag: a scalar variable must be bound to an arithmetic value
#include <stag/stag.hpp>

#include <string>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y", double>;
#ifdef STAG_SHOULD_FAIL
    const auto g = stag::grad(x * y, x)(x = 1.5, y = std::string("2"));
#else
    const auto g = stag::grad(x * y, x)(x = 1.5, y = 2);
#endif
    return static_cast<int>(g[x]);
}
