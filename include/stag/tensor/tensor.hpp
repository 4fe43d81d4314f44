// stag::tensor: the value type of static-shape tensors (the first piece of the tensor issue).
//
// A plain aggregate: the elements, row-major, in one array. Its shape is part of its type, so
// shape mismatches are compile errors. Everything is constexpr; nothing allocates.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace stag {

/// A tensor of T with the static shape Dims... (rank sizeof...(Dims), 0 for a scalar-like tensor
/// of one element). `tensor<double, 8, 4> w{};` is zero; `tensor<double, 2, 2> m{1, 2, 3, 4};`
/// fills it row by row; `m(1, 0)` is 3.
template <class T, std::size_t... Dims>
struct tensor {
    static_assert(std::is_arithmetic_v<T>, "stag: tensor<T, dims...>: T must be an arithmetic type");
    static_assert(((Dims > 0) && ...), "stag: tensor<T, dims...>: every dimension must be at least 1");

    using value_type = T;
    static constexpr std::size_t rank = sizeof...(Dims);
    static constexpr std::size_t count = (std::size_t{1} * ... * Dims);
    static constexpr std::array<std::size_t, rank> shape{Dims...};
    using shape_type = std::index_sequence<Dims...>;

    /// The elements, row-major (the last index varies fastest). Public: tensor is an aggregate.
    T elements[count];

    static constexpr std::size_t size() noexcept { return count; }
    constexpr T* data() noexcept { return elements; }
    constexpr const T* data() const noexcept { return elements; }
    constexpr T* begin() noexcept { return elements; }
    constexpr T* end() noexcept { return elements + count; }
    constexpr const T* begin() const noexcept { return elements; }
    constexpr const T* end() const noexcept { return elements + count; }

    /// The position of element (i, j, ...) in data(): row-major.
    template <class... Is>
    static constexpr std::size_t offset(Is... is) noexcept {
        static_assert(sizeof...(Is) == rank, "stag: tensor(i, j, ...): give one index per dimension");
        static_assert((std::is_integral_v<Is> && ...), "stag: tensor(i, j, ...): indices must be integers");
        std::size_t at = 0;
        std::size_t d = 0;
        if constexpr (rank > 0) {
            const std::size_t index[] = {static_cast<std::size_t>(is)...};
            for (; d < rank; ++d) {
                assert(index[d] < shape[d] && "stag: tensor index out of range");
                at = at * shape[d] + index[d];
            }
        }
        return at;
    }
    template <class... Is>
    constexpr T& operator()(Is... is) noexcept {
        return elements[offset(is...)];
    }
    template <class... Is>
    constexpr const T& operator()(Is... is) const noexcept {
        return elements[offset(is...)];
    }

    friend constexpr bool operator==(const tensor&, const tensor&) = default;
};

template <class T>
inline constexpr bool is_tensor = false;
template <class T, std::size_t... Dims>
inline constexpr bool is_tensor<tensor<T, Dims...>> = true;

namespace detail {
template <class T, class Shape>
struct tensor_with;
template <class T, std::size_t... Dims>
struct tensor_with<T, std::index_sequence<Dims...>> {
    using type = tensor<T, Dims...>;
};
}  // namespace detail

/// The tensor of T with the shape of an index sequence: tensor_of<float, std::index_sequence<2, 3>>.
template <class T, class Shape>
using tensor_of = typename detail::tensor_with<T, Shape>::type;

/// Where two shapes must agree and do not, the note under stag's error shows both, as
/// `shapes_agree<std::integer_sequence<unsigned long, 2, 3>, std::integer_sequence<unsigned long, 3>>`.
template <class ShapeA, class ShapeB>
inline constexpr bool shapes_agree = std::is_same_v<ShapeA, ShapeB>;

namespace detail {
template <class A, class B, class F>
constexpr auto elementwise(const A& a, const B& b, F f) {
    if constexpr (is_tensor<A> && is_tensor<B>) {
        constexpr bool agree = shapes_agree<typename A::shape_type, typename B::shape_type>;
        static_assert(agree, "stag: tensor arithmetic: the shapes differ");
        using R = std::remove_cvref_t<decltype(f(a.elements[0], b.elements[0]))>;
        tensor_of<R, typename A::shape_type> out{};
        if constexpr (agree)
            for (std::size_t i = 0; i < A::count; ++i) out.elements[i] = f(a.elements[i], b.elements[i]);
        return out;
    } else if constexpr (is_tensor<A>) {
        tensor_of<std::remove_cvref_t<decltype(f(a.elements[0], b))>, typename A::shape_type> out{};
        for (std::size_t i = 0; i < A::count; ++i) out.elements[i] = f(a.elements[i], b);
        return out;
    } else {
        tensor_of<std::remove_cvref_t<decltype(f(a, b.elements[0]))>, typename B::shape_type> out{};
        for (std::size_t i = 0; i < B::count; ++i) out.elements[i] = f(a, b.elements[i]);
        return out;
    }
}
template <class A, class B>
concept tensor_operands = (is_tensor<A> && (is_tensor<B> || std::is_arithmetic_v<B>)) || (std::is_arithmetic_v<A> && is_tensor<B>);
}  // namespace detail

// Elementwise arithmetic on tensor values (same shapes, or a tensor and a number): what optimizer
// updates such as w - rate * g need. Expressions over tensor *variables* are the tensor engine's.
template <class A, class B> requires detail::tensor_operands<A, B>
constexpr auto operator+(const A& a, const B& b) { return detail::elementwise(a, b, [](auto u, auto v) { return u + v; }); }
template <class A, class B> requires detail::tensor_operands<A, B>
constexpr auto operator-(const A& a, const B& b) { return detail::elementwise(a, b, [](auto u, auto v) { return u - v; }); }
template <class A, class B> requires detail::tensor_operands<A, B>
constexpr auto operator*(const A& a, const B& b) { return detail::elementwise(a, b, [](auto u, auto v) { return u * v; }); }
template <class A, class B> requires detail::tensor_operands<A, B>
constexpr auto operator/(const A& a, const B& b) { return detail::elementwise(a, b, [](auto u, auto v) { return u / v; }); }

}  // namespace stag
