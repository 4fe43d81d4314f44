// Bindings (x = 1.0) as an environment, the checks on them, and the scalar type they imply.
#pragma once

#include <stag/core/expr.hpp>
#include <stag/detail/record.hpp>
#include <stag/graph/walk.hpp>
#include <stag/tensor/tensor.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

template <class Var, class Value>
struct binding;
template <class Var, class Value>
struct bound_ref;

namespace detail {
template <class T>
struct bound_value_type {
    // Integers are promoted to double: stag differentiates, so values are floating point (or dual).
    using type = std::conditional_t<real_number_type<T>, T, double>;
};

// stag's errors about one variable are stated in function templates of the variable's name as the
// user spelled it (see `spelled`), so that the note above the error shows it: g++ reads
// `[with ... Variable = stag::fixed_string<3>{"yy"}; ...]`, clang 19
// `variable_is_bound<fixed_string<3>{"yy"}, 0>`. Each returns whether its check holds.
template <fixed_string Variable, std::size_t Count>
constexpr bool variable_is_bound() {
    static_assert(Count > 0, "stag: a variable of the expression has no binding");
    return Count > 0;
}
template <fixed_string Variable, std::size_t Count>
constexpr bool variable_is_bound_once() {
    static_assert(Count <= 1, "stag: a variable is bound twice");
    return Count <= 1;
}
template <fixed_string Variable, std::size_t Count>
constexpr bool variable_is_listed_once() {
    static_assert(Count <= 1, "stag: grad(f, vars...): a variable is listed twice");
    return Count <= 1;
}
template <fixed_string Variable, bool Given>
constexpr void variable_is_given_to_grad() {
    static_assert(Given, "stag: gradient[v]: v is not among the variables given to grad");
}
template <fixed_string Variable, bool Given>
constexpr void variable_is_given_to_hessian() {
    static_assert(Given, "stag: hessian[v]: v is not among the variables given to hessian");
}
template <fixed_string Variable, bool Given>
constexpr void variable_is_given_to_hessian_row() {
    static_assert(Given, "stag: hessian.row(v, e): v is not among the variables given to hessian");
}
template <fixed_string Variable, std::size_t Count>
constexpr bool variable_has_one_tangent() {
    static_assert(Count <= 1, "stag: tangents(...): a variable has two tangents");
    return Count <= 1;
}
template <fixed_string Variable, class Declared, class Bound>
constexpr bool variable_is_bound_to_its_shape() {
    static_assert(std::is_same_v<Declared, Bound>, "stag: a tensor variable is bound to a tensor of another shape");
    return std::is_same_v<Declared, Bound>;
}
template <fixed_string Variable, std::size_t Declared, std::size_t Bound>
constexpr bool variable_is_bound_to_its_count() {
    static_assert(Declared == Bound, "stag: a tensor variable is bound to a std::array or std::span whose size is not its element count");
    return Declared == Bound;
}
template <fixed_string Variable, bool Shared>
constexpr void variable_is_shared_by_the_rows() {
    static_assert(Shared, "stag: value_and_grad(map_sum, vars...): a per-row variable has a value per row, so no one gradient: "
                          "differentiate with respect to the shared variables");
}

/// Contiguous storage of a fixed number of elements that a tensor variable can be bound to, read
/// row-major as a tensor of the variable's shape: a std::array, or a std::span of static extent.
template <class T>
struct flat_storage : std::false_type {};
template <class E, std::size_t N>
struct flat_storage<std::array<E, N>> : std::true_type {
    static constexpr std::size_t count = N;
};
template <class E, std::size_t N>
    requires(N != std::dynamic_extent)
struct flat_storage<std::span<E, N>> : std::true_type {
    static constexpr std::size_t count = N;
};
template <class T>
struct is_span : std::false_type {};
template <class E, std::size_t N>
struct is_span<std::span<E, N>> : std::true_type {};
/// Whether storage T would be read transposed row-major (a column-major matrix of <stag/eigen.hpp>).
template <class T>
inline constexpr bool transposed_storage = requires { requires flat_storage<T>::transposed; };

/// What a result written into the caller's storage (grad's into, eval_into, vmap's into) asks of
/// its destination, an argument of type D as forwarded: that the caller keeps it (an lvalue, or a
/// std::span, a view of the caller's storage even as a temporary), ...
template <class D>
inline constexpr bool kept_by_caller = std::is_lvalue_reference_v<D> || is_span<std::remove_cvref_t<D>>::value;
/// ... the type kept for it (a span as a value, anything else as the object referred to), ...
template <class D>
using destination_t = std::conditional_t<is_span<std::remove_cvref_t<D>>::value, std::remove_cvref_t<D>, std::remove_reference_t<D>>;
/// ... that it can be written (not const, and not a view of const elements), ...
template <class D>
inline constexpr bool writable_destination = !std::is_const_v<D>;
template <class E, std::size_t N>
inline constexpr bool writable_destination<std::span<E, N>> = !std::is_const_v<E>;
/// ... and, for a tensor's Count numbers of type S, that it is flat storage of exactly that many
/// (a std::array, a fixed-extent std::span, a fixed-size Eigen object; a stag::tensor is asked
/// for its own shape by the caller).
template <class D, class S, std::size_t Count>
inline constexpr bool holds_numbers = [] {
    if constexpr (flat_storage<D>::value) return std::is_same_v<typename D::value_type, S> && flat_storage<D>::count == Count;
    else return false;
}();

/// The binding of a tensor variable (declared type T) to `value`: a tensor of its shape, or a
/// std::array or fixed-extent std::span of as many elements. An lvalue is referred to, not copied;
/// a temporary is kept by value (a span is a view anyway).
template <class Var, class T, class U>
constexpr auto bind_tensor(U&& value) noexcept {
    using D = std::remove_cvref_t<U>;
    constexpr bool declared = is_tensor<T>;
    static_assert(declared || !is_tensor<D>,
                  "stag: a tensor is bound to a variable that does not declare a tensor type; declare it as "
                  "stag::var<\"x\", stag::tensor<double, 4>>");
    constexpr bool is_t = is_tensor<D>, is_flat = flat_storage<D>::value;
    static_assert(!declared || is_t || is_flat,
                  "stag: a tensor variable must be bound to a stag::tensor of its declared shape (or a std::array or "
                  "std::span of as many elements)");
    if constexpr (declared && (is_t || is_flat)) {
        if constexpr (is_t) {
            variable_is_bound_to_its_shape<spelled<typename Var::name>, typename T::shape_type, typename D::shape_type>();
        } else {
            variable_is_bound_to_its_count<spelled<typename Var::name>, T::count, flat_storage<D>::count>();
            static_assert(!transposed_storage<D>, "stag: a column-major matrix would be read transposed (stag reads storage row-major): declare it row-major (Eigen::RowMajor)");
        }
        if constexpr (std::is_lvalue_reference_v<U> && !is_span<D>::value)
            return bound_ref<Var, D>{&value};
        else return binding<Var, D>{value};
    } else
        return binding<Var, double>{};
}

/// The rows of a variable declared with a run-time leading axis (`stag::tensor<double,
/// stag::dynamic, 64>`), viewed where the caller keeps them: their elements, row-major, one row
/// after the other. What `X = xs` returns for such an X (engine/rows.hpp reads it).
template <class V, class E>
struct rows_binding {
    using var = V;
    std::span<const E> values;
    /// For storage whose row length is known only at run time (an Eigen matrix with run-time
    /// columns, an mdspan-like view with run-time extents): the numbers in one of its rows, checked
    /// at the call against the variable's (0: checked at compile time).
    std::size_t given_row = 0;
    /// Whether that storage was not contiguous and row-major (an mdspan-like view with another
    /// layout): an error at the call.
    bool strided = false;
};
template <class T>
inline constexpr bool is_rows_binding = false;
template <class V, class E>
inline constexpr bool is_rows_binding<rows_binding<V, E>> = true;

/// Whether node N is a variable declared with a run-time axis.
template <class N>
inline constexpr bool rows_variable = false;
template <class Name, class T>
inline constexpr bool rows_variable<var_t<Name, T>> = is_dynamic_tensor<T>;

/// Whether some flag is set (an array, not a fold: clang nests a fold over a graph's nodes as
/// deeply as it has nodes, and stops at 256).
template <std::size_t N>
constexpr bool any_of(const bool (&flags)[N]) noexcept {
    for (bool f : flags)
        if (f) return true;
    return false;
}

template <class List>
struct lists_rows_variable;
template <class... Ks>
struct lists_rows_variable<graph::node_list<Ks...>> {
    static constexpr bool flags[] = {rows_variable<graph::node_t<Ks>>..., false};
    static constexpr bool value = any_of(flags);
};

/// Whether F is an expression with a run-time axis: one of its variables is declared with one.
template <class F>
inline constexpr bool has_run_time_axis = [] {
    if constexpr (expression<F>) return lists_rows_variable<graph::nodes_t<F>>::value;
    else return false;
}();

/// Storage of a run-time number of rows other than a contiguous range: <stag/eigen.hpp> makes an
/// Eigen matrix with a run-time number of rows one (`value`, `row_size`, `element`, `transposed`,
/// and `view` where a temporary refers to the caller's numbers, as a Map does). `row_size` 0: the
/// columns too are of run-time size (`value.cols()`), checked at the call.
template <class T>
struct rows_storage : std::false_type {};

/// An mdspan-like view (std::mdspan, Kokkos' mdspan, or any type with its members data_handle(),
/// rank(), extent(r), stride(r) and extents_type::static_extent(r)) of rank R.
template <class D>
concept mdspan_like = requires(const D& m, std::size_t r) {
    m.data_handle();
    { D::rank() } -> std::convertible_to<std::size_t>;
    { m.extent(r) } -> std::convertible_to<std::size_t>;
    { m.stride(r) } -> std::convertible_to<std::size_t>;
    { D::extents_type::static_extent(r) } -> std::convertible_to<std::size_t>;
};
/// Whether the static extents of an mdspan-like D agree with the row shape Dims (a run-time extent
/// agrees with anything, and is checked at the call).
template <class D, std::size_t... Dims>
constexpr bool mdspan_row_extents_agree() {
    constexpr std::size_t dims[] = {0, Dims...};
    for (std::size_t r = 1; r <= sizeof...(Dims); ++r) {
        const std::size_t e = D::extents_type::static_extent(r);
        if (e != std::dynamic_extent && e != dims[r]) return false;
    }
    return true;
}
template <class D, std::size_t... Dims>
constexpr bool mdspan_row_extents_agree_as(std::index_sequence<Dims...>) {
    return mdspan_row_extents_agree<D, Dims...>();
}
template <class Shape>
struct drop_first;
template <std::size_t First, std::size_t... Rest>
struct drop_first<std::index_sequence<First, Rest...>> {
    using type = std::index_sequence<Rest...>;
};
/// The rows of an mdspan-like view m of rank 1 + sizeof(Dims): its numbers, if they are contiguous
/// and row-major (layout_right), and the numbers in one of its rows.
template <class V, class E, std::size_t... Dims, class D>
constexpr rows_binding<V, E> mdspan_rows(const D& m, std::index_sequence<Dims...>) noexcept {
    constexpr std::size_t rank = 1 + sizeof...(Dims);
    std::size_t row = 1;
    bool strided = false;
    for (std::size_t r = rank; r-- > 1;) {
        strided = strided || static_cast<std::size_t>(m.stride(r)) != row;
        row *= static_cast<std::size_t>(m.extent(r));
    }
    const std::size_t rows = static_cast<std::size_t>(m.extent(0));
    strided = strided || (rows > 1 && static_cast<std::size_t>(m.stride(0)) != row);
    return {std::span<const E>(m.data_handle(), rows * row), row, strided};
}

/// The binding of a variable declared as tensor<T, dynamic, Dims...> to `value`: a stag tensor of
/// that type, a contiguous range of rows (stag tensors of shape Dims...), or a contiguous range of
/// numbers holding whole rows (checked at the call). Never copied: an lvalue, or a std::span.
template <class Var, class T, class U>
constexpr auto bind_rows(U&& value) noexcept {
    using D = std::remove_cvref_t<U>;
    using E = typename T::value_type;
    static_assert(std::is_lvalue_reference_v<U> || is_span<D>::value || mdspan_like<D> || requires { requires rows_storage<D>::view; },
                  "stag: a variable with a run-time axis views its rows where they are kept; bind it to an lvalue (or a std::span), "
                  "not to a temporary");
    if constexpr (is_dynamic_tensor<D>) {
        static_assert(std::is_same_v<typename D::shape_type, typename T::shape_type> && std::is_same_v<typename D::value_type, E>,
                      "stag: a variable with a run-time axis is bound to a tensor of another row shape or element type");
        return rows_binding<Var, E>{std::span<const E>(value.data(), value.size())};
    } else if constexpr (rows_storage<D>::value) {
        static_assert(!rows_storage<D>::transposed,
                      "stag: a column-major matrix would be read transposed (stag reads rows one after the other): declare it "
                      "row-major (Eigen::RowMajor)");
        static_assert((rows_storage<D>::row_size == T::row_size || rows_storage<D>::row_size == 0) &&
                          std::is_same_v<typename rows_storage<D>::element, E>,
                      "stag: a variable with a run-time axis is bound to a matrix whose rows have another size or element type");
        return rows_binding<Var, E>{std::span<const E>(value.data(), static_cast<std::size_t>(value.size())),
                                    rows_storage<D>::row_size == 0 ? static_cast<std::size_t>(value.cols()) : 0};
    } else if constexpr (std::ranges::contiguous_range<const D>) {
        using X = std::remove_cv_t<std::remove_reference_t<decltype(*std::data(value))>>;
        if constexpr (is_tensor<X>) {
            static_assert(std::is_same_v<typename X::shape_type, typename T::row_type::shape_type> && std::is_same_v<typename X::value_type, E>,
                          "stag: a variable with a run-time axis is bound to rows of another shape or element type");
            static_assert(sizeof(X) == sizeof(E) * X::count);
            const std::size_t rows = std::size(value);
            return rows_binding<Var, E>{std::span<const E>(rows ? std::data(value)->elements : nullptr, rows * X::count)};
        } else {
            static_assert(std::is_same_v<X, E>,
                          "stag: a variable with a run-time axis is bound to numbers of another type than its declared element type");
            return rows_binding<Var, E>{std::span<const E>(std::data(value), std::size(value))};
        }
    } else if constexpr (mdspan_like<D>) {
        static_assert(D::rank() == T::rank, "stag: a variable with a run-time axis is bound to an mdspan of another rank");
        static_assert(std::is_same_v<std::remove_cv_t<std::remove_pointer_t<decltype(value.data_handle())>>, E>,
                      "stag: a variable with a run-time axis is bound to an mdspan of another element type");
        if constexpr (D::rank() == T::rank) {
            using dims = typename drop_first<typename T::shape_type>::type;
            static_assert(mdspan_row_extents_agree_as<D>(dims{}), "stag: a variable with a run-time axis is bound to an mdspan whose rows have another shape");
            return mdspan_rows<Var, E>(value, dims{});
        } else
            return rows_binding<Var, E>{};
    } else {
        static_assert(sizeof(D) == 0,
                      "stag: a variable with a run-time axis must be bound to a stag::tensor<T, stag::dynamic, ...>, to a contiguous "
                      "range (std::vector, std::span) of its rows or of their numbers, or to a row-major mdspan-like view");
        return rows_binding<Var, E>{};
    }
}

/// The element type of a bound value: the value itself for a number.
template <class T>
struct bound_element {
    using type = T;
};
template <class T>
    requires(is_tensor<T> || flat_storage<T>::value)
struct bound_element<T> {
    using type = std::remove_cv_t<typename T::value_type>;
};
}  // namespace detail

/// A value bound to a variable: what `x = 1.0` returns.
template <class Var, class Value>
struct binding {
    using var = Var;
    using value_type = Value;
    Value value;
    constexpr const Value& get() const noexcept { return value; }
};

/// A tensor lvalue bound to a variable, referred to rather than copied: what `w = weights` returns.
template <class Var, class Value>
struct bound_ref {
    using var = Var;
    using value_type = Value;
    const Value* ref;
    constexpr const Value& get() const noexcept { return *ref; }
};

namespace detail {
/// `x = value` for a variable of declared type T (core/node.hpp): a tensor variable takes a tensor
/// (or flat storage) of its shape, a number variable a number, converted to T unless T is
/// `deduce` (integers to double).
template <class Var, class T>
struct variable_binder {
    template <class U>
    static constexpr auto bind(U&& value) noexcept {
        using D = std::remove_cvref_t<U>;
        if constexpr (is_dynamic_tensor<T>)
            return bind_rows<Var, T>(static_cast<U&&>(value));
        else if constexpr (is_tensor<T> || is_tensor<D>)
            return bind_tensor<Var, T>(static_cast<U&&>(value));
        else {
            // Checked here for fixed value types too; after the error, a default binding keeps the
            // rest of the call from adding a second one.
            static_assert(number_type<D>,
                          "stag: a scalar variable must be bound to an arithmetic value (float, double, int, ...) or a stag::dual");
            using V = typename std::conditional_t<std::is_same_v<T, deduce>, bound_value_type<D>, std::type_identity<T>>::type;
            if constexpr (number_type<D>) return binding<Var, V>{static_cast<V>(value)};
            else return binding<Var, V>{};
        }
    }
};
}  // namespace detail


/// A variable's values along a run-time axis, viewed (not copied: the range must outlive the
/// call): the per-step inputs of a scan, `stag::steps(x, xs)`, and the per-sample values of a
/// vmap, `stag::each(x, xs)`. The range is contiguous (a std::vector, std::array, std::span).
template <class V, class T>
struct step_binding {
    using var = V;
    std::span<const T> values;
};
namespace detail {
template <class V, class R>
constexpr auto view_along(const R& values) {
    using T = std::remove_cvref_t<decltype(*std::data(values))>;
    return step_binding<V, T>{std::span<const T>(std::data(values), std::size(values))};
}
}  // namespace detail
template <class V, class R>
constexpr auto steps(const V&, const R& values) {
    static_assert(variable<V>, "stag: steps(v, values): v must be a variable");
    return detail::view_along<V>(values);
}
template <class V, class R>
constexpr auto each(const V&, const R& values) {
    static_assert(variable<V>, "stag: each(v, values): v must be a variable");
    return detail::view_along<V>(values);
}

template <class T>
inline constexpr bool is_step_binding = false;
template <class V, class T>
inline constexpr bool is_step_binding<step_binding<V, T>> = true;

namespace detail {
/// The arguments of a call split in two: the others, and those of which Along::template holds<B>
/// (the bindings along a run-time axis).
template <class Along, class... Args>
constexpr auto split_bindings(const Args&... args) {
    auto fixed = std::tuple_cat([](const auto& a) {
        if constexpr (Along::template holds<std::remove_cvref_t<decltype(a)>>) return std::tuple<>{};
        else return std::tuple{a};
    }(args)...);
    auto along = std::tuple_cat([](const auto& a) {
        if constexpr (Along::template holds<std::remove_cvref_t<decltype(a)>>) return std::tuple{a};
        else return std::tuple<>{};
    }(args)...);
    return std::pair{fixed, along};
}
struct per_step_binding {
    template <class B>
    static constexpr bool holds = is_step_binding<B>;
};
/// The arguments of a call over a run-time axis (scan, map_sum) split in two: the others, and the
/// per-step (or per-row) bindings, steps(x, xs) or each(x, xs).
template <class... Args>
constexpr auto split_runtime_bindings(const Args&... args) {
    return split_bindings<per_step_binding>(args...);
}

/// Whether the variable V is named as one of Vs (variables are told apart by name).
template <class V, class... Vs>
inline constexpr bool is_listed = (std::is_same_v<typename Vs::name, typename V::name> || ...);

/// Whether a variable V for which Test::template holds<V> is below node N (a class per node and
/// test, so that each node of a shared graph is asked once).
template <class N, class Test>
struct involves;
template <class P, class Test>
struct arguments_involve : std::false_type {};
template <class Op, class... Args, class Test>
struct arguments_involve<expr_base<Op, Args...>, Test> : std::bool_constant<(involves<Args, Test>::value || ...)> {};
template <class N, class Test>
struct involves {
    static constexpr bool value = [] {
        if constexpr (variable<N>) return Test::template holds<N>;
        else if constexpr (op_node<N>) return arguments_involve<pattern_t<N>, Test>::value;
        else return false;
    }();
};
struct any_variable {
    template <class V>
    static constexpr bool holds = true;
};
/// The one length of the axis: what every binding along it agrees on, else std::invalid_argument
/// naming two that differ and their lengths. Length(b) is a binding's length along the axis.
template <class Length, class B, class... Bs>
std::size_t common_length(std::string_view what, Length length, const B& b, const Bs&... bs) {
    const std::size_t n = length(b);
    [[maybe_unused]] const auto check = [&](const auto& other) {
        using O = std::remove_cvref_t<decltype(other)>;
        if (const std::size_t m = length(other); m != n)
            throw std::invalid_argument(std::string("stag: ") + std::string(what) + ": " + std::string(name_v<typename B::var::name>) +
                                        " has " + std::to_string(n) + " values along the run-time axis but " +
                                        std::string(name_v<typename O::var::name>) + " has " + std::to_string(m));
    };
    (check(bs), ...);
    return n;
}

/// The run-time checks of storage whose rows' layout is known only at run time (a rows binding's
/// given_row and strided), errors in `what`'s name.
inline void check_row_layout(std::string_view what, std::string_view name, std::size_t given_row, bool strided, std::size_t row) {
    if (strided)
        throw std::invalid_argument(std::string("stag: ") + std::string(what) + ": " + std::string(name) +
                                    " is bound to a view whose numbers are not contiguous and row-major (layout_right)");
    if (given_row != 0 && given_row != row)
        throw std::invalid_argument(std::string("stag: ") + std::string(what) + ": " + std::string(name) + " is bound to storage whose rows hold " +
                                    std::to_string(given_row) + " numbers, not " + std::to_string(row));
}
/// The number of rows in `count` numbers bound to the variable named `name`, `row` numbers a row:
/// a run-time error (in `what`'s name) unless they are whole rows.
inline std::size_t whole_rows(std::string_view what, std::string_view name, std::size_t count, std::size_t row) {
    if (count % row != 0)
        throw std::invalid_argument(std::string("stag: ") + std::string(what) + ": the values of " + std::string(name) + " (" +
                                    std::to_string(count) + " numbers) are not whole rows of " + std::to_string(row));
    return count / row;
}
}  // namespace detail

template <class T>
inline constexpr bool is_binding = false;
template <class V, class T>
inline constexpr bool is_binding<binding<V, T>> = true;
template <class V, class T>
inline constexpr bool is_binding<bound_ref<V, T>> = true;

namespace detail {

template <class Var, class... Bs>
inline constexpr std::size_t binding_count = (std::size_t{0} + ... + (std::is_same_v<typename Bs::var::name, typename Var::name> ? 1 : 0));

template <std::size_t N>
constexpr std::size_t first_false(const bool (&v)[N]) noexcept {
    std::size_t i = 0;
    while (i + 1 < N && v[i]) ++i;
    return i;
}

/// The first of the variables Vs that is among them more than once (`any`), and how many times
/// (`count`): what the errors about a variable given twice report.
template <class... Vs>
struct first_repeated {
    static constexpr bool once[] = {(binding_count<Vs, binding<Vs, int>...> == 1)..., true};
    static constexpr bool any = first_false(once) < sizeof...(Vs);
    using var = graph::type_at<first_false(once), graph::node_list<Vs..., var_t<boost::hana::string<>>>>;
    static constexpr std::size_t count = binding_count<var, binding<Vs, int>...>;
};

template <std::size_t N>
constexpr std::size_t first_true(const std::array<bool, N>& v) noexcept {
    std::size_t i = 0;
    while (i < N && !v[i]) ++i;
    return i;
}
/// Position of Name among Names, sizeof...(Names) if absent: how bindings, gradients and the
/// environment find a variable by its name.
template <class Name, class... Names>
struct name_position
    : std::integral_constant<std::size_t, first_true(std::array<bool, sizeof...(Names)>{std::is_same_v<Names, Name>...})> {};

/// Index among Bs of the binding of node N, found by name: sizeof...(Bs) for a variable without
/// binding, sizeof...(Bs) + 1 for a node that is not a variable. A class per node, not a variable
/// template or a function: see graph/node_list.hpp.
template <class N, class... Bs>
struct binding_of : std::integral_constant<std::size_t, sizeof...(Bs) + 1> {};
template <class Name, class T, class... Bs>
struct binding_of<var_t<Name, T>, Bs...> : name_position<Name, typename Bs::var::name...> {};

template <class List, class... Bs>
struct binding_check;
template <class... Ks, class... Bs>
struct binding_check<graph::node_list<Ks...>, Bs...> {
    static constexpr bool check() {
        if constexpr (!(is_binding<Bs> && ...)) {
            static_assert((is_binding<Bs> && ...), "stag: after the expression, pass bindings such as x = 1.0");
            return false;
        } else {
            using twice = first_repeated<typename Bs::var...>;
            if constexpr (twice::any) {
                return variable_is_bound_once<spelled<typename twice::var::name>, twice::count>();
            } else {
                using keys = graph::node_list<Ks..., void>;
                constexpr bool ok[] = {(binding_of<graph::node_t<Ks>, Bs...>::value != sizeof...(Bs))..., true};
                constexpr std::size_t missing = first_false(ok);
                if constexpr (missing < sizeof...(Ks)) {
                    using V = graph::node_t<graph::type_at<missing, keys>>;
                    return variable_is_bound<spelled<typename V::name>, 0>();
                } else
                    return true;
            }
        }
    }
    static constexpr bool value = check();
};

/// The binding b, with the value `value` if it binds V (the others unchanged): how check_grad
/// moves one variable and scan sets the state of each step. A number keeps the binding's type; a
/// tensor is bound by reference, so it must outlive the binding.
template <class V, class B, class T>
constexpr auto rebind(const B& b, const T& value) {
    if constexpr (!std::is_same_v<typename B::var::name, typename V::name>) return b;
    else if constexpr (number_type<T>) return B{static_cast<typename B::value_type>(value)};
    else return typename B::var{} = value;
}

/// The bindings of one call, looked up by variable name at compile time.
template <class... Bs>
struct environment {
    record<Bs...> bindings;

    /// Position of Var's binding, sizeof...(Bs) without one.
    template <class Var>
    static constexpr std::size_t index = name_position<typename Var::name, typename Bs::var::name...>::value;
    /// Whether Var has a binding here.
    template <class Var>
    static constexpr bool has = index<Var> < sizeof...(Bs);
    template <class Var>
    constexpr const auto& lookup() const noexcept { return bindings.template get<index<Var>>().get(); }
    template <class Var>
    using value_type = std::remove_cvref_t<decltype(std::declval<const record<Bs...>&>().template get<index<Var>>().get())>;
};

// ---- the scalar type of an evaluation --------------------------------------------------------------
struct no_type {};
template <class T>
struct type_acc {
    using type = T;
};
template <class A, class B>
constexpr auto operator|(type_acc<A>, type_acc<B>) {
    if constexpr (std::is_same_v<A, no_type>) return type_acc<B>{};
    else if constexpr (std::is_same_v<B, no_type>) return type_acc<A>{};
    else return type_acc<std::common_type_t<A, B>>{};
}

/// Which of NB bindings the nodes use, given the binding of each node.
template <std::size_t NB, std::size_t N>
constexpr std::array<bool, NB + 2> used_bindings(const std::size_t (&binding)[N]) noexcept {
    std::array<bool, NB + 2> used{};
    for (std::size_t b : binding) used[b] = true;
    return used;
}

template <const auto& Used, class Seq, class... Bs>
struct bindings_contribution;
template <const auto& Used, std::size_t... Is, class... Bs>
struct bindings_contribution<Used, std::index_sequence<Is...>, Bs...> {
    using type = decltype((type_acc<no_type>{} | ... |
                           std::conditional_t<Used[Is], type_acc<typename bound_element<typename Bs::value_type>::type>, type_acc<no_type>>{}));
};

template <class N>
struct literal_contribution {
    using type = type_acc<no_type>;
};
template <class T>
struct literal_contribution<lit_t<T>> {
    using type = std::conditional_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, type_acc<T>, type_acc<no_type>>;
};
template <class List, class Seq = std::make_index_sequence<graph::literal_facts<List>::count>>
struct literals_contribution;
template <class List, std::size_t... J>
struct literals_contribution<List, std::index_sequence<J...>> {
    using type = decltype((type_acc<no_type>{} | ... |
                           typename literal_contribution<graph::node_t<graph::type_at<graph::literal_facts<List>::index[J], List>>>::type{}));
};

/// The common type of the values bound to the graph's variables and of its run-time constants
/// (double if that is not a floating-point type or a stag::dual).
template <class List, class Env>
struct scalar_type;
template <class... Ks, class... Bs>
struct scalar_type<graph::node_list<Ks...>, environment<Bs...>> {
    static constexpr std::array<bool, sizeof...(Bs) + 2> used =
        used_bindings<sizeof...(Bs)>({binding_of<graph::node_t<Ks>, Bs...>::value...});
    using common = typename decltype(typename bindings_contribution<used, std::index_sequence_for<Bs...>, Bs...>::type{} |
                                     typename literals_contribution<graph::node_list<Ks...>>::type{})::type;
    using type = std::conditional_t<real_number_type<common>, common, double>;
};

}  // namespace detail
}  // namespace stag
