// GradBench's `particle` eval with stag: a particle starts at (0, 8) with velocity (0.75, 0) in the
// field of two unit charges at (10, 10 - w) and (10, 0), whose potential is
// P(x; w) = 1 / |x - (10, 10 - w)| + 1 / |x - (10, 0)|. Euler steps of dt = 0.1 move it,
// x += dt v, then (unless it has crossed the x axis) v -= dt grad_x P(x_before; w); where it
// crosses, linear interpolation gives the crossing point X and the cost is X_0^2. The output is
// the w that minimises that cost, by gradient descent (descent.hpp) from the input's w. The cost's
// derivative in w goes through every step's grad_x P: nested differentiation (GradBench's
// evals/particle).
//
// The four functions name the mode of the outer level (d cost / dw), then of the inner one
// (grad_x P), as in saddle.cpp:
// - inner reverse: grad_x P by a stag reverse sweep; inner forward: by two forward sweeps over
//   dual numbers;
// - outer forward: the whole trajectory over stag::dual<double> with tangent 1 in w;
// - outer reverse: the trajectory keeps its positions, and the cost's gradient is pulled back
//   through the steps from the crossing; each step's pullback of grad_x P along the velocity's
//   adjoint u is, for inner reverse, a reverse sweep over u . grad_x P (built by stag::d), for
//   inner forward, a reverse sweep over dual numbers whose tangents are u (Hessian times u).
// Nothing is sized: all is scalar; the number of steps is found at run time. Where the descent
// tries a w for which the particle escapes (no crossing within max_steps), the program stops with
// that message and exit status 1 rather than loop for ever.
#include "descent.hpp"

#include <stag/stag.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace {

using gradbench_tool::json;

constexpr double dt = 0.1;
constexpr auto x0 = stag::var<"x0">;  // the particle's position
constexpr auto x1 = stag::var<"x1">;
constexpr auto w = stag::var<"w">;
constexpr auto u0 = stag::var<"u0">;  // an adjoint of the velocity, for the outer reverse level
constexpr auto u1 = stag::var<"u1">;
constexpr auto potential = 1 / stag::sqrt(stag::square(x0 - 10) + stag::square(x1 - (10 - w))) + 1 / stag::sqrt(stag::square(x0 - 10) + stag::square(x1));
/// u . grad_x P: its gradient is the pullback of grad_x P along u.
constexpr auto along_u = u0 * stag::d(potential, x0) + u1 * stag::d(potential, x1);

// The cost at the crossing, from the position X after the last step and the velocity V before it.
constexpr auto px = stag::var<"X0">;
constexpr auto py = stag::var<"X1">;
constexpr auto vx = stag::var<"V0">;
constexpr auto vy = stag::var<"V1">;
constexpr auto crossing_cost = stag::square(px + (-py / vy) * vx);

using gradbench_tool::mode;

/// grad_x P at (x, w) over T, by the inner level's mode.
template <mode Inner, class T>
std::array<T, 2> force_gradient(const std::array<T, 2>& x, const T& wv) {
    if constexpr (Inner == mode::reverse) {
        const auto g = stag::grad(potential, x0, x1)(x0 = x[0], x1 = x[1], w = wv);
        return {g[x0], g[x1]};
    } else {
        using D = stag::dual<T>;
        const auto along = [&](int i) { return stag::eval(potential, x0 = D{x[0], T(i == 0)}, x1 = D{x[1], T(i == 1)}, w = D{wv}).tangent; };
        return {along(0), along(1)};
    }
}

/// At most this many Euler steps: for some controls the particle escapes and never crosses the x
/// axis (w = -0.5 or 2, for example; w = 0 crosses after 353 steps).
constexpr long max_steps = 100000;

/// The Euler trajectory for control wv over T, until the particle crosses the x axis; `seen(x)`
/// is told every position at which grad_x P is taken. Returns the position X after the last step
/// and the velocity V before it. An input_error if the particle has not crossed after max_steps.
template <mode Inner, class T, class Seen>
std::array<T, 4> trajectory(const T& wv, Seen&& seen) {
    std::array<T, 2> x = {T(0.0), T(8.0)}, v = {T(0.75), T(0.0)};
    for (long step = 0;; ++step) {
        if (step == max_steps)
            throw gradbench_tool::input_error("particle: for w = " + std::to_string(gradbench_tool::primal(wv)) + " the particle has not crossed the x axis after " +
                                              std::to_string(max_steps) + " Euler steps (it escapes the charges' field)");
        seen(x);
        const auto g = force_gradient<Inner>(x, wv);
        for (int i = 0; i < 2; ++i) x[i] += dt * v[i];
        if (gradbench_tool::primal(x[1]) <= 0) return {x[0], x[1], v[0], v[1]};
        for (int i = 0; i < 2; ++i) v[i] -= dt * g[i];
    }
}

template <mode Inner, class T>
T cost_of(const T& wv) {
    const auto end = trajectory<Inner>(wv, [](const auto&) {});
    return stag::eval(crossing_cost, px = end[0], py = end[1], vx = end[2], vy = end[3]);
}

template <mode Outer, mode Inner>
struct outer_cost {
    using point = std::array<double, 1>;
    double value(const point& wv) const { return cost_of<Inner>(wv[0]); }
    point gradient(const point& wv) const {
        if constexpr (Outer == mode::forward) {
            return {cost_of<Inner>(stag::dual<double>{wv[0], 1.0}).tangent};
        } else {
            std::vector<std::array<double, 2>> positions;
            const auto end = trajectory<Inner>(wv[0], [&](const std::array<double, 2>& x) { positions.push_back(x); });
            const auto last = stag::grad(crossing_cost, px, py, vx, vy)(px = end[0], py = end[1], vx = end[2], vy = end[3]);
            // Adjoints of the position x_K and the velocity v_(K-1) of the last step
            // x_K = x_(K-1) + dt v_(K-1), whose force was not used.
            std::array<double, 2> gx = {last[px], last[py]};
            std::array<double, 2> gv = {last[vx] + dt * gx[0], last[vy] + dt * gx[1]};
            double gw = 0;
            // Step k: x_(k+1) = x_k + dt v_k, v_(k+1) = v_k - dt grad_x P(x_k; w).
            for (auto k = positions.size() - 1; k-- > 0;) {
                const auto& x = positions[k];
                double dx0, dx1, dw;
                if constexpr (Inner == mode::reverse) {
                    const auto g = stag::grad(along_u, x0, x1, w)(x0 = x[0], x1 = x[1], w = wv[0], u0 = gv[0], u1 = gv[1]);
                    dx0 = g[x0], dx1 = g[x1], dw = g[w];
                } else {
                    using D = stag::dual<double>;
                    const auto g = stag::grad(potential, x0, x1, w)(x0 = D{x[0], gv[0]}, x1 = D{x[1], gv[1]}, w = D{wv[0]});
                    dx0 = g[x0].tangent, dx1 = g[x1].tangent, dw = g[w].tangent;
                }
                const std::array<double, 2> gx_next = gx;
                gx = {gx[0] - dt * dx0, gx[1] - dt * dx1};
                gw -= dt * dw;
                gv = {gv[0] + dt * gx_next[0], gv[1] + dt * gx_next[1]};
            }
            return {gw};
        }
    }
};

template <mode Outer, mode Inner>
struct particle_fn {
    double w0 = 0, out = 0;
    explicit particle_fn(const json& input) : w0(gradbench_tool::field<double>(input, "w")) {}
    void run() { out = gradbench_tool::argmin(outer_cost<Outer, Inner>{}, std::array<double, 1>{w0})[0]; }
    double result() const { return out; }
};

}  // namespace

int main(int argc, char** argv) { return gradbench_tool::run(argc, argv, gradbench_tool::mode_pairs<particle_fn>()); }
