// A batched LSTM cell whose input and state hold different numbers of samples: one stag error.
// expect: stag: nn::lstm_cell(x, h, c, w, u, b): x, h and c must be vectors (one sample), or matrices of as many rows
#include <stag/stag.hpp>

constexpr auto x = stag::var<"x", stag::tensor<double, 2, 3>>;
#ifdef STAG_SHOULD_FAIL
constexpr auto h = stag::var<"h", stag::tensor<double, 4, 5>>;
constexpr auto c = stag::var<"c", stag::tensor<double, 4, 5>>;
#else
constexpr auto h = stag::var<"h", stag::tensor<double, 2, 5>>;
constexpr auto c = stag::var<"c", stag::tensor<double, 2, 5>>;
#endif
constexpr auto W = stag::var<"W", stag::tensor<double, 20, 3>>;
constexpr auto U = stag::var<"U", stag::tensor<double, 20, 5>>;
constexpr auto b = stag::var<"b", stag::tensor<double, 20>>;

int main() {
    const auto next = stag::nn::lstm_cell(x, h, c, W, U, b);
    (void)next;
}
