// GradBench's `llsq` eval with stag: y(x) = 1/2 sum_i (s_i - sum_j x_j t_i^j)^2 over n points
// t_i = -1 + 2 i / (n - 1), s_i = sign(t_i); `primal` is y, `gradient` its gradient in x.
// The number of coefficients m is compiled in (GradBench's default, 128); n is the input's.
#include "tool.hpp"

#include <stag/stag.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace {

constexpr std::size_t m = 128;
using coefficients = stag::tensor<double, m>;

constexpr auto x = stag::var<"x", coefficients>;  // the coefficients
constexpr auto p = stag::var<"p", coefficients>;  // the powers t^0 .. t^(m-1) of one point
constexpr auto s = stag::var<"s">;                // sign(t) of that point
/// One point's term of y.
constexpr auto term = 0.5 * stag::square(s - stag::sum(x * p));

/// The input: the coefficients (exactly m) and the number of points (at least 2).
struct problem {
    coefficients x0{};
    std::size_t n = 0;
    explicit problem(const gradbench_tool::json& input) {
        const auto xs = gradbench_tool::field<std::vector<double>>(input, "x");
        if (xs.size() != m)
            throw gradbench_tool::input_error("llsq is compiled for m = " + std::to_string(m) + " coefficients; the input has " +
                                              std::to_string(xs.size()));
        for (std::size_t j = 0; j < m; ++j) x0(j) = xs[j];
        const long long count = gradbench_tool::field<long long>(input, "n");
        if (count < 2) throw gradbench_tool::input_error("llsq needs n >= 2 points; the input has n = " + std::to_string(count));
        n = std::size_t(count);
    }
    /// Calls each(powers, sign) for every point, with the powers t^j by repeated products.
    template <class Each>
    void for_each_point(Each&& each) const {
        coefficients powers;
        for (std::size_t i = 0; i < n; ++i) {
            const double t = -1 + double(i) * 2 / double(n - 1);
            const double sign = double((0 < t) - (t < 0));
            double q = 1;
            for (std::size_t j = 0; j < m; ++j, q *= t) powers(j) = q;
            each(powers, sign);
        }
    }
};

struct primal_fn : problem {
    double out = 0;
    using problem::problem;
    void run() {
        double y = 0;
        for_each_point([&](const coefficients& powers, double sign) { y += stag::eval(term, x = x0, p = powers, s = sign); });
        out = y;
    }
    double result() const { return out; }
};

struct gradient_fn : problem {
    coefficients g{};
    using problem::problem;
    void run() {
        g = {};
        const auto add = stag::grad(term, x).accumulate_into(g);  // each point's gradient added to g
        for_each_point([&](const coefficients& powers, double sign) { add(x = x0, p = powers, s = sign); });
    }
    std::vector<double> result() const { return {g.data(), g.data() + m}; }
};

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"primal", gradbench_tool::make<primal_fn>()}, {"gradient", gradbench_tool::make<gradient_fn>()}});
}
