// Piecewise ops: comparisons, select, abs, relu, max and min.
//
// At a kink the derivative is one of the one-sided derivatives, as listed per op below; select
// routes the derivative to the branch it takes, and comparisons have derivative zero.
#pragma once

#include <stag/ops/arithmetic.hpp>

#include <cmath>

namespace stag {

/// a < b, a <= b, a > b, a >= b: boolean nodes for select; piecewise constant, derivative zero.
struct less_op {
    static constexpr infix notation{"<", precedence::comparison};
    static constexpr std::string_view c_code = "($0 < $1 ? 1.0 : 0.0)";
    static constexpr bool piecewise_constant = true;
    template <class A, class B> static constexpr bool apply(const A& a, const B& b) { return a < b; }
};
struct less_equal_op {
    static constexpr infix notation{"<=", precedence::comparison};
    static constexpr std::string_view c_code = "($0 <= $1 ? 1.0 : 0.0)";
    static constexpr std::string_view latex_symbol = "\\leq";
    static constexpr bool piecewise_constant = true;
    template <class A, class B> static constexpr bool apply(const A& a, const B& b) { return a <= b; }
};
struct greater_op {
    static constexpr infix notation{">", precedence::comparison};
    static constexpr std::string_view c_code = "($0 > $1 ? 1.0 : 0.0)";
    static constexpr bool piecewise_constant = true;
    template <class A, class B> static constexpr bool apply(const A& a, const B& b) { return a > b; }
};
struct greater_equal_op {
    static constexpr infix notation{">=", precedence::comparison};
    static constexpr std::string_view c_code = "($0 >= $1 ? 1.0 : 0.0)";
    static constexpr std::string_view latex_symbol = "\\geq";
    static constexpr bool piecewise_constant = true;
    template <class A, class B> static constexpr bool apply(const A& a, const B& b) { return a >= b; }
};

template <class A, class B> requires mixable<A, B>
constexpr auto operator<(const A& a, const B& b) noexcept { return make_node<less_op>(as_expr(a), as_expr(b)); }
template <class A, class B> requires mixable<A, B>
constexpr auto operator<=(const A& a, const B& b) noexcept { return make_node<less_equal_op>(as_expr(a), as_expr(b)); }
template <class A, class B> requires mixable<A, B>
constexpr auto operator>(const A& a, const B& b) noexcept { return make_node<greater_op>(as_expr(a), as_expr(b)); }
template <class A, class B> requires mixable<A, B>
constexpr auto operator>=(const A& a, const B& b) noexcept { return make_node<greater_equal_op>(as_expr(a), as_expr(b)); }

/// select(cond, a, b) is a where cond holds, else b; the derivative follows the branch taken.
struct select_op {
    static constexpr call notation{"select"};
    static constexpr std::string_view c_code = "($0 != 0.0 ? $1 : $2)";
    static constexpr std::string_view latex = "\\begin{cases} $1 & \\text{if } $0 \\\\ $2 & \\text{otherwise} \\end{cases}";
    template <class C, class A, class B> static constexpr auto apply(const C& cond, const A& a, const B& b) { return cond ? a : b; }
    template <std::size_t I, class C, class A, class B, class R>
    static constexpr auto partial(const C& cond, const A&, const B&, const R&);
    template <std::size_t I, class S, class C, class A, class B, class R>
    static constexpr auto adjoint(const S& s, const C& cond, const A&, const B&, const R&);
};

template <class C, class A, class B>
    requires expression<C> && operand<A> && operand<B>
constexpr auto select(const C& cond, const A& a, const B& b) noexcept {
    if constexpr (std::is_same_v<as_expr_t<A>, as_expr_t<B>> && as_expr_t<A>::stateless)
        return as_expr(a);  // both branches are the same expression
    else
        return make_node<select_op>(cond, as_expr(a), as_expr(b));
}

template <std::size_t I, class C, class A, class B, class R>
constexpr auto select_op::partial(const C& cond, const A&, const B&, const R&) {
    if constexpr (I == 0) return zero_t{};
    else if constexpr (I == 1) return select(cond, one_t{}, zero_t{});
    else return select(cond, zero_t{}, one_t{});
}
template <std::size_t I, class S, class C, class A, class B, class R>
constexpr auto select_op::adjoint(const S& s, const C& cond, const A&, const B&, const R&) {
    if constexpr (I == 0) return zero_t{};
    else if constexpr (I == 1) return select(cond, s, zero_t{});
    else return select(cond, zero_t{}, s);
}

/// |a|; derivative sign(a), and +1 at a = 0 (the right derivative).
struct abs_op {
    static constexpr call notation{"abs"};
    static constexpr std::string_view c_code = "fabs($0)";
    static constexpr std::string_view latex = "\\left|$0\\right|";
    template <class A> static constexpr auto apply(const A& a) { using std::fabs; return fabs(a); }
    template <std::size_t I, class A, class R>
    static constexpr auto partial(const A& a, const R&) { return select(a < zero_t{}, c<-1>, one_t{}); }
};
/// max(a, 0); derivative 1 for a > 0, and 0 at a = 0 (the left derivative, as in most ML code).
struct relu_op {
    static constexpr call notation{"relu"};
    static constexpr std::string_view c_code = "($0 < 0.0 ? 0.0 : $0)";
    static constexpr std::string_view latex = "\\max\\left($0, 0\\right)";
    template <class A> static constexpr auto apply(const A& a) { return a < A(0) ? A(0) : a; }  // NaN stays NaN
    template <std::size_t I, class A, class R>
    static constexpr auto partial(const A& a, const R&) { return select(a > zero_t{}, one_t{}, zero_t{}); }
};
/// max(a, b) = select(a >= b, a, b): at a tie the derivative goes to a.
struct max_op {
    static constexpr call notation{"max"};
    static constexpr std::string_view c_code = "($0 >= $1 ? $0 : $1)";
    template <class A, class B> static constexpr auto apply(const A& a, const B& b) { return a >= b ? a : b; }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A& a, const B& b, const R&) {
        if constexpr (I == 0) return select(a >= b, one_t{}, zero_t{});
        else return select(a >= b, zero_t{}, one_t{});
    }
};
/// min(a, b) = select(a <= b, a, b): at a tie the derivative goes to a.
struct min_op {
    static constexpr call notation{"min"};
    static constexpr std::string_view c_code = "($0 <= $1 ? $0 : $1)";
    template <class A, class B> static constexpr auto apply(const A& a, const B& b) { return a <= b ? a : b; }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A& a, const B& b, const R&) {
        if constexpr (I == 0) return select(a <= b, one_t{}, zero_t{});
        else return select(a <= b, zero_t{}, one_t{});
    }
};

template <expression A> constexpr auto abs(const A& a) noexcept { return make_node<abs_op>(a); }
template <expression A> constexpr auto relu(const A& a) noexcept { return make_node<relu_op>(a); }
template <class A, class B> requires mixable<A, B>
constexpr auto max(const A& a, const B& b) noexcept { return make_node<max_op>(as_expr(a), as_expr(b)); }
template <class A, class B> requires mixable<A, B>
constexpr auto min(const A& a, const B& b) noexcept { return make_node<min_op>(as_expr(a), as_expr(b)); }

}  // namespace stag
