// The gradient descent that GradBench's nested evals (saddle, particle) prescribe, shared by their
// programs, written for any number type stag computes with (double, or stag::dual<double> when an
// outer forward-mode level differentiates through the whole descent).
//
// From x and its gradient g: while |g| > 1e-5, try x' = x - eta g (eta starts at 1e-5). If
// |x' - x| <= 1e-5, stop at x. If the cost at x' is lower, accept it (new gradient); after 10
// accepted steps in a row eta doubles. Otherwise eta halves and the count restarts. The tests and
// the comparisons look only at values: with dual numbers the path is the one of the values, and
// the tangents follow it.
#pragma once

#include <stag/stag.hpp>

#include "tool.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <map>
#include <string>

namespace gradbench_tool {

/// The value of a number: itself, or a dual number's value (recursively).
template <class T>
double primal(const T& x) {
    if constexpr (stag::is_dual_v<T>) return primal(x.value);
    else return double(x);
}

template <std::size_t N>
using point = std::array<double, N>;

/// Does nothing with an accepted step (the default observer).
struct ignore_steps {
    template <class X, class T>
    void operator()(const X&, const T&) const {}
};

/// The argmin of a cost from `x`: cost.value(x) and cost.gradient(x) over std::array<T, N>.
/// on_step(x, eta) is told every accepted step, before it is taken (x' = x - eta g(x)), so that a
/// reverse-mode level can replay the path backwards.
template <class Cost, class T, std::size_t N, class OnStep = ignore_steps>
std::array<T, N> argmin(const Cost& cost, std::array<T, N> x, OnStep&& on_step = {}) {
    const auto distance = [](const auto& a, const auto& b) {
        double s = 0;
        for (std::size_t i = 0; i < N; ++i) s += (primal(a[i]) - primal(b[i])) * (primal(a[i]) - primal(b[i]));
        return std::sqrt(s);
    };
    const std::array<T, N> zero{};
    T fx = cost.value(x);
    std::array<T, N> g = cost.gradient(x);
    double eta = 1e-5;
    for (int accepted = 0;;) {
        if (distance(g, zero) <= 1e-5) return x;
        if (accepted == 10) {
            eta *= 2;
            accepted = 0;
            continue;
        }
        std::array<T, N> next;
        for (std::size_t i = 0; i < N; ++i) next[i] = x[i] - eta * g[i];
        if (distance(x, next) <= 1e-5) return x;
        const T f_next = cost.value(next);
        if (primal(f_next) < primal(fx)) {
            on_step(x, eta);
            x = next;
            fx = f_next;
            g = cost.gradient(x);
            ++accepted;
        } else {
            eta /= 2;
            accepted = 0;
        }
    }
}

/// The cost negated: its argmin is the argmax of the cost.
template <class Cost>
struct negated {
    const Cost& cost;
    template <class X>
    auto value(const X& x) const {
        return -cost.value(x);
    }
    template <class X>
    auto gradient(const X& x) const {
        auto g = cost.gradient(x);
        for (auto& e : g) e = -e;
        return g;
    }
};

/// The mode of one level of a nested derivative.
enum class mode { forward, reverse };

/// The four functions of a nested eval, named by the outer level's mode, then the inner one's:
/// ff, fr, rf, rr, each prepared as Fn<outer, inner>.
template <template <mode, mode> class Fn>
std::map<std::string, preparer> mode_pairs() {
    return {{"ff", make<Fn<mode::forward, mode::forward>>()},
            {"fr", make<Fn<mode::forward, mode::reverse>>()},
            {"rf", make<Fn<mode::reverse, mode::forward>>()},
            {"rr", make<Fn<mode::reverse, mode::reverse>>()}};
}

}  // namespace gradbench_tool
