// GradBench's `ode` eval with stag: the ODE y_0' = x_0, y_i' = x_i y_(i-1) (i > 0), y(0) = 0, solved
// on [0, 2] by s steps of the classical Runge-Kutta method (as GradBench's reference
// implementation defines it); `primal` is y(2), `gradient` the gradient of its last element in x.
//
// The length n of x is compiled in, for GradBench's default sizes (1000, 10000, 100000); the
// number of steps s is the input's. One Runge-Kutta step is one stag expression of the state y
// and x, the right-hand side written with slice and concat (y shifted by one, a 1 in front). The
// gradient is backpropagation through the steps: the forward pass keeps every state, then each
// step, last to first, gives the adjoint of its state and adds its part of the gradient in x by
// stag's gradient of <step(y, x), adjoint of the next state> (a vector-Jacobian product).
#include "tool.hpp"

#include <stag/stag.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using gradbench_tool::input_error;
using gradbench_tool::json;

template <std::size_t N>
struct model {
    using vec = stag::tensor<double, N>;
    static constexpr auto y = stag::var<"y", vec>;  // the state
    static constexpr auto x = stag::var<"x", vec>;
    static constexpr auto one = stag::var<"one", stag::tensor<double, 1>>;
    static constexpr auto h = stag::var<"h">;  // the step
    /// The right-hand side at z: x_0, then x_i z_(i-1).
    template <class Z>
    static constexpr auto rhs(const Z& z) {
        return x * stag::concat<0>(one, stag::slice<0, 0, N - 1>(z));
    }
    // The constants are compile-time ones (stag::c): a double literal makes each copy of a
    // subexpression its own node, and k2, k3 would be computed more than once.
    static constexpr auto k1 = rhs(y);
    static constexpr auto k2 = rhs(y + h * stag::c<1, 2> * k1);
    static constexpr auto k3 = rhs(y + h * stag::c<1, 2> * k2);
    static constexpr auto k4 = rhs(y + h * k3);
    static constexpr auto step = y + h * stag::c<1, 6> * (k1 + stag::c<2> * k2 + stag::c<2> * k3 + k4);
    /// The adjoint of the next state, and the step's vector-Jacobian product with it.
    static constexpr auto adjoint = stag::var<"adjoint", vec>;
    static constexpr auto pullback = stag::dot(step, adjoint);
};

template <std::size_t N>
struct problem {
    using M = model<N>;
    using vec = typename M::vec;
    std::unique_ptr<vec> x = std::make_unique<vec>();
    std::size_t steps = 0;
    const stag::tensor<double, 1> unit{1.0};
    stag::workspace ws;  // the steps' intermediates, reused step after step
    explicit problem(const json& input) {
        const auto xs = gradbench_tool::field<std::vector<double>>(input, "x");
        std::copy(xs.begin(), xs.end(), x->data());
        const long long s = gradbench_tool::field<long long>(input, "s");
        if (s < 1) throw input_error("ode needs s >= 1 steps; the input has s = " + std::to_string(s));
        steps = std::size_t(s);
    }
    double step_length() const { return 2.0 / double(steps); }
    /// The state after one step from `from`.
    void advance(const vec& from, vec& to) { stag::eval_into(ws, to, M::step, M::y = from, M::x = *x, M::one = unit, M::h = step_length()); }
};

template <std::size_t N>
struct primal_fn : problem<N> {
    std::unique_ptr<typename problem<N>::vec> y = std::make_unique<typename problem<N>::vec>(), next = std::make_unique<typename problem<N>::vec>();
    using problem<N>::problem;
    void run() {
        *y = {};
        for (std::size_t t = 0; t < this->steps; ++t) {
            this->advance(*y, *next);
            std::swap(y, next);
        }
    }
    std::vector<double> result() const { return {y->data(), y->data() + N}; }
};

template <std::size_t N>
struct gradient_fn : problem<N> {
    using M = model<N>;
    using vec = typename M::vec;
    std::vector<vec> states;  // y_0 .. y_s
    std::unique_ptr<vec> g = std::make_unique<vec>(), a = std::make_unique<vec>(), before = std::make_unique<vec>();
    explicit gradient_fn(const json& input) : problem<N>(input), states(this->steps + 1) {}
    void run() {
        const std::size_t s = this->steps;
        states[0] = {};
        for (std::size_t t = 0; t < s; ++t) this->advance(states[t], states[t + 1]);
        // d y_s[n - 1] / d y_s, then back through the steps.
        *a = {};
        (*a)(N - 1) = 1;
        *g = {};
        for (std::size_t t = s; t-- > 0;) {
            // The adjoint of state t into `before`, the step's part of the gradient added to g.
            *before = {};
            stag::grad(M::pullback, M::y, M::x)
                .accumulate_into(*before, *g)
                .in(this->ws)(M::y = states[t], M::x = *this->x, M::one = this->unit, M::h = this->step_length(), M::adjoint = *a);
            std::swap(a, before);
        }
    }
    std::vector<double> result() const { return {g->data(), g->data() + N}; }
};

/// The prepared function Fn<n> for the input's length of x, or an input_error listing the lengths.
template <template <std::size_t> class Fn>
gradbench_tool::preparer by_length() {
    return [](const json& input) -> std::unique_ptr<gradbench_tool::prepared> {
        const bool listed = input.is_object() && input.contains("x") && input.at("x").is_array();
        const std::size_t n = listed ? input.at("x").size() : gradbench_tool::field<std::vector<double>>(input, "x").size();
        switch (n) {
            case 1000: return gradbench_tool::make<Fn<1000>>()(input);
            case 10000: return gradbench_tool::make<Fn<10000>>()(input);
            case 100000: return gradbench_tool::make<Fn<100000>>()(input);
            default: throw input_error("ode is compiled for x of n = 1000, 10000 or 100000 elements; the input has " + std::to_string(n));
        }
    };
}

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"primal", by_length<primal_fn>()}, {"gradient", by_length<gradient_fn>()}});
}
