// stag::tensor, the value type of static-shape tensors: layout, access, constexpr use, arithmetic.
#define BOOST_TEST_MODULE tensor
#include <boost/test/unit_test.hpp>

#include <stag/stag.hpp>

#include <type_traits>

BOOST_AUTO_TEST_CASE(static_facts) {
    using W = stag::tensor<double, 8, 4>;
    static_assert(W::rank == 2 && W::size() == 32 && W::shape[0] == 8 && W::shape[1] == 4);
    static_assert(std::is_aggregate_v<W> && std::is_trivially_copyable_v<W> && std::is_standard_layout_v<W>);
    static_assert(sizeof(W) == 32 * sizeof(double));  // the elements and nothing else
    static_assert(stag::tensor<float>::rank == 0 && stag::tensor<float>::size() == 1);
    static_assert(stag::tensor<int, 2, 3, 4, 5>::size() == 120);
    static_assert(stag::is_tensor<W> && !stag::is_tensor<double>);
    static_assert(std::is_same_v<stag::tensor_of<float, std::index_sequence<2, 3>>, stag::tensor<float, 2, 3>>);
    BOOST_TEST(true);  // the checks above are static
}

BOOST_AUTO_TEST_CASE(row_major_access) {
    stag::tensor<double, 8, 4> w{};  // value-initialised: zero
    for (double e : w) BOOST_TEST(e == 0.0);
    w(2, 3) = 0.5;
    BOOST_TEST(w.data()[2 * 4 + 3] == 0.5);
    constexpr stag::tensor<int, 2, 3> m{1, 2, 3, 4, 5, 6};  // from the flat list, row by row
    static_assert(m(0, 0) == 1 && m(0, 2) == 3 && m(1, 0) == 4 && m(1, 2) == 6);
    constexpr stag::tensor<int, 2, 2, 2> c{0, 1, 2, 3, 4, 5, 6, 7};
    static_assert(c(1, 0, 1) == 5 && stag::tensor<int, 2, 2, 2>::offset(1, 1, 0) == 6);
    constexpr stag::tensor<double> s{2.5};
    static_assert(s() == 2.5);
    constexpr stag::tensor<double, 3> partly{1.0};  // the rest is zero, as for any aggregate
    static_assert(partly(0) == 1.0 && partly(2) == 0.0);
}

BOOST_AUTO_TEST_CASE(elementwise_arithmetic_and_equality) {
    constexpr stag::tensor<double, 2, 2> a{1, 2, 3, 4};
    constexpr stag::tensor<double, 2, 2> b{4, 3, 2, 1};
    static_assert(a + b == stag::tensor<double, 2, 2>{5, 5, 5, 5});
    static_assert(a - 0.5 * b == stag::tensor<double, 2, 2>{-1, 0.5, 2, 3.5});
    static_assert(a * b == stag::tensor<double, 2, 2>{4, 6, 6, 4});
    static_assert(12.0 / a == stag::tensor<double, 2, 2>{12, 6, 4, 3});
    static_assert(a != b);
    // An optimizer step reads as the textbook: w = w - rate * gradient.
    stag::tensor<float, 3> w{1.0f, 2.0f, 3.0f};
    const stag::tensor<float, 3> g{0.5f, -1.0f, 0.0f};
    w = w - 0.1f * g;
    BOOST_TEST(w(0) == 0.95f);
    BOOST_TEST(w(1) == 2.1f);
    BOOST_TEST(w(2) == 3.0f);
    static_assert(std::is_same_v<decltype(stag::tensor<float, 2>{} * 2.0), stag::tensor<double, 2>>);
}

BOOST_AUTO_TEST_CASE(broadcasting_by_trailing_dimensions) {
    using std::index_sequence;
    static_assert(std::is_same_v<stag::broadcast_shape<index_sequence<8, 1>, index_sequence<4>>, index_sequence<8, 4>>);
    static_assert(std::is_same_v<stag::broadcast_shape<index_sequence<3>, index_sequence<2, 1, 3>>, index_sequence<2, 1, 3>>);
    static_assert(std::is_same_v<stag::broadcast_shape<index_sequence<>, index_sequence<2, 2>>, index_sequence<2, 2>>);
    static_assert(stag::shapes_broadcast<index_sequence<1, 4>, index_sequence<3, 1>>);
    static_assert(!stag::shapes_broadcast<index_sequence<2, 3>, index_sequence<3, 2>>);
    static_assert(!stag::shapes_broadcast<index_sequence<4>, index_sequence<2>>);
    // A row and a column make a table; a bias vector adds to every row of a matrix.
    constexpr stag::tensor<int, 1, 3> row{1, 2, 3};
    constexpr stag::tensor<int, 2, 1> column{10, 20};
    static_assert(row + column == stag::tensor<int, 2, 3>{11, 12, 13, 21, 22, 23});
    constexpr stag::tensor<double, 2, 3> m{1, 2, 3, 4, 5, 6};
    constexpr stag::tensor<double, 3> bias{0.5, 0.25, 0.0};
    static_assert(m + bias == stag::tensor<double, 2, 3>{1.5, 2.25, 3, 4.5, 5.25, 6});
    static_assert(bias * m == stag::tensor<double, 2, 3>{0.5, 0.5, 0, 2, 1.25, 0});
    BOOST_TEST(true);  // the checks above are static
}

BOOST_AUTO_TEST_CASE(matmul_transpose_sum_dot) {
    constexpr stag::tensor<double, 2, 3> a{1, 2, 3, 4, 5, 6};
    constexpr stag::tensor<double, 3, 2> b{7, 8, 9, 10, 11, 12};
    static_assert(stag::matmul(a, b) == stag::tensor<double, 2, 2>{58, 64, 139, 154});
    static_assert(stag::matmul(a, stag::tensor<double, 3>{1, 0, -1}) == stag::tensor<double, 2>{-2, -2});
    static_assert(stag::transpose(a) == stag::tensor<double, 3, 2>{1, 4, 2, 5, 3, 6});
    static_assert(stag::matmul(stag::transpose(b), stag::transpose(a)) == stag::transpose(stag::matmul(a, b)));
    static_assert(stag::sum(a) == 21);
    static_assert(stag::dot(a, a) == 91);
    // The MLP of the tensor issue, forward, on values: 4 inputs, 8 hidden units, 1 output.
    stag::tensor<double, 8, 4> w1{};
    stag::tensor<double, 8> b1{};
    for (std::size_t i = 0; i < 8; ++i) {
        b1(i) = 0.01 * double(i);
        for (std::size_t j = 0; j < 4; ++j) w1(i, j) = 0.1 * double(i) - 0.05 * double(j);
    }
    const stag::tensor<double, 4> x{0.5, -1, 0.25, 2};
    const auto pre = stag::matmul(w1, x) + b1;
    double want = 0;
    for (std::size_t j = 0; j < 4; ++j) want += w1(3, j) * x(j);
    BOOST_TEST(pre(3) == want + b1(3));
}
