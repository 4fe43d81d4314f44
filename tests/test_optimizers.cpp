// stag::sgd, stag::momentum and stag::adam: each step against the update rule written out, for
// numbers and tensors, and a model trained with stag's gradient.
#define BOOST_TEST_MODULE optimizers
#include <boost/test/unit_test.hpp>

#include "op_checker.hpp"

#include <cmath>

BOOST_AUTO_TEST_CASE(sgd_steps_against_the_gradient) {
    double w = 1.0;
    stag::tensor<float, 2> t{1.0f, -1.0f};
    stag::sgd opt(0.1, w, t);
    opt.step(2.0, stag::tensor<float, 2>{0.5f, -0.5f});
    BOOST_TEST(w == 0.8);
    BOOST_TEST(t(0) == 0.95f);
    BOOST_TEST(t(1) == -0.95f);
}

BOOST_AUTO_TEST_CASE(momentum_accumulates_a_velocity) {
    double w = 1.0;
    stag::momentum opt(0.1, 0.9, w);
    opt.step(1.0);  // v = -0.1
    STAG_CHECK_CLOSE(w, 0.9, 1e-15);
    opt.step(1.0);  // v = 0.9 * -0.1 - 0.1 = -0.19
    STAG_CHECK_CLOSE(w, 0.71, 1e-15);
}

BOOST_AUTO_TEST_CASE(adam_against_its_formula) {
    stag::tensor<double, 3> p{1.0, 2.0, 3.0};
    stag::adam opt(0.01, p);
    const stag::tensor<double, 3> g1{0.5, -1.0, 0.0}, g2{0.25, 2.0, 1e-3};
    double m[3] = {}, v[3] = {}, want[3] = {1.0, 2.0, 3.0};
    int t = 0;
    for (const auto* g : {&g1, &g2}) {
        opt.step(*g);
        ++t;
        for (int i = 0; i < 3; ++i) {
            m[i] = 0.9 * m[i] + 0.1 * (*g)(i);
            v[i] = 0.999 * v[i] + 0.001 * (*g)(i) * (*g)(i);
            want[i] -= 0.01 * (m[i] / (1 - std::pow(0.9, t))) / (std::sqrt(v[i] / (1 - std::pow(0.999, t))) + 1e-8);
        }
        for (int i = 0; i < 3; ++i) STAG_CHECK_CLOSE(p(i), want[i], 1e-15);
    }
    BOOST_TEST(opt.steps() == 2);
    // The first step moves a parameter by about the learning rate, whatever its gradient's size.
    for (double g : {1e-3, 1.0, 1e3}) {
        double q = 0.0;
        stag::adam first(0.01, q);
        first.step(g);
        STAG_CHECK_CLOSE(q, -0.01, 1e-4);
    }
}

BOOST_AUTO_TEST_CASE(training_a_line_with_stag_gradients) {
    constexpr auto w = stag::var<"w">;
    constexpr auto b = stag::var<"b">;
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
    constexpr auto loss = stag::square(w * x + b - y);
    double wv = 0.0, bv = 0.0;
    stag::adam opt(0.05, wv, bv);
    for (int epoch = 0; epoch < 400; ++epoch)
        for (double xv : {-1.0, 0.0, 0.5, 2.0}) {
            const auto g = stag::grad(loss, w, b)(w = wv, b = bv, x = xv, y = 3.0 * xv - 1.0);
            opt.step(g[w], g[b]);
        }
    STAG_CHECK_CLOSE(wv, 3.0, 1e-3);
    STAG_CHECK_CLOSE(bv, -1.0, 1e-3);
}
