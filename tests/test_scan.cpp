// stag::scan, the loop node: backpropagation through time against the same model unrolled by hand,
// and against central finite differences over 50 steps, for a scalar carried state and for a tensor
// state with tensor weights and tensor per-step inputs; the checkpointed loop against the plain one
// (to the last bit), and the forward pass alone (eval).
#define BOOST_TEST_MODULE scan
#include <boost/test/unit_test.hpp>

#include "counting_op.hpp"
#include "op_checker.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

namespace {
constexpr auto h = stag::var<"h">;
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto w = stag::var<"w">;
constexpr auto u = stag::var<"u">;
constexpr auto b = stag::var<"b">;
// An Elman cell with one unit, and a squared error per step on its new state.
const auto next = stag::tanh(w * h + u * x + b);
const auto out = stag::square(next - y);
const auto loop = stag::scan(next, out, h, x, y);
}  // namespace

BOOST_AUTO_TEST_CASE(equals_the_model_unrolled_by_hand) {
    const std::vector<double> xs{0.1, -0.3, 0.7}, ys{0.2, 0.1, -0.4};
    const auto r = stag::value_and_grad(loop, w, u, b, h)(h = 0.25, stag::steps(x, xs), stag::steps(y, ys), w = 0.8, u = 0.5,
                                                          b = -0.1);
    // The same three steps written out: the weights are shared, so their gradients sum over steps.
    const auto s1 = stag::tanh(w * h + u * 0.1 + b);
    const auto s2 = stag::tanh(w * s1 + u * -0.3 + b);
    const auto s3 = stag::tanh(w * s2 + u * 0.7 + b);
    const auto unrolled = stag::square(s1 - 0.2) + stag::square(s2 - 0.1) + stag::square(s3 + 0.4);
    const auto g = stag::value_and_grad(unrolled, w, u, b, h)(h = 0.25, w = 0.8, u = 0.5, b = -0.1);
    STAG_CHECK_CLOSE(r.value, g.value, 1e-15);
    STAG_CHECK_CLOSE(r.grad[w], g.grad[w], 1e-14);
    STAG_CHECK_CLOSE(r.grad[u], g.grad[u], 1e-14);
    STAG_CHECK_CLOSE(r.grad[b], g.grad[b], 1e-14);
    STAG_CHECK_CLOSE(r.grad[h], g.grad[h], 1e-14);  // the initial state
    // Without the state among the variables, the weights' gradients are the same.
    const auto rw = stag::value_and_grad(loop, w)(h = 0.25, stag::steps(x, xs), stag::steps(y, ys), w = 0.8, u = 0.5, b = -0.1);
    BOOST_TEST(rw.grad[w] == r.grad[w]);
}

BOOST_AUTO_TEST_CASE(matches_finite_differences_over_fifty_steps) {
    std::vector<double> xs(50), ys(50);
    for (std::size_t t = 0; t < 50; ++t) {
        xs[t] = std::sin(0.3 * double(t));
        ys[t] = std::sin(0.3 * double(t + 1));
    }
    const double at[] = {0.9, 0.6, 0.05, -0.2};  // w, u, b, h0
    auto loss = [&](double wv, double uv, double bv, double hv) {
        return stag::value_and_grad(loop)(h = hv, stag::steps(x, xs), stag::steps(y, ys), w = wv, u = uv, b = bv).value;
    };
    const auto r = stag::value_and_grad(loop, w, u, b, h)(h = at[3], stag::steps(x, xs), stag::steps(y, ys), w = at[0],
                                                          u = at[1], b = at[2]);
    const double grads[] = {r.grad[w], r.grad[u], r.grad[b], r.grad[h]};
    for (int i = 0; i < 4; ++i) {
        BOOST_TEST_CONTEXT("parameter " << i) {
            const double step = 1e-6;
            double up[4] = {at[0], at[1], at[2], at[3]}, down[4] = {at[0], at[1], at[2], at[3]};
            up[i] += step;
            down[i] -= step;
            const double fd = (loss(up[0], up[1], up[2], up[3]) - loss(down[0], down[1], down[2], down[3])) / (2 * step);
            STAG_CHECK_CLOSE(grads[i], fd, 1e-7);
        }
    }
}

BOOST_AUTO_TEST_CASE(inputs_of_different_lengths_are_refused) {
    const std::vector<double> xs{0.1, 0.2, 0.3}, ys{0.1, 0.2};
    BOOST_CHECK_THROW(stag::value_and_grad(loop, w)(h = 0.0, stag::steps(x, xs), stag::steps(y, ys), w = 1.0, u = 1.0, b = 0.0),
                      std::invalid_argument);
    // An empty sequence: the value is 0, and so is every gradient.
    const std::vector<double> none;
    const auto r = stag::value_and_grad(loop, w, h)(h = 0.3, stag::steps(x, none), stag::steps(y, none), w = 1.0, u = 1.0, b = 0.0);
    BOOST_TEST(r.value == 0.0);
    BOOST_TEST(r.grad[w] == 0.0);
    BOOST_TEST(r.grad[h] == 0.0);
}

// ---- a tensor state: an Elman network with three units, two inputs and one output per step ----------
namespace {
template <std::size_t... D>
using T = stag::tensor<double, D...>;
constexpr auto H = stag::var<"H", T<3>>;
constexpr auto X = stag::var<"X", T<2>>;
constexpr auto W = stag::var<"W", T<3, 3>>;
constexpr auto U = stag::var<"U", T<3, 2>>;
constexpr auto B = stag::var<"B", T<3>>;
constexpr auto V = stag::var<"V", T<3>>;
constexpr auto next_state(auto h, auto in) { return stag::tanh(stag::matmul(W, h) + stag::matmul(U, in) + B); }
const auto tensor_loop = stag::scan(next_state(H, X), stag::square(stag::dot(V, next_state(H, X)) - y), H, X, y);

struct rnn_weights {
    T<3> h0{0.1, -0.2, 0.3};
    T<3, 3> w{0.5, -0.3, 0.2, 0.1, 0.4, -0.5, -0.2, 0.3, 0.6};
    T<3, 2> u{0.7, -0.1, 0.2, 0.5, -0.6, 0.3};
    T<3> bias{0.05, -0.1, 0.02};
    T<3> v{0.8, -0.4, 0.6};
};
}  // namespace

BOOST_AUTO_TEST_CASE(tensor_state_equals_the_model_unrolled_by_hand) {
    const rnn_weights p;
    const std::vector<T<2>> xs{{0.1, -0.3}, {0.7, 0.2}, {-0.4, 0.5}};
    const std::vector<double> ys{0.2, 0.1, -0.4};
    const auto r = stag::value_and_grad(tensor_loop, W, U, B, V, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u,
                                                                    B = p.bias, V = p.v);
    // The same three steps written out, each input a variable of its own.
    constexpr auto X1 = stag::var<"X1", T<2>>;
    constexpr auto X2 = stag::var<"X2", T<2>>;
    constexpr auto X3 = stag::var<"X3", T<2>>;
    const auto s1 = next_state(H, X1);
    const auto s2 = next_state(s1, X2);
    const auto s3 = next_state(s2, X3);
    const auto unrolled =
        stag::square(stag::dot(V, s1) - 0.2) + stag::square(stag::dot(V, s2) - 0.1) + stag::square(stag::dot(V, s3) + 0.4);
    const auto g = stag::value_and_grad(unrolled, W, U, B, V, H)(H = p.h0, X1 = xs[0], X2 = xs[1], X3 = xs[2], W = p.w, U = p.u,
                                                                 B = p.bias, V = p.v);
    BOOST_TEST(r.value == g.value, boost::test_tools::tolerance(1e-14));
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(r.grad[W].data()[i] == g.grad[W].data()[i], boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(r.grad[U].data()[i] == g.grad[U].data()[i], boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(r.grad[B](i) == g.grad[B](i), boost::test_tools::tolerance(1e-13));
        BOOST_TEST(r.grad[V](i) == g.grad[V](i), boost::test_tools::tolerance(1e-13));
        BOOST_TEST(r.grad[H](i) == g.grad[H](i), boost::test_tools::tolerance(1e-13));  // the initial state
    }
}

BOOST_AUTO_TEST_CASE(tensor_state_matches_finite_differences_over_fifty_steps) {
    rnn_weights p;
    std::vector<T<2>> xs(50);
    std::vector<double> ys(50);
    for (std::size_t t = 0; t < 50; ++t) {
        xs[t] = {std::sin(0.3 * double(t)), std::cos(0.2 * double(t))};
        ys[t] = 0.5 * std::sin(0.3 * double(t + 1));
    }
    auto loss = [&] {
        return stag::value_and_grad(tensor_loop)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v)
            .value;
    };
    const auto r = stag::value_and_grad(tensor_loop, W, U, B, V, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u,
                                                                    B = p.bias, V = p.v);
    // Each weight moved element by element (the bindings refer to p's tensors, so moving them is enough).
    auto check = [&](auto& weight, const auto& gradient) {
        for (std::size_t i = 0; i < weight.size(); ++i) {
            const double old = weight.data()[i], step = 1e-6;
            weight.data()[i] = old + step;
            const double up = loss();
            weight.data()[i] = old - step;
            const double down = loss();
            weight.data()[i] = old;
            STAG_CHECK_CLOSE(gradient.data()[i], (up - down) / (2 * step), 1e-6);
        }
    };
    check(p.w, r.grad[W]);
    check(p.u, r.grad[U]);
    check(p.bias, r.grad[B]);
    check(p.v, r.grad[V]);
    check(p.h0, r.grad[H]);
}

// The checkpointed loop recomputes each stretch's values from its first state by the same sweeps,
// so its value and gradients are the plain loop's to the last bit, for any stretch length: one
// step, stretches that do not divide the length, the whole sequence, more than the whole.
BOOST_AUTO_TEST_CASE(checkpointed_and_plain_loops_agree_exactly) {
    const rnn_weights p;
    std::vector<T<2>> xs(50);
    std::vector<double> ys(50);
    for (std::size_t t = 0; t < 50; ++t) {
        xs[t] = {std::sin(0.3 * double(t)), std::cos(0.2 * double(t))};
        ys[t] = 0.5 * std::sin(0.3 * double(t + 1));
    }
    const auto run = [&](const auto& loop, std::size_t n) {
        return stag::value_and_grad(loop, W, U, B, V, H)(H = p.h0, stag::steps(X, std::span(xs).first(n)), stag::steps(y, std::span(ys).first(n)),
                                                         W = p.w, U = p.u, B = p.bias, V = p.v);
    };
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{50}}) {
        const auto plain = run(tensor_loop, n);
        // The forward pass alone gives the same value.
        BOOST_TEST(stag::eval(tensor_loop, H = p.h0, stag::steps(X, std::span(xs).first(n)), stag::steps(y, std::span(ys).first(n)), W = p.w,
                              U = p.u, B = p.bias, V = p.v) == plain.value);
        for (const std::size_t k : {1, 3, 7, 49, 50, 64}) {
            BOOST_TEST_CONTEXT("length " << n << ", a state kept every " << k << " steps") {
                const auto kept = run(tensor_loop.checkpoint(k), n);
                BOOST_TEST(kept.value == plain.value);
                for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(kept.grad[W].data()[i] == plain.grad[W].data()[i]);
                for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(kept.grad[U].data()[i] == plain.grad[U].data()[i]);
                for (std::size_t i = 0; i < 3; ++i) {
                    BOOST_TEST(kept.grad[B](i) == plain.grad[B](i));
                    BOOST_TEST(kept.grad[V](i) == plain.grad[V](i));
                    BOOST_TEST(kept.grad[H](i) == plain.grad[H](i));
                }
            }
        }
    }
    BOOST_CHECK_THROW(tensor_loop.checkpoint(0), std::invalid_argument);
}

// Next states that are variables themselves (two states swapped each step) and an output that is a
// next state: their adjoints are seeded where the variables' gradients are kept. By hand: with a, b
// swapped every step, the steps' outputs are w b, w a, w b, ... (out = w * next_a, next_a = b).
BOOST_AUTO_TEST_CASE(swapped_states_and_an_output_that_is_a_next_state) {
    constexpr auto a = stag::var<"a">;
    constexpr auto c = stag::var<"c">;
    const auto swap = stag::scan(stag::carry(a, c, c, a), w * c, x);
    const std::vector<double> xs(5, 0.0);
    const auto r = stag::value_and_grad(swap, w, a, c)(a = 2.0, c = 3.0, w = 0.5, stag::steps(x, xs));
    // Steps 0..4 output w*c, w*a, w*c, w*a, w*c: 3 w c + 2 w a.
    BOOST_TEST(r.value == 0.5 * (3 * 3.0 + 2 * 2.0));
    BOOST_TEST(r.grad[w] == 3 * 3.0 + 2 * 2.0);
    BOOST_TEST(r.grad[a] == 2 * 0.5);
    BOOST_TEST(r.grad[c] == 3 * 0.5);
    // A loop whose output is its next state: the sum of the states h1 + ... + hn of h' = w h.
    const auto powers = stag::scan(w * h, w * h, h, x);
    const auto p = stag::value_and_grad(powers, w, h)(h = 1.0, w = 0.5, stag::steps(x, std::span(xs).first(3)));
    BOOST_TEST(p.value == 0.5 + 0.25 + 0.125);
    BOOST_TEST(p.grad[w] == 1 + 2 * 0.5 + 3 * 0.25);   // d/dw (w + w^2 + w^3)
    BOOST_TEST(p.grad[h] == 0.5 + 0.25 + 0.125);       // d/dh0, h0 = 1
    BOOST_TEST(stag::eval(powers.checkpoint(2), h = 1.0, w = 0.5, stag::steps(x, std::span(xs).first(3))) == p.value);
}

// What does not change from step to step (W's transpose, exp of a weight) is computed once per
// call, and its adjoint, summed over the steps, is taken back to the weights once: W is used both
// so and directly, so its gradient has both parts. Against the model unrolled by hand (where the
// transpose is one shared node) and the checkpointed loop.
BOOST_AUTO_TEST_CASE(step_invariant_nodes_are_hoisted) {
    constexpr auto a = stag::var<"a">;
    const auto step = [&](auto state, auto in) {
        return stag::tanh(stag::matmul(stag::transpose(W), state) * stag::exp(a) + stag::matmul(W, state) + stag::matmul(U, in) + B);
    };
    static_assert(stag::detail::hoistable<decltype(stag::transpose(W)), decltype(H), decltype(X), decltype(y)>);
    static_assert(stag::detail::hoistable<decltype(stag::exp(a)), decltype(H), decltype(X), decltype(y)>);
    static_assert(!stag::detail::hoistable<decltype(stag::matmul(W, H)), decltype(H), decltype(X), decltype(y)>);
    const auto hoisting = stag::scan(step(H, X), stag::square(stag::dot(V, step(H, X)) - y), H, X, y);
    const rnn_weights p;
    const std::vector<T<2>> xs{{0.1, -0.3}, {0.7, 0.2}, {-0.4, 0.5}};
    const std::vector<double> ys{0.2, 0.1, -0.4};
    const auto r = stag::value_and_grad(hoisting, W, a, U, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias,
                                                              V = p.v, a = -0.3);
    constexpr auto X1 = stag::var<"X1", T<2>>;
    constexpr auto X2 = stag::var<"X2", T<2>>;
    constexpr auto X3 = stag::var<"X3", T<2>>;
    const auto s1 = step(H, X1);
    const auto s2 = step(s1, X2);
    const auto s3 = step(s2, X3);
    const auto unrolled = stag::square(stag::dot(V, s1) - 0.2) + stag::square(stag::dot(V, s2) - 0.1) + stag::square(stag::dot(V, s3) + 0.4);
    const auto g = stag::value_and_grad(unrolled, W, a, U, H)(H = p.h0, X1 = xs[0], X2 = xs[1], X3 = xs[2], W = p.w, U = p.u, B = p.bias,
                                                              V = p.v, a = -0.3);
    BOOST_TEST(r.value == g.value, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[a] == g.grad[a], boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(r.grad[W].data()[i] == g.grad[W].data()[i], boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(r.grad[U].data()[i] == g.grad[U].data()[i], boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(r.grad[H](i) == g.grad[H](i), boost::test_tools::tolerance(1e-13));
    // Checkpointed: the same to the last bit; the forward pass alone: the same value.
    const auto kept = stag::value_and_grad(hoisting.checkpoint(2), W, a, U, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u,
                                                                               B = p.bias, V = p.v, a = -0.3);
    BOOST_TEST(kept.value == r.value);
    BOOST_TEST(kept.grad[a] == r.grad[a]);
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(kept.grad[W].data()[i] == r.grad[W].data()[i]);
    BOOST_TEST(stag::eval(hoisting, H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v, a = -0.3) == r.value);
    // The state alone among the variables: the hoisted adjoints go nowhere, the state's are the same.
    const auto only_h = stag::value_and_grad(hoisting, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias,
                                                          V = p.v, a = -0.3);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(only_h.grad[H](i) == r.grad[H](i));
}

// The gradient into the caller's storage, as for any gradient: into writes it, accumulate_into
// adds it, grad gives it alone; the same numbers as value_and_grad's.
BOOST_AUTO_TEST_CASE(gradients_into_the_callers_storage) {
    const rnn_weights p;
    const std::vector<T<2>> xs{{0.1, -0.3}, {0.7, 0.2}, {-0.4, 0.5}, {0.3, 0.3}};
    const std::vector<double> ys{0.2, 0.1, -0.4, 0.0};
    const auto r = stag::value_and_grad(tensor_loop, W, B, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias,
                                                              V = p.v);
    T<3, 3> gw{};
    std::array<double, 3> gb{};
    std::vector<double> gh(3, 7.0);  // into overwrites what was there
    const double value = stag::value_and_grad(tensor_loop, W, B, H)
                             .into(gw, gb, std::span<double, 3>(gh.data(), 3))(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u,
                                                                               B = p.bias, V = p.v);
    BOOST_TEST(value == r.value);
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(gw.data()[i] == r.grad[W].data()[i]);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(gb[i] == r.grad[B](i));
        BOOST_TEST(gh[i] == r.grad[H](i));
    }
    // accumulate_into adds: two calls over the two halves of the sequence (each from h0, as two
    // sequences of a minibatch) give the sum of the two calls' gradients.
    const auto half = [&](std::size_t from) {
        return stag::value_and_grad(tensor_loop, W)(H = p.h0, stag::steps(X, std::span(xs).subspan(from, 2)), stag::steps(y, std::span(ys).subspan(from, 2)),
                                                    W = p.w, U = p.u, B = p.bias, V = p.v);
    };
    T<3, 3> acc{};
    const auto add = stag::grad(tensor_loop, W).accumulate_into(acc);
    add(H = p.h0, stag::steps(X, std::span(xs).first(2)), stag::steps(y, std::span(ys).first(2)), W = p.w, U = p.u, B = p.bias, V = p.v);
    add(H = p.h0, stag::steps(X, std::span(xs).last(2)), stag::steps(y, std::span(ys).last(2)), W = p.w, U = p.u, B = p.bias, V = p.v);
    const auto first = half(0), second = half(2);
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(acc.data()[i] == first.grad[W].data()[i] + second.grad[W].data()[i], boost::test_tools::tolerance(1e-15));
    // grad alone: the gradient object.
    const auto g = stag::grad(tensor_loop, W, B, H)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v);
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(g[W].data()[i] == r.grad[W].data()[i]);
    // A destination that is a binding's storage: refused before anything is written.
    T<3, 3> w_copy = p.w;
    BOOST_CHECK_THROW(stag::value_and_grad(tensor_loop, W).into(w_copy)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = w_copy, U = p.u,
                                                                          B = p.bias, V = p.v),
                      std::invalid_argument);
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(w_copy.data()[i] == p.w.data()[i]);
}

// A loop in a sum: `scan + penalty`, `scan - expression`, two scans over two sequences, a map_sum
// and a scan. Each term takes the bindings it needs (a scan its own steps), and the gradient is
// the sum of the terms' gradients.
BOOST_AUTO_TEST_CASE(a_loop_in_a_sum_with_expressions_and_other_loops) {
    const rnn_weights p;
    const std::vector<T<2>> xs{{0.1, -0.3}, {0.7, 0.2}, {-0.4, 0.5}};
    const std::vector<double> ys{0.2, 0.1, -0.4};
    const auto penalty = 0.01 * stag::sum(stag::square(W)) + stag::dot(V, V);
    const auto regularised = tensor_loop + penalty;
    const auto bind = [&](const auto& f) {
        return f(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v);
    };
    const auto loop_alone = bind(stag::value_and_grad(tensor_loop, W, V, H));
    const auto penalty_alone = stag::value_and_grad(penalty, W, V)(W = p.w, V = p.v);
    const auto both = bind(stag::value_and_grad(regularised, W, V, H));
    BOOST_TEST(both.value == loop_alone.value + penalty_alone.value, boost::test_tools::tolerance(1e-15));
    for (std::size_t i = 0; i < 9; ++i)
        BOOST_TEST(both.grad[W].data()[i] == loop_alone.grad[W].data()[i] + penalty_alone.grad[W].data()[i], boost::test_tools::tolerance(1e-15));
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(both.grad[V](i) == loop_alone.grad[V](i) + penalty_alone.grad[V](i), boost::test_tools::tolerance(1e-15));
        BOOST_TEST(both.grad[H](i) == loop_alone.grad[H](i));  // the penalty does not involve h
    }
    BOOST_TEST(stag::eval(regularised, H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v) == both.value,
               boost::test_tools::tolerance(1e-15));
    // The expression on the left, and subtracted.
    const auto left = bind(stag::value_and_grad(penalty + tensor_loop, W));
    const auto minus = bind(stag::value_and_grad(tensor_loop - penalty, W));
    BOOST_TEST(left.value == both.value, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(minus.value == loop_alone.value - penalty_alone.value, boost::test_tools::tolerance(1e-15));
    for (std::size_t i = 0; i < 9; ++i)
        BOOST_TEST(minus.grad[W].data()[i] == loop_alone.grad[W].data()[i] - penalty_alone.grad[W].data()[i], boost::test_tools::tolerance(1e-14));
    // Two scans of one body over two sequences (their inputs named apart), and a map_sum: each
    // loop takes only its own per-step bindings.
    constexpr auto X2 = stag::var<"X2", T<2>>;
    constexpr auto y2 = stag::var<"y2">;
    const auto other = stag::scan(next_state(H, X2), stag::square(stag::dot(V, next_state(H, X2)) - y2), H, X2, y2);
    constexpr auto z = stag::var<"z">;
    const auto rows = stag::map_sum(stag::square(stag::sum(B) - z), z);
    const std::vector<T<2>> xs2{{0.5, 0.5}, {-0.2, 0.1}};
    const std::vector<double> ys2{0.3, -0.1}, zs{1.0, 2.0, 0.5};
    const auto three = stag::value_and_grad(tensor_loop + other + rows, W, B)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), stag::steps(X2, xs2),
                                                                            stag::steps(y2, ys2), stag::each(z, zs), W = p.w, U = p.u, B = p.bias,
                                                                            V = p.v);
    const auto a = stag::value_and_grad(tensor_loop, W, B)(H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v);
    const auto b2 = stag::value_and_grad(other, W, B)(H = p.h0, stag::steps(X2, xs2), stag::steps(y2, ys2), W = p.w, U = p.u, B = p.bias, V = p.v);
    const auto c2 = stag::value_and_grad(rows, W, B)(stag::each(z, zs), B = p.bias);
    BOOST_TEST(three.value == a.value + b2.value + c2.value, boost::test_tools::tolerance(1e-15));
    for (std::size_t i = 0; i < 9; ++i)
        BOOST_TEST(three.grad[W].data()[i] == a.grad[W].data()[i] + b2.grad[W].data()[i], boost::test_tools::tolerance(1e-14));
    for (std::size_t i = 0; i < 3; ++i)
        BOOST_TEST(three.grad[B](i) == a.grad[B](i) + b2.grad[B](i) + c2.grad[B](i), boost::test_tools::tolerance(1e-14));
    // Into the caller's storage, as for one loop.
    T<3, 3> gw{};
    const double v = bind(stag::value_and_grad(regularised, W).into(gw));
    BOOST_TEST(v == both.value);
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(gw.data()[i] == both.grad[W].data()[i]);
}

// check_grad of a loop: a line per element of every variable bound with `=` (the weights and the
// initial state), none for the per-step inputs; for a scan, a scan in a sum, and a map_sum.
BOOST_AUTO_TEST_CASE(check_grad_of_loops) {
    const rnn_weights p;
    std::vector<T<2>> xs(20);
    std::vector<double> ys(20);
    for (std::size_t t = 0; t < 20; ++t) {
        xs[t] = {std::sin(0.3 * double(t)), std::cos(0.2 * double(t))};
        ys[t] = 0.5 * std::sin(0.3 * double(t + 1));
    }
    const auto report = stag::check_grad(tensor_loop, H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w, U = p.u, B = p.bias, V = p.v);
    BOOST_TEST(report.passed(1e-6), report);
    BOOST_TEST(report.entries.size() == 3u + 9u + 6u + 3u + 3u);  // H, W, U, B, V
    BOOST_TEST(report.entries[0].variable == "H(0)");
    BOOST_TEST(report.entries[3].variable == "W(0, 0)");
    const auto in_a_sum = stag::check_grad(tensor_loop + 0.01 * stag::sum(stag::square(W)), H = p.h0, stag::steps(X, xs), stag::steps(y, ys), W = p.w,
                                           U = p.u, B = p.bias, V = p.v);
    BOOST_TEST(in_a_sum.passed(1e-6), in_a_sum);
    BOOST_TEST(in_a_sum.entries[3].reverse == report.entries[3].reverse + 0.02 * p.w(0, 0), boost::test_tools::tolerance(1e-14));
    constexpr auto z = stag::var<"z">;
    constexpr auto s = stag::var<"s">;
    const std::vector<double> zs{1.0, 2.0, 0.5};
    const auto rows = stag::check_grad(stag::map_sum(stag::square(stag::sum(B) * s - z), z), stag::each(z, zs), B = p.bias, s = 1.5);
    BOOST_TEST(rows.passed(1e-6), rows);
    BOOST_TEST(rows.entries.size() == 4u);
}

// A step-invariant value larger than the stack threshold (here a 150 x 150 transpose, 176 KiB) is
// hoisted like a small one, computed once per call into a heap allocation of its own, its adjoint
// there too: the loop is still the model unrolled by hand.
BOOST_AUTO_TEST_CASE(large_step_invariant_values_are_hoisted_to_the_heap) {
    using Big = stag::tensor<double, 150, 150>;
    static_assert(!stag::detail::held<Big>::in_place);
    static_assert(stag::detail::held<stag::tensor<double, 128, 128>>::in_place);
    constexpr auto M = stag::var<"M", Big>;
    constexpr auto s = stag::var<"s", T<150>>;
    constexpr auto e = stag::var<"e", T<150>>;
    const auto step = [&](auto state, auto in) { return stag::tanh(stag::matmul(state, stag::transpose(M)) * 0.01 + in); };
    const auto loop = stag::scan(step(s, e), stag::sum(stag::square(step(s, e))), s, e);
    auto m = std::make_unique<Big>();
    for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] = std::sin(0.37 * double(i));
    T<150> s0{};
    std::vector<T<150>> es(2);
    for (std::size_t i = 0; i < 150; ++i) {
        s0(i) = 0.01 * double(i % 7);
        es[0](i) = std::cos(0.1 * double(i));
        es[1](i) = std::sin(0.2 * double(i));
    }
    const auto r = stag::value_and_grad(loop, M, s)(s = s0, stag::steps(e, es), M = *m);
    constexpr auto e1 = stag::var<"e1", T<150>>;
    constexpr auto e2 = stag::var<"e2", T<150>>;
    const auto s1 = step(s, e1);
    const auto s2 = step(s1, e2);
    const auto g = stag::value_and_grad(stag::sum(stag::square(s1)) + stag::sum(stag::square(s2)), M, s)(s = s0, e1 = es[0], e2 = es[1], M = *m);
    BOOST_TEST(r.value == g.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t i = 0; i < m->size(); i += 97) BOOST_TEST(r.grad[M].data()[i] == g.grad[M].data()[i], boost::test_tools::tolerance(1e-12));
    for (std::size_t i = 0; i < 150; ++i) BOOST_TEST(r.grad[s](i) == g.grad[s](i), boost::test_tools::tolerance(1e-12));
}

// A step-invariant value is computed once per call, not once per step, in place (a 4 x 4 matrix)
// or on the heap (150 x 150): counted(transpose(M)) counts its forward loops. Once for eval; for
// the gradient once for the steps and once more where the hoisted value's adjoint is taken back to
// M (a sweep over the invariant part alone).
BOOST_AUTO_TEST_CASE(a_step_invariant_value_is_computed_once_per_call) {
    auto check = [&]<std::size_t N>(std::integral_constant<std::size_t, N>) {
        using Matrix = stag::tensor<double, N, N>;
        constexpr auto M = stag::var<"M", Matrix>;
        constexpr auto s = stag::var<"s", T<N>>;
        constexpr auto e = stag::var<"e", T<N>>;
        const auto next = stag::tanh(stag::matmul(s, stag_test::counted(stag::transpose(M))) * 0.01 + e);
        const auto loop = stag::scan(next, stag::sum(stag::square(next)), s, e);
        auto m = std::make_unique<Matrix>();
        for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] = std::sin(0.37 * double(i));
        const T<N> s0{};
        std::vector<T<N>> es(7);
        for (std::size_t k = 0; k < es.size(); ++k)
            for (std::size_t i = 0; i < N; ++i) es[k](i) = std::cos(0.1 * double(i + k));
        stag_test::counted_evaluations = 0;
        const double value = stag::eval(loop, s = s0, stag::steps(e, es), M = *m);
        BOOST_TEST(stag_test::counted_evaluations == 1u);
        stag_test::counted_evaluations = 0;
        const auto r = stag::value_and_grad(loop, M, s)(s = s0, stag::steps(e, es), M = *m);
        BOOST_TEST(stag_test::counted_evaluations == 2u);
        BOOST_TEST(r.value == value, boost::test_tools::tolerance(1e-14));
    };
    check(std::integral_constant<std::size_t, 4>{});
    check(std::integral_constant<std::size_t, 150>{});
}
