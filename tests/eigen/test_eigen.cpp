// <stag/eigen.hpp>: fixed-size Eigen matrices, vectors, Maps and contiguous blocks bound to tensor
// variables and used as gradient destinations, read and written in place, against the same model
// on stag tensors.
#define BOOST_TEST_MODULE eigen
#include <boost/test/unit_test.hpp>

#include <stag/eigen.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
template <std::size_t... D>
using T = stag::tensor<double, D...>;

constexpr auto W = stag::var<"W", T<3, 2>>;
constexpr auto b = stag::var<"b", T<3>>;
constexpr auto x = stag::var<"x", T<2>>;
constexpr auto loss = stag::sum(stag::square(stag::tanh(stag::matmul(W, x) + b)));

using RowMatrix = Eigen::Matrix<double, 3, 2, Eigen::RowMajor>;

/// The model's values as Eigen objects and as stag tensors (the same numbers, row-major).
struct values {
    RowMatrix w;
    Eigen::Vector3d v;
    Eigen::Vector2d in;
    T<3, 2> wt;
    T<3> vt;
    T<2> it;
    values() {
        w << 0.1, -0.2, 0.3, 0.4, -0.5, 0.6;
        v << 0.1, 0.2, -0.3;
        in << 1.5, -0.7;
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 2; ++c) wt(r, c) = w(r, c);
        for (int r = 0; r < 3; ++r) vt(r) = v(r);
        for (int r = 0; r < 2; ++r) it(r) = in(r);
    }
};
}  // namespace

BOOST_AUTO_TEST_CASE(eigen_matrices_bind_to_tensor_variables) {
    const values d;
    BOOST_TEST(stag::eval(loss, W = d.w, b = d.v, x = d.in) == stag::eval(loss, W = d.wt, b = d.vt, x = d.it));
    const auto g = stag::grad(loss, W, b)(W = d.w, b = d.v, x = d.in);
    const auto gt = stag::grad(loss, W, b)(W = d.wt, b = d.vt, x = d.it);
    BOOST_TEST(g[W] == gt[W]);
    BOOST_TEST(g[b] == gt[b]);
}

BOOST_AUTO_TEST_CASE(gradients_go_into_eigen_matrices) {
    const values d;
    RowMatrix gw;
    Eigen::Vector3d gb;
    const double value = stag::value_and_grad(loss, W, b).into(gw, gb)(W = d.w, b = d.v, x = d.in);
    const auto gt = stag::value_and_grad(loss, W, b)(W = d.wt, b = d.vt, x = d.it);
    BOOST_TEST(value == gt.value);
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 2; ++c) BOOST_TEST(gw(r, c) == gt.grad[W](r, c));
        BOOST_TEST(gb(r) == gt.grad[b](r));
    }
    // accumulate_into adds: twice the gradient after a second call.
    stag::grad(loss, W, b).accumulate_into(gw, gb)(W = d.w, b = d.v, x = d.in);
    BOOST_TEST(gw(2, 1) == 2 * gt.grad[W](2, 1));
    BOOST_TEST(gb(1) == 2 * gt.grad[b](1));
}

// An lvalue is read in place: a binding made once sees the matrix change. A Map views the
// caller's own array; a gradient written through a Map lands there.
BOOST_AUTO_TEST_CASE(eigen_storage_is_read_and_written_in_place) {
    values d;
    const auto bound = (W = d.w);
    const double before = stag::eval(loss, bound, b = d.v, x = d.in);
    d.w(0, 0) = 0.9;
    BOOST_TEST(stag::eval(loss, bound, b = d.v, x = d.in) != before);
    std::array<double, 6> raw{0.1, -0.2, 0.3, 0.4, -0.5, 0.6};
    std::array<double, 6> graw{};
    const Eigen::Map<const RowMatrix> view(raw.data());
    Eigen::Map<RowMatrix> gview(graw.data());
    stag::grad(loss, W).into(gview)(W = view, b = d.v, x = d.in);
    const auto gt = stag::grad(loss, W)(W = d.wt, b = d.vt, x = d.it);
    for (std::size_t e = 0; e < 6; ++e) BOOST_TEST(graw[e] == gt[W].data()[e]);
    // A vector of either orientation is read as it is: a row vector for a variable of 2.
    const Eigen::RowVector2d row = d.in.transpose();
    BOOST_TEST(stag::eval(loss, W = d.w, b = d.v, x = row) == stag::eval(loss, W = d.w, b = d.v, x = d.in));
}

// Blocks whose elements are contiguous are read in place: whole rows of a row-major matrix, a
// column, a vector's segment; a gradient lands in such a block of the caller's matrix.
BOOST_AUTO_TEST_CASE(contiguous_eigen_blocks_bind_in_place) {
    const values d;
    Eigen::Matrix<double, 5, 2, Eigen::RowMajor> big;  // rows 1..3 hold W
    big.setZero();
    big.middleRows<3>(1) = d.w;
    Eigen::Matrix<double, 6, 1> vs;  // elements 2..4 hold b
    vs << 9, 9, d.v(0), d.v(1), d.v(2), 9;
    Eigen::Matrix2d cols;  // column 1 holds x (a column of a column-major matrix)
    cols << 0, d.in(0), 0, d.in(1);
    const double want = stag::eval(loss, W = d.wt, b = d.vt, x = d.it);
    BOOST_TEST(stag::eval(loss, W = big.middleRows<3>(1), b = vs.segment<3>(2), x = cols.col(1)) == want);
    const auto rows = big.middleRows<3>(1);  // an lvalue block: referred to, read at the call
    const auto bound = (W = rows);
    big(1, 0) += 0.25;
    BOOST_TEST(stag::eval(loss, bound, b = d.v, x = d.in) != want);
    big(1, 0) -= 0.25;
    // The gradient with respect to W into rows 1..3 of another row-major matrix.
    Eigen::Matrix<double, 5, 2, Eigen::RowMajor> grads;
    grads.setConstant(7);
    auto into_rows = grads.middleRows<3>(1);
    stag::grad(loss, W).into(into_rows)(W = d.w, b = d.v, x = d.in);
    const auto gt = stag::grad(loss, W)(W = d.wt, b = d.vt, x = d.it);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 2; ++c) BOOST_TEST(grads(r + 1, c) == gt[W](r, c));
    BOOST_TEST(grads(0, 0) == 7.0);
    BOOST_TEST(grads(4, 1) == 7.0);
}

// eval_into writes a tensor value into a fixed-size row-major matrix, a vector, or a contiguous
// block of the caller's, as it writes a gradient there.
BOOST_AUTO_TEST_CASE(values_go_into_eigen_matrices) {
    const values d;
    const auto layer = stag::tanh(stag::matmul(W, x) + b);  // 3 numbers
    const auto outer = stag::matmul(stag::reshape<3, 1>(b), stag::reshape<1, 2>(x));  // 3 x 2
    const auto want = stag::eval(layer, W = d.wt, b = d.vt, x = d.it);
    const auto want_outer = stag::eval(outer, b = d.vt, x = d.it);
    Eigen::Vector3d v;
    stag::eval_into(v, layer, W = d.w, b = d.v, x = d.in);
    for (int r = 0; r < 3; ++r) BOOST_TEST(v(r) == want(r));
    RowMatrix m;
    stag::eval_into(m, outer, b = d.v, x = d.in);
    Eigen::Matrix<double, 5, 2, Eigen::RowMajor> big;
    big.setConstant(7);
    auto rows = big.middleRows<3>(1);
    stag::eval_into(rows, outer, b = d.v, x = d.in);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 2; ++c) {
            BOOST_TEST(m(r, c) == want_outer(r, c));
            BOOST_TEST(big(r + 1, c) == want_outer(r, c));
        }
    BOOST_TEST(big(0, 1) == 7.0);
    BOOST_TEST(big(4, 0) == 7.0);
}

BOOST_AUTO_TEST_CASE(float_eigen_matrices) {
    constexpr auto Wf = stag::var<"W", stag::tensor<float, 3, 2>>;
    constexpr auto xf = stag::var<"x", stag::tensor<float, 2>>;
    const auto f = stag::sum(stag::exp(stag::matmul(Wf, xf)));
    Eigen::Matrix<float, 3, 2, Eigen::RowMajor> w;
    w << 0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f;
    const Eigen::Vector2f in(1.5f, -0.7f);
    Eigen::Matrix<float, 3, 2, Eigen::RowMajor> gw;
    const float value = stag::value_and_grad(f, Wf).into(gw)(Wf = w, xf = in);
    static_assert(std::is_same_v<decltype(stag::value_and_grad(f, Wf).into(gw)(Wf = w, xf = in)), float>);
    float expect = 0;
    for (int r = 0; r < 3; ++r) expect += std::exp(w(r, 0) * in(0) + w(r, 1) * in(1));
    BOOST_TEST(value == expect, boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(gw(1, 1) == std::exp(w(1, 0) * in(0) + w(1, 1) * in(1)) * in(1), boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(eigen_matrices_with_a_run_time_number_of_rows) {
    // An n x 2 row-major matrix, a Map of the same numbers, and an n x 1 column of targets bind to
    // variables with a run-time axis, read in place: the same loss as over a std::vector.
    constexpr auto X = stag::var<"X", stag::tensor<double, stag::dynamic, 2>>;
    constexpr auto y = stag::var<"y", stag::tensor<double, stag::dynamic, 1>>;
    constexpr auto V = stag::var<"V", T<2, 1>>;
    const auto fit = stag::mean(stag::square(stag::matmul(X, V) - y));
    Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor> m(4, 2);
    m << 1, 2, 3, 4, 5, 6, 7, 8;
    Eigen::VectorXd t(4);
    t << 1, 0, -1, 2;
    Eigen::Matrix<double, Eigen::Dynamic, 1> targets = t;
    const T<2, 1> v0{0.5, -0.25};
    const std::vector<double> flat{1, 2, 3, 4, 5, 6, 7, 8}, ts{1, 0, -1, 2};
    const auto want = stag::value_and_grad(fit, V)(X = flat, y = ts, V = v0);
    const auto by_matrix = stag::value_and_grad(fit, V)(X = m, y = targets, V = v0);
    const auto by_map = stag::value_and_grad(fit, V)(X = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor>>(m.data(), 4, 2),
                                                     y = targets, V = v0);
    BOOST_TEST(by_matrix.value == want.value);
    BOOST_TEST(by_map.value == want.value);
    BOOST_TEST(by_matrix.grad[V](1, 0) == want.grad[V](1, 0));
    const auto bound = (X = m);
    BOOST_TEST(bound.values.data() == m.data());
    // Eigen's default, column-major, would be read transposed: not storage stag reads as rows.
    static_assert(stag::detail::rows_storage<Eigen::Matrix<double, Eigen::Dynamic, 2>>::transposed);
    static_assert(!stag::detail::rows_storage<Eigen::VectorXd>::transposed);
    // Columns of run-time size too (row-major): read in place, the columns checked at the call.
    using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Rows dynamic_columns = m;
    const auto by_dynamic = stag::value_and_grad(fit, V)(X = dynamic_columns, y = targets, V = v0);
    BOOST_TEST(by_dynamic.value == want.value);
    BOOST_TEST(by_dynamic.grad[V](0, 0) == want.grad[V](0, 0));
    BOOST_TEST((X = dynamic_columns).values.data() == dynamic_columns.data());
    const auto by_dynamic_map = stag::eval(fit, X = Eigen::Map<const Rows>(m.data(), 4, 2), y = targets, V = v0);
    BOOST_TEST(by_dynamic_map == want.value);
    // The same 8 numbers as 2 rows of 4: whole rows of 2 as far as a count goes, but not X's rows.
    const Eigen::Map<const Rows> wide(m.data(), 2, 4);
    try {
        (void)stag::eval(fit, X = wide, y = targets, V = v0);
        BOOST_FAIL("a matrix of 4 columns was read as rows of 2");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "stag: eval: X is bound to storage whose rows hold 4 numbers, not 2");
    }
    static_assert(stag::detail::rows_storage<Eigen::MatrixXd>::transposed);  // column-major: a stag: error
}
