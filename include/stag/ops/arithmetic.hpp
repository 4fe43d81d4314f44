// The arithmetic ops + - * / and unary minus, with the compile-time simplifications of their builders.
#pragma once

#include <stag/core/op.hpp>
#include <stag/tensor/shape.hpp>

namespace stag {

// ---- the ops -------------------------------------------------------------------------------------
// Each states its value rule (apply), its partial derivatives (partial<I>, written with stag's own
// functions of the arguments and the result r) and its printing (notation). `adjoint<I>(s, ...)`,
// where present, is a cheaper way to write s * partial<I>(...) for a seed s. Where the notation
// does not carry over to LaTeX or C99, an op states `latex` or `c_code`, a pattern in which $0, $1,
// $2 stand for its arguments ($(0) in LaTeX: in parentheses unless it is an atom), or, for an infix
// op, a `latex_symbol` (see io/latex.hpp and io/emit.hpp).

struct add_op {
    static constexpr infix notation{"+", precedence::additive};
    static constexpr bool associative = true;  // printing may drop parentheses on the right
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
    static constexpr bool associative = true;
    static constexpr std::string_view latex_symbol = "\\cdot";
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
    static constexpr std::string_view latex = "\\frac{$0}{$1}";
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

// Compile time: a builder runs once per node of a deep graph, and g++ gives every variable and
// function it instantiates a name whose cost grows with the square of the node's depth (see
// graph/node_list.hpp). So the tests below are class templates read through `::value` (users keep
// `is_zero<E>` and friends), and a node without run-time data is value-initialised (`R{}`), which
// instantiates no constructor.

namespace detail {
template <class E>
struct nonzero_rational : std::false_type {};
template <std::intmax_t N, std::intmax_t D>
struct nonzero_rational<cst_t<N, D>> : std::bool_constant<N != 0> {};
template <class E>
using zero_test = std::is_same<E, zero_t>;
template <class E>
using one_test = std::is_same<E, one_t>;

// c * e with c a compile-time rational: its coefficient and its term.
template <class E, class P = pattern_t<E>>
struct scaled {
    using coef = one_t;
    using term = E;
    enum : bool { explicit_coef = false };
};
template <class Self, std::intmax_t N, std::intmax_t D, class E>
struct scaled<Self, expr_base<mul_op, cst_t<N, D>, E>> {
    using coef = cst_t<N, D>;
    using term = E;
    enum : bool { explicit_coef = true };
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
struct like_terms
    : std::bool_constant<A::stateless && std::is_same<typename scaled<A>::term, typename scaled<B>::term>::value> {};

// Whether a builder applies none of its rules and builds the plain node (a mirror of the rules
// below, which test it first).
template <class Op, class A, class B>
struct plain;
template <class A, class B>
struct plain<add_op, A, B>
    : std::bool_constant<!zero_test<A>::value && !zero_test<B>::value &&
                         !(rational_parts<A>::value && rational_parts<B>::value) && !like_terms<A, B>::value> {};
template <class A, class B>
struct plain<sub_op, A, B> : plain<add_op, A, B> {};
template <class A, class B>
struct plain<mul_op, A, B>
    : std::bool_constant<!zero_test<A>::value && !zero_test<B>::value && !one_test<A>::value && !one_test<B>::value &&
                         !rational_parts<B>::value &&
                         (rational_parts<A>::value
                              ? !scaled<B>::explicit_coef && !std::is_same<A, cst_t<-1, 1>>::value
                              : !scaled<A>::explicit_coef && !scaled<B>::explicit_coef)> {};
template <class A, class B>
struct plain<div_op, A, B>
    : std::bool_constant<!zero_test<A>::value && !one_test<B>::value && !nonzero_rational<B>::value> {};

/// Whether a / b divides a tensor by a number: it is then built as a * (1 / b), one division and
/// a vectorisable product, as hand-written code does it (the result may differ in the last bit
/// from dividing each element).
template <class A, class B>
struct tensor_by_number : std::bool_constant<scalar_node<B> && !scalar_node<A>> {};

/// Whether `a op b` is a plain node without run-time data: the operator then makes it (R{}) without
/// instantiating the builder, one function fewer per node of a deep graph.
template <class Op, class A, class B, bool Exprs = expression<A> && expression<B>>
struct plain_stateless : std::false_type {};
template <class Op, class A, class B>
struct plain_stateless<Op, A, B, true> : std::bool_constant<A::stateless && B::stateless && plain<Op, A, B>::value> {};
template <class A, class B>
struct plain_stateless<div_op, A, B, true>
    : std::bool_constant<A::stateless && B::stateless && plain<div_op, A, B>::value && !tensor_by_number<A, B>::value> {};
}  // namespace detail

template <expression A, expression B>
constexpr auto mul(const A& a, const B& b) noexcept;

template <expression A, expression B>
constexpr auto add(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (plain<add_op, A, B>::value) return make_checked_node<add_op>(a, b);
    else if constexpr (zero_test<A>::value) return b;
    else if constexpr (zero_test<B>::value) return a;
    else if constexpr (rational_parts<A>::value && rational_parts<B>::value) return rational_sum<A, B>{};
    else return mul(rational_sum<typename scaled<A>::coef, typename scaled<B>::coef>{}, typename scaled<A>::term{});
}

template <expression A>
constexpr auto neg(const A& a) noexcept {
    using namespace detail;
    if constexpr (rational_parts<A>::value) return rational_negation<A>{};
    else if constexpr (op_node<A>) {
        if constexpr (std::is_same<typename A::op, neg_op>::value) return arg<0>(a);
        else if constexpr (scaled<A>::explicit_coef) return mul(rational_negation<typename scaled<A>::coef>{}, arg<1>(a));
        else return make_checked_node<neg_op>(a);
    } else return make_checked_node<neg_op>(a);
}

template <expression A, expression B>
constexpr auto sub(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (plain<sub_op, A, B>::value) return make_checked_node<sub_op>(a, b);
    else if constexpr (zero_test<B>::value) return a;
    else if constexpr (zero_test<A>::value) return neg(b);
    else if constexpr (rational_parts<A>::value && rational_parts<B>::value) return rational_sum<A, rational_negation<B>>{};
    else
        return mul(rational_sum<typename scaled<A>::coef, rational_negation<typename scaled<B>::coef>>{},
                   typename scaled<A>::term{});
}

template <expression A, expression B>
constexpr auto mul(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (plain<mul_op, A, B>::value) return make_checked_node<mul_op>(a, b);
    else if constexpr (zero_test<A>::value || zero_test<B>::value) return zero_t{};
    else if constexpr (one_test<A>::value) return b;
    else if constexpr (one_test<B>::value) return a;
    else if constexpr (rational_parts<A>::value && rational_parts<B>::value) return rational_product<A, B>{};
    else if constexpr (rational_parts<B>::value) return mul(b, a);
    else if constexpr (rational_parts<A>::value && scaled<B>::explicit_coef)
        return mul(rational_product<A, typename scaled<B>::coef>{}, arg<1>(b));
    else if constexpr (std::is_same<A, cst_t<-1, 1>>::value) return neg(b);
    else if constexpr (scaled<A>::explicit_coef) return mul(arg<0>(a), mul(arg<1>(a), b));
    else return mul(arg<0>(b), mul(a, arg<1>(b)));  // scaled<B>::explicit_coef
}

template <expression A, expression B>
constexpr auto div(const A& a, const B& b) noexcept {
    using namespace detail;
    if constexpr (tensor_by_number<A, B>::value && !rational_parts<B>::value) return mul(a, div(one_t{}, b));
    else if constexpr (plain<div_op, A, B>::value) return make_checked_node<div_op>(a, b);
    else if constexpr (zero_test<A>::value) return zero_t{};
    else if constexpr (one_test<B>::value) return a;
    else return mul(rational_inverse<B>{}, a);  // nonzero_rational<B>
}

// ---- operators: expressions mix with plain numbers on either side --------------------------------
template <class A, class B>
concept mixable = operand<A> && operand<B> && (expression<A> || expression<B>);

// The operators make a plain node without run-time data themselves, and otherwise pass expressions
// on as they are and wrap only plain numbers: in a deep graph, one function per node instead of
// three (see "Compile time" above).
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator+(const A& a, const B& b) noexcept {
    if constexpr (detail::plain_stateless<add_op, A, B>::value) return expr<add_op, A, B>{};
    else if constexpr (expression<A> && expression<B>) return add(a, b);
    else return add(as_expr(a), as_expr(b));
}
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator-(const A& a, const B& b) noexcept {
    if constexpr (detail::plain_stateless<sub_op, A, B>::value) return expr<sub_op, A, B>{};
    else if constexpr (expression<A> && expression<B>) return sub(a, b);
    else return sub(as_expr(a), as_expr(b));
}
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator*(const A& a, const B& b) noexcept {
    if constexpr (detail::plain_stateless<mul_op, A, B>::value) return expr<mul_op, A, B>{};
    else if constexpr (expression<A> && expression<B>) return mul(a, b);
    else return mul(as_expr(a), as_expr(b));
}
template <class A, class B>
    requires mixable<A, B>
constexpr auto operator/(const A& a, const B& b) noexcept {
    if constexpr (detail::plain_stateless<div_op, A, B>::value) return expr<div_op, A, B>{};
    else if constexpr (expression<A> && expression<B>) return div(a, b);
    else return div(as_expr(a), as_expr(b));
}
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
