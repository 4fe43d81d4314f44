// GradBench's `lse` eval with stag: LSE(x) = a + log(sum_i exp(x_i - a)), a = max x, over a vector
// of any length n >= 1; `primal` is LSE(x), `gradient` its gradient.
//
// The length is the input's, so the program reads x in fixed-size chunks of B elements (the last
// one padded with -infinity, whose exponential is 0 and whose derivative is 0). stag evaluates
// each chunk's maximum and each chunk's sum of exponentials; the gradient is the chain rule over
// the two stages the definition has, each differentiated by stag: the outer function
// y = a + log(s) of the total s, and s = sum_c s_c with s_c = sum(exp(X_c - a)), whose gradient
// in the chunk X_c stag's backward sweep writes straight into the output.
#include "tool.hpp"

#include <stag/stag.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace {

constexpr std::size_t B = 256;  // the chunk length
using chunk = stag::tensor<double, B>;

constexpr auto X = stag::var<"X", chunk>;  // one chunk of x
constexpr auto a = stag::var<"a">;         // the maximum of x
constexpr auto S = stag::var<"S">;         // the sum of exp(x_i - a)
constexpr auto chunk_max = stag::max(X);
constexpr auto chunk_sum = stag::sum(stag::exp(X - a));
constexpr auto outer = a + stag::log(S);

/// The input, and the padded last chunk.
struct problem {
    std::vector<double> x;
    chunk tail;
    explicit problem(const gradbench_tool::json& input) : x(gradbench_tool::field<std::vector<double>>(input, "x")) {
        if (x.empty()) throw gradbench_tool::input_error("lse needs at least one element in x; the input's x is empty");
        std::fill(tail.data(), tail.data() + B, -std::numeric_limits<double>::infinity());
        std::copy(x.end() - std::ptrdiff_t(x.size() % B), x.end(), tail.data());
    }
    std::size_t full() const { return x.size() / B; }
    std::span<const double, B> at(std::size_t c) const { return std::span<const double, B>(x.data() + c * B, B); }
    bool has_tail() const { return x.size() % B != 0; }

    double maximum() const {
        double m = has_tail() ? stag::eval(chunk_max, X = tail) : -std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < full(); ++c) m = std::max(m, stag::eval(chunk_max, X = at(c)));
        return m;
    }
};

struct primal_fn : problem {
    double out = 0;
    using problem::problem;
    void run() {
        const double m = maximum();
        double s = has_tail() ? stag::eval(chunk_sum, X = tail, a = m) : 0.0;
        for (std::size_t c = 0; c < full(); ++c) s += stag::eval(chunk_sum, X = at(c), a = m);
        out = stag::eval(outer, a = m, S = s);
    }
    double result() const { return out; }
};

struct gradient_fn : problem {
    std::vector<double> g;
    chunk tail_grad;
    explicit gradient_fn(const gradbench_tool::json& input) : problem(input), g(x.size()) {}
    void run() {
        const double m = maximum();
        // ds/dX_c for every chunk, into g, and s itself.
        double s = 0;
        for (std::size_t c = 0; c < full(); ++c)
            s += stag::value_and_grad(chunk_sum, X).into(std::span<double, B>(g.data() + c * B, B))(X = at(c), a = m);
        if (has_tail()) {
            s += stag::value_and_grad(chunk_sum, X).into(tail_grad)(X = tail, a = m);
            std::copy(tail_grad.data(), tail_grad.data() + x.size() % B, g.data() + full() * B);
        }
        // dy/dx = dy/ds * ds/dx.
        const double dy_ds = stag::grad(outer, S)(a = m, S = s)[S];
        for (double& e : g) e *= dy_ds;
    }
    const std::vector<double>& result() const { return g; }
};

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"primal", gradbench_tool::make<primal_fn>()}, {"gradient", gradbench_tool::make<gradient_fn>()}});
}
