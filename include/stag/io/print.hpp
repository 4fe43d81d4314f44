// stag::to_string: an expression printed as C-like infix text with minimal parentheses.
#pragma once

#include <stag/core/op.hpp>

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace stag {

namespace detail {

template <class E>
constexpr int precedence_of(const E& e) {
    if constexpr (variable<E> || op_node<E>) {
        if constexpr (op_node<E>) {
            using N = std::remove_cvref_t<decltype(E::op::notation)>;
            if constexpr (std::is_same_v<N, infix>) return E::op::notation.precedence;
            else if constexpr (std::is_same_v<N, prefix>) return precedence::unary;
            else return precedence::atom;
        } else return precedence::atom;
    } else if constexpr (literal<E>) {
        if constexpr (std::is_arithmetic_v<decltype(e.value)>) return e.value < 0 ? precedence::unary : precedence::atom;
        else return precedence::atom;
    } else if constexpr (is_rational<E>) {
        if constexpr (E::den != 1) return precedence::multiplicative;
        else return E::num < 0 ? precedence::unary : precedence::atom;
    } else return precedence::atom;
}

template <class T>
void print_number(std::string& out, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        out += v ? "true" : "false";
    } else {
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, res.ptr);
    }
}

/// Printed text and how tightly it binds (stag::precedence).
struct printed {
    std::string text;
    int precedence;
};

/// An op's `latex` or `c_code` pattern with $0, $1, $2 replaced by the arguments, and $(0)... by
/// the argument between `open` and `close` unless it is an atom.
inline std::string fill_pattern(std::string_view pattern, const printed* args, std::size_t n, std::string_view open,
                                std::string_view close) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '$' && i + 1 < pattern.size()) {
            const bool wrap = pattern[i + 1] == '(';
            const std::size_t d = wrap ? i + 2 : i + 1;
            if (d < pattern.size() && pattern[d] >= '0' && pattern[d] <= '9' && std::size_t(pattern[d] - '0') < n) {
                const printed& a = args[pattern[d] - '0'];
                const bool parens = wrap && a.precedence < precedence::atom;
                if (parens) out += open;
                out += a.text;
                if (parens) out += close;
                i = wrap ? d + 1 : d;  // past the digit, and past ')' for $(N)
                continue;
            }
        }
        out += pattern[i];
    }
    return out;
}

template <class E>
void print(std::string& out, const E& e);

template <class E>
void print_wrapped(std::string& out, const E& e, bool parens) {
    if (parens) out += '(';
    print(out, e);
    if (parens) out += ')';
}

template <class E>
void print(std::string& out, const E& e) {
    if constexpr (variable<E>) out += name_v<typename E::name>;
    else if constexpr (literal<E>) print_number(out, e.value);
    else if constexpr (is_rational<E>) {
        out += std::to_string(E::num);
        if constexpr (E::den != 1) {
            out += '/';  // not "/" + std::to_string(...): g++ 12 gives a false -Wrestrict on that
            out += std::to_string(E::den);
        }
    } else if constexpr (constant<E>) out += E::tag_name();
    else {
        using Op = typename E::op;
        using N = std::remove_cvref_t<decltype(Op::notation)>;
        if constexpr (std::is_same_v<N, infix>) {
            const int p = Op::notation.precedence;
            print_wrapped(out, arg<0>(e), precedence_of(arg<0>(e)) < p);
            out += ' ';
            out += Op::notation.symbol;
            out += ' ';
            print_wrapped(out, arg<1>(e), precedence_of(arg<1>(e)) <= p);
        } else if constexpr (std::is_same_v<N, prefix>) {
            out += Op::notation.symbol;
            print_wrapped(out, arg<0>(e), precedence_of(arg<0>(e)) <= precedence::unary);
        } else {
            out += Op::notation.name;
            out += '(';
            [&]<std::size_t... J>(std::index_sequence<J...>) {
                ((J == 0 ? void() : void(out += ", "), print(out, arg<J>(e))), ...);
            }(std::make_index_sequence<is_op_node<E>::arity>{});
            if constexpr (requires { Op::trailing_arguments(); }) out += Op::trailing_arguments();
            out += ')';
        }
    }
}

}  // namespace detail

/// The expression as text: `to_string((x + y) * z)` is "(x + y) * z". Run-time constants print in
/// their shortest round-trip form, compile-time rationals as N or N/D.
template <expression E>
std::string to_string(const E& e) {
    std::string out;
    detail::print(out, e);
    return out;
}

}  // namespace stag
