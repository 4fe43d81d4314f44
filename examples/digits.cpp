// A 64-32-10 multilayer perceptron learns to read handwritten digits from 8x8 images (1797 of
// them, pixel values 0-16):
//
//   h = tanh(x W1 + b1),   logits = h W2 + b2,   loss = cross_entropy(logits, digit)
//
// Every fifth image is held out; the other 1438 train the network in minibatches of 32 with Adam.
// The held-out accuracy is what the example reports, and it fails (exit 1) below 95%. Everything is
// seeded, so every run prints the same numbers.
//
//   digits [digits.csv]     (default: examples/data/digits.csv of the source tree)
#include "classifier.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

int main(int argc, char** argv) {
    using namespace example;
    constexpr std::size_t pixels = 64, hidden = 32, classes = 10, batch = 32;
    using model = mlp<pixels, hidden, classes>;

    // 64 pixels and the digit per line, no header.
    const auto images = read_samples<pixels>("digits", argc > 1 ? argv[1] : STAG_EXAMPLE_DATA "/digits.csv", classes, 0);
    if (!images) return 2;
    const auto [train, test] = split_and_standardise(*images);

    std::mt19937 random(2024);
    model m(random);

    // The loss of a minibatch is the mean cross-entropy of its rows; step computes its value and its
    // gradient with respect to the four parameters in one forward and one backward pass.
    constexpr auto X = stag::var<"X", T<batch, pixels>>;
    constexpr auto digits = stag::var<"digits", stag::tensor<int, batch>>;  // the digit of each row
    const auto step = stag::value_and_grad(stag::cross_entropy(model::network(X), digits), model::W1, model::b1, model::W2, model::b2);
    stag::adam optimizer(0.005, m.w1, m.v1, m.w2, m.v2);

    // Training: for each minibatch of a shuffled epoch, a forward pass, a backward pass and an
    // optimizer step; it stops after a fixed number of epochs. 1438 images are not a whole number of
    // minibatches: the last one is filled up from the start of the order.
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> order(train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const std::size_t batches = (train.size() + batch - 1) / batch;
    for (int epoch = 1; epoch <= 30; ++epoch) {
        shuffle(order, random);
        double total = 0;
        for (std::size_t i = 0; i < batches; ++i) {
            T<batch, pixels> xs;
            stag::tensor<int, batch> ys;
            minibatch(train, order, i, xs, ys);
            const auto r = step(model::W1 = m.w1, model::b1 = m.v1, model::W2 = m.w2, model::b2 = m.v2, X = xs, digits = ys);
            total += r.value;
            optimizer.step(r.grad[model::W1], r.grad[model::b1], r.grad[model::W2], r.grad[model::b2]);
        }
        if (epoch == 1 || epoch % 5 == 0)
            std::printf("epoch %2d  training loss %.4f  training accuracy %.1f%%\n", epoch, total / double(batches),
                        100 * m.accuracy(train));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const double held_out = m.accuracy(test);
    std::printf("held-out accuracy %.1f%% (%zu images), trained in %.2f s\n", 100 * held_out, test.size(), seconds);
    return held_out >= 0.95 ? 0 : 1;
}
