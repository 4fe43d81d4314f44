// A recurrent network trained with stag::scan: predict the next value of a noisy sine wave.
//
//   h(t+1) = tanh(w h(t) + u x(t) + b),   prediction p(t) = a h(t+1) + c,   loss = sum (p(t) - x(t+1))^2
//
// The loop is one node whose body compiles once: the sequence (200 steps) is a run-time value.
// Each epoch is one forward pass through time and one backward pass through time, then a
// gradient-descent step with momentum (stag::momentum) on the five shared weights.
#include <stag/stag.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    constexpr auto h = stag::var<"h">;
    constexpr auto x = stag::var<"x">;
    constexpr auto target = stag::var<"target">;
    constexpr auto w = stag::var<"w">;
    constexpr auto u = stag::var<"u">;
    constexpr auto b = stag::var<"b">;
    constexpr auto a = stag::var<"a">;
    constexpr auto c = stag::var<"c">;
    const auto next = stag::tanh(w * h + u * x + b);
    const auto loss = stag::square(a * next + c - target);
    const auto model = stag::scan(next, loss, h, x, target);

    // A sine wave with a little deterministic noise; the target of step t is the input of t + 1.
    const std::size_t n = 200;
    std::vector<double> wave(n + 1);
    unsigned state = 12345u;
    for (std::size_t t = 0; t <= n; ++t) {
        state = state * 1103515245u + 12345u;
        const double noise = (double(state >> 16 & 0x7fff) / 32767.0 - 0.5) * 0.05;
        wave[t] = std::sin(0.2 * double(t)) + noise;
    }
    const std::vector<double> xs(wave.begin(), wave.end() - 1), ys(wave.begin() + 1, wave.end());

    double pw = 0.1, pu = 0.1, pb = 0.0, pa = 0.1, pc = 0.0;  // the weights' values
    stag::momentum opt(0.002, 0.9, pw, pu, pb, pa, pc);       // learning rate, momentum, parameters
    double first = 0, last = 0;
    for (int epoch = 0; epoch <= 300; ++epoch) {
        const auto r = stag::value_and_grad(model, w, u, b, a, c)(h = 0.0, stag::steps(x, xs), stag::steps(target, ys),
                                                                   w = pw, u = pu, b = pb, a = pa, c = pc);
        const double mean_loss = r.value / double(n);
        if (epoch == 0) first = mean_loss;
        last = mean_loss;
        if (epoch % 50 == 0) std::printf("epoch %3d  mean squared error %.6f\n", epoch, mean_loss);
        const auto [gw, gu, gb, ga, gc] = r.grad;
        opt.step(gw, gu, gb, ga, gc);  // v = 0.9 v - 0.002 g, p = p + v, for each weight
    }
    std::printf("loss fell from %.6f to %.6f (%.0f times); w = %.3f, u = %.3f, b = %.3f, a = %.3f, c = %.3f\n", first, last,
                first / last, pw, pu, pb, pa, pc);
    return first / last >= 10 ? 0 : 1;
}
