// The concepts that tell stag's expressions apart: expression, variable, constant, literal,
// op_node; and as_expr, which makes a plain number a run-time constant.
#pragma once

#include <stag/core/node.hpp>

#include <type_traits>

namespace stag {

/// Any stag expression: variable, constant, run-time constant or operation node.
template <class T>
concept expression = detail::flag_stag_node<std::remove_cvref_t<T>>::value;

template <class T>
concept variable = expression<T> && detail::flag_variable<std::remove_cvref_t<T>>::value;

template <class T>
concept constant = expression<T> && detail::flag_constant<std::remove_cvref_t<T>>::value;

template <class T>
concept literal = expression<T> && detail::flag_literal<std::remove_cvref_t<T>>::value;

template <class T>
concept op_node = detail::is_op_node<std::remove_cvref_t<T>>::value;

/// A plain number that can take part in an expression: stored as a run-time constant.
template <class T>
concept arithmetic = std::is_arithmetic_v<std::remove_cvref_t<T>>;

/// An expression, or a number that becomes a run-time constant.
template <class T>
concept operand = expression<T> || arithmetic<T>;

template <operand T>
constexpr auto as_expr(const T& v) noexcept {
    if constexpr (expression<T>)
        return v;
    else
        return lit_t<std::remove_cvref_t<T>>{v};
}
namespace detail {
template <class T, bool = expression<T>>
struct as_expr_type {
    using type = std::remove_cvref_t<T>;
};
template <class T>
struct as_expr_type<T, false> {
    using type = lit_t<std::remove_cvref_t<T>>;
};
}  // namespace detail
/// The type as_expr returns (a class template, not decltype(as_expr(...)), which would instantiate
/// a function per expression type).
template <class T>
using as_expr_t = typename detail::as_expr_type<T>::type;

}  // namespace stag
