// eval_into with a temporary tensor as the destination: the value would be lost.
// expect: stag: eval_into(out, f, ...): out must be the caller's storage (a variable, not a temporary), or a std::span of it
#include <stag/stag.hpp>

#include <span>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
    const stag::tensor<double, 2> wv{1.0, 2.0};
    stag::tensor<double, 2> out{};
#ifdef STAG_SHOULD_FAIL
    stag::eval_into(stag::tensor<double, 2>{}, w * w, w = wv);
#else
    stag::eval_into(std::span<double, 2>(out.data(), 2), w * w, w = wv);
#endif
    return static_cast<int>(out(0));
}
