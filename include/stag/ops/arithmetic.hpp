// The arithmetic ops + - * / and unary minus, with the compile-time simplifications of their builders.
#pragma once

#include <stag/core/op.hpp>

namespace stag {

// ---- the ops -------------------------------------------------------------------------------------
// Each states its value rule (apply), its partial derivatives (partial<I>, written with stag's own
// functions of the arguments and the result r) and its printing (notation). `adjoint<I>(s, ...)`,
// where present, is a cheaper way to write s * partial<I>(...) for a seed s.

struct add_op {
    static constexpr infix notation{"+", precedence::additive};
    template <class A, class B>
    static constexpr auto apply(const A& a, const B& b) { return a + b; }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A&, const B&, const R&) { return one_t{}; }
};

struct sub_op {
    static constexpr infix notation{"-", precedence::additive};
    template <class A, class B>
    static constexpr auto apply(const A& a, const B& b) { return a - b; }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A&, const B&, const R&) {
        if constexpr (I == 0) return one_t{};
        else return c<-1>;
    }
};

struct mul_op {
    static constexpr infix notation{"*", precedence::multiplicative};
    template <class A, class B>
    static constexpr auto apply(const A& a, const B& b) { return a * b; }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A& a, const B& b, const R&) {
        if constexpr (I == 0) return b;
        else return a;
    }
};

struct div_op {
    static constexpr infix notation{"/", precedence::multiplicative};
    template <class A, class B>
    static constexpr auto apply(const A& a, const B& b) { return a / b; }
    template <std::size_t I, class A, class B, class R>
    static constexpr auto partial(const A&, const B& b, const R& r);
    // s / b and -(s / b) * r: one division shared by both adjoints, as hand-written code does.
    template <std::size_t I, class S, class A, class B, class R>
    static constexpr auto adjoint(const S& s, const A&, const B& b, const R& r);
};

struct neg_op {
    static constexpr prefix notation{"-"};
    template <class A>
    static constexpr auto apply(const A& a) { return -a; }
    template <std::size_t I, class A, class R>
    static constexpr auto partial(const A&, const R&) { return c<-1>; }
};

// ---- simplifying builders -----------------------------------------------------------------------
// Rules fire on types only, so run-time constants are never touched: 0 and 1 identities, folding of
// compile-time rationals, constants moved to the front of products, and like terms collected
// (c1*e + c2*e -> (c1+c2)*e), enough that repeated derivatives of polynomials stay small.
// They assume finite values: 0 * e is 0 even where e would be infinite.

namespace detail {
template <class E>
struct rational_parts : std::false_type {};
template <std::intmax_t N, std::intmax_t D>
struct rational_parts<cst_t<N, D>> : std::true_type {
    static constexpr std::intmax_t num = N, den = D;
};
template <class E>
inline constexpr bool is_rational = rational_parts<E>::value;
template <class E>
inline constexpr bool nonzero_rational = [] {
    if constexpr (is_rational<E>) return E::num != 0;
    else return false;
}();

// c * e with c a compile-time rational: its coefficient and its term.
template <class E>
struct scaled {
    using coef = one_t;
    using term = E;
    static constexpr bool explicit_coef = false;
};
template <std::intmax_t N, std::intmax_t D, class E>
struct scaled<expr<mul_op, cst_t<N, D>, E>> {
    using coef = cst_t<N, D>;
    using term = E;
    static constexpr bool explicit_coef = true;
};

template <class A, class B>
using rational_sum = typename make_rational<A::num * B::den + B::num * A::den, A::den * B::den>::type;
template <class A, class B>
using rational_product = typename make_rational<A::num * B::num, A::den * B::den>::type;
template <class A>
using rational_negation = cst_t<-A::num, A::den>;
template <class A>
using rational_inverse = typename make_rational<A::den, A::num>::type;

template <class A, class B>
inline constexpr bool like_terms = A::stateless && std::is_same_v<typename scaled<A>::term, typename scaled<B>::term>;
}  // namespace detail

template <expression A, expression B>
constexpr auto mul(const A& a, const B& b) noexcept;

template <expression A, expression B>
constexpr auto add(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (is_zero<A>) return b;
    else if constexpr (is_zero<B>) return a;
    else if constexpr (is_rational<A> && is_rational<B>) return rational_sum<A, B>{};
    else if constexpr (like_terms<A, B>)
        return mul(rational_sum<typename scaled<A>::coef, typename scaled<B>::coef>{}, typename scaled<A>::term{});
    else return expr<add_op, A, B>{a, b};
}

template <expression A>
constexpr auto neg(const A& a) noexcept {
    using namespace detail;
    if constexpr (is_rational<A>) return rational_negation<A>{};
    else if constexpr (op_node<A>) {
        if constexpr (std::is_same_v<typename A::op, neg_op>) return arg<0>(a);
        else if constexpr (scaled<A>::explicit_coef) return mul(rational_negation<typename scaled<A>::coef>{}, arg<1>(a));
        else return expr<neg_op, A>{a};
    } else return expr<neg_op, A>{a};
}

template <expression A, expression B>
constexpr auto sub(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (is_zero<B>) return a;
    else if constexpr (is_zero<A>) return neg(b);
    else if constexpr (is_rational<A> && is_rational<B>) return rational_sum<A, rational_negation<B>>{};
    else if constexpr (like_terms<A, B>)
        return mul(rational_sum<typename scaled<A>::coef, rational_negation<typename scaled<B>::coef>>{},
                   typename scaled<A>::term{});
    else return expr<sub_op, A, B>{a, b};
}

template <expression A, expression B>
constexpr auto mul(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (is_zero<A> || is_zero<B>) return zero_t{};
    else if constexpr (is_one<A>) return b;
    else if constexpr (is_one<B>) return a;
    else if constexpr (is_rational<A> && is_rational<B>) return rational_product<A, B>{};
    else if constexpr (is_rational<B>) return mul(b, a);
    else if constexpr (is_rational<A> && scaled<B>::explicit_coef)
        return mul(rational_product<A, typename scaled<B>::coef>{}, arg<1>(b));
    else if constexpr (std::is_same_v<A, cst_t<-1, 1>>) return neg(b);
    else if constexpr (is_rational<A>) return expr<mul_op, A, B>{a, b};
    else if constexpr (scaled<A>::explicit_coef) return mul(arg<0>(a), mul(arg<1>(a), b));
    else if constexpr (scaled<B>::explicit_coef) return mul(arg<0>(b), mul(a, arg<1>(b)));
    else return expr<mul_op, A, B>{a, b};
}

template <expression A, expression B>
constexpr auto div(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (is_zero<A>) return zero_t{};
    else if constexpr (is_one<B>) return a;
    else if constexpr (nonzero_rational<B>) return mul(rational_inverse<B>{}, a);
    else return expr<div_op, A, B>{a, b};
}

// ---- operators: expressions mix with plain numbers on either side --------------------------------
template <class A, class B>
concept mixable = operand<A> && operand<B> && (expression<A> || expression<B>);

template <class A, class B>
    requires mixable<A, B>
constexpr auto operator+(const A& a, const B& b) noexcept { return add(as_expr(a), as_expr(b)); }
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator-(const A& a, const B& b) noexcept { return sub(as_expr(a), as_expr(b)); }
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator*(const A& a, const B& b) noexcept { return mul(as_expr(a), as_expr(b)); }
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator/(const A& a, const B& b) noexcept { return div(as_expr(a), as_expr(b)); }
template <expression A>
constexpr auto operator-(const A& a) noexcept { return neg(a); }
template <expression A>
constexpr auto operator+(const A& a) noexcept { return a; }

// ---- rules that needed the builders -------------------------------------------------------------
template <std::size_t I, class A, class B, class R>
constexpr auto div_op::partial(const A&, const B& b, const R& r) {
    if constexpr (I == 0) return div(one_t{}, b);
    else return neg(div(r, b));
}
template <std::size_t I, class S, class A, class B, class R>
constexpr auto div_op::adjoint(const S& s, const A&, const B& b, const R& r) {
    if constexpr (I == 0) return div(s, b);
    else return neg(mul(div(s, b), r));
}

}  // namespace stag
