// eval_into a tensor of another shape than the expression's value.
// expect: stag: eval_into(out, f, ...): out must be what eval returns (a stag::tensor of f's shape, its number type for a number), or a std::array, std::span or fixed-size Eigen object of as many numbers of that type
#include <stag/stag.hpp>

#include <array>

int main() {
    constexpr auto w = stag::var<"w", stag::tensor<double, 2, 3>>;
    const stag::tensor<double, 2, 3> wv{};
#ifdef STAG_SHOULD_FAIL
    stag::tensor<double, 3, 2> out{};
#else
    std::array<double, 6> out{};
#endif
    stag::eval_into(out, w * w, w = wv);
    return static_cast<int>(out.data()[0]);
}
