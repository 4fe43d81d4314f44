// GradBench's `hello` eval with stag: `square` is x * x, `double` its derivative 2x by
// reverse mode. The input is one number (no min_runs or min_seconds: one run).
#include "tool.hpp"

#include <stag/stag.hpp>

namespace {

constexpr auto x = stag::var<"x">;
constexpr auto square = x * x;

double number(const gradbench_tool::json& input) {
    if (!input.is_number()) throw gradbench_tool::input_error("the input of hello is a number");
    return input.get<double>();
}

struct square_fn {
    double in, out = 0;
    explicit square_fn(const gradbench_tool::json& input) : in(number(input)) {}
    void run() { out = stag::eval(square, x = in); }
    double result() const { return out; }
};

struct double_fn {
    double in, out = 0;
    explicit double_fn(const gradbench_tool::json& input) : in(number(input)) {}
    void run() { out = stag::grad(square, x)(x = in)[x]; }
    double result() const { return out; }
};

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"square", gradbench_tool::make<square_fn>()}, {"double", gradbench_tool::make<double_fn>()}});
}
