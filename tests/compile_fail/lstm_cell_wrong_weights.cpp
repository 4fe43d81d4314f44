// An LSTM cell whose weights do not fit its state and input: one stag error that gives the shapes
// the cell needs.
// expect: stag: nn::lstm_cell(x, h, c, w, u, b): for h of H and x of I, w must be 4H x I, u 4H x H and b of 4H
#include <stag/stag.hpp>

constexpr auto x = stag::var<"x", stag::tensor<double, 2>>;
constexpr auto h = stag::var<"h", stag::tensor<double, 3>>;
constexpr auto c = stag::var<"c", stag::tensor<double, 3>>;
#ifdef STAG_SHOULD_FAIL
constexpr auto W = stag::var<"W", stag::tensor<double, 3, 2>>;  // H x I, not 4H x I
#else
constexpr auto W = stag::var<"W", stag::tensor<double, 12, 2>>;
#endif
constexpr auto U = stag::var<"U", stag::tensor<double, 12, 3>>;
constexpr auto b = stag::var<"b", stag::tensor<double, 12>>;

int main() {
    const auto next = stag::nn::lstm_cell(x, h, c, W, U, b);
    (void)next;
}
