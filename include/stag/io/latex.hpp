// stag::to_latex: an expression as LaTeX math.
#pragma once

#include <stag/core/op.hpp>
#include <stag/io/print.hpp>

#include <array>
#include <string>
#include <string_view>
#include <type_traits>

namespace stag {

namespace detail {

/// LaTeX's own names for functions: \sin rather than \operatorname{sin}.
inline bool latex_has_operator(std::string_view name) {
    constexpr std::array<std::string_view, 11> known{"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "max", "min", "arg"};
    for (auto k : known)
        if (k == name) return true;
    return false;
}

template <class E>
printed latex(const E& e) {
    if constexpr (variable<E>) {
        // Multi-letter names are set upright, as in \mathrm{loss}.
        const std::string_view name = name_v<typename E::name>;
        if (name.size() == 1) return {std::string(name), precedence::atom};
        return {"\\mathrm{" + std::string(name) + "}", precedence::atom};
    } else if constexpr (literal<E>) {
        std::string s;
        print_number(s, e.value);
        return {s, s[0] == '-' ? precedence::unary : precedence::atom};
    } else if constexpr (is_rational<E>) {
        const std::string sign = E::num < 0 ? "-" : "";
        const std::string num = std::to_string(E::num < 0 ? -E::num : E::num);
        if constexpr (E::den == 1) return {sign + num, E::num < 0 ? precedence::unary : precedence::atom};
        else return {sign + "\\frac{" + num + "}{" + std::to_string(E::den) + "}", E::num < 0 ? precedence::unary : precedence::atom};
    } else if constexpr (constant<E>) {
        return {"\\" + std::string(E::tag_name()), precedence::atom};
    } else {
        using Op = typename E::op;
        using N = std::remove_cvref_t<decltype(Op::notation)>;
        constexpr std::size_t n = is_op_node<E>::arity;
        const auto args = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<printed, n>{latex(arg<I>(e))...};
        }(std::make_index_sequence<n>{});
        if constexpr (requires { Op::latex; }) {
            return {fill_pattern(Op::latex, args.data(), n, "\\left(", "\\right)"), precedence::atom};
        } else if constexpr (std::is_same_v<N, infix>) {
            const int p = Op::notation.precedence;
            std::string symbol(Op::notation.symbol);
            if constexpr (requires { Op::latex_symbol; }) symbol = std::string(Op::latex_symbol);
            auto side = [](const printed& a, bool parens) { return parens ? "\\left(" + a.text + "\\right)" : a.text; };
            constexpr bool associative = requires { requires Op::associative; };
            const bool right_parens = associative ? args[1].precedence < p : args[1].precedence <= p;
            return {side(args[0], args[0].precedence < p) + " " + symbol + " " + side(args[1], right_parens), p};
        } else if constexpr (std::is_same_v<N, prefix>) {
            const bool parens = args[0].precedence <= precedence::unary;
            return {std::string(Op::notation.symbol) + (parens ? "\\left(" + args[0].text + "\\right)" : args[0].text),
                    precedence::unary};
        } else {
            const std::string_view name = Op::notation.name;
            std::string out = latex_has_operator(name) ? "\\" + std::string(name) : "\\operatorname{" + std::string(name) + "}";
            out += "\\left(";
            for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + args[i].text;
            return {out + "\\right)", precedence::atom};
        }
    }
}

}  // namespace detail

/// The expression as LaTeX math (without $ delimiters): `to_latex(x / (1 + exp(-y)))` is
/// "\frac{x}{1 + e^{-y}}". Variables with one letter are set in italic, longer names upright.
template <expression E>
std::string to_latex(const E& e) {
    return detail::latex(e).text;
}

}  // namespace stag
