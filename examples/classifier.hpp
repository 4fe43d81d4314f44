// What the two classifier examples (mlp_classifier.cpp, digits.cpp) share: reading a CSV of
// labelled samples, the held-out split and standardisation, a one-hidden-layer MLP written with
// stag, its seeded initialisation, minibatches and accuracy. The training loops stay in the
// examples, where they read like the textbook.
#pragma once

#include <stag/stag.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#ifndef STAG_EXAMPLE_DATA
#define STAG_EXAMPLE_DATA "examples/data"  // CMake gives the absolute path
#endif

namespace example {

template <std::size_t... D>
using T = stag::tensor<double, D...>;

/// One labelled sample: its features and its class.
template <std::size_t Features>
struct sample {
    T<Features> x;
    int label;
};

/// The numbers of one line of a CSV file into `out`: false unless there are exactly out.size().
inline bool parse_row(const std::string& line, std::vector<double>& out) {
    const char* p = line.data();
    const char* const end = p + line.size();
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i > 0 && (p == end || *p++ != ',')) return false;
        const auto [next, error] = std::from_chars(p, end, out[i]);
        if (error != std::errc{}) return false;
        p = next;
    }
    return p == end || (*p == '\r' && p + 1 == end);  // a file saved on Windows ends lines in \r\n
}

/// The samples of a CSV file whose lines hold Features numbers and a class 0 to classes - 1, after
/// `header_lines` lines to skip. Says what is wrong (as `program`) and returns nothing if the file
/// cannot be read, a line does not fit, or there are too few samples to hold some out.
template <std::size_t Features>
std::optional<std::vector<sample<Features>>> read_samples(const char* program, const std::string& path, std::size_t classes,
                                                          int header_lines) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "%s: cannot open %s (give the path of the data file as the argument)\n", program, path.c_str());
        return std::nullopt;
    }
    std::vector<sample<Features>> samples;
    std::vector<double> row(Features + 1);
    std::string line;
    int number = 0;
    while (number < header_lines && std::getline(in, line)) ++number;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line == "\r") continue;
        const bool ok = parse_row(line, row) && row[Features] >= 0 && row[Features] < double(classes) &&
                        row[Features] == std::floor(row[Features]);
        if (!ok) {
            std::fprintf(stderr, "%s: %s:%d: expected %zu numbers and a class 0-%zu\n", program, path.c_str(), number, Features,
                         classes - 1);
            return std::nullopt;
        }
        sample<Features> s{{}, int(row[Features])};
        std::copy_n(row.begin(), Features, s.x.begin());
        samples.push_back(s);
    }
    if (samples.size() < 5) {  // every fifth is held out
        std::fprintf(stderr, "%s: %s holds %zu samples, too few to hold some out\n", program, path.c_str(), samples.size());
        return std::nullopt;
    }
    return samples;
}

/// Every fifth sample held out, the others to train on; each feature standardised with the training
/// samples' mean and spread (the held-out ones must not shape the model in any way). A feature with
/// no spread (a pixel blank in every image) stays zero.
template <std::size_t Features>
std::pair<std::vector<sample<Features>>, std::vector<sample<Features>>> split_and_standardise(const std::vector<sample<Features>>& all) {
    std::vector<sample<Features>> train, test;
    for (std::size_t i = 0; i < all.size(); ++i) (i % 5 == 4 ? test : train).push_back(all[i]);
    for (std::size_t k = 0; k < Features; ++k) {
        double mean = 0, square = 0;
        for (const auto& s : train) mean += s.x(k) / double(train.size());
        for (const auto& s : train) square += (s.x(k) - mean) * (s.x(k) - mean) / double(train.size());
        const double spread = square > 0 ? std::sqrt(square) : 1.0;
        for (auto* set : {&train, &test})
            for (auto& s : *set) s.x(k) = (s.x(k) - mean) / spread;
    }
    return {train, test};
}

/// Uniform in [-a, a] from the generator's 32-bit output: std::mt19937 gives the same numbers
/// everywhere, std::uniform_real_distribution does not, so the mapping is done here.
inline double uniform(std::mt19937& random, double a) { return a * ((double(random()) + 0.5) / 2147483648.0 - 1.0); }

/// Fisher-Yates, for the same reason: std::shuffle's draws differ between standard libraries.
inline void shuffle(std::vector<std::size_t>& order, std::mt19937& random) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random() % i]);
}

/// h = tanh(x W1 + b1), logits = h W2 + b2: the variables, the network, and the parameters' values.
template <std::size_t Features, std::size_t Hidden, std::size_t Classes>
struct mlp {
    static constexpr auto W1 = stag::var<"W1", T<Features, Hidden>>;
    static constexpr auto b1 = stag::var<"b1", T<Hidden>>;
    static constexpr auto W2 = stag::var<"W2", T<Hidden, Classes>>;
    static constexpr auto b2 = stag::var<"b2", T<Classes>>;

    /// The network, written once for one sample (x a vector of features) and for a minibatch (x a
    /// matrix, one sample a row): matmul treats a vector as one row, and b1, b2 broadcast over rows.
    static constexpr auto network(auto x) { return stag::matmul(stag::tanh(stag::matmul(x, W1) + b1), W2) + b2; }

    T<Features, Hidden> w1;
    T<Hidden> v1{};
    T<Hidden, Classes> w2;
    T<Classes> v2{};

    /// Glorot's uniform initialisation: weights in +-sqrt(6 / (inputs + outputs)), biases zero.
    explicit mlp(std::mt19937& random) {
        for (double& w : w1) w = uniform(random, std::sqrt(6.0 / (Features + Hidden)));
        for (double& w : w2) w = uniform(random, std::sqrt(6.0 / (Hidden + Classes)));
    }

    /// The share of `samples` whose largest logit is their class.
    double accuracy(const std::vector<sample<Features>>& samples) const {
        constexpr auto x = stag::var<"x", T<Features>>;
        std::size_t right = 0;
        for (const auto& s : samples) {
            const T<Classes> logits = stag::eval(network(x), W1 = w1, b1 = v1, W2 = w2, b2 = v2, x = s.x);
            if (std::max_element(logits.begin(), logits.end()) - logits.begin() == s.label) ++right;
        }
        return double(right) / double(samples.size());
    }
};

/// Minibatch i of an epoch in the shuffled `order`: the features a row each, and the classes. Where
/// the samples are not a whole number of minibatches, the last one is filled up from the start of
/// the order, so that every sample counts in every epoch.
template <std::size_t Batch, std::size_t Features>
void minibatch(const std::vector<sample<Features>>& samples, const std::vector<std::size_t>& order, std::size_t i,
               T<Batch, Features>& xs, stag::tensor<int, Batch>& labels) {
    for (std::size_t r = 0; r < Batch; ++r) {
        const auto& s = samples[order[(i * Batch + r) % order.size()]];
        std::copy(s.x.begin(), s.x.end(), &xs(r, 0));
        labels(r) = s.label;
    }
}

}  // namespace example
