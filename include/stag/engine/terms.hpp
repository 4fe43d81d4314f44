// Loops in sums: `stag::scan(...) + 0.01 * stag::sum(stag::square(W))`, a mixture's map_sum plus a
// prior, two scans over two sequences. A loop (scan, map_sum) is not a node of an expression's
// graph, since its steps or rows come from the call's bindings; but a sum of loops and expressions
// is still a loss, with one value and one gradient: the sum of its terms' values and gradients.
// Each term is differentiated as it would be alone, adding into the same destinations
// (accumulate_into), with the call's bindings less the per-step ones of other loops.
#pragma once

#include <stag/core/concepts.hpp>
#include <stag/engine/bindings.hpp>
#include <stag/engine/check.hpp>
#include <stag/engine/map_sum.hpp>
#include <stag/engine/scan.hpp>
#include <stag/engine/summed.hpp>
#include <stag/ops/arithmetic.hpp>

#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

/// A sum of loops (scan, map_sum) and expressions, built by `+` (and `-` with an expression on the
/// right) when one side is a loop. Its value is the sum of its terms' values.
template <class... Terms>
struct terms_t {
    std::tuple<Terms...> terms;
};

namespace detail {
template <class T>
inline constexpr bool is_loop = false;
template <class C, class Out, class... Inputs>
inline constexpr bool is_loop<scan_t<C, Out, Inputs...>> = true;
template <class F, class... Rows>
inline constexpr bool is_loop<map_sum_t<F, Rows...>> = true;
template <class... Terms>
inline constexpr bool is_loop<terms_t<Terms...>> = true;

/// Whether a + b is a sum of terms: a loop and a loop or an expression, in either order.
template <class A, class B>
concept loop_sum = (is_loop<A> && (is_loop<B> || expression<B>)) || (expression<A> && is_loop<B>);

template <class T>
constexpr auto terms_of(const T& t) {
    if constexpr (requires { t.terms; }) return t.terms;
    else return std::tuple<T>{t};
}
template <class... Terms>
constexpr terms_t<Terms...> terms_from(const std::tuple<Terms...>& ts) {
    return {ts};
}
template <class A, class B>
constexpr auto sum_of_terms(const A& a, const B& b) {
    return terms_from(std::tuple_cat(terms_of(a), terms_of(b)));
}

/// The per-step (per-row) variables of a term: those whose steps(x, xs) or each(x, xs) it takes.
template <class T>
struct step_variables {
    using type = std::tuple<>;
};
template <class C, class Out, class... Inputs>
struct step_variables<scan_t<C, Out, Inputs...>> {
    using type = std::tuple<Inputs...>;
};
template <class F, class... Rows>
struct step_variables<map_sum_t<F, Rows...>> {
    using type = std::tuple<Rows...>;
};
template <class B, class Vars>
inline constexpr bool steps_of_term = false;
template <class B, class... Vs>
inline constexpr bool steps_of_term<B, std::tuple<Vs...>> = is_listed<typename B::var, Vs...>;

/// The arguments of a call that term T takes, by reference: all but the per-step bindings of
/// variables that are not T's.
template <class T, class... Args>
constexpr auto term_arguments(const Args&... args) {
    return std::tuple_cat([](const auto& a) {
        using A = std::remove_cvref_t<decltype(a)>;
        if constexpr (is_step_binding<A>) {
            if constexpr (steps_of_term<A, typename step_variables<T>::type>) return std::tuple<const A&>{a};
            else return std::tuple<>{};
        } else
            return std::tuple<const A&>{a};
    }(args)...);
}
/// Every per-step binding of a call names some term's per-step variable: one that names none would
/// otherwise be dropped without a word.
template <class B, class... Terms>
inline constexpr bool steps_of_some_term = (steps_of_term<B, typename step_variables<Terms>::type> || ...);
template <class... Terms, class... Args>
constexpr bool check_term_arguments(const std::tuple<Terms...>*, const Args*...) {
    constexpr bool used = ((!is_step_binding<Args> || steps_of_some_term<Args, Terms...>) && ...);
    static_assert(used, "stag: loop + ...: a steps(x, values) or each(x, values) binding names a variable that is no loop's per-step variable");
    return used;
}

template <class T, class Bs, std::size_t... I>
auto eval_with(const T& t, const Bs& bs, std::index_sequence<I...>) {
    return eval(t, std::get<I>(bs)...);
}
template <class T, class... Args>
auto term_value(const T& t, const Args&... args) {
    const auto bs = term_arguments<T>(args...);
    return eval_with(t, bs, std::make_index_sequence<std::tuple_size_v<decltype(bs)>>{});
}
template <class Terms, std::size_t... J, class... Args>
auto sum_of_values(const Terms& terms, std::index_sequence<J...>, const Args&... args) {
    return (term_value(std::get<J>(terms), args...) + ...);
}

/// The Sweeper (engine/summed.hpp) of a sum of terms: each term's gradient with respect to Vs added
/// to the destinations, in the order of the terms. (Helpers over explicit packs rather than nested
/// generic lambdas: nvcc does not expand a lambda's pack inside another lambda.)
struct terms_sweeper {
    template <class... Vs, class... Terms, class K, class... Args>
    static auto run(const terms_t<Terms...>& sum, const char*, const K& k, const Args&... args) {
        check_term_arguments(&sum.terms, &args...);
        using S = std::remove_cvref_t<decltype(term_value(std::get<0>(sum.terms), args...))>;
        return k(std::type_identity<S>{}, [&](auto&... ds) {
            return add_terms<S, Vs...>(sum.terms, std::index_sequence_for<Terms...>{}, std::tuple<const Args&...>(args...), ds...);
        });
    }
    template <class S, class... Vs, class Terms, std::size_t... J, class Args, class... Ds>
    static S add_terms(const Terms& terms, std::index_sequence<J...>, const Args& args, Ds&... ds) {
        S value{};
        ((value += add_term<Vs...>(std::get<J>(terms), args, std::make_index_sequence<std::tuple_size_v<Args>>{}, ds...)), ...);
        return value;
    }
    template <class... Vs, class T, class Args, std::size_t... I, class... Ds>
    static auto add_term(const T& term, const Args& args, std::index_sequence<I...>, Ds&... ds) {
        const auto bs = term_arguments<T>(std::get<I>(args)...);
        return call_term(value_and_grad(term, Vs{}...).accumulate_into(ds...), bs, std::make_index_sequence<std::tuple_size_v<decltype(bs)>>{});
    }
    template <class F, class Bs, std::size_t... I>
    static auto call_term(const F& f, const Bs& bs, std::index_sequence<I...>) {
        return f(std::get<I>(bs)...);
    }
};
}  // namespace detail

/// `scan(...) + penalty`, `map_sum(...) + prior`, `loop + loop`: a sum of terms, at least one of
/// them a loop; differentiated and evaluated like one loss.
template <class A, class B>
    requires detail::loop_sum<A, B>
constexpr auto operator+(const A& a, const B& b) {
    return detail::sum_of_terms(a, b);
}
/// `loop - expression`: the loop plus the expression negated.
template <class A, expression B>
    requires detail::is_loop<A>
constexpr auto operator-(const A& a, const B& b) {
    return detail::sum_of_terms(a, -b);
}

/// `eval(loop + expression, bindings...)`: the sum of the terms' values, each from the bindings it
/// takes (a loop's per-step bindings go to that loop alone).
template <class... Terms, class... Args>
auto eval(const terms_t<Terms...>& sum, const Args&... args) {
    detail::check_term_arguments(&sum.terms, &args...);
    return detail::sum_of_values(sum.terms, std::index_sequence_for<Terms...>{}, args...);
}

/// `value_and_grad(loop + expression, vars...)(bindings...)`: the value and the gradient of the sum,
/// `.into(ds...)` and `.accumulate_into(ds...)` as for any loop.
template <class... Terms, class... Vs>
auto value_and_grad(const terms_t<Terms...>& sum, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: value_and_grad(loop + ..., vars...): differentiate with respect to variables");
    return detail::summed_gradient_fn<detail::terms_sweeper, true, terms_t<Terms...>, Vs...>{sum};
}
/// `grad(loop + expression, vars...)(bindings...)`: the gradient alone.
template <class... Terms, class... Vs>
auto grad(const terms_t<Terms...>& sum, const Vs&...) {
    static_assert((variable<Vs> && ...), "stag: grad(loop + ..., vars...): differentiate with respect to variables");
    return detail::summed_gradient_fn<detail::terms_sweeper, false, terms_t<Terms...>, Vs...>{sum};
}

namespace detail {
/// The variables a tuple of bindings binds, in order, as a node list.
template <class Bindings>
struct variables_bound_in;
template <class... B>
struct variables_bound_in<std::tuple<B...>> {
    using type = graph::node_list<graph::key<typename B::var>...>;
};
}  // namespace detail

/// check_grad of a loop (scan, map_sum, a sum of terms): a line per element of every variable bound
/// with `=` (the weights, a scan's initial states), each difference from two evaluations of the
/// whole loop; the per-step variables have none.
template <class F, class... Bs>
    requires detail::is_loop<F>
grad_check check_grad(const F& f, const Bs&... bs) {
    grad_check out;
    const auto fixed = detail::split_runtime_bindings(bs...).first;
    using Variables = typename detail::variables_bound_in<std::remove_const_t<decltype(fixed)>>::type;
    detail::check_shared_variables<decltype(eval(f, bs...)), Variables>(out, f, fixed, bs...);
    return out;
}

}  // namespace stag
