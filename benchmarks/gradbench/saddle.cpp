// GradBench's `saddle` eval with stag: the saddle point of f(p, q) = p0^2 + p1^2 - q0^2 - q1^2
// from a starting point s, by gradient descent (descent.hpp) at two nested levels: p1* = argmin
// over p of max over q of f(p, q), then q* = argmax over q of f(p*, q), all descents from s. The
// output is p* and q*. The outer descent needs the gradient of m(p) = max_q f(p, q), whose value
// is itself a descent that uses gradients of f: nested differentiation (GradBench's
// evals/saddle).
//
// The four functions name the mode of the outer level, then of the inner one:
// - inner reverse: the gradient of f in q by a stag reverse sweep (stag::grad); inner forward:
//   by two forward sweeps, f evaluated over dual numbers with tangent e0, then e1;
// - outer forward: m evaluated over stag::dual<double> with tangent e0, then e1: the inner
//   descent and its sweeps then run over dual numbers (forward over reverse, or over forward:
//   duals of duals);
// - outer reverse: stag keeps no tape, so m's descent records its accepted steps
//   q' = q + eta grad_q f(p, q), and the gradient of m is pulled back through them from the last,
//   each step's pullback needing the derivative of the inner gradient along the adjoint u: for
//   inner reverse, a reverse sweep over the expression u . grad_q f (built by stag::d: reverse
//   over reverse); for inner forward, a reverse sweep over dual numbers whose tangents are u,
//   which gives the Hessian times u (forward over reverse).
// The argmax of the second step uses the inner level's mode. Nothing is sized: all is scalar.
#include "descent.hpp"

#include <stag/stag.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace {

using gradbench_tool::json;
using point = std::array<double, 2>;

constexpr auto p0 = stag::var<"p0">;
constexpr auto p1 = stag::var<"p1">;
constexpr auto q0 = stag::var<"q0">;
constexpr auto q1 = stag::var<"q1">;
constexpr auto u0 = stag::var<"u0">;  // an adjoint of q, for the outer reverse level
constexpr auto u1 = stag::var<"u1">;
constexpr auto f = (stag::square(p0) + stag::square(p1)) - (stag::square(q0) + stag::square(q1));
/// u . grad_q f: its gradient is the pullback of the inner gradient along u.
constexpr auto along_u = u0 * stag::d(f, q0) + u1 * stag::d(f, q1);

using gradbench_tool::mode;

/// f(p, .) for a fixed p, over the number type T, with the inner level's gradient.
template <mode Inner, class T>
struct inner_cost {
    std::array<T, 2> p;
    T value(const std::array<T, 2>& q) const { return stag::eval(f, p0 = p[0], p1 = p[1], q0 = q[0], q1 = q[1]); }
    std::array<T, 2> gradient(const std::array<T, 2>& q) const {
        if constexpr (Inner == mode::reverse) {
            const auto g = stag::grad(f, q0, q1)(p0 = p[0], p1 = p[1], q0 = q[0], q1 = q[1]);
            return {g[q0], g[q1]};
        } else {
            using D = stag::dual<T>;
            const auto along = [&](int i) {
                return stag::eval(f, p0 = D{p[0]}, p1 = D{p[1]}, q0 = D{q[0], T(i == 0)}, q1 = D{q[1], T(i == 1)}).tangent;
            };
            return {along(0), along(1)};
        }
    }
};

/// m(p) = f(p, argmax_q f(p, q)) from q = s over T; on_step sees the inner descent's steps.
template <mode Inner, class T, class OnStep = gradbench_tool::ignore_steps>
T max_value(const std::array<T, 2>& p, const point& s, OnStep&& on_step = {}) {
    const inner_cost<Inner, T> cost{p};
    const auto q = gradbench_tool::argmin(gradbench_tool::negated<inner_cost<Inner, T>>{cost}, std::array<T, 2>{T(s[0]), T(s[1])}, on_step);
    return cost.value(q);
}

/// The outer cost m(p) and its gradient by the outer level's mode.
template <mode Outer, mode Inner>
struct outer_cost {
    point s;
    double value(const point& p) const { return max_value<Inner>(p, s); }
    point gradient(const point& p) const {
        if constexpr (Outer == mode::forward) {
            using D = stag::dual<double>;
            const auto along = [&](int i) { return max_value<Inner>(std::array<D, 2>{D{p[0], double(i == 0)}, D{p[1], double(i == 1)}}, s).tangent; };
            return {along(0), along(1)};
        } else {
            struct step {
                point q;
                double eta;
            };
            std::vector<step> steps;
            // The inner descent is an argmin of -f: an accepted step is q' = q + eta grad_q f.
            const inner_cost<Inner, double> cost{p};
            const point q = gradbench_tool::argmin(gradbench_tool::negated<inner_cost<Inner, double>>{cost}, s,
                                                   [&](const point& at, double eta) { steps.push_back({at, eta}); });
            const auto last = stag::grad(f, p0, p1, q0, q1)(p0 = p[0], p1 = p[1], q0 = q[0], q1 = q[1]);
            point gp = {last[p0], last[p1]}, gq = {last[q0], last[q1]};
            for (auto k = steps.size(); k-- > 0;) {
                const step& st = steps[k];
                // The pullback along gq of the step's inner gradient, with respect to p and q.
                point dp, dq;
                if constexpr (Inner == mode::reverse) {
                    const auto g = stag::grad(along_u, p0, p1, q0, q1)(p0 = p[0], p1 = p[1], q0 = st.q[0], q1 = st.q[1], u0 = gq[0], u1 = gq[1]);
                    dp = {g[p0], g[p1]}, dq = {g[q0], g[q1]};
                } else {
                    using D = stag::dual<double>;
                    const auto g = stag::grad(f, p0, p1, q0, q1)(p0 = D{p[0]}, p1 = D{p[1]}, q0 = D{st.q[0], gq[0]}, q1 = D{st.q[1], gq[1]});
                    dp = {g[p0].tangent, g[p1].tangent}, dq = {g[q0].tangent, g[q1].tangent};
                }
                for (int i = 0; i < 2; ++i) gp[i] += st.eta * dp[i], gq[i] += st.eta * dq[i];
            }
            return gp;
        }
    }
};

template <mode Outer, mode Inner>
struct saddle_fn {
    point s;
    std::array<double, 4> out{};
    explicit saddle_fn(const json& input) {
        const auto start = gradbench_tool::field<std::vector<double>>(input, "start");
        if (start.size() != 2) throw gradbench_tool::input_error("saddle: \"start\" must have 2 numbers; the input has " + std::to_string(start.size()));
        s = {start[0], start[1]};
    }
    void run() {
        const point p = gradbench_tool::argmin(outer_cost<Outer, Inner>{s}, s);
        const inner_cost<Inner, double> cost{p};
        const point q = gradbench_tool::argmin(gradbench_tool::negated<inner_cost<Inner, double>>{cost}, s);
        out = {p[0], p[1], q[0], q[1]};
    }
    std::vector<double> result() const { return {out.begin(), out.end()}; }
};

}  // namespace

int main(int argc, char** argv) { return gradbench_tool::run(argc, argv, gradbench_tool::mode_pairs<saddle_fn>()); }
