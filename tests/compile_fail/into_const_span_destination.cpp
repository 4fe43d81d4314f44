// into with a span of const elements: it cannot be written.
// expect: stag: into(...): a destination is const
#include <stag/stag.hpp>

#include <array>
#include <span>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
    const stag::tensor<double, 2> wv{1.0, 2.0};
    std::array<double, 2> gw{};
#ifdef STAG_SHOULD_FAIL
    std::span<const double, 2> to(gw);
#else
    std::span<double, 2> to(gw);
#endif
    stag::grad(stag::sum(w * w), w).into(to)(w = wv);
    return static_cast<int>(gw[0]);
}
