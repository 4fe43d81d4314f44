// A variable bound twice in one call: the error names the problem and the variable.
// expect: stag: a variable is bound twice
// expect: 'x'
// expect: variable_is_bound_once<stag::var_t<boost::hana::string<'x'>
#include <stag/stag.hpp>

int main() {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
#ifdef STAG_SHOULD_FAIL
    return static_cast<int>(stag::eval(x * y, x = 1.0, y = 0.0, x = 2.0));
#else
    return static_cast<int>(stag::eval(x * y, x = 1.0, y = 0.0));
#endif
}
