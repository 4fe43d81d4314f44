// The fused sweeps as text: stag::to_c (a standalone C99 function) and stag::to_dot (Graphviz).
//
// Both walk the same unique-node list as eval and grad, in the same order, and state each step
// through the op's own rules: its value rule as the op's C form, each backward step as the op's
// chain term (engine/chain.hpp), built over named placeholders and printed in C.
#pragma once

#include <stag/engine/chain.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/io/print.hpp>
#include <stag/ops/tensor.hpp>

#include <cmath>
#include <concepts>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace stag {

namespace detail {

// ---- placeholders: variables named stag_v<i> (value of node i) and stag_a<i> (its adjoint) -------
struct slot_text {
    char c[32]{};
    std::size_t n = 0;
};
constexpr slot_text make_slot_text(char kind, std::size_t i) {
    slot_text t;
    for (char ch : std::string_view("stag_")) t.c[t.n++] = ch;
    t.c[t.n++] = kind;
    char digits[20]{};
    std::size_t k = 0;
    do {
        digits[k++] = char('0' + i % 10);
        i /= 10;
    } while (i != 0);
    while (k != 0) t.c[t.n++] = digits[--k];
    return t;
}
template <char Kind, std::size_t I, class Seq = std::make_index_sequence<make_slot_text(Kind, I).n>>
struct slot_name;
template <char Kind, std::size_t I, std::size_t... J>
struct slot_name<Kind, I, std::index_sequence<J...>> {
    using type = boost::hana::string<make_slot_text(Kind, I).c[J]...>;
};
template <char Kind, std::size_t I>
using slot_var = var_t<typename slot_name<Kind, I>::type, deduce>;

// ---- C99 text of an expression ------------------------------------------------------------------
inline std::string c_number(double v) {
    if (std::isnan(v)) return "NAN";
    if (std::isinf(v)) return v > 0 ? "INFINITY" : "(-INFINITY)";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    std::string s = buf;
    if (s.find_first_of(".e") == std::string::npos) s += ".0";  // a double literal, never an int
    return v < 0 ? "(" + s + ")" : s;
}

/// The C expression for e, fully parenthesised (every compound result is in parentheses or a call).
template <class E>
std::string c_text(const E& e) {
    if constexpr (variable<E>) return std::string(name_v<typename E::name>);
    else if constexpr (literal<E>) return c_number(static_cast<double>(e.value));
    else if constexpr (is_rational<E>) {
        if constexpr (E::den == 1) return c_number(double(E::num));
        else return "(" + c_number(double(E::num)) + " / " + c_number(double(E::den)) + ")";
    } else if constexpr (constant<E>) return c_number(E::template value<double>());
    else {
        using Op = typename E::op;
        using N = std::remove_cvref_t<decltype(Op::notation)>;
        constexpr std::size_t n = is_op_node<E>::arity;
        // Every argument's text is an atom here: a name, a number, a call or in parentheses.
        const auto args = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::array<printed, n>{printed{c_text(arg<I>(e)), precedence::atom}...};
        }(std::make_index_sequence<n>{});
        if constexpr (requires { Op::c_code; }) return fill_pattern(Op::c_code, args.data(), n, "(", ")");
        else if constexpr (std::is_same_v<N, infix>)
            return "(" + args[0].text + " " + std::string(Op::notation.symbol) + " " + args[1].text + ")";
        else if constexpr (std::is_same_v<N, prefix>) return "(" + std::string(Op::notation.symbol) + args[0].text + ")";
        else {
            std::string out = std::string(Op::notation.name) + "(";
            for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + args[i].text;
            return out + ")";
        }
    }
}

// ---- one node of the graph, as its steps see it -------------------------------------------------
/// How node C appears as an argument in the emitted steps: a variable by its name, a constant or
/// run-time constant by its value, an operation node by its value's placeholder stag_v<C>.
template <class List, std::size_t C, class F>
constexpr auto leaf(const F& f) {
    using K = graph::type_at<C, List>;
    using N = graph::node_t<K>;
    if constexpr (graph::node_traits<N>::kind == graph::node_kind::op) return slot_var<'v', C>{};
    else if constexpr (graph::node_traits<N>::kind == graph::node_kind::literal) return graph::node_in<K>(f);
    else return N{};
}

/// The value step of op node I: its op applied to its arguments' leaves.
template <class List, std::size_t I, class F, std::size_t... J>
std::string value_step(const F& f, std::index_sequence<J...>) {
    using Op = typename graph::node_t<graph::type_at<I, List>>::op;
    return c_text(expr<Op, std::remove_cvref_t<decltype(leaf<List, graph::info<List>::nodes[I].child[J]>(f))>...>{
        leaf<List, graph::info<List>::nodes[I].child[J]>(f)...});
}

/// The backward step of op node I into its argument J: the op's chain term, seeded by the node's
/// adjoint placeholder.
template <class List, std::size_t I, std::size_t J, class F, std::size_t... Js>
std::string adjoint_step(const F& f, std::index_sequence<Js...>) {
    using Op = typename graph::node_t<graph::type_at<I, List>>::op;
    return c_text(chain_term<Op, J>(slot_var<'a', I>{}, leaf<List, graph::info<List>::nodes[I].child[Js]>(f)..., slot_var<'v', I>{}));
}

/// Text of node I as an argument (its name, value or placeholder).
template <class List, std::size_t I, class F>
std::string leaf_text(const F& f) {
    return c_text(leaf<List, I>(f));
}

// ---- tensor graphs: one C array per node, loops over static bounds ---------------------------------

/// Node C as a C array (or, for a number variable, the parameter itself): a tensor variable's
/// parameter, `(&x)` for a number variable, stag_v<C> for every other node.
template <class List, std::size_t C>
std::string c_array(bool number_as_value = false) {
    using N = graph::node_t<graph::type_at<C, List>>;
    if constexpr (variable<N>) {
        const std::string name(name_v<typename N::name>);
        if constexpr (scalar_node<N>) return number_as_value ? name : "(&" + name + ")";
        else return name;
    } else
        return "stag_v" + std::to_string(C);
}
/// Node C's element at index text `at`.
template <class List, std::size_t C>
std::string c_element(const std::string& at) {
    using N = graph::node_t<graph::type_at<C, List>>;
    if constexpr (variable<N> && scalar_node<N>) return c_array<List, C>(true);
    else return c_array<List, C>() + "[" + at + "]";
}

/// text with every `from` replaced by `to`.
inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
    return text;
}
/// The placeholder of argument J in an elementwise step's text, replaced (J descending, so that
/// stag_p1 is not taken for the start of stag_p10) by argument J's element at its broadcast index.
template <class List, std::size_t I, std::size_t... J>
std::string c_fill_arguments(std::string text, std::index_sequence<J...>) {
    constexpr auto info = graph::info<List>::nodes[I];
    using Out = node_shape_t<graph::node_t<graph::type_at<I, List>>>;
    constexpr std::size_t n = sizeof...(J);
    const std::string elements[] = {
        c_element<List, info.child[J]>(c_broadcast_index<node_shape_t<graph::node_t<graph::type_at<info.child[J], List>>>, Out>("stag_e"))...};
    for (std::size_t k = n; k-- > 0;) text = replace_all(text, "stag_p" + std::to_string(k), elements[k]);
    return text;
}

template <class List, std::size_t I, class F>
std::string dot_label(const F& f);

/// Indents every line of code by `by`.
inline std::string indent(const std::string& code, const std::string& by) {
    std::string out;
    std::size_t from = 0;
    while (from < code.size()) {
        const std::size_t end = code.find('\n', from);
        out += by + code.substr(from, end - from) + "\n";
        if (end == std::string::npos) break;
        from = end + 1;
    }
    return out;
}

/// The forward step of node I of a tensor graph.
template <class List, std::size_t I, class F>
std::string c_tensor_forward(const F& f) {
    using K = graph::type_at<I, List>;
    using N = graph::node_t<K>;
    constexpr auto kind = graph::node_traits<N>::kind;
    constexpr std::size_t count = shape_count<node_shape_t<N>>::value;
    const std::string v = "stag_v" + std::to_string(I);
    if constexpr (kind == graph::node_kind::variable) return "";
    else if constexpr (kind != graph::node_kind::op)
        return "    const double " + v + "[1] = {" + c_text(graph::node_in<K>(f)) + "};\n";
    else {
        using Op = typename N::op;
        constexpr auto info = graph::info<List>::nodes[I];
        std::string code = "    double " + v + "[" + std::to_string(count) + "];  /* " + dot_label<List, I>(f) + " */\n";
        if constexpr (tensor_level_op<Op>) {
            return [&]<std::size_t... J>(std::index_sequence<J...>) {
                using Sh = shapes<node_shape_t<N>, node_shape_t<graph::node_t<graph::type_at<info.child[J], List>>>...>;
                constexpr bool stated = requires(const c_arrays& a) {
                    { Op::c_forward(Sh{}, a) } -> std::same_as<std::string>;
                };
                static_assert(stated, "stag: to_c: a tensor-level op of the expression states no C form (c_forward and c_backward<J>)");
                if constexpr (stated) {
                    c_arrays names{v, "", "", {}};
                    ((names.arg[J] = c_array<List, info.child[J]>()), ...);
                    return code + indent(Op::c_forward(Sh{}, names), "    ");
                } else
                    return code;
            }(std::make_index_sequence<info.arity>{});
        } else {
            const std::string step = [&]<std::size_t... J>(std::index_sequence<J...>) {
                return c_text(expr<Op, slot_var<'p', J>...>{slot_var<'p', J>{}...});
            }(std::make_index_sequence<info.arity>{});
            return code + "    for (int stag_e = 0; stag_e < " + std::to_string(count) + "; ++stag_e) " + v + "[stag_e] = " +
                   c_fill_arguments<List, I>(step, std::make_index_sequence<info.arity>{}) + ";\n";
        }
    }
}

/// The backward step of op node I of a tensor graph into its argument J.
template <class List, std::size_t I, std::size_t J>
std::string c_tensor_push() {
    using N = graph::node_t<graph::type_at<I, List>>;
    using Op = typename N::op;
    constexpr auto info = graph::info<List>::nodes[I];
    constexpr std::size_t c = info.child[J];
    using Out = node_shape_t<N>;
    using In = node_shape_t<graph::node_t<graph::type_at<c, List>>>;
    const std::string to = "stag_a" + std::to_string(c), adj = "stag_a" + std::to_string(I), v = "stag_v" + std::to_string(I);
    if constexpr (tensor_level_op<Op>) {
        return [&]<std::size_t... K>(std::index_sequence<K...>) {
            c_arrays names{v, adj, to, {}};
            ((names.arg[K] = c_array<List, info.child[K]>()), ...);
            using Sh = shapes<Out, node_shape_t<graph::node_t<graph::type_at<info.child[K], List>>>...>;
            if constexpr (requires { Op::template c_backward<J>(Sh{}, names); }) return indent(Op::template c_backward<J>(Sh{}, names), "    ");
            else return std::string();  // c_forward's check has said so
        }(std::make_index_sequence<info.arity>{});
    } else {
        std::string term = [&]<std::size_t... K>(std::index_sequence<K...>) {
            return c_text(chain_term<Op, J>(slot_var<'s', 0>{}, slot_var<'p', K>{}..., slot_var<'r', 0>{}));
        }(std::make_index_sequence<info.arity>{});
        term = replace_all(replace_all(term, "stag_s0", adj + "[stag_e]"), "stag_r0", v + "[stag_e]");
        term = c_fill_arguments<List, I>(term, std::make_index_sequence<info.arity>{});
        return "    for (int stag_e = 0; stag_e < " + std::to_string(shape_count<Out>::value) + "; ++stag_e) " + to + "[" + c_broadcast_index<In, Out>("stag_e") +
               "] += " + term + ";\n";
    }
}

/// to_c of a tensor graph: its variables as parameters (a tensor as `const double W[count]`,
/// row-major; a number as `double x`), one local array per node, the forward steps in the order
/// of the sweep, and with the gradient the backward steps in reverse order into zeroed adjoint
/// arrays; each variable's gradient goes to its own array `grad_<name>[count]`.
template <class F, class... Vs>
std::string emit_tensor_c(const F& f, std::string_view name, bool with_gradient) {
    using List = graph::nodes_t<F>;
    using Act = graph::activity<List, Vs...>;
    constexpr std::size_t n = List::size;
    constexpr std::size_t root_count = shape_count<node_shape_t<graph::node_t<graph::type_at<n - 1, List>>>>::value;
    static_assert(sizeof...(Vs) == 0 || root_count == 1,
                  "stag: to_c(grad(f, ...), name): f must have one element; reduce a tensor with stag::sum or stag::mean first");
    std::string params, body;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto step = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
            using N = graph::node_t<graph::type_at<K, List>>;
            if constexpr (variable<N>) {
                const std::string v(name_v<typename N::name>);
                if constexpr (scalar_node<N>) params += (params.empty() ? "" : ", ") + std::string("double ") + v;
                else params += (params.empty() ? "" : ", ") + std::string("const double ") + v + "[" + std::to_string(shape_count<node_shape_t<N>>::value) + "]";
            }
            body += c_tensor_forward<List, K>(f);
        };
        (step(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<n>{});
    const std::string root = c_array<List, n - 1>();
    std::string result;
    if (with_gradient) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            auto adjoint = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
                if constexpr (Act::reached[K])
                    body += "    double stag_a" + std::to_string(K) + "[" + std::to_string(shape_count<node_shape_t<graph::node_t<graph::type_at<K, List>>>>::value) +
                            "] = {0.0};\n";
            };
            (adjoint(std::integral_constant<std::size_t, I>{}), ...);
            if constexpr (Act::reached[n - 1]) body += "    stag_a" + std::to_string(n - 1) + "[0] = 1.0;\n";
            auto step = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
                constexpr auto info = graph::info<List>::nodes[K];
                if constexpr (Act::reached[K] && graph::node_traits<graph::node_t<graph::type_at<K, List>>>::kind == graph::node_kind::op &&
                              !info.piecewise_constant)
                    [&]<std::size_t... J>(std::index_sequence<J...>) {
                        auto push = [&]<std::size_t Jc>(std::integral_constant<std::size_t, Jc>) {
                            if constexpr (Act::active[info.child[Jc]]) body += c_tensor_push<List, K, Jc>();
                        };
                        (push(std::integral_constant<std::size_t, J>{}), ...);
                    }(std::make_index_sequence<info.arity>{});
            };
            (step(std::integral_constant<std::size_t, n - 1 - I>{}), ...);
        }(std::make_index_sequence<n>{});
        auto out = [&]<class V>(V*) {
            const std::string g = "grad_" + std::string(name_v<typename V::name>);
            constexpr std::size_t count = shape_count<node_shape_t<V>>::value;
            params += ", double " + g + "[" + std::to_string(count) + "]";
            std::string from = "0.0";
            if constexpr (graph::contains<graph::key<V>, List>::value) {
                constexpr std::size_t i = graph::position_of<graph::key<V>, List>::value;
                if constexpr (Act::reached[i]) from = "stag_a" + std::to_string(i) + "[stag_e]";
            }
            body += "    for (int stag_e = 0; stag_e < " + std::to_string(count) + "; ++stag_e) " + g + "[stag_e] = " + from + ";\n";
        };
        (out(static_cast<Vs*>(nullptr)), ...);
        (void)out;
    } else if (root_count > 1) {
        params += ", double stag_result[" + std::to_string(root_count) + "]";
        body += "    for (int stag_e = 0; stag_e < " + std::to_string(root_count) + "; ++stag_e) stag_result[stag_e] = " + c_element<List, n - 1>("stag_e") + ";\n";
    }
    std::string code = "#include <math.h>\n\n";
    code += "/* Generated by stag::to_c from a tensor expression: ";
    code += with_gradient ? "the value, returned, and the gradient with respect to each variable given to grad, in grad_<name>[]"
                          : (root_count > 1 ? "its value, in stag_result[] (row-major)" : "its value");
    code += ".\n   Tensors are row-major arrays; loops over static bounds in the order of stag's sweeps; no dependencies but "
            "<math.h>. */\n";
    const bool returns = with_gradient || root_count == 1;
    code += std::string(returns ? "double " : "void ") + std::string(name) + "(" + (params.empty() ? "void" : params) + ") {\n" + body;
    if (returns) code += "    return " + c_element<List, n - 1>("0") + ";\n";
    return code + "}\n";
}

template <class F, class... Vs>
std::string emit_scalar_c(const F& f, std::string_view name, bool with_gradient);
template <class F, class... Vs>
std::string emit_c(const F& f, std::string_view name, bool with_gradient) {
    static_assert(!has_run_time_axis<F>, "stag: to_c: an expression with a run-time axis (stag::dynamic) has no C form; "
                                         "emit it over a fixed number of rows (a static tensor type), or per row");
    if constexpr (has_run_time_axis<F>) return std::string();
    else if constexpr (tensor_expression<F>) return emit_tensor_c<F, Vs...>(f, name, with_gradient);
    else return emit_scalar_c<F, Vs...>(f, name, with_gradient);
}

template <class F, class... Vs>
std::string emit_scalar_c(const F& f, std::string_view name, bool with_gradient) {
    using List = graph::nodes_t<F>;
    using Act = graph::activity<List, Vs...>;
    constexpr std::size_t n = List::size;
    std::string params, body;
    // Values, in the order of the forward sweep.
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto step = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
            using N = graph::node_t<graph::type_at<K, List>>;
            if constexpr (graph::node_traits<N>::kind == graph::node_kind::variable)
                params += (params.empty() ? "" : ", ") + std::string("double ") + std::string(name_v<typename N::name>);
            else if constexpr (graph::node_traits<N>::kind == graph::node_kind::op)
                body += "    const double stag_v" + std::to_string(K) + " = " +
                        value_step<List, K>(f, std::make_index_sequence<graph::info<List>::nodes[K].arity>{}) + ";\n";
        };
        (step(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<n>{});
    if (with_gradient) {
        // Adjoints of the nodes the root reaches, then the backward steps in reverse order.
        for (std::size_t i = 0; i < n; ++i)
            if (Act::reached[i])
                body += "    double stag_a" + std::to_string(i) + " = " + (i == n - 1 ? "1.0" : "0.0") + ";\n";
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            auto step = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
                constexpr auto info = graph::info<List>::nodes[K];
                if constexpr (Act::reached[K] && info.arity > 0 && !info.piecewise_constant) {
                    [&]<std::size_t... J>(std::index_sequence<J...>) {
                        auto push = [&]<std::size_t Jc>(std::integral_constant<std::size_t, Jc>) {
                            constexpr std::size_t c = info.child[Jc];
                            if constexpr (Act::active[c])
                                body += "    stag_a" + std::to_string(c) + " += " +
                                        adjoint_step<List, K, Jc>(f, std::make_index_sequence<info.arity>{}) + ";\n";
                        };
                        (push(std::integral_constant<std::size_t, J>{}), ...);
                    }(std::make_index_sequence<info.arity>{});
                }
            };
            (step(std::integral_constant<std::size_t, n - 1 - I>{}), ...);
        }(std::make_index_sequence<n>{});
        std::size_t k = 0;
        auto out = [&]<class V>(V*) {
            std::string value = "0.0";
            if constexpr (graph::contains<graph::key<V>, List>::value) {
                constexpr std::size_t i = graph::position_of<graph::key<V>, List>::value;
                if constexpr (Act::reached[i]) value = "stag_a" + std::to_string(i);
            }
            body += "    gradient[" + std::to_string(k++) + "] = " + value + ";  /* d/d" + std::string(name_v<typename V::name>) + " */\n";
        };
        (out(static_cast<Vs*>(nullptr)), ...);
        (void)out;
        params += (params.empty() ? "" : ", ") + std::string("double gradient[") + std::to_string(sizeof...(Vs)) + "]";
    }
    std::string code = "#include <math.h>\n\n";
    code += "/* Generated by stag::to_c: the value";
    code += with_gradient ? " and the gradient (in gradient[], in the order the variables were given to grad)" : "";
    code += ".\n   Straight-line code in the order of stag's fused sweep; no dependencies but <math.h>. */\n";
    code += "double " + std::string(name) + "(" + (params.empty() ? "void" : params) + ") {\n" + body;
    code += "    return " + leaf_text<List, n - 1>(f) + ";\n}\n";
    return code;
}

/// A node's label in a picture: its variable name, its value, or its op's symbol or name.
template <class List, std::size_t I, class F>
std::string dot_label(const F& f) {
    using K = graph::type_at<I, List>;
    using N = graph::node_t<K>;
    if constexpr (graph::node_traits<N>::kind == graph::node_kind::op) {
        using Op = typename N::op;
        using Notation = std::remove_cvref_t<decltype(Op::notation)>;
        if constexpr (std::is_same_v<Notation, call>) {
            std::string s(Op::notation.name);
            if constexpr (requires { Op::trailing_arguments(); }) s += "(\u00b7" + Op::trailing_arguments() + ")";
            return s;
        } else
            return std::string(Op::notation.symbol);
    } else
        return to_string(graph::node_in<K>(f));
}

inline std::string dot_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out;
}

/// A tensor node's shape as the second line of its DOT label ("\\n8 x 4"); nothing for a number. A
/// run-time axis shows as "rows" ("\\nrows x 4").
template <std::size_t... D>
std::string dot_shape_of(std::index_sequence<D...>) {
    std::string out;
    ((out += out.empty() ? "\\n" : " x ", out += D == dynamic ? "rows" : std::to_string(D)), ...);
    return out;
}
template <class Shape>
std::string dot_shape() {
    return dot_shape_of(Shape{});
}

/// Graphviz DOT of the unique nodes of f (n<i>, arguments pointing to their users), and with
/// Vs given, of the adjoints of the nodes the root reaches (a<i>, dashed, from a node's adjoint to
/// its arguments' adjoints: the backward sweep's flow).
template <class F, class... Vs>
std::string emit_dot(const F& f, bool with_adjoints) {
    using List = graph::nodes_t<F>;
    using Act = graph::activity<List, Vs...>;
    constexpr std::size_t n = List::size;
    std::string out = "digraph stag {\n  rankdir=BT;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto node = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
            using N = graph::node_t<graph::type_at<K, List>>;
            constexpr auto kind = graph::node_traits<N>::kind;
            // Appended piece by piece: g++ 12 warns (-Wrestrict, wrongly) on a chain of + here.
            out += "  n";
            out += std::to_string(K);
            out += " [label=\"";
            out += dot_escape(dot_label<List, K>(f));
            out += dot_shape<node_shape_t<N>>();
            out += '"';
            if constexpr (kind == graph::node_kind::variable) out += ", shape=ellipse, style=filled, fillcolor=\"#dbe9f6\"";
            else if constexpr (kind != graph::node_kind::op) out += ", shape=plaintext";
            if (K == n - 1) out += ", penwidth=2";
            out += "];\n";
        };
        (node(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<n>{});
    for (std::size_t i = 0; i < n; ++i) {
        const auto& info = graph::info<List>::nodes[i];
        for (std::size_t j = 0; j < info.arity; ++j)
            out += "  n" + std::to_string(info.child[j]) + " -> n" + std::to_string(i) + ";\n";
    }
    if (with_adjoints) {
        out += "  node [shape=box, style=\"rounded,dashed\", color=\"#b03030\", fontcolor=\"#b03030\"];\n";
        out += "  edge [style=dashed, color=\"#b03030\"];\n";
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            auto node = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
                if constexpr (Act::reached[K])
                    out += "  a" + std::to_string(K) + " [label=\"adjoint of " + dot_escape(dot_label<List, K>(f)) + "\"];\n";
            };
            (node(std::integral_constant<std::size_t, I>{}), ...);
        }(std::make_index_sequence<n>{});
        for (std::size_t i = 0; i < n; ++i) {
            const auto& info = graph::info<List>::nodes[i];
            if (!Act::reached[i] || info.piecewise_constant) continue;
            for (std::size_t j = 0; j < info.arity; ++j)
                if (Act::active[info.child[j]])
                    out += "  a" + std::to_string(i) + " -> a" + std::to_string(info.child[j]) + ";\n";
        }
    }
    return out + "}\n";
}

}  // namespace detail

/// Graphviz DOT of the forward graph of f: one box per unique node, a shared node drawn once.
template <expression F>
std::string to_dot(const F& f) {
    return detail::emit_dot<F>(f, false);
}
/// DOT of the fused forward and backward graph of a gradient: the forward graph, and dashed the
/// adjoints the backward sweep computes and where each one flows.
template <class F, class... Vs>
std::string to_dot(const grad_fn<F, Vs...>& g) {
    return detail::emit_dot<F, Vs...>(g.f, true);
}
template <class F, class... Vs>
std::string to_dot(const value_and_grad_fn<F, Vs...>& g) {
    return detail::emit_dot<F, Vs...>(g.f, true);
}


/// A standalone C99 function computing f: `double name(double x, double y)`, its parameters being
/// f's variables in the order of the forward sweep. Run-time constants are written in as numbers.
template <expression F>
std::string to_c(const F& f, std::string_view name) {
    return detail::emit_c<F>(f, name, false);
}
/// The same for a gradient: `double name(double x, ..., double gradient[n])` returns the value and
/// writes the gradient in the order the variables were given to grad.
template <class F, class... Vs>
std::string to_c(const grad_fn<F, Vs...>& g, std::string_view name) {
    return detail::emit_c<F, Vs...>(g.f, name, true);
}
template <class F, class... Vs>
std::string to_c(const value_and_grad_fn<F, Vs...>& g, std::string_view name) {
    return detail::emit_c<F, Vs...>(g.f, name, true);
}

}  // namespace stag
