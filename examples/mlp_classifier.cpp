// A multilayer perceptron learns to tell Fisher's three Iris species apart from four measurements
// of a flower (sepal and petal, length and width):
//
//   h = tanh(x W1 + b1),   logits = h W2 + b2,   loss = cross_entropy(logits, species)
//
// Every fifth flower of the file is held out; the other 120 train the network in minibatches of
// 10 with Adam. The held-out accuracy is what the example reports, and it fails (exit 1) below 93%.
// Everything is seeded, so every run prints the same numbers.
//
//   mlp_classifier [iris.csv]     (default: examples/data/iris.csv of the source tree)
#include "classifier.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

int main(int argc, char** argv) {
    using namespace example;
    constexpr std::size_t features = 4, hidden = 16, classes = 3, batch = 10;
    using model = mlp<features, hidden, classes>;

    // The file has a header line (row count, feature count, class names), then 50 flowers of each
    // species in turn, so every fifth flower holds out 10 of each.
    const auto flowers = read_samples<features>("mlp_classifier", argc > 1 ? argv[1] : STAG_EXAMPLE_DATA "/iris.csv", classes, 1);
    if (!flowers) return 2;
    const auto [train, test] = split_and_standardise(*flowers);

    std::mt19937 random(2024);
    model m(random);

    // The loss of a minibatch is the mean cross-entropy of its rows; step computes its value and its
    // gradient with respect to the four parameters in one forward and one backward pass.
    constexpr auto X = stag::var<"X", T<batch, features>>;
    constexpr auto species = stag::var<"species", stag::tensor<int, batch>>;  // the species of each row
    const auto step = stag::value_and_grad(stag::cross_entropy(model::network(X), species), model::W1, model::b1, model::W2, model::b2);
    stag::adam optimizer(0.01, m.w1, m.v1, m.w2, m.v2);

    // Training: for each minibatch of a shuffled epoch, a forward pass, a backward pass and an
    // optimizer step; it stops after a fixed number of epochs.
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> order(train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const std::size_t batches = train.size() / batch;  // 12: the 120 flowers are a whole number of minibatches
    for (int epoch = 1; epoch <= 100; ++epoch) {
        shuffle(order, random);
        double total = 0;
        for (std::size_t i = 0; i < batches; ++i) {
            T<batch, features> xs;
            stag::tensor<int, batch> ys;
            minibatch(train, order, i, xs, ys);
            const auto r = step(model::W1 = m.w1, model::b1 = m.v1, model::W2 = m.w2, model::b2 = m.v2, X = xs, species = ys);
            total += r.value;
            optimizer.step(r.grad[model::W1], r.grad[model::b1], r.grad[model::W2], r.grad[model::b2]);
        }
        if (epoch == 1 || epoch % 10 == 0) std::printf("epoch %3d  training loss %.4f\n", epoch, total / double(batches));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // Inference on the held-out flowers: the predicted species is the largest logit.
    const double accuracy = m.accuracy(test);
    std::printf("held-out accuracy %.1f%% (%zu flowers), trained in %.2f s\n", 100 * accuracy, test.size(), seconds);
    return accuracy >= 0.93 ? 0 : 1;
}
