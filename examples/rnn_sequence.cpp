// A recurrent network trained with stag::scan: predict the next value of a noisy sine wave.
//
//   h(t+1) = tanh(W h(t) + U x(t) + b),   prediction p(t) = <v, h(t+1)> + c,   loss = sum (p(t) - x(t+1))^2
//
// The state h has 8 units; W (8 x 8), U, b, v (8 each) and c are shared by every step. The loop is
// one node whose body compiles once: the sequence (200 steps) is a run-time value. Each epoch is one
// forward pass through time and one backward pass through time, then an Adam step on the weights.
#include <stag/stag.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    constexpr std::size_t units = 8;
    using vec = stag::tensor<double, units>;
    constexpr auto h = stag::var<"h", vec>;
    constexpr auto W = stag::var<"W", stag::tensor<double, units, units>>;
    constexpr auto U = stag::var<"U", vec>;
    constexpr auto b = stag::var<"b", vec>;
    constexpr auto v = stag::var<"v", vec>;
    constexpr auto c = stag::var<"c">;
    constexpr auto x = stag::var<"x">;
    constexpr auto target = stag::var<"target">;
    const auto next = stag::tanh(stag::matmul(W, h) + U * x + b);  // the number x broadcasts over the units
    const auto loss = stag::square(stag::dot(v, next) + c - target);
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

    // Small deterministic initial weights; the initial state is zero.
    stag::tensor<double, units, units> w;
    vec u, bias{}, out, h0{};
    for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] = 0.2 * std::sin(1.3 * double(i) + 0.4);
    for (std::size_t i = 0; i < units; ++i) {
        u(i) = 0.5 * std::cos(0.9 * double(i));
        out(i) = 0.3 * std::sin(0.7 * double(i) + 1.0);
    }
    double pc = 0.0;
    stag::adam opt(0.01, w, u, bias, out, pc);

    double first = 0, last = 0;
    for (int epoch = 0; epoch <= 300; ++epoch) {
        const auto r = stag::value_and_grad(model, W, U, b, v, c)(h = h0, stag::steps(x, xs), stag::steps(target, ys), W = w, U = u,
                                                                  b = bias, v = out, c = pc);
        const double mean_loss = r.value / double(n);
        if (epoch == 0) first = mean_loss;
        last = mean_loss;
        if (epoch % 50 == 0) std::printf("epoch %3d  mean squared error %.6f\n", epoch, mean_loss);
        opt.step(r.grad[W], r.grad[U], r.grad[b], r.grad[v], r.grad[c]);
    }
    std::printf("loss fell from %.6f to %.6f (%.0f times)\n", first, last, first / last);
    return first / last >= 10 ? 0 : 1;
}
