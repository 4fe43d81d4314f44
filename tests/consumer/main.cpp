// A minimal user of stag: one gradient, checked; a nonzero exit status reports a mismatch.
#include <stag/stag.hpp>

#include <cstdio>
#include <string_view>

int main() {
    constexpr auto x = stag::var<"x">;
    const auto g = stag::grad(x * x, x)(x = 3.0);
    if (g[x] != 6.0) {
        std::printf("consumer: d(x * x)/dx at x = 3 is %g, expected 6\n", g[x]);
        return 1;
    }
    // The headers found must be the ones this build was made from.
    if (std::string_view(STAG_VERSION_STRING) != STAG_EXPECTED_VERSION) {
        std::printf("consumer: stag %s found, %s expected\n", STAG_VERSION_STRING, STAG_EXPECTED_VERSION);
        return 1;
    }
    std::printf("consumer: ok, stag %s, d(x * x)/dx at x = 3 is %g\n", STAG_VERSION_STRING, g[x]);
    return 0;
}
