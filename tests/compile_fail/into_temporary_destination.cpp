// into with a temporary tensor as the destination: the gradient would be lost.
// expect: stag: into(...): a destination is a temporary
#include <stag/stag.hpp>

#include <span>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
    const stag::tensor<double, 2> wv{1.0, 2.0};
    stag::tensor<double, 2> gw{};
#ifdef STAG_SHOULD_FAIL
    stag::grad(stag::sum(w * w), w).into(stag::tensor<double, 2>{})(w = wv);
#else
    stag::grad(stag::sum(w * w), w).into(std::span<double, 2>(gw.data(), 2))(w = wv);
#endif
    return static_cast<int>(gw(0));
}
