// GradBench's `lstm` eval with stag: ADBench's LSTM over a sequence of characters, each character
// given as its b bits; `objective` is the mean cross-entropy of each next character's bits under
// the prediction from the characters before it, `jacobian` its gradient in the main and extra
// parameters (GradBench's evals/lstm).
//
// The model (ADBench's, whose weight matrices are all diagonal, so that every hidden unit i only
// sees element i of its input, hidden state and parameters): the character's bits times the input
// weights go through l layers, each layer k holding a hidden state h and a cell state c of b
// numbers and updating them from its input x (the new h of the layer below) as
//   forget = sigmoid(x wf + bf), ingate = sigmoid(h wi + bi), outgate = sigmoid(x wo + bo),
//   change = tanh(h wc + bc), c' = c forget + ingate change, h' = outgate tanh(c');
// the prediction is y = h' ow + ob from the top layer, normalised by log(2 + sum_i exp(y_i))
// (ADBench adds 2), and the loss sums the next character's bits times the normalised prediction.
//
// Nothing is compiled in: the number of layers l, the bits per character b and the number of
// characters c are all the input's. One unit's update in one layer is a stag expression of 11
// scalar variables (its input, h, c and the layer's 8 parameters of that unit), evaluated unit by
// unit (`objective`). The gradient is backpropagation through time: the forward pass keeps every
// state, then the steps, last to first, and in each step the layers, top to bottom, pull the
// adjoints of the new states (uh, uc) back through stag's gradient of uh h' + uc c' (a
// vector-Jacobian product), which gives the adjoints of the unit's input and old states and adds
// its part of the parameters' gradient, written straight into the result. The one coupling
// between units, the normaliser's sum, is pulled back by hand: its adjoint is d/dS of
// G log(2 + S) (stag's gradient, G the sum of the next character's bits), the same for every unit.
#include "tool.hpp"

#include <stag/stag.hpp>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace {

using gradbench_tool::input_error;
using gradbench_tool::json;

// One unit of one layer.
constexpr auto x = stag::var<"x">;  // its input: the layer below's new hidden state
constexpr auto h = stag::var<"h">;  // its hidden and cell states
constexpr auto c = stag::var<"c">;
constexpr auto wf = stag::var<"wf">;  // the layer's weights and biases for that unit
constexpr auto wi = stag::var<"wi">;
constexpr auto wo = stag::var<"wo">;
constexpr auto wc = stag::var<"wc">;
constexpr auto bf = stag::var<"bf">;
constexpr auto bi = stag::var<"bi">;
constexpr auto bo = stag::var<"bo">;
constexpr auto bc = stag::var<"bc">;
constexpr auto bit = stag::var<"bit">;  // data: the character's bit, the bottom layer's input...
constexpr auto iw = stag::var<"iw">;    // ...times the input weight
constexpr auto uh = stag::var<"uh">;    // data: the adjoints of the new states
constexpr auto uc = stag::var<"uc">;

/// The new states (h', c') of a unit whose layer input is `input`.
template <class X>
constexpr auto update(const X& input) {
    const auto forget = stag::sigmoid(input * wf + bf);
    const auto ingate = stag::sigmoid(h * wi + bi);
    const auto outgate = stag::sigmoid(input * wo + bo);
    const auto change = stag::tanh(h * wc + bc);
    const auto next_c = c * forget + ingate * change;
    return std::pair{outgate * stag::tanh(next_c), next_c};
}

template <class X>
constexpr auto cell(const X& input) {
    const auto [next_h, next_c] = update(input);
    return stag::outputs(next_h, next_c);
}

/// The adjoints' dot product with the new states: its gradient is the vector-Jacobian product.
template <class X>
constexpr auto pullback(const X& input) {
    const auto [next_h, next_c] = update(input);
    return uh * next_h + uc * next_c;
}

constexpr auto lower_cell = cell(x);  // the layers above the bottom one
constexpr auto bottom_cell = cell(bit * iw);
constexpr auto lower_pullback = stag::grad(pullback(x), x, h, c, wf, wi, wo, wc, bf, bi, bo, bc);
constexpr auto bottom_pullback = stag::grad(pullback(bit * iw), iw, h, c, wf, wi, wo, wc, bf, bi, bo, bc);

// One unit of the prediction: y = h ow + ob from the top layer's new h.
constexpr auto ow = stag::var<"ow">;
constexpr auto ob = stag::var<"ob">;
constexpr auto gold = stag::var<"gold">;  // data: the next character's bit, times the loss's scale
constexpr auto a = stag::var<"a">;        // data: the normaliser's adjoint, times the loss's scale
constexpr auto y = h * ow + ob;
/// Its part of the loss's first sum, and of the normaliser's sum.
constexpr auto prediction = stag::outputs(gold * y, stag::exp(y));
/// The loss's dependence on this unit's y, the normaliser's sum held fixed at its adjoint a.
constexpr auto prediction_pullback = stag::grad(gold * y - a * stag::exp(y), h, ow, ob);

// The normaliser: G log(2 + S), S the sum of exp(y_i), G the sum of the next character's bits.
constexpr auto sum_gold = stag::var<"G">;
constexpr auto sum_exp = stag::var<"S">;
constexpr auto normaliser = sum_gold * stag::log(2 + sum_exp);
constexpr auto normaliser_adjoint = stag::grad(normaliser, sum_exp);

/// Calls f with unit i's 8 entries of a layer's 2 x 4b block (weights then biases, each forget,
/// ingate, outgate, change), in the order of the variables wf ... bc.
template <class T, class F>
decltype(auto) layer_slots(T* block, std::size_t b, std::size_t i, F&& f) {
    return f(block[i], block[b + i], block[2 * b + i], block[3 * b + i], block[4 * b + i], block[5 * b + i], block[6 * b + i],
             block[7 * b + i]);
}

/// Calls f with the bindings of unit i's 8 parameters of a layer.
template <class F>
decltype(auto) layer_parameters(const double* block, std::size_t b, std::size_t i, F&& f) {
    return layer_slots(block, b, i, [&](double vf, double vi, double vo, double vc, double wbf, double wbi, double wbo, double wbc) {
        return f(wf = vf, wi = vi, wo = vo, wc = vc, bf = wbf, bi = wbi, bo = wbo, bc = wbc);
    });
}

/// The input, flattened: main parameters (2l x 4b), extra parameters (3 x b: input weights, output
/// weights, output biases), the initial state (2l x b: h and c of each layer), the sequence (c x b).
struct problem {
    std::size_t l = 0, b = 0, chars = 0;
    std::vector<double> main, extra, state, sequence;
    explicit problem(const json& input) {
        const auto main_rows = gradbench_tool::field<std::vector<std::vector<double>>>(input, "main_params");
        if (main_rows.empty() || main_rows.size() % 2 != 0)
            throw input_error("lstm: \"main_params\" must have 2 rows per layer, at least 2; the input has " + std::to_string(main_rows.size()));
        if (main_rows[0].empty() || main_rows[0].size() % 4 != 0)
            throw input_error("lstm: the rows of \"main_params\" must have 4 b elements, b >= 1; the first has " +
                              std::to_string(main_rows[0].size()));
        l = main_rows.size() / 2;
        b = main_rows[0].size() / 4;
        const auto flat = [&](const std::vector<std::vector<double>>& rows, const char* name, std::size_t count, std::size_t length) {
            if (rows.size() != count)
                throw input_error(std::string("lstm: \"") + name + "\" has " + std::to_string(rows.size()) + " rows; expected " +
                                  std::to_string(count));
            std::vector<double> out;
            out.reserve(count * length);
            for (std::size_t r = 0; r < count; ++r) {
                if (rows[r].size() != length)
                    throw input_error(std::string("lstm: row ") + std::to_string(r) + " of \"" + name + "\" has " +
                                      std::to_string(rows[r].size()) + " elements; expected " + std::to_string(length) +
                                      " (b = " + std::to_string(b) + " bits per character)");
                out.insert(out.end(), rows[r].begin(), rows[r].end());
            }
            return out;
        };
        const auto field = [&](const char* name) { return gradbench_tool::field<std::vector<std::vector<double>>>(input, name); };
        main = flat(main_rows, "main_params", 2 * l, 4 * b);
        extra = flat(field("extra_params"), "extra_params", 3, b);
        state = flat(field("state"), "state", 2 * l, b);
        const auto seq = field("sequence");
        if (seq.size() < 2)
            throw input_error("lstm: \"sequence\" must have at least 2 characters (the loss predicts each from those before it); the input has " +
                              std::to_string(seq.size()));
        chars = seq.size();
        sequence = flat(seq, "sequence", chars, b);
    }
    /// The mean's divisor: b bits of each of the c - 1 predicted characters.
    double count() const { return double((chars - 1) * b); }
    /// Runs step t (character t to t + 1's states): layer k's new states of unit i into `next` (2l
    /// x b, as `state`), from the old ones in `now`.
    void step(std::size_t t, const double* now, double* next) const {
        for (std::size_t k = 0; k < l; ++k) {
            const double* block = &main[8 * b * k];
            for (std::size_t i = 0; i < b; ++i) {
                const std::size_t at = 2 * b * k + i;
                layer_parameters(block, b, i, [&](const auto&... params) {
                    const auto s = k == 0 ? stag::eval(bottom_cell, bit = sequence[b * t + i], iw = extra[i], h = now[at], c = now[at + b], params...)
                                          : stag::eval(lower_cell, x = next[at - 2 * b], h = now[at], c = now[at + b], params...);
                    next[at] = s[0];
                    next[at + b] = s[1];
                });
            }
        }
    }
    /// The sum of exp(y_i) of the prediction from the top layer's hidden state `top`, and the sum
    /// of the next character's bits times y_i (`gy`).
    double normaliser_sum(const double* top, std::size_t t, double* gy = nullptr) const {
        double s = 0, g = 0;
        for (std::size_t i = 0; i < b; ++i) {
            const auto p = stag::eval(prediction, h = top[i], ow = extra[b + i], ob = extra[2 * b + i], gold = sequence[b * (t + 1) + i]);
            g += p[0];
            s += p[1];
        }
        if (gy) *gy = g;
        return s;
    }
    double gold_sum(std::size_t t) const {
        const auto* g = &sequence[b * (t + 1)];
        return std::accumulate(g, g + b, 0.0);
    }
};

struct objective_fn : problem {
    std::vector<double> now, next;
    double loss = 0;
    explicit objective_fn(const json& input) : problem(input), now(state.size()), next(state.size()) {}
    void run() {
        std::copy(state.begin(), state.end(), now.begin());
        double total = 0;
        for (std::size_t t = 0; t + 1 < chars; ++t) {
            step(t, now.data(), next.data());
            now.swap(next);
            double gy = 0;
            const double s = normaliser_sum(&now[2 * b * (l - 1)], t, &gy);
            total += gy - stag::eval(normaliser, sum_gold = gold_sum(t), sum_exp = s);
        }
        loss = -total / count();
    }
    double result() const { return loss; }
};

struct jacobian_fn : problem {
    std::vector<double> states;      // c x 2l x b: the states before each step, and after the last
    std::vector<double> ah, ac;      // l x b: the adjoints of the states the step after this one reads
    std::vector<double> grad;        // the result: main's gradient (2l x 4b), then extra's (3 x b)
    explicit jacobian_fn(const json& input)
        : problem(input), states(chars * state.size()), ah(l * b), ac(l * b), grad(main.size() + extra.size()) {}
    void run() {
        const std::size_t n = state.size();  // 2l x b
        std::copy(state.begin(), state.end(), states.begin());
        for (std::size_t t = 0; t + 1 < chars; ++t) step(t, &states[n * t], &states[n * (t + 1)]);

        std::fill(grad.begin(), grad.end(), 0.0);
        std::fill(ah.begin(), ah.end(), 0.0);
        std::fill(ac.begin(), ac.end(), 0.0);
        double* g_main = grad.data();
        double* g_in = g_main + main.size();  // input weights, output weights, output biases
        double* g_out = g_in + b;
        double* g_bias = g_out + b;
        const double scale = -1 / count();
        for (std::size_t t = chars - 1; t-- > 0;) {
            const double* old_state = &states[n * t];
            const double* new_state = &states[n * (t + 1)];
            const double* top = &new_state[2 * b * (l - 1)];
            const double adj = normaliser_adjoint(sum_gold = gold_sum(t), sum_exp = normaliser_sum(top, t))[sum_exp];
            for (std::size_t i = 0; i < b; ++i) {
                prediction_pullback.accumulate_into(ah[b * (l - 1) + i], g_out[i], g_bias[i])(
                    h = top[i], ow = extra[b + i], ob = extra[2 * b + i], gold = scale * sequence[b * (t + 1) + i], a = scale * adj);
                for (std::size_t k = l; k-- > 0;) {
                    const std::size_t at = 2 * b * k + i;  // unit i of layer k's h in a state; c is b further
                    const double adj_h = ah[b * k + i], adj_c = ac[b * k + i];
                    ah[b * k + i] = ac[b * k + i] = 0;
                    layer_parameters(&main[8 * b * k], b, i, [&](const auto&... params) {
                        layer_slots(&g_main[8 * b * k], b, i, [&](auto&... slots) {
                            if (k == 0)
                                bottom_pullback.accumulate_into(g_in[i], ah[i], ac[i], slots...)(
                                    bit = sequence[b * t + i], iw = extra[i], h = old_state[at], c = old_state[at + b], params..., uh = adj_h,
                                    uc = adj_c);
                            else  // the input's adjoint joins that of the layer below's new h
                                lower_pullback.accumulate_into(ah[b * (k - 1) + i], ah[b * k + i], ac[b * k + i], slots...)(
                                    x = new_state[at - 2 * b], h = old_state[at], c = old_state[at + b], params..., uh = adj_h, uc = adj_c);
                        });
                    });
                }
            }
        }
    }
    const std::vector<double>& result() const { return grad; }
};

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"objective", gradbench_tool::make<objective_fn>()}, {"jacobian", gradbench_tool::make<jacobian_fn>()}});
}
