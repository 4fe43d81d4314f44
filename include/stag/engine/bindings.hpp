// Bindings (x = 1.0) as an environment, the checks on them, and the scalar type they imply.
#pragma once

#include <stag/core/expr.hpp>
#include <stag/detail/record.hpp>
#include <stag/graph/walk.hpp>

#include <cstddef>
#include <type_traits>

namespace stag {

template <class T>
inline constexpr bool is_binding = false;
template <class V, class T>
inline constexpr bool is_binding<binding<V, T>> = true;

namespace detail {

template <class Var, class... Bs>
inline constexpr std::size_t binding_count = (std::size_t{0} + ... + (std::is_same_v<typename Bs::var::name, typename Var::name> ? 1 : 0));

// If you see one of these fail, the note below it names the variable (as boost::hana::string<'x'>).
template <class Var, std::size_t Count>
inline constexpr bool variable_is_bound = Count > 0;
template <class Var, std::size_t Count>
inline constexpr bool variable_is_bound_once = Count <= 1;

template <class List, class... Bs>
struct binding_check;
template <class... Ks, class... Bs>
struct binding_check<graph::node_list<Ks...>, Bs...> {
    template <class K>
    static constexpr bool bound = [] {
        if constexpr (variable<graph::node_t<K>>) return binding_count<graph::node_t<K>, Bs...> > 0;
        else return true;
    }();
    template <std::size_t N>
    static constexpr std::size_t first_false(const bool (&v)[N]) {
        std::size_t i = 0;
        while (i + 1 < N && v[i]) ++i;
        return i;
    }
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
                constexpr bool ok[] = {bound<Ks>..., true};
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

/// The bindings of one call, looked up by variable name at compile time.
template <class... Bs>
struct environment {
    record<Bs...> bindings;

    template <class Var>
    static constexpr std::size_t index = [] {
        constexpr bool match[] = {std::is_same_v<typename Bs::var::name, typename Var::name>..., false};
        std::size_t i = 0;
        while (!match[i]) ++i;
        return i;
    }();
    template <class Var>
    constexpr const auto& lookup() const noexcept { return bindings.template get<index<Var>>().value; }
    template <class Var>
    using value_type = std::remove_cvref_t<decltype(std::declval<const record<Bs...>&>().template get<index<Var>>().value)>;
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

template <class K, class Env>
constexpr auto contribution() {
    using N = graph::node_t<K>;
    if constexpr (variable<N>) return type_acc<typename Env::template value_type<N>>{};
    else if constexpr (literal<N>) {
        using T = decltype(N::value);
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) return type_acc<T>{};
        else return type_acc<no_type>{};
    } else return type_acc<no_type>{};
}

template <class List, class Env>
struct scalar_type;
template <class... Ks, class Env>
struct scalar_type<graph::node_list<Ks...>, Env> {
    using common = typename decltype((type_acc<no_type>{} | ... | contribution<Ks, Env>()))::type;
    using type = std::conditional_t<std::is_floating_point_v<common>, common, double>;
};

}  // namespace detail
}  // namespace stag
