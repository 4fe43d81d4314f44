// stag::scan, the loop node for a scalar carried state: backpropagation through time against the
// same model unrolled by hand, and against central finite differences over 50 steps.
#define BOOST_TEST_MODULE scan
#include <boost/test/unit_test.hpp>

#include "op_checker.hpp"

#include <cmath>
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
