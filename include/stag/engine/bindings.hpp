// Bindings (x = 1.0) as an environment, the checks on them, and the scalar type they imply.
#pragma once

#include <stag/core/expr.hpp>
#include <stag/detail/record.hpp>
#include <stag/graph/walk.hpp>

#include <array>
#include <cstddef>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

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
/// The arguments of a call over a run-time axis (scan, map_sum) split in two: the per-step (or
/// per-row) bindings, steps(x, xs) or each(x, xs), and the others.
template <class... Args>
constexpr auto split_runtime_bindings(const Args&... args) {
    auto fixed = std::tuple_cat([](const auto& a) {
        if constexpr (is_step_binding<std::remove_cvref_t<decltype(a)>>) return std::tuple<>{};
        else return std::tuple{a};
    }(args)...);
    auto along = std::tuple_cat([](const auto& a) {
        if constexpr (is_step_binding<std::remove_cvref_t<decltype(a)>>) return std::tuple{a};
        else return std::tuple<>{};
    }(args)...);
    return std::pair{fixed, along};
}
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

// If you see one of these fail, the note below it names the variable (as boost::hana::string<'x'>).
template <class Var, std::size_t Count>
inline constexpr bool variable_is_bound = Count > 0;
template <class Var, std::size_t Count>
inline constexpr bool variable_is_bound_once = Count <= 1;

template <std::size_t N>
constexpr std::size_t first_false(const bool (&v)[N]) noexcept {
    std::size_t i = 0;
    while (i + 1 < N && v[i]) ++i;
    return i;
}

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
            using vars = graph::node_list<typename Bs::var..., void>;
            constexpr bool once[] = {(binding_count<typename Bs::var, Bs...> <= 1)..., true};
            constexpr std::size_t dup = first_false(once);
            if constexpr (dup < sizeof...(Bs)) {
                using V = graph::type_at<dup, vars>;
                static_assert(variable_is_bound_once<V, binding_count<V, Bs...>>, "stag: a variable is bound twice");
                return false;
            } else {
                using keys = graph::node_list<Ks..., void>;
                constexpr bool ok[] = {(binding_of<graph::node_t<Ks>, Bs...>::value != sizeof...(Bs))..., true};
                constexpr std::size_t missing = first_false(ok);
                if constexpr (missing < sizeof...(Ks)) {
                    using V = graph::node_t<graph::type_at<missing, keys>>;
                    static_assert(variable_is_bound<V, 0>, "stag: a variable of the expression has no binding");
                    return false;
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
