// stag::tensor: the value type of static-shape tensors (the first piece of the tensor issue).
//
// A plain aggregate: the elements, row-major, in one array. Its shape is part of its type, so
// shape mismatches are compile errors. Everything is constexpr; nothing allocates. The one
// exception is a tensor whose leading axis is `stag::dynamic`: its rows live in a std::vector.
#pragma once

#include <stag/core/dual.hpp>

#include <array>
#include <cassert>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

namespace stag {

/// A tensor of T with the static shape Dims... (rank sizeof...(Dims), 0 for a scalar-like tensor
/// of one element). `tensor<double, 8, 4> w{};` is zero; `tensor<double, 2, 2> m{1, 2, 3, 4};`
/// fills it row by row; `m(1, 0)` is 3.
template <class T, std::size_t... Dims>
struct tensor {
    static_assert(number_type<T>, "stag: tensor<T, dims...>: T must be an arithmetic type or a stag::dual");
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

/// The extent of a run-time axis: `tensor<double, stag::dynamic, 64>` has rows of 64 numbers, as
/// many as its binding holds (docs/tensors.md, "A run-time axis"). Only the leading axis may be.
inline constexpr std::size_t dynamic = std::size_t(-1);

/// A tensor whose leading axis has a run-time length: rows of the static shape Dims..., row-major,
/// in one std::vector. As a variable's declared type (`var<"X", tensor<double, dynamic, 64>>`) it
/// makes X's leading axis a run-time one; as a value it is one of the things such an X binds to,
/// and what eval returns for an expression with that axis.
template <class T, std::size_t... Dims>
struct tensor<T, dynamic, Dims...> {
    static_assert(number_type<T>, "stag: tensor<T, dims...>: T must be an arithmetic type or a stag::dual");
    static_assert(((Dims > 0 && Dims != dynamic) && ...),
                  "stag: tensor<T, dynamic, dims...>: only the leading axis may be dynamic, and every other dimension must be at least 1");

    using value_type = T;
    static constexpr std::size_t rank = 1 + sizeof...(Dims);
    /// Elements in one row.
    static constexpr std::size_t row_size = (std::size_t{1} * ... * Dims);
    using shape_type = std::index_sequence<dynamic, Dims...>;
    using row_type = tensor<T, Dims...>;

    std::vector<T> elements;

    tensor() = default;
    /// `rows` rows of zeros.
    explicit tensor(std::size_t rows) : elements(rows * row_size) {}

    std::size_t rows() const noexcept { return elements.size() / row_size; }
    std::size_t size() const noexcept { return elements.size(); }
    T* data() noexcept { return elements.data(); }
    const T* data() const noexcept { return elements.data(); }

    /// Element (i, j, ...): row i, then the row's own indices.
    template <class... Is>
    T& operator()(std::size_t i, Is... is) noexcept {
        return elements[at(i, is...)];
    }
    template <class... Is>
    const T& operator()(std::size_t i, Is... is) const noexcept {
        return elements[at(i, is...)];
    }

    friend bool operator==(const tensor&, const tensor&) = default;

  private:
    template <class... Is>
    std::size_t at(std::size_t i, Is... is) const noexcept {
        static_assert(sizeof...(Is) == sizeof...(Dims), "stag: tensor(i, j, ...): give one index per dimension");
        assert(i < rows() && "stag: tensor index out of range");
        if constexpr (sizeof...(Is) == 0) return i;
        else return i * row_size + row_type::offset(is...);
    }
};

template <class T>
inline constexpr bool is_tensor = false;
template <class T, std::size_t... Dims>
inline constexpr bool is_tensor<tensor<T, Dims...>> = true;
/// A tensor with a run-time leading axis is not a fixed-size one: the two take different paths.
template <class T, std::size_t... Dims>
inline constexpr bool is_tensor<tensor<T, dynamic, Dims...>> = false;
template <class T>
inline constexpr bool is_dynamic_tensor = false;
template <class T, std::size_t... Dims>
inline constexpr bool is_dynamic_tensor<tensor<T, dynamic, Dims...>> = true;

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
template <std::size_t N>
struct broadcast_dims {
    std::array<std::size_t, N> dims{};
    bool ok = true;
};
/// Broadcasting by the usual trailing-dimension rule: aligned from the right, two dimensions agree
/// when they are equal or one of them is 1; a missing dimension counts as 1.
template <std::size_t N, std::size_t NA, std::size_t NB>
constexpr broadcast_dims<N> broadcast_of(const std::array<std::size_t, NA>& a, const std::array<std::size_t, NB>& b) {
    broadcast_dims<N> r;
    // Two numbers (N = 0) need no loop; without this test nvcc warns of `i < N` with N = 0.
    if constexpr (N > 0)
        for (std::size_t i = 0; i < N; ++i) {  // i counts from the last dimension
            const std::size_t da = i < NA ? a[NA - 1 - i] : 1, db = i < NB ? b[NB - 1 - i] : 1;
            if (da != db && da != 1 && db != 1) r.ok = false;
            r.dims[N - 1 - i] = da == 1 ? db : da;
        }
    return r;
}
template <class A, class B>
struct broadcast;
template <std::size_t... As, std::size_t... Bs>
struct broadcast<std::index_sequence<As...>, std::index_sequence<Bs...>> {
    static constexpr std::size_t rank = sizeof...(As) > sizeof...(Bs) ? sizeof...(As) : sizeof...(Bs);
    static constexpr auto result =
        broadcast_of<rank>(std::array<std::size_t, sizeof...(As)>{As...}, std::array<std::size_t, sizeof...(Bs)>{Bs...});
    template <std::size_t... I>
    static auto shape(std::index_sequence<I...>) -> std::index_sequence<result.dims[I]...>;
    using type = decltype(shape(std::make_index_sequence<rank>{}));
};
}  // namespace detail

/// Whether two shapes broadcast; where they must and do not, the note under stag's error shows both,
/// as `shapes_broadcast<std::integer_sequence<unsigned long, 2, 3>, std::integer_sequence<unsigned long, 3, 2>>`.
template <class ShapeA, class ShapeB>
inline constexpr bool shapes_broadcast = detail::broadcast<ShapeA, ShapeB>::result.ok;
/// The shape of a broadcast: broadcast_shape<index_sequence<8, 1>, index_sequence<4>> is <8, 4>.
template <class ShapeA, class ShapeB>
using broadcast_shape = typename detail::broadcast<ShapeA, ShapeB>::type;

namespace detail {
template <class T>
struct shape_of {
    using type = std::index_sequence<>;  // a number: a tensor of rank 0
};
template <class T, std::size_t... Dims>
struct shape_of<tensor<T, Dims...>> {
    using type = std::index_sequence<Dims...>;
};
template <class T>
constexpr const auto& element(const T& v, std::size_t i) {
    if constexpr (is_tensor<T>) return v.elements[i];
    else return (static_cast<void>(i), v);
}
template <class T>
using element_type = std::remove_cvref_t<decltype(element(std::declval<const T&>(), 0))>;

/// Offset in a tensor of shape In of the element that broadcasts to output element `flat` of shape
/// Out (In's dimensions aligned to the right of Out's, size-1 dimensions repeated).
template <class In, class Out>
struct broadcast_index;
template <std::size_t... In, std::size_t... Out>
struct broadcast_index<std::index_sequence<In...>, std::index_sequence<Out...>> {
    static constexpr std::size_t offset(std::size_t flat) noexcept {
        constexpr std::size_t out[] = {Out..., 1};
        constexpr std::size_t in[] = {In..., 1};
        constexpr std::size_t nout = sizeof...(Out), nin = sizeof...(In);
        std::size_t at = 0, stride = 1;
        for (std::size_t i = 0; i < nout; ++i) {  // from the last dimension
            const std::size_t idx = flat % out[nout - 1 - i];
            flat /= out[nout - 1 - i];
            if (i < nin) {
                const std::size_t d = in[nin - 1 - i];
                at += (d == 1 ? 0 : idx) * stride;
                stride *= d;
            }
        }
        return at;
    }
};

template <class A, class B, class F>
constexpr auto elementwise(const A& a, const B& b, F f) {
    using SA = typename shape_of<A>::type;
    using SB = typename shape_of<B>::type;
    constexpr bool ok = shapes_broadcast<SA, SB>;
    static_assert(ok, "stag: tensor arithmetic: the shapes do not broadcast");
    using R = std::remove_cvref_t<decltype(f(std::declval<element_type<A>>(), std::declval<element_type<B>>()))>;
    using Out = broadcast_shape<SA, SB>;
    tensor_of<R, Out> out{};
    if constexpr (ok) {
        for (std::size_t i = 0; i < tensor_of<R, Out>::count; ++i) {
            if constexpr (std::is_same_v<SA, SB>) out.elements[i] = f(element(a, i), element(b, i));  // no index map
            else out.elements[i] = f(element(a, broadcast_index<SA, Out>::offset(i)), element(b, broadcast_index<SB, Out>::offset(i)));
        }
    }
    return out;
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
