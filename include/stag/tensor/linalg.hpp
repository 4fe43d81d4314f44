// Linear algebra and reductions on tensor values: matmul, transpose, dot, sum. (The overloads for
// tensor *expressions* come with the tensor engine; these compute on values, constexpr.)
#pragma once

#include <stag/tensor/tensor.hpp>

#include <cstddef>
#include <type_traits>

namespace stag {

/// Matrix product: (M x K) times (K x N) is M x N; (M x K) times a vector of K is a vector of M.
template <class T, class U, std::size_t M, std::size_t K, std::size_t K2, std::size_t... N>
constexpr auto matmul(const tensor<T, M, K>& a, const tensor<U, K2, N...>& b) {
    static_assert(sizeof...(N) <= 1, "stag: matmul(a, b): b must be a matrix or a vector");
    constexpr bool inner = shapes_agree<std::index_sequence<K>, std::index_sequence<K2>>;
    static_assert(inner, "stag: matmul(a, b): the columns of a must match the rows of b");
    using R = std::common_type_t<T, U>;
    constexpr std::size_t n = (std::size_t{1} * ... * N);
    tensor<R, M, N...> out{};
    if constexpr (inner)
        for (std::size_t i = 0; i < M; ++i)
            for (std::size_t k = 0; k < K; ++k) {
                const R aik = a.elements[i * K + k];
                for (std::size_t j = 0; j < n; ++j) out.elements[i * n + j] += aik * b.elements[k * n + j];
            }
    return out;
}

/// The transpose of a matrix.
template <class T, std::size_t M, std::size_t N>
constexpr tensor<T, N, M> transpose(const tensor<T, M, N>& a) {
    tensor<T, N, M> out{};
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) out.elements[j * M + i] = a.elements[i * N + j];
    return out;
}

/// The sum of all elements.
template <class T, std::size_t... Dims>
constexpr T sum(const tensor<T, Dims...>& a) {
    T s{};
    for (const T& e : a) s += e;
    return s;
}

/// The dot product of two tensors of one shape (the sum of their elementwise product).
template <class T, class U, std::size_t... Dims, std::size_t... Dims2>
constexpr auto dot(const tensor<T, Dims...>& a, const tensor<U, Dims2...>& b) {
    constexpr bool agree = shapes_agree<std::index_sequence<Dims...>, std::index_sequence<Dims2...>>;
    static_assert(agree, "stag: dot(a, b): the shapes differ");
    std::common_type_t<T, U> s{};
    if constexpr (agree)
        for (std::size_t i = 0; i < a.size(); ++i) s += a.elements[i] * b.elements[i];
    return s;
}

}  // namespace stag
