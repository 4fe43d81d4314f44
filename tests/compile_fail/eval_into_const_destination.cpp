// eval_into a const tensor: the value is written into out.
// expect: stag: eval_into(out, f, ...): out is const; f's value is written into it
#include <stag/stag.hpp>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2>>;
    const stag::tensor<double, 2> wv{1.0, 2.0};
#ifdef STAG_SHOULD_FAIL
    const stag::tensor<double, 2> out{};
#else
    stag::tensor<double, 2> out{};
#endif
    stag::eval_into(out, w * w, w = wv);
    return static_cast<int>(out(0));
}
