// A run-time axis: tensor variables declared `stag::tensor<double, stag::dynamic, ...>`, in
// ordinary expressions. Each model is checked against the same expression over static shapes
// (the tensor engine, itself checked against central differences), at two lengths in one binary
// and at 1 and 0 rows; the bindings a user holds (a flat vector, rows as tensors, a dynamic
// tensor, a span); and the run-time errors for rows that disagree.
#define BOOST_TEST_MODULE rows
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using stag::dynamic;

constexpr auto X = stag::var<"X", stag::tensor<double, dynamic, 3>>;
constexpr auto y = stag::var<"y", stag::tensor<double, dynamic, 1>>;
constexpr auto labels = stag::var<"labels", stag::tensor<double, dynamic>>;
constexpr auto W = stag::var<"W", stag::tensor<double, 3, 1>>;
constexpr auto b = stag::var<"b", stag::tensor<double, 1>>;
constexpr auto V = stag::var<"V", stag::tensor<double, 3, 4>>;
constexpr auto c = stag::var<"c", stag::tensor<double, 4>>;

/// The same variables over N static rows.
template <std::size_t N>
struct fixed_rows {
    static constexpr auto X = stag::var<"X", stag::tensor<double, N, 3>>;
    static constexpr auto y = stag::var<"y", stag::tensor<double, N, 1>>;
    static constexpr auto labels = stag::var<"labels", stag::tensor<double, N>>;
};

/// A least-squares loss with a regulariser, written once for any X and y.
constexpr auto regression = [](auto x, auto t) { return stag::mean(stag::square(stag::matmul(x, W) + b - t)) + 0.01 * stag::sum(stag::square(W)); };
/// A linear classifier's cross-entropy with class indices.
constexpr auto classifier = [](auto x, auto k) { return stag::cross_entropy(stag::matmul(x, V) + c, k); };

std::vector<double> numbers(std::size_t count, double scale) {
    std::vector<double> v(count);
    for (std::size_t i = 0; i < count; ++i) v[i] = scale * std::sin(1.7 * double(i) + 0.3);
    return v;
}

template <class T>
T tensor_from(const std::vector<double>& v) {
    T t{};
    for (std::size_t i = 0; i < T::count; ++i) t.elements[i] = v[i];
    return t;
}

const stag::tensor<double, 3, 1> w0{0.2, -0.4, 0.7};
const stag::tensor<double, 1> b0{0.1};
const auto v0 = tensor_from<stag::tensor<double, 3, 4>>(numbers(12, 0.5));
const stag::tensor<double, 4> c0{0.1, -0.2, 0.3, 0.0};

template <class A, class B>
void check_close(const A& a, const B& b, double tol = 1e-12) {
    for (std::size_t e = 0; e < B::count; ++e) BOOST_TEST(a.elements[e] == b.elements[e], boost::test_tools::tolerance(tol));
}

template <std::size_t N>
void regression_agrees() {
    const auto xs = numbers(3 * N, 1.0), ys = numbers(N, 2.0);
    using R = fixed_rows<N>;
    const auto xf = tensor_from<stag::tensor<double, N, 3>>(xs);
    const auto yf = tensor_from<stag::tensor<double, N, 1>>(ys);
    const auto want = stag::value_and_grad(regression(R::X, R::y), W, b)(R::X = xf, R::y = yf, W = w0, b = b0);
    const auto got = stag::value_and_grad(regression(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-12));
    check_close(got.grad[W], want.grad[W]);
    check_close(got.grad[b], want.grad[b]);
    BOOST_TEST(stag::eval(regression(X, y), X = xs, y = ys, W = w0, b = b0) == want.value, boost::test_tools::tolerance(1e-12));
}

template <std::size_t N>
void classifier_agrees() {
    const auto xs = numbers(3 * N, 1.0);
    std::vector<double> ks(N);
    for (std::size_t i = 0; i < N; ++i) ks[i] = double((i * 7 + 1) % 4);
    using R = fixed_rows<N>;
    const auto want = stag::value_and_grad(classifier(R::X, R::labels), V, c)(R::X = tensor_from<stag::tensor<double, N, 3>>(xs),
                                                                               R::labels = tensor_from<stag::tensor<double, N>>(ks), V = v0, c = c0);
    const auto got = stag::value_and_grad(classifier(X, labels), V, c)(X = xs, labels = ks, V = v0, c = c0);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-12));
    check_close(got.grad[V], want.grad[V]);
    check_close(got.grad[c], want.grad[c]);
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_regression_model_at_every_length) {
    // One instantiation: the types do not depend on the length.
    using F = decltype(regression(X, y));
    static_assert(stag::detail::rows_plan<F, double>::affine);  // a mean loss plus a regulariser: one pass over the rows
    regression_agrees<5>();
    regression_agrees<3>();
    regression_agrees<1>();
}

BOOST_AUTO_TEST_CASE(a_classifier_with_cross_entropy) {
    classifier_agrees<6>();
    classifier_agrees<2>();
}

BOOST_AUTO_TEST_CASE(sums_used_nonlinearly) {
    // log(sum(exp(X w))) and a loss of the column sums: the outer expression is not affine in the
    // sums, so a first pass computes them.
    static constexpr auto w = stag::var<"w", stag::tensor<double, 3>>;
    static constexpr auto t = stag::var<"t", stag::tensor<double, 3>>;
    const auto f = [](auto x) { return stag::log(stag::sum(stag::exp(stag::matmul(x, w)))) + stag::sum(stag::square(stag::sum<0>(x * w) - t)); };
    const auto g = [](auto x) { return stag::sum(stag::tanh(stag::mean<0>(x) * w)); };
    static_assert(!stag::detail::rows_plan<decltype(f(X)), double>::affine);
    const auto xs = numbers(12, 1.0);
    const stag::tensor<double, 3> w0{0.3, -0.1, 0.5}, t0{1.0, 0.0, -1.0};
    const auto x4 = fixed_rows<4>::X;
    const auto xf = tensor_from<stag::tensor<double, 4, 3>>(xs);
    const auto want = stag::value_and_grad(f(x4), w)(x4 = xf, w = w0, t = t0);
    const auto got = stag::value_and_grad(f(X), w)(X = xs, w = w0, t = t0);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-12));
    check_close(got.grad[w], want.grad[w]);
    const auto want_g = stag::value_and_grad(g(x4), w)(x4 = xf, w = w0);
    const auto got_g = stag::value_and_grad(g(X), w)(X = xs, w = w0);
    BOOST_TEST(got_g.value == want_g.value, boost::test_tools::tolerance(1e-12));
    check_close(got_g.grad[w], want_g.grad[w]);
    BOOST_TEST(stag::eval(f(X), X = xs, w = w0, t = t0) == want.value, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(eval_keeps_the_rows) {
    const auto xs = numbers(12, 1.0);
    const auto z = stag::eval(stag::softmax(stag::matmul(X, V) + c), X = xs, V = v0, c = c0);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(z)>, stag::tensor<double, dynamic, 4>>);
    BOOST_TEST(z.rows() == 4u);
    const auto x4 = fixed_rows<4>::X;
    const auto want = stag::eval(stag::softmax(stag::matmul(x4, V) + c), x4 = tensor_from<stag::tensor<double, 4, 3>>(xs), V = v0, c = c0);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(z(i, j) == want(i, j), boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(no_rows) {
    const std::vector<double> none;
    // A sum over no rows is 0: what is left is the regulariser.
    const auto f = stag::sum(stag::square(stag::matmul(X, W) + b)) + stag::sum(stag::square(W));
    const auto r = stag::value_and_grad(f, W, b)(X = none, W = w0, b = b0);
    BOOST_TEST(r.value == 0.04 + 0.16 + 0.49, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[W](1, 0) == -0.8, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(r.grad[b](0) == 0.0);
    // A mean over no rows has no value: an error, not a NaN.
    try {
        (void)stag::value_and_grad(regression(X, y), W, b)(X = none, y = none, W = w0, b = b0);
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: value_and_grad: a mean over a run-time axis of no rows");
    }
}

BOOST_AUTO_TEST_CASE(what_rows_bind_to) {
    const auto xs = numbers(9, 1.0), ys = numbers(3, 2.0);
    const auto want = stag::value_and_grad(regression(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    // Rows as stag tensors, a dynamic tensor, and a span: the same numbers, not copied.
    std::vector<stag::tensor<double, 3>> rows(3);
    for (std::size_t i = 0; i < 9; ++i) rows[i / 3].elements[i % 3] = xs[i];
    stag::tensor<double, dynamic, 1> yt(3);
    for (std::size_t i = 0; i < 3; ++i) yt(i, 0) = ys[i];
    const std::span<const double> xspan(xs);
    const auto by_rows = stag::value_and_grad(regression(X, y), W, b)(X = rows, y = yt, W = w0, b = b0);
    const auto by_span = stag::value_and_grad(regression(X, y), W, b)(W = w0, y = ys, b = b0, X = xspan);
    BOOST_TEST(by_rows.value == want.value);
    BOOST_TEST(by_span.value == want.value);
    check_close(by_rows.grad[W], want.grad[W], 0.0);
    const auto bound = (X = rows);
    BOOST_TEST(bound.values.data() == rows.data()->elements);
    // float rows, float weights.
    constexpr auto Xf = stag::var<"X", stag::tensor<float, dynamic, 3>>;
    constexpr auto wf = stag::var<"w", stag::tensor<float, 3>>;
    const std::vector<float> xfs{1, 2, 3, 4, 5, 6};
    const stag::tensor<float, 3> w1{0.5f, 0.25f, -1.0f};
    const auto rf = stag::value_and_grad(stag::sum(stag::matmul(Xf, wf)), wf)(Xf = xfs, wf = w1);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(rf.value)>, float>);
    BOOST_TEST(rf.value == -4.75f);  // rows 1 2 3 and 4 5 6
    BOOST_TEST(rf.grad[wf](0) == 5.0f);
    BOOST_TEST(rf.grad[wf](2) == 9.0f);
}

BOOST_AUTO_TEST_CASE(rows_that_disagree) {
    const auto xs = numbers(9, 1.0), ys = numbers(4, 2.0), odd = numbers(7, 1.0);
    auto message = [](auto&& call) {
        try {
            call();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(message([&] { (void)stag::value_and_grad(regression(X, y), W, b)(X = xs, y = ys, W = w0, b = b0); }) ==
               "stag: value_and_grad: X has 3 values along the run-time axis but y has 4");
    BOOST_TEST(message([&] { (void)stag::eval(regression(X, y), X = odd, y = ys, W = w0, b = b0); }) ==
               "stag: eval: the values of X (7 numbers) are not whole rows of 3");
}

BOOST_AUTO_TEST_CASE(other_ops_per_row) {
    // Row maxima, an embedding table looked up by per-row ids, one-hot rows.
    static constexpr auto E = stag::var<"E", stag::tensor<double, 5, 3>>;
    const auto f = [](auto x, auto k) {
        return stag::sum(stag::max<1>(stag::matmul(x, V) + c)) + stag::mean(stag::square(stag::gather(E, k) - x)) +
               stag::sum(stag::one_hot<4>(k) * stag::matmul(x, V));
    };
    const auto xs = numbers(12, 1.0);
    const std::vector<double> ks{3, 0, 2, 1};
    const auto e0 = tensor_from<stag::tensor<double, 5, 3>>(numbers(15, 0.7));
    using R = fixed_rows<4>;
    const auto want = stag::value_and_grad(f(R::X, R::labels), V, c, E)(R::X = tensor_from<stag::tensor<double, 4, 3>>(xs),
                                                                        R::labels = tensor_from<stag::tensor<double, 4>>(ks), V = v0, c = c0, E = e0);
    const auto got = stag::value_and_grad(f(X, labels), V, c, E)(X = xs, labels = ks, V = v0, c = c0, E = e0);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-12));
    check_close(got.grad[V], want.grad[V]);
    check_close(got.grad[c], want.grad[c]);
    check_close(got.grad[E], want.grad[E]);
}

BOOST_AUTO_TEST_CASE(a_mixture_per_row_with_logsumexp_along_an_axis) {
    // A mixture's log-likelihood written over all points at once: per row, logsumexp<1> over the
    // components of the row's scores (its shift taken per row, within the row).
    const auto f = [](auto x) { return stag::sum(stag::logsumexp<1>(stag::matmul(x, V) + c)) - 0.5 * stag::sum(stag::square(V)); };
    const auto xs = numbers(15, 2.0);
    const auto x5 = fixed_rows<5>::X;
    const auto want = stag::value_and_grad(f(x5), V, c)(x5 = tensor_from<stag::tensor<double, 5, 3>>(xs), V = v0, c = c0);
    const auto got = stag::value_and_grad(f(X), V, c)(X = xs, V = v0, c = c0);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-12));
    check_close(got.grad[V], want.grad[V]);
    check_close(got.grad[c], want.grad[c]);
    // eval keeps the rows: each row's own log-sum-exp.
    const auto per_row = stag::eval(stag::logsumexp<1>(stag::matmul(X, V) + c), X = xs, V = v0, c = c0);
    const auto fixed = stag::eval(stag::logsumexp<1>(stag::matmul(x5, V) + c), x5 = tensor_from<stag::tensor<double, 5, 3>>(xs), V = v0, c = c0);
    BOOST_TEST(per_row.rows() == 5u);
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(per_row.data()[i] == fixed(i), boost::test_tools::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(gradients_into_the_callers_storage) {
    // into writes the gradient where the caller keeps it and returns the value; accumulate_into
    // adds it there (a sum over chunks of the rows equals one call over all of them); a std::span
    // over the caller's array is a destination too; grad(...).into returns nothing.
    const auto xs = numbers(18, 1.0), ys = numbers(6, 2.0);
    const auto want = stag::value_and_grad(regression(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    stag::tensor<double, 3, 1> gw{9.0, 9.0, 9.0};
    double gb[1] = {9.0};
    const double v = stag::value_and_grad(regression(X, y), W, b).into(gw, std::span<double, 1>(gb))(X = xs, y = ys, W = w0, b = b0);
    BOOST_TEST(v == want.value, boost::test_tools::tolerance(1e-12));
    check_close(gw, want.grad[W]);
    BOOST_TEST(gb[0] == want.grad[b](0), boost::test_tools::tolerance(1e-12));

    // Two halves of the rows, accumulated: a sum loss (no mean, whose 1/length differs per half).
    const auto summed = [](auto x, auto t) { return stag::sum(stag::square(stag::matmul(x, W) + b - t)); };
    const auto whole = stag::grad(summed(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    stag::tensor<double, 3, 1> aw{};
    stag::tensor<double, 1> ab{};
    const auto add = stag::grad(summed(X, y), W, b).accumulate_into(aw, ab);
    const std::span<const double> all_x(xs), all_y(ys);
    add(X = all_x.first(9), y = all_y.first(3), W = w0, b = b0);
    add(X = all_x.last(9), y = all_y.last(3), W = w0, b = b0);
    check_close(aw, whole[W]);
    check_close(ab, whole[b]);

    // The non-affine path (a first pass for the sums) writes there too.
    static constexpr auto w = stag::var<"w", stag::tensor<double, 3>>;
    const auto f = stag::log(stag::sum(stag::exp(stag::matmul(X, w))));
    const stag::tensor<double, 3> w1{0.3, -0.1, 0.5};
    const auto g = stag::value_and_grad(f, w)(X = xs, w = w1);
    stag::tensor<double, 3> gw1{1.0, 1.0, 1.0};
    const double v1 = stag::value_and_grad(f, w).accumulate_into(gw1)(X = xs, w = w1);
    BOOST_TEST(v1 == g.value, boost::test_tools::tolerance(1e-12));
    for (std::size_t e = 0; e < 3; ++e) BOOST_TEST(gw1(e) == 1.0 + g.grad[w](e), boost::test_tools::tolerance(1e-12));

    // A destination that is a bound value is a run-time error, before anything is written.
    auto w_copy = w0;
    try {
        stag::grad(regression(X, y), W, b).into(w_copy, std::span<double, 1>(gb))(X = xs, y = ys, W = w_copy, b = b0);
        BOOST_TEST(false);
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("stag: into(...): the destination of the gradient with respect to W shares storage with the value bound to W") == 0);
    }
    check_close(w_copy, w0);
}

BOOST_AUTO_TEST_CASE(forward_mode_jacobians_and_second_derivatives_over_the_rows) {
    // jvp (tangents on shared variables and on the rows themselves), hvp, hessian and jacobian over
    // a run-time axis, each against the same tool on the same model over four static rows.
    const auto xs = numbers(12, 1.0), ys = numbers(4, 2.0), dxs = numbers(12, 0.3);
    using R = fixed_rows<4>;
    const auto xf = tensor_from<stag::tensor<double, 4, 3>>(xs);
    const auto yf = tensor_from<stag::tensor<double, 4, 1>>(ys);
    const auto dxf = tensor_from<stag::tensor<double, 4, 3>>(dxs);
    const stag::tensor<double, 3, 1> dw{1.0, -0.5, 0.25};
    const stag::tensor<double, 1> db{2.0};

    const auto got = stag::jvp(regression(X, y), stag::primals(X = xs, y = ys, W = w0, b = b0), stag::tangents(W = dw, b = db, X = dxs));
    const auto want = stag::jvp(regression(R::X, R::y), stag::primals(R::X = xf, R::y = yf, W = w0, b = b0),
                                stag::tangents(W = dw, b = db, R::X = dxf));
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-13));
    BOOST_TEST(got.tangent == want.tangent, boost::test_tools::tolerance(1e-13));
    BOOST_TEST(want.tangent != 0.0);

    // Sums used nonlinearly (a first pass for the sums, over duals too).
    static constexpr auto w = stag::var<"w", stag::tensor<double, 3>>;
    const auto f = [](auto x) { return stag::log(stag::sum(stag::exp(stag::matmul(x, w)))) + stag::sum(stag::tanh(stag::mean<0>(x) * w)); };
    const stag::tensor<double, 3> w1{0.3, -0.1, 0.5}, dw1{0.5, 1.0, -2.0};
    const auto got_f = stag::jvp(f(X), stag::primals(X = xs, w = w1), stag::tangents(w = dw1));
    const auto want_f = stag::jvp(f(R::X), stag::primals(R::X = xf, w = w1), stag::tangents(w = dw1));
    BOOST_TEST(got_f.tangent == want_f.tangent, boost::test_tools::tolerance(1e-13));

    // A value that keeps the rows: a tangent per element of every row.
    const auto probabilities = [](auto x) { return stag::softmax(stag::matmul(x, V) + c); };
    const auto dv = tensor_from<stag::tensor<double, 3, 4>>(numbers(12, 0.2));
    const auto got_p = stag::jvp(probabilities(X), stag::primals(X = xs, V = v0, c = c0), stag::tangents(V = dv, X = dxs));
    const auto want_p = stag::jvp(probabilities(R::X), stag::primals(R::X = xf, V = v0, c = c0), stag::tangents(V = dv, R::X = dxf));
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(got_p.tangent)>, stag::tensor<double, dynamic, 4>>);
    BOOST_TEST(got_p.tangent.rows() == 4u);
    for (std::size_t e = 0; e < 16; ++e) {
        BOOST_TEST(got_p.value.data()[e] == want_p.value.elements[e], boost::test_tools::tolerance(1e-14));
        BOOST_TEST(got_p.tangent.data()[e] == want_p.tangent.elements[e], boost::test_tools::tolerance(1e-13));
    }

    // hvp: the Hessian in the shared variables times their tangents.
    const auto got_h = stag::hvp(regression(X, y), stag::primals(X = xs, y = ys, W = w0, b = b0), stag::tangents(W = dw, b = db));
    const auto want_h = stag::hvp(regression(R::X, R::y), stag::primals(R::X = xf, R::y = yf, W = w0, b = b0), stag::tangents(W = dw, b = db));
    BOOST_TEST(got_h.value == want_h.value, boost::test_tools::tolerance(1e-13));
    check_close(got_h.grad[W], want_h.grad[W], 1e-13);
    check_close(got_h.hvp[W], want_h.hvp[W], 1e-13);
    check_close(got_h.hvp[b], want_h.hvp[b], 1e-13);
    const auto got_fh = stag::hvp(f(X), stag::primals(X = xs, w = w1), stag::tangents(w = dw1));
    const auto want_fh = stag::hvp(f(R::X), stag::primals(R::X = xf, w = w1), stag::tangents(w = dw1));
    check_close(got_fh.hvp[w], want_fh.hvp[w], 1e-13);

    // hessian, row by row.
    const auto got_H = stag::hessian(f(X), w)(X = xs, w = w1);
    const auto want_H = stag::hessian(f(R::X), w)(R::X = xf, w = w1);
    BOOST_TEST(got_H.value == want_H.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < 3; ++e) check_close(got_H.row(w, e)[w], want_H.row(w, e)[w], 1e-13);
    const auto got_R = stag::hessian(regression(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    const auto want_R = stag::hessian(regression(R::X, R::y), W, b)(R::X = xf, R::y = yf, W = w0, b = b0);
    for (std::size_t e = 0; e < 3; ++e) {
        check_close(got_R.row(W, e)[W], want_R.row(W, e)[W], 1e-13);
        check_close(got_R.row(W, e)[b], want_R.row(W, e)[b], 1e-13);
    }
    check_close(got_R.row(b, 0)[W], want_R.row(b, 0)[W], 1e-13);
    // The Hessians of two outputs at once.
    const auto got_2 = stag::hessian(stag::outputs(f(X), stag::sum(stag::square(stag::matmul(X, w)))), w)(X = xs, w = w1);
    const auto want_2 = stag::hessian(stag::sum(stag::square(stag::matmul(R::X, w))), w)(R::X = xf, w = w1);
    BOOST_TEST(got_2[0].value == want_H.value, boost::test_tools::tolerance(1e-13));
    BOOST_TEST(got_2[1].value == want_2.value, boost::test_tools::tolerance(1e-13));
    for (std::size_t e = 0; e < 3; ++e) {
        check_close(got_2[0].row(w, e)[w], want_H.row(w, e)[w], 1e-13);
        check_close(got_2[1].row(w, e)[w], want_2.row(w, e)[w], 1e-13);
    }

    // jacobian: of a value with static shape (the axis summed away), and of several outputs.
    const auto column_sums = [](auto x, auto t) { return stag::sum<0>(stag::tanh(stag::matmul(x, W) * t + x)); };
    const auto got_J = stag::jacobian(column_sums(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    const auto want_J = stag::jacobian(column_sums(R::X, R::y), W, b)(R::X = xf, R::y = yf, W = w0, b = b0);
    BOOST_TEST(got_J.size() == 3u);
    for (std::size_t e = 0; e < 3; ++e) {
        BOOST_TEST(got_J.values(e) == want_J.values(e), boost::test_tools::tolerance(1e-13));
        check_close(got_J[e][W], want_J[e][W], 1e-13);
        check_close(got_J[e][b], want_J[e][b], 1e-13);
    }
    const auto got_K = stag::jacobian(stag::outputs(regression(X, y), f(X), stag::sum(b * b)), W, b, w)(X = xs, y = ys, W = w0, b = b0, w = w1);
    const auto want_K = stag::jacobian(stag::outputs(regression(R::X, R::y), f(R::X), stag::sum(b * b)), W, b, w)(R::X = xf, R::y = yf, W = w0, b = b0, w = w1);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(got_K.values[i] == want_K.values[i], boost::test_tools::tolerance(1e-13));
        check_close(got_K[i][W], want_K[i][W], 1e-13);
        check_close(got_K[i][b], want_K[i][b], 1e-13);
        check_close(got_K[i][w], want_K[i][w], 1e-13);
    }

    // A tangent along the run-time axis holds as many rows as its primal.
    const auto three = numbers(9, 1.0);
    try {
        (void)stag::jvp(regression(X, y), stag::primals(X = xs, y = ys, W = w0, b = b0), stag::tangents(X = three));
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: jvp: the tangent of X has 3 rows but its primal has 4");
    }
}

BOOST_AUTO_TEST_CASE(printed_over_the_rows) {
    // The printers show the run-time axis as "rows"; a mean divides by stag::1/rows, the variable
    // the call binds to 1 / the number of rows.
    BOOST_TEST(stag::to_string(regression(X, y)) == "stag::1/rows * sum(square(matmul(X, W) + b - y)) + 0.01 * sum(square(W))");
    const std::string dot = stag::to_dot(regression(X, y));
    BOOST_TEST(dot.find("label=\"X\\nrows x 3\"") != std::string::npos, dot);
    BOOST_TEST(dot.find("label=\"matmul\\nrows x 1\"") != std::string::npos, dot);
    BOOST_TEST(dot.find("18446744073709551615") == std::string::npos, dot);
    BOOST_TEST(stag::to_latex(stag::sum(stag::square(X))) == "\\operatorname{sum}\\left(X^{2}\\right)");
}

/// Rows that read sums over all the rows: centring by the column means, and standardising (whose
/// spread is itself a mean over centred rows, so reads nest), in a loss that also uses the sums
/// directly.
constexpr auto centred = [](auto x) {
    const auto u = stag::matmul(x, V) + c;
    return stag::sum(stag::square(u - stag::mean<0>(u))) + stag::sum(stag::tanh(stag::mean<0>(u)));
};
constexpr auto standardised = [](auto x) {
    const auto u = x - stag::mean<0>(x);
    const auto z = u / stag::sqrt(stag::mean<0>(stag::square(u)) + 0.1);
    return stag::mean(stag::log(1.0 + stag::square(stag::matmul(z, V) + c)));
};

template <std::size_t N>
void rows_reading_sums_agree() {
    const auto xs = numbers(3 * N, 1.0);
    using R = fixed_rows<N>;
    const auto xf = tensor_from<stag::tensor<double, N, 3>>(xs);
    const auto want = stag::value_and_grad(centred(R::X), V, c)(R::X = xf, V = v0, c = c0);
    const auto got = stag::value_and_grad(centred(X), V, c)(X = xs, V = v0, c = c0);
    BOOST_TEST(want.value != 0.0);
    BOOST_TEST(got.value == want.value, boost::test_tools::tolerance(1e-12));
    check_close(got.grad[V], want.grad[V]);
    check_close(got.grad[c], want.grad[c]);
    const auto want_s = stag::value_and_grad(standardised(R::X), V, c)(R::X = xf, V = v0, c = c0);
    const auto got_s = stag::value_and_grad(standardised(X), V, c)(X = xs, V = v0, c = c0);
    BOOST_TEST(got_s.value == want_s.value, boost::test_tools::tolerance(1e-12));
    check_close(got_s.grad[V], want_s.grad[V]);
    check_close(got_s.grad[c], want_s.grad[c]);
    BOOST_TEST(stag::eval(standardised(X), X = xs, V = v0, c = c0) == want_s.value, boost::test_tools::tolerance(1e-12));
    // A value per row that reads a sum: the centred rows themselves.
    const auto rows = stag::eval(X - stag::mean<0>(X), X = xs);
    const auto want_rows = stag::eval(R::X - stag::mean<0>(R::X), R::X = xf);
    BOOST_TEST(rows.rows() == N);
    for (std::size_t e = 0; e < 3 * N; ++e) BOOST_TEST(rows.data()[e] == want_rows.elements[e], boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(rows_that_read_sums_over_all_rows) {
    // Two lengths in one binary, each against the same model over static rows; the rest of the
    // tools on the same models.
    rows_reading_sums_agree<5>();
    rows_reading_sums_agree<2>();
    const auto xs = numbers(12, 1.0), dxs = numbers(12, 0.3);
    using R = fixed_rows<4>;
    const auto xf = tensor_from<stag::tensor<double, 4, 3>>(xs);
    const auto dxf = tensor_from<stag::tensor<double, 4, 3>>(dxs);
    const auto dv = tensor_from<stag::tensor<double, 3, 4>>(numbers(12, 0.2));

    const auto got_t = stag::jvp(standardised(X), stag::primals(X = xs, V = v0, c = c0), stag::tangents(V = dv, X = dxs));
    const auto want_t = stag::jvp(standardised(R::X), stag::primals(R::X = xf, V = v0, c = c0), stag::tangents(V = dv, R::X = dxf));
    BOOST_TEST(want_t.tangent != 0.0);
    BOOST_TEST(got_t.tangent == want_t.tangent, boost::test_tools::tolerance(1e-12));

    const auto got_h = stag::hvp(centred(X), stag::primals(X = xs, V = v0, c = c0), stag::tangents(V = dv, c = c0));
    const auto want_h = stag::hvp(centred(R::X), stag::primals(R::X = xf, V = v0, c = c0), stag::tangents(V = dv, c = c0));
    check_close(got_h.hvp[V], want_h.hvp[V], 1e-12);
    check_close(got_h.hvp[c], want_h.hvp[c], 1e-12);

    const auto got_H = stag::hessian(standardised(X), c)(X = xs, V = v0, c = c0);
    const auto want_H = stag::hessian(standardised(R::X), c)(R::X = xf, V = v0, c = c0);
    for (std::size_t e = 0; e < 4; ++e) check_close(got_H.row(c, e)[c], want_H.row(c, e)[c], 1e-12);

    // Reads of both kinds in one model (the data's means, and means that depend on V and c), and
    // a Jacobian of two outputs through them.
    const auto both = [](auto x) { return standardised(x) + 0.5 * centred(x - stag::mean<0>(x)); };
    const auto want_b = stag::value_and_grad(both(R::X), V, c)(R::X = xf, V = v0, c = c0);
    const auto got_b = stag::value_and_grad(both(X), V, c)(X = xs, V = v0, c = c0);
    BOOST_TEST(got_b.value == want_b.value, boost::test_tools::tolerance(1e-12));
    check_close(got_b.grad[V], want_b.grad[V]);
    check_close(got_b.grad[c], want_b.grad[c]);
    const auto got_J = stag::jacobian(stag::outputs(centred(X), standardised(X)), c)(X = xs, V = v0, c = c0);
    const auto want_J = stag::jacobian(stag::outputs(centred(R::X), standardised(R::X)), c)(R::X = xf, V = v0, c = c0);
    for (std::size_t i = 0; i < 2; ++i) {
        BOOST_TEST(got_J.values[i] == want_J.values[i], boost::test_tools::tolerance(1e-12));
        check_close(got_J[i][c], want_J[i][c]);
    }

    const auto check = stag::check_grad(standardised(X), X = xs, V = v0, c = c0);
    BOOST_TEST(check.entries.size() == 16u);
    BOOST_TEST(check.passed(1e-6), check);

    // Into the caller's storage: into overwrites what the destination held, and equals .grad.
    stag::tensor<double, 3, 4> gV{};
    stag::tensor<double, 4> gc{};
    gV.elements[0] = 99.0;
    const double value = stag::value_and_grad(centred(X), V, c).into(gV, gc)(X = xs, V = v0, c = c0);
    const auto whole = stag::value_and_grad(centred(X), V, c)(X = xs, V = v0, c = c0);
    BOOST_TEST(value == whole.value);
    check_close(gV, whole.grad[V], 0.0);
    check_close(gc, whole.grad[c], 0.0);

    // One row: every centred row is zero; no rows: the means are an error.
    const auto a_row = numbers(3, 1.0);
    const auto one = stag::value_and_grad(stag::sum(stag::square(X - stag::mean<0>(X))), V)(X = a_row, V = v0);
    BOOST_TEST(one.value == 0.0);
    const std::vector<double> none;
    BOOST_CHECK_THROW((void)stag::eval(centred(X), X = none, V = v0, c = c0), std::invalid_argument);
    try {
        (void)stag::value_and_grad(centred(X), V)(X = none, V = v0, c = c0);
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: value_and_grad: a mean over a run-time axis of no rows");
    }
    // Lengths that disagree, named under the caller's name.
    const auto ys = numbers(3, 1.0);
    try {
        (void)stag::grad(stag::sum(stag::square(X - stag::mean<0>(X))) + stag::sum(y), V)(X = xs, y = ys, V = v0);
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: grad: X has 4 values along the run-time axis but y has 3");
    }
}

BOOST_AUTO_TEST_CASE(check_grad_over_the_rows) {
    // check_grad: a line per element of each variable the rows share, none for X and y; the
    // sums used nonlinearly too.
    const auto xs = numbers(12, 1.0), ys = numbers(4, 2.0);
    const auto c1 = stag::check_grad(regression(X, y), X = xs, y = ys, W = w0, b = b0);
    BOOST_TEST(c1.entries.size() == 4u);  // W(0, 0), W(1, 0), W(2, 0), b(0)
    BOOST_TEST(c1.entries[0].variable == "W(0, 0)");
    BOOST_TEST(c1.passed(1e-7), c1);
    static constexpr auto w = stag::var<"w", stag::tensor<double, 3>>;
    const auto f = stag::log(stag::sum(stag::exp(stag::matmul(X, w)))) + stag::sum(stag::tanh(stag::mean<0>(X) * w));
    const auto c2 = stag::check_grad(f, X = xs, w = stag::tensor<double, 3>{0.3, -0.1, 0.5});
    BOOST_TEST(c2.entries.size() == 3u);
    BOOST_TEST(c2.passed(1e-7), c2);
}

namespace {
/// A view with the members of std::mdspan that stag reads, since the standard libraries of the
/// compilers CI runs have no <mdspan>: rank 2, a run-time number of rows, Cols columns
/// (std::dynamic_extent: of run-time size), rows `row_stride` numbers apart.
template <std::size_t Cols>
struct mdspan_2d {
    struct extents_type {
        static constexpr std::size_t static_extent(std::size_t r) { return r == 0 ? std::dynamic_extent : Cols; }
    };
    const double* p;
    std::size_t rows, cols, row_stride;
    const double* data_handle() const { return p; }
    static constexpr std::size_t rank() { return 2; }
    std::size_t extent(std::size_t r) const { return r == 0 ? rows : cols; }
    std::size_t stride(std::size_t r) const { return r == 0 ? row_stride : 1; }
};
}  // namespace

// An mdspan-like view binds a variable with a run-time axis, read in place, if it is contiguous
// and row-major; its run-time extents are checked at the call.
BOOST_AUTO_TEST_CASE(an_mdspan_like_view_of_the_rows) {
    const auto xs = numbers(3 * 5, 1.0), ys = numbers(5, 2.0);
    const auto want = stag::value_and_grad(regression(X, y), W, b)(X = xs, y = ys, W = w0, b = b0);
    const mdspan_2d<3> fixed_columns{xs.data(), 5, 3, 3};
    const mdspan_2d<std::dynamic_extent> run_time_columns{xs.data(), 5, 3, 3};
    const auto by_fixed = stag::value_and_grad(regression(X, y), W, b)(X = fixed_columns, y = ys, W = w0, b = b0);
    const auto by_run_time = stag::value_and_grad(regression(X, y), W, b)(X = run_time_columns, y = ys, W = w0, b = b0);
    BOOST_TEST(by_fixed.value == want.value);
    BOOST_TEST(by_run_time.value == want.value);
    check_close(by_fixed.grad[W], want.grad[W], 0);
    BOOST_TEST((X = fixed_columns).values.data() == xs.data());
    const auto message = [&](const auto& view) {
        try {
            (void)stag::eval(regression(X, y), X = view, y = ys, W = w0, b = b0);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    // 15 numbers as 3 rows of 5: not X's rows of 3, though 15 is whole rows of 3.
    BOOST_TEST(message(mdspan_2d<std::dynamic_extent>{xs.data(), 3, 5, 5}) == "stag: eval: X is bound to storage whose rows hold 5 numbers, not 3");
    // Rows 4 numbers apart (padded): not contiguous.
    const auto padded = numbers(4 * 5, 1.0);
    BOOST_TEST(message(mdspan_2d<3>{padded.data(), 5, 3, 4}) ==
               "stag: eval: X is bound to a view whose numbers are not contiguous and row-major (layout_right)");
    // One row: its stride does not matter.
    BOOST_TEST(stag::eval(regression(X, y), X = mdspan_2d<3>{xs.data(), 1, 3, 7}, y = std::span(ys).first(1), W = w0, b = b0) ==
               stag::eval(regression(X, y), X = std::span(xs).first(3), y = std::span(ys).first(1), W = w0, b = b0));
}
