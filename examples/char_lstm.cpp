// A character-level LSTM learns to predict the next character of Genesis 1-11 (King James Version,
// in the public domain: data/README.md), trained with stag::scan and Adam, then writes a sample.
//
//   (h(t+1), c(t+1)) = lstm_cell(one_hot(x(t)), h(t), c(t), W, U, b)
//   logits(t) = Wy h(t+1) + by,   loss = sum over t of cross_entropy(logits(t), x(t+1))
//
// The scan carries two states, the hidden state h and the cell state c (stag::carry).
//
// The alphabet is of 63 characters (letters, space, newline and the marks of punctuation); the
// text holds 59 of them. Each verse is one sequence, read from a zero state; the loop is one
// expression whose body compiles once, whatever the verse's length. An epoch is one forward and one
// backward pass through time per verse, each followed by an Adam step.
//
// It prints the mean loss per character (in nats: log 63 = 4.14 is a uniform guess) and a sample of
// generated text, and it fails (exit 1) unless the loss falls at least threefold. Everything is
// seeded, so every run prints the same numbers.
//
//   char_lstm [genesis-1-11.txt] [epochs]     (default: examples/data/genesis-1-11.txt, 8 epochs)
#include <stag/stag.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:?!'()\n";
constexpr std::size_t chars = alphabet.size();  // 63

/// The character's index in the alphabet, or -1 for a character outside it, which the text then
/// skips.
int index_of(char ch) {
    const auto at = alphabet.find(ch);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

/// The verses of the text, one per line, each as the indices of its characters followed by the
/// newline's.
std::vector<std::vector<double>> read_verses(const char* path) {
    std::ifstream in(path);
    std::vector<std::vector<double>> verses;
    if (!in) return verses;
    for (std::string line; std::getline(in, line);) {
        std::vector<double> verse;
        for (char ch : line)
            if (const int i = index_of(ch); i >= 0) verse.push_back(i);
        if (verse.empty()) continue;
        verse.push_back(index_of('\n'));
        verses.push_back(std::move(verse));
    }
    return verses;
}

}  // namespace

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : STAG_EXAMPLE_DATA "/genesis-1-11.txt";
    const int epochs = argc > 2 ? std::atoi(argv[2]) : 8;
    const auto verses = read_verses(path);
    if (verses.empty()) {
        std::fprintf(stderr, "char_lstm: cannot read a text from %s\n", path);
        return 2;
    }
    std::size_t total = 0;
    for (const auto& v : verses) total += v.size() - 1;  // characters predicted
    std::printf("%zu verses, %zu characters to predict, %zu in the alphabet\n", verses.size(), total, chars);

    constexpr std::size_t H = 64;  // hidden units
    using stag::tensor;
    constexpr auto h = stag::var<"h", tensor<double, H>>;
    constexpr auto c = stag::var<"c", tensor<double, H>>;
    constexpr auto x = stag::var<"x">;                        // this character's index
    constexpr auto next_char = stag::var<"next">;             // the next one's
    constexpr auto W = stag::var<"W", tensor<double, 4 * H, chars>>;
    constexpr auto U = stag::var<"U", tensor<double, 4 * H, H>>;
    constexpr auto b = stag::var<"b", tensor<double, 4 * H>>;
    constexpr auto Wy = stag::var<"Wy", tensor<double, chars, H>>;
    constexpr auto by = stag::var<"by", tensor<double, chars>>;

    const auto next = stag::nn::lstm_cell(stag::one_hot<chars>(x), h, c, W, U, b);
    const auto logits = stag::matmul(Wy, next.h) + by;
    const auto model = stag::scan(stag::carry(h, next.h, c, next.c), stag::cross_entropy(logits, next_char), x, next_char);

    // PyTorch's initialisation: uniform in +-1/sqrt(H); the forget gate's bias starts at 1.
    std::mt19937 random(2026);
    std::uniform_real_distribution<double> init(-1.0 / std::sqrt(double(H)), 1.0 / std::sqrt(double(H)));
    tensor<double, 4 * H, chars> w;
    tensor<double, 4 * H, H> u;
    tensor<double, 4 * H> bias;
    tensor<double, chars, H> wy;
    tensor<double, chars> bo;
    for (auto& e : w) e = init(random);
    for (auto& e : u) e = init(random);
    for (auto& e : bias) e = init(random);
    for (auto& e : wy) e = init(random);
    for (auto& e : bo) e = init(random);
    for (std::size_t i = H; i < 2 * H; ++i) bias(i) += 1.0;
    const tensor<double, H> zero{};
    stag::adam opt(0.01, w, u, bias, wy, bo);

    // The steps' values of one verse live in one workspace, reused from verse to verse: training
    // allocates nothing once it has grown to the longest verse.
    stag::workspace ws;
    const auto loop = model.in(ws);
    // One verse: its loss (summed over its characters) and the gradient of the weights.
    const auto verse_grad = [&](const std::vector<double>& v) {
        const std::span<const double> in(v.data(), v.size() - 1), out(v.data() + 1, v.size() - 1);
        return stag::value_and_grad(loop, W, U, b, Wy, by)(h = zero, c = zero, stag::steps(x, in), stag::steps(next_char, out), W = w,
                                                            U = u, b = bias, Wy = wy, by = bo);
    };
    // The mean loss per character over the text, by the loop's forward pass alone.
    const auto mean_loss = [&] {
        double sum = 0;
        for (const auto& v : verses) {
            const std::span<const double> in(v.data(), v.size() - 1), out(v.data() + 1, v.size() - 1);
            sum += stag::eval(loop, h = zero, c = zero, stag::steps(x, in), stag::steps(next_char, out), W = w, U = u, b = bias, Wy = wy,
                              by = bo);
        }
        return sum / double(total);
    };

    const double first = mean_loss();
    std::printf("before training: %.3f nats per character\n", first);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> order(verses.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    double last = first;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        std::shuffle(order.begin(), order.end(), random);
        double sum = 0;
        for (const std::size_t i : order) {
            const auto r = verse_grad(verses[i]);
            sum += r.value;
            opt.step(r.grad[W], r.grad[U], r.grad[b], r.grad[Wy], r.grad[by]);
        }
        last = sum / double(total);
        std::printf("epoch %2d: %.3f nats per character\n", epoch, last);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    last = mean_loss();
    std::printf("after training: %.3f nats per character (%.1f times less), %.1f s\n", last, first / last, seconds);

    // A sample: the cell run forward from "And God said", each next character drawn from the
    // softmax of the logits.
    std::string text = "And God said";
    tensor<double, H> hv{}, cv{};
    const auto step = [&](double id) {
        const auto z = stag::eval(logits, h = hv, c = cv, x = id, W = w, U = u, b = bias, Wy = wy, by = bo);
        const tensor<double, H> h1 = stag::eval(next.h, h = hv, c = cv, x = id, W = w, U = u, b = bias);
        cv = stag::eval(next.c, h = hv, c = cv, x = id, W = w, U = u, b = bias);
        hv = h1;
        return z;
    };
    tensor<double, chars> z{};
    for (char ch : text) z = step(index_of(ch));
    for (int k = 0; k < 240; ++k) {
        std::vector<double> weights(chars);
        for (std::size_t i = 0; i < chars; ++i) weights[i] = std::exp(z(i));
        const auto id = std::discrete_distribution<std::size_t>(weights.begin(), weights.end())(random);
        text += alphabet[id];
        z = step(double(id));
    }
    std::printf("sample:\n%s\n", text.c_str());
    return first / last >= 3 ? 0 : 1;
}
