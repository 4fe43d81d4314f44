// A run-time axis: tensor variables whose leading axis has a length known only at the call
// (`stag::var<"X", stag::tensor<double, stag::dynamic, 64>>`), in ordinary stag expressions.
//
// Such an expression is taken apart on its type, into three kinds of node:
// - a row node has the run-time axis as its leading one: row i of its value depends only on row i
//   of its arguments (elementwise ops, a static weight broadcast against the rows, matmul with a
//   static right-hand side, softmax along the last axis, ...);
// - a sum node takes a row node to a value without that axis by summing over it (stag::sum of all
//   elements, sum<0>; stag::mean is a sum times 1 / the length);
// - everything above the sums (the outer expression) has static shapes.
// An op tells which it is through its contract (ops/tensor.hpp): `rows_apart<Shapes...>` where a
// tensor-level op keeps rows apart, `sums_rows<Shapes...>` where it sums over the leading axis;
// elementwise ops keep rows apart by construction. What fits none of these (an op that mixes rows,
// a row value that reads a sum over all rows) is a compile-time `stag:` error.
//
// Each row node is computed per row over a row of the variables (their leading axis of length 1):
// one expression of static shape, compiled once, whatever the length. Each sum node becomes a
// variable H_j of the outer expression O. The gradient of the whole with respect to shared
// variables W is dO/dW + sum_j <dO/dH_j, sum over rows of d(row part j)/dW>: one map_sum
// (engine/map_sum.hpp) of sum_j <a_j, row part j> with a_j = dO/dH_j bound as numbers. Where O is
// affine in the H_j with constant coefficients (a mean loss plus a regulariser), the a_j do not
// depend on the sums, and one pass over the rows gives value and gradient; otherwise a first pass
// computes the sums.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/derivative.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/map_sum.hpp>
#include <stag/engine/tensor_sweep.hpp>
#include <stag/ops/tensor.hpp>

#include <boost/hana/string.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

namespace detail {

/// Whether a variable with a run-time axis is below node N.
struct declared_with_rows {
    template <class V>
    static constexpr bool holds = rows_variable<V>;
};
template <class N>
using uses_rows = involves<N, declared_with_rows>;

/// What a node is to the run-time axis: not on it (fixed), a row node, a sum node, or a node of the
/// outer expression (above the sums).
enum class rows_role { fixed, row, sum, outer };

template <class Op, class... Shapes>
inline constexpr bool op_keeps_rows_apart = [] {
    if constexpr (!tensor_level_op<Op>) return true;  // elementwise
    else if constexpr (requires { Op::template rows_apart<Shapes...>; }) return bool(Op::template rows_apart<Shapes...>);
    else return false;
}();
template <class Op, class... Shapes>
inline constexpr bool op_sums_rows = [] {
    if constexpr (requires { Op::template sums_rows<Shapes...>; }) return bool(Op::template sums_rows<Shapes...>);
    else return false;
}();

template <class N>
inline constexpr bool row_shaped = leading_dynamic<node_shape_t<N>>;

template <class N>
struct role_of {
    static constexpr rows_role value = [] {
        if constexpr (!uses_rows<N>::value) return rows_role::fixed;
        else if constexpr (row_shaped<N>) return rows_role::row;
        else return []<class Op, class... Args>(std::type_identity<expr_base<Op, Args...>>) {
            if constexpr (sizeof...(Args) == 1 && (row_shaped<Args> && ...) && op_sums_rows<Op, node_shape_t<Args>...>) return rows_role::sum;
            else return rows_role::outer;
        }(std::type_identity<pattern_t<N>>{});
    }();
};

/// What is wrong with node N on the run-time axis (0: nothing).
enum class rows_fault { none, mixes_rows, drops_the_axis, dynamic_inside };

template <class Shape>
struct dynamic_past_leading;
template <std::size_t... D>
struct dynamic_past_leading<std::index_sequence<D...>> {
    static constexpr bool value = [] {
        constexpr std::size_t d[] = {D..., 0};
        for (std::size_t i = 1; i < sizeof...(D); ++i)
            if (d[i] == dynamic) return true;
        return false;
    }();
};

template <class N>
constexpr rows_fault fault_of() {
    constexpr rows_role role = role_of<N>::value;
    if constexpr (!op_node<N> || role == rows_role::fixed || role == rows_role::sum) return rows_fault::none;
    else return []<class Op, class... Args>(std::type_identity<expr_base<Op, Args...>>) {
        if constexpr (role == rows_role::row) {
            if constexpr (!op_keeps_rows_apart<Op, node_shape_t<Args>...>) return rows_fault::mixes_rows;
            else if constexpr (dynamic_past_leading<node_shape_t<N>>::value) return rows_fault::dynamic_inside;
            else return rows_fault::none;
        } else {  // outer: above the sums, or an op that drops the axis
            if constexpr ((row_shaped<Args> || ...)) return rows_fault::drops_the_axis;
            else return rows_fault::none;
        }
    }(std::type_identity<pattern_t<N>>{});
}

template <class N, rows_fault Fault>
constexpr bool node_keeps_to_the_rows() {
    static_assert(Fault != rows_fault::mixes_rows,
                  "stag: an operation would mix the rows of the run-time axis (it works along that axis, or its op does not "
                  "declare rows_apart): apply it along another axis, or to values without the run-time axis");
    static_assert(Fault != rows_fault::drops_the_axis,
                  "stag: an operation takes a value with the run-time axis to one without it; only a sum over that axis "
                  "(stag::sum or stag::mean of all elements, or along axis 0) may do so");
    static_assert(Fault != rows_fault::dynamic_inside, "stag: only the leading axis of a tensor may be stag::dynamic");
    return Fault == rows_fault::none;
}

/// stag's error for the first node (from the leaves up) that does not keep to the rows.
template <class List>
struct rows_check;
template <class... Ks>
struct rows_check<graph::node_list<Ks...>> {
    static constexpr std::size_t first_fault() {
        constexpr rows_fault faults[] = {fault_of<graph::node_t<Ks>>()..., rows_fault::none};
        std::size_t i = 0;
        while (i < sizeof...(Ks) && faults[i] == rows_fault::none) ++i;
        return i;
    }
    template <std::size_t At>
    static constexpr bool report() {
        if constexpr (At == sizeof...(Ks)) return true;
        else {
            using N = graph::node_t<graph::type_at<At, graph::node_list<Ks...>>>;
            return node_keeps_to_the_rows<N, fault_of<N>()>();
        }
    }
    static constexpr bool value = report<first_fault()>();
};

// ---- the parts: per-row expressions and the outer expression ------------------------------------

/// A row of tensor<T, dynamic, Dims...>: a tensor<T, 1, Dims...> (the leading axis kept, of
/// length 1, so that every axis keeps its number).
template <class T>
struct one_row;
template <class T, std::size_t... Dims>
struct one_row<tensor<T, dynamic, Dims...>> {
    using type = tensor<T, 1, Dims...>;
};

template <class Shape>
struct as_one_row;
template <std::size_t L, std::size_t... D>
struct as_one_row<std::index_sequence<L, D...>> {
    using type = std::index_sequence<1, D...>;
};

template <bool Fits>
constexpr void op_type_fixes_no_length() {
    static_assert(Fits,
                  "stag: an operation's own type names the run-time axis's length (a broadcast or reshape to a shape with "
                  "stag::dynamic): not supported on a run-time axis");
}

/// The per-row form of a row or sum node: rows variables as one row of theirs, every row node
/// rebuilt over its arguments' per-row forms; fixed nodes as they are.
struct row_former {
    template <class N>
    static constexpr auto apply(const N& n) {
        if constexpr (rows_variable<N>) return var_t<typename N::name, typename one_row<typename N::value_type>::type>{};
        else if constexpr (role_of<N>::value == rows_role::fixed) return n;
        else if constexpr (op_node<N>) {
            auto r = rebuild(n, std::type_identity<pattern_t<N>>{}, std::make_index_sequence<is_op_node<N>::arity>{});
            if constexpr (role_of<N>::value == rows_role::row)
                op_type_fixes_no_length<std::is_same_v<node_shape_t<decltype(r)>, typename as_one_row<node_shape_t<N>>::type>>();
            return r;
        } else
            return n;
    }
    template <class N, class Op, class... Args, std::size_t... I>
    static constexpr auto rebuild(const N& n, std::type_identity<expr_base<Op, Args...>>, std::index_sequence<I...>) {
        return expr<Op, decltype(apply(arg<I>(n)))...>(apply(arg<I>(n))...);
    }
};

/// The variables standing for sum node I of the unique nodes (its value in the outer expression),
/// and for the outer expression's derivative with respect to it (the weight of its rows).
template <std::size_t I>
using rows_sum_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 's', 'u', 'm', ' ', char('0' + I / 100 % 10),
                                          char('0' + I / 10 % 10), char('0' + I % 10)>;
template <std::size_t I>
using rows_weight_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 'w', 'e', 'i', 'g', 'h', 't', ' ', char('0' + I / 100 % 10),
                                             char('0' + I / 10 % 10), char('0' + I % 10)>;

/// The path of argument I of the node at Path.
template <class Path, std::size_t I>
struct path_to;
template <std::size_t... P, std::size_t I>
struct path_to<graph::path<P...>, I> {
    using type = graph::path<P..., I>;
};

/// Node n, found at Path, rebuilt over Former::apply<path of argument I>(argument I) for each I.
template <class Former, class Path, class N, class Op, class... Args, std::size_t... I>
constexpr auto rebuild_along(const N& n, std::type_identity<expr_base<Op, Args...>>, std::index_sequence<I...>) {
    return expr<Op, decltype(Former::template apply<typename path_to<Path, I>::type>(arg<I>(n)))...>(
        Former::template apply<typename path_to<Path, I>::type>(arg<I>(n))...);
}
template <class Former, class Path, class N>
constexpr auto rebuild_along(const N& n) {
    return rebuild_along<Former, Path>(n, std::type_identity<pattern_t<N>>{}, std::make_index_sequence<is_op_node<N>::arity>{});
}

/// The outer expression of F: each sum node replaced by its variable (S: the scalar type of the
/// call, of which a tensor-valued sum's variable is declared).
template <class List, class S>
struct outer_former {
    template <class N, class Path>
    static constexpr std::size_t index = graph::position_of<std::conditional_t<bool(N::stateless), graph::key<N>, graph::at<N, Path>>, List>::value;

    template <class Path, class N>
    static constexpr auto apply(const N& n) {
        if constexpr (role_of<N>::value == rows_role::sum) {
            constexpr std::size_t i = index<N, Path>;
            static_assert(i < 1000, "stag: an expression over a run-time axis has more than 1000 nodes");
            return var_t<rows_sum_name<i>, typename root_value<S, node_shape_t<N>>::type>{};
        } else if constexpr (role_of<N>::value == rows_role::outer && op_node<N>)
            return rebuild_along<outer_former, Path>(n);
        else
            return n;
    }
};

/// The variable standing for node I of the unique nodes where rows read it (see roles_in::is_read).
template <std::size_t I>
using rows_read_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 'r', 'e', 'a', 'd', ' ', char('0' + I / 100 % 10),
                                           char('0' + I / 10 % 10), char('0' + I % 10)>;

/// The positions where a constexpr array of flags (with one false past the end) is true, as an
/// index_sequence: the positions counted into an array, then the sequence read off it (no
/// recursion over the nodes).
template <const auto& Flags>
struct flagged_positions {
    static constexpr std::size_t count = [] {
        std::size_t c = 0;
        for (bool b : Flags) c += b;
        return c;
    }();
    static constexpr std::array<std::size_t, count + 1> at = [] {
        std::array<std::size_t, count + 1> r{};
        std::size_t c = 0, i = 0;
        for (bool b : Flags) {
            if (b) r[c++] = i;
            ++i;
        }
        return r;
    }();
    template <std::size_t... J>
    static constexpr auto read(std::index_sequence<J...>) -> std::index_sequence<at[J]...>;
    using type = decltype(read(std::make_index_sequence<count>{}));
};

/// Which nodes have role R.
template <std::size_t N>
constexpr std::array<bool, N> with_role(const rows_role (&role)[N], rows_role r) {
    std::array<bool, N> out{};
    for (std::size_t i = 0; i + 1 < N; ++i) out[i] = role[i] == r;
    return out;
}
/// Which nodes a row node reads among those that are not per row (see roles_in::is_read).
template <std::size_t N, class Info>
constexpr std::array<bool, N> read_flags(const rows_role (&role)[N], const std::array<Info, N - 1>& nodes) {
    std::array<bool, N> r{};
    for (std::size_t i = 0; i + 1 < N; ++i)
        if (role[i] == rows_role::row)
            for (std::size_t j = 0; j < nodes[i].arity; ++j)
                if (const std::size_t c = nodes[i].child[j]; role[c] == rows_role::sum || role[c] == rows_role::outer) r[c] = true;
    return r;
}

/// The roles of F's unique nodes, in order (with one more, fixed, past the end).
template <class List, class Is = std::make_index_sequence<List::size>>
struct roles_in;
template <class List, std::size_t... I>
struct roles_in<List, std::index_sequence<I...>> {
    static constexpr rows_role of[] = {role_of<graph::node_t<graph::type_at<I, List>>>::value..., rows_role::fixed};
    // (Read through functions: clang 14 does not take `of` as a constant inside an initializer of
    // this class.)
    static constexpr std::array<bool, List::size + 1> is_sum = with_role(of, rows_role::sum);
    /// The nodes that a row node reads but that are not per row themselves (a sum over the rows, or
    /// a value above sums, as mean<0>(x) in x - mean<0>(x)): each is computed over all the rows
    /// before the rows that read it.
    static constexpr std::array<bool, List::size + 1> is_read = read_flags(of, graph::info<List>::nodes);
};

/// The positions of the sum nodes among F's unique nodes (an index_sequence).
template <class List>
struct sums_in : flagged_positions<roles_in<List>::is_sum> {};
/// The positions of the nodes that rows read (see roles_in::is_read).
template <class List>
struct reads_in : flagged_positions<roles_in<List>::is_read> {};

/// F with each node that rows read replaced by its variable (of scalar type S), wherever it stands.
template <class List, class S>
struct reads_former {
    template <class Path, class N>
    static constexpr auto apply(const N& n) {
        if constexpr (!op_node<N> || role_of<N>::value == rows_role::fixed) return n;
        else {
            constexpr std::size_t i = outer_former<List, S>::template index<N, Path>;
            if constexpr (roles_in<List>::is_read[i]) {
                static_assert(i < 1000, "stag: an expression over a run-time axis has more than 1000 nodes");
                return var_t<rows_read_name<i>, typename root_value<S, node_shape_t<N>>::type>{};
            } else
                return rebuild_along<reads_former, Path>(n);
        }
    }
};

/// The variable bound to the weight of read I at level L: the derivative of the rest with respect
/// to it. A read may itself hold rows that read sums; it is differentiated with the weights of the
/// level above bound, so each level names its own.
template <std::size_t L, std::size_t I>
using rows_read_weight_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 'd', 'r', 'e', 'a', 'd', ' ', char('0' + L), ' ',
                                                  char('0' + I / 100 % 10), char('0' + I / 10 % 10), char('0' + I % 10)>;
template <class N>
inline constexpr std::string_view variable_name = {};
template <class Name, class T>
inline constexpr std::string_view variable_name<var_t<Name, T>> = name_v<Name>;
/// The level of the weights of the reads of an expression: one more than that of any weight it holds.
template <class List>
struct weight_level;
template <class... Ks>
struct weight_level<graph::node_list<Ks...>> {
    static constexpr std::size_t value = [] {
        constexpr std::string_view prefix = "stag::dread ";
        std::size_t level = 0;
        for (std::string_view name : {variable_name<graph::node_t<Ks>>..., std::string_view{}})
            if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix)
                level = std::max(level, std::size_t(name[prefix.size()] - '0') + 1);
        return level;
    }();
};

/// Rows that read sums, planned for scalar type S: F = rest(F, read_I...), read_I the nodes rows
/// read (reads), each computed over all the rows first and bound to its variable in the rest. The
/// gradient is the rest's with respect to the variables, plus sum_I <d rest / d read_I, d read_I>:
/// a sweep of the rest that keeps its derivatives with respect to the reads, then one of
/// sum_I <those derivatives as constants, read_I>. Each part is an expression over the run-time
/// axis in its own right (a read may itself hold rows that read sums).
template <class F, class S>
struct reading_plan {
    using List = graph::nodes_t<F>;
    using reads = typename reads_in<List>::type;
    template <std::size_t I>
    using value = typename root_value<S, node_shape_t<graph::node_t<graph::type_at<I, List>>>>::type;
    template <std::size_t I>
    using read_var = var_t<rows_read_name<I>, value<I>>;
    template <std::size_t I>
    static constexpr decltype(auto) read(const F& f) {
        return graph::node_in<graph::type_at<I, List>>(f);
    }
    static constexpr auto rest(const F& f) { return reads_former<List, S>::template apply<graph::path<>>(f); }
    /// The variable bound to d rest / d read_I (the weight of read I), named with its level.
    static constexpr std::size_t level = weight_level<List>::value;
    static_assert(level < 10, "stag: rows that read sums of rows that read sums, nested more than 10 deep");
    template <std::size_t I>
    using weight_var = var_t<rows_read_weight_name<level % 10, I>, value<I>>;
    /// sum_I <weight_I, read_I>.
    template <std::size_t... I>
    static constexpr auto weighted(const F& f, std::index_sequence<I...>) {
        return (inner(weight_var<I>{}, read<I>(f)) + ...);
    }
};

/// A call over a run-time axis planned: F's outer expression, its sums' per-row parts and their
/// variables, for scalar type S.
template <class F, class S>
struct rows_plan {
    using scalar = S;
    using List = graph::nodes_t<F>;
    /// The positions of the sum nodes among F's unique nodes.
    using sums = typename sums_in<List>::type;
    template <std::size_t I>
    using node = graph::node_t<graph::type_at<I, List>>;
    template <std::size_t I>
    using sum_var = var_t<rows_sum_name<I>, typename root_value<S, node_shape_t<node<I>>>::type>;
    template <std::size_t I>
    using weight_var = var_t<rows_weight_name<I>, typename root_value<S, node_shape_t<node<I>>>::type>;
    /// The value of sum node I: S, or a tensor of S.
    template <std::size_t I>
    using sum_value = typename root_value<S, node_shape_t<node<I>>>::type;

    static constexpr auto outer(const F& f) { return outer_former<List, S>::template apply<graph::path<>>(f); }
    /// The per-row part of sum node I: the summing op over the per-row form of its argument.
    template <std::size_t I>
    static constexpr auto part(const F& f) {
        return row_former::apply(graph::node_in<graph::type_at<I, List>>(f));
    }
    /// sum_j <weight_j, part_j>: what a pass over the rows differentiates.
    template <std::size_t... I>
    static constexpr auto weighted_of(const F& f, std::index_sequence<I...>) {
        return (inner(weight_var<I>{}, part<I>(f)) + ...);
    }
    static constexpr auto weighted(const F& f) { return weighted_of(f, sums{}); }

    /// Whether the outer expression is affine in the sums with constant coefficients: each
    /// d(outer, H_j) holds no variable but 1 / length. Its weights then do not depend on the sums'
    /// values (nor on the shared variables), and one pass over the rows gives value and gradient.
    template <std::size_t I>
    static constexpr bool constant_weight() {
        using D = decltype(d(outer(std::declval<const F&>()), sum_var<I>{}));
        return []<class... Ks>(graph::node_list<Ks...>) {
            constexpr bool other_variable[] = {(variable<graph::node_t<Ks>> && !std::is_same_v<graph::node_t<Ks>, rows_reciprocal_t>)..., false};
            return !any_of(other_variable);
        }(graph::nodes_t<D>{});
    }
    template <std::size_t... I>
    static constexpr bool affine_of(std::index_sequence<I...>) {
        return (constant_weight<I>() && ...);
    }
    static constexpr bool affine = affine_of(sums{});
};

/// Whether an expression takes a mean over the run-time axis (which needs at least one row).
template <class List>
struct takes_a_mean;
template <class... Ks>
struct takes_a_mean<graph::node_list<Ks...>> {
    static constexpr bool reciprocal[] = {std::is_same_v<graph::node_t<Ks>, rows_reciprocal_t>..., false};
    static constexpr bool value = any_of(reciprocal);
};

// ---- bindings -------------------------------------------------------------------------------------

/// What binding_check sees for a binding: a rows binding as a binding of its variable.
template <class B>
struct checked_as {
    using type = B;
};
template <class V, class E>
struct checked_as<rows_binding<V, E>> {
    using type = binding<V, E>;
};

template <class B>
struct element_of_binding {
    using type = typename bound_element<typename B::value_type>::type;
};
template <class V, class E>
struct element_of_binding<rows_binding<V, E>> {
    using type = E;
};

/// The number of rows a rows binding holds; it must hold whole rows.
template <class B>
std::size_t rows_held(std::string_view what, const B& b) {
    check_row_layout(what, name_v<typename B::var::name>, b.given_row, b.strided, B::var::value_type::row_size);
    return whole_rows(what, name_v<typename B::var::name>, b.values.size(), B::var::value_type::row_size);
}

/// The per-row binding map_sum takes for a rows binding: each(one row of X, X's numbers).
template <class B>
auto per_row(const B& b) {
    using Row = var_t<typename B::var::name, typename one_row<typename B::var::value_type>::type>;
    return each(Row{}, b.values);
}

/// map_sum(f, the per-row variables of Along).
template <class Along>
struct over_rows;
template <class... Steps>
struct over_rows<std::tuple<Steps...>> {
    template <class G>
    static constexpr auto of(const G& g) {
        return map_sum(g, typename Steps::var{}...);
    }
};

struct bound_to_rows {
    template <class B>
    static constexpr bool holds = is_rows_binding<B>;
};

/// What every call over a run-time axis does first: split the bindings, check the rows and find
/// their number, bind 1 / that number; then g(plan, the other bindings with that one, the per-row
/// bindings, the number of rows).
/// The number of rows of F's rows bindings (a tuple of them), with the run-time checks named after
/// `what`: whole rows, lengths that agree, a mean over at least one row.
template <class F, class Rows>
std::size_t rows_number(const char* what, const Rows& rows) {
    const std::size_t n = std::apply([&](const auto&... r) { return common_length(what, [&](const auto& b) { return rows_held(what, b); }, r...); }, rows);
    if (takes_a_mean<graph::nodes_t<F>>::value && n == 0)
        throw std::invalid_argument(std::string("stag: ") + what + ": a mean over a run-time axis of no rows");
    return n;
}

template <class F, class G, class... Bs>
auto rows_call(const char* what, const G& g, const Bs&... bs) {
    using S = std::common_type_t<typename element_of_binding<Bs>::type...>;
    using Plan = rows_plan<F, S>;
    const auto split = split_bindings<bound_to_rows>(bs...);
    const auto& fixed = split.first;
    const auto& rows = split.second;
    const std::size_t n = rows_number<F>(what, rows);
    const auto all = std::tuple_cat(fixed, std::tuple{rows_reciprocal_t{} = n == 0 ? S(0) : S(1) / S(n)});
    const auto along = std::apply([](const auto&... r) { return std::tuple{per_row(r)...}; }, rows);
    return g(Plan{}, all, along, n);
}

template <class F, class... Bs>
constexpr bool rows_bindings_check() {
    return binding_check<graph::nodes_t<F>, typename checked_as<Bs>::type..., binding<rows_reciprocal_t, double>>::value;
}

/// The scalar type of a call of f with bindings Bs (rows bindings among them where f has a run-time
/// axis): what the tools that bind dual numbers (jvp, hvp, hessian) build their duals of.
template <bool Rows, class F, class... Bs>
struct call_scalar {
    using type = std::common_type_t<typename element_of_binding<Bs>::type...>;
};
template <class F, class... Bs>
struct call_scalar<false, F, Bs...> {
    using type = typename scalar_type<graph::nodes_t<F>, environment<Bs...>>::type;
};
template <class F, class... Bs>
using call_scalar_t = typename call_scalar<has_run_time_axis<F>, F, Bs...>::type;

/// Whether bindings Bs fit f, with stag's error where they do not: the binding check, after the
/// check of the run-time axis where f has one.
template <class F, class... Bs>
constexpr bool bindings_fit() {
    if constexpr (has_run_time_axis<F>) return report_shapes<F>() && rows_check<graph::nodes_t<F>>::value && rows_bindings_check<F, Bs...>();
    else return binding_check<graph::nodes_t<F>, Bs...>::value;
}

/// The sums' values, each summed over the rows by a pass of its own (tensors elementwise).
template <class Plan, class F, class Fixed, class Along, std::size_t... I>
auto sums_over_rows(const F& f, const Fixed& fixed, const Along& along, std::size_t n, std::index_sequence<I...>) {
    const auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        const auto part = Plan::template part<J>(f);
        typename Plan::template sum_value<J> total{};
        for (std::size_t i = 0; i < n; ++i) write_into<true>(total, call_row(i, fixed, along, [&](const auto&... b) { return eval(part, b...); }));
        return total;
    };
    return std::tuple{one(std::integral_constant<std::size_t, I>{})...};
}

/// Rows that read sums: the values of the nodes they read, each from an eval over all the rows,
/// then g(plan, values, the positions of the reads, 0 ... their number - 1).
template <class F, class G, class... Bs>
auto reading_call(const F& f, const G& g, const Bs&... bs) {
    using P = reading_plan<F, std::common_type_t<typename element_of_binding<Bs>::type...>>;
    return [&]<std::size_t... I>(std::index_sequence<I...> reads) {
        const std::tuple<typename P::template value<I>...> values{eval(P::template read<I>(f), bs...)...};
        return g(P{}, values, reads, std::make_index_sequence<sizeof...(I)>{});
    }(typename P::reads{});
}

/// value_and_grad of rows that read sums (see reading_plan), in the Sweeper protocol.
template <class... Vs, class F, class K, class... Bs>
auto reading_sweep(const F& f, const K& k, const Bs&... bs) {
    using S = std::common_type_t<typename element_of_binding<Bs>::type...>;
    return k(std::type_identity<S>{}, [&](auto&... ds) {
        return reading_call(f, [&]<class P, std::size_t... I, std::size_t... J>(P, const auto& values, std::index_sequence<I...> reads, std::index_sequence<J...>) {
            // Where no read depends on Vs (the means of the data, as in standardising inputs), the
            // rest's gradient is the whole.
            if constexpr (!(involves<graph::node_t<graph::type_at<I, typename P::List>>, named_among<Vs...>>::value || ...))
                return value_and_grad(P::rest(f), Vs{}...).accumulate_into(ds...)(bs..., (typename P::template read_var<I>{} = std::get<J>(values))...);
            else {
                std::tuple<typename P::template value<I>...> weights{};
                const S v = value_and_grad(P::rest(f), Vs{}..., typename P::template read_var<I>{}...)
                                .accumulate_into(ds..., std::get<J>(weights)...)(bs..., (typename P::template read_var<I>{} = std::get<J>(values))...);
                grad(P::weighted(f, reads), Vs{}...).accumulate_into(ds...)(bs..., (typename P::template weight_var<I>{} = std::get<J>(weights))...);
                return v;
            }
        }, bs...);
    });
}

/// value_and_grad over a run-time axis, with respect to the shared variables Vs: k(type of S, go),
/// go(ds...) adding the gradient to ds and returning the value (see summed_gradient_fn).
template <class Plan, class... Vs, class F, class Fixed, class Along, std::size_t... I, class K>
auto rows_sweep(const F& f, const Fixed& fixed, const Along& along, std::size_t n, std::index_sequence<I...> sums, const K& k) {
    using S = typename Plan::scalar;
    return k(std::type_identity<S>{}, [&](auto&&... ds) {
        const auto outer = Plan::outer(f);
        // The sums' values: not needed (zero) where the outer expression is affine in them.
        const auto values = [&] {
            if constexpr (Plan::affine) return std::tuple<typename Plan::template sum_value<I>...>{};
            else return sums_over_rows<Plan>(f, fixed, along, n, sums);
        }();
        // The outer expression's gradient: with respect to Vs added to ds, with respect to the
        // sums (the weights of their rows) kept here. (J: the sums' positions, I: their nodes.)
        std::tuple<typename Plan::template sum_value<I>...> weights{};
        return [&]<std::size_t... J>(std::index_sequence<J...>) {
            const auto into = value_and_grad(outer, Vs{}..., typename Plan::template sum_var<I>{}...).accumulate_into(ds..., std::get<J>(weights)...);
            const S o = std::apply([&](const auto&... b) { return into(b..., (typename Plan::template sum_var<I>{} = std::get<J>(values))...); }, fixed);
            // One pass over the rows: sum_j <d outer / d H_j, part_j>, differentiated, added to ds.
            const auto pass = value_and_grad(over_rows<Along>::of(Plan::weighted(f)), Vs{}...).accumulate_into(ds...);
            const S r = std::apply(
                [&](const auto&... b) {
                    return std::apply([&](const auto&... e) { return pass(e..., b..., (typename Plan::template weight_var<I>{} = std::get<J>(weights))...); },
                                      along);
                },
                fixed);
            return Plan::affine ? S(o + r) : o;
        }(std::make_index_sequence<sizeof...(I)>{});
    });
}

/// The Sweeper (see summed_gradient_fn) of an expression over a run-time axis.
struct rows_sweeper {
    template <class... Vs, class F, class K, class... Bs>
    static auto run(const F& f, const char* what, const K& k, const Bs&... bs) {
        if constexpr (!rows_bindings_check<F, Bs...>()) return failed{};
        else if constexpr (reads_in<graph::nodes_t<F>>::count > 0) {
            // The rows' run-time checks first, under the caller's name (the parts' own calls would
            // name eval).
            (void)rows_number<F>(what, split_bindings<bound_to_rows>(bs...).second);
            return reading_sweep<Vs...>(f, k, bs...);
        }
        else
            return rows_call<F>(what, [&]<class Plan>(Plan, const auto& fixed, const auto& along, std::size_t n) {
                return rows_sweep<Plan, Vs...>(f, fixed, along, n, typename Plan::sums{}, k);
            }, bs...);
    }
};

template <fixed_string Variable, bool Shared>
constexpr void variable_is_shared_by_every_row() {
    static_assert(Shared, "stag: grad(f, vars...): a variable with a run-time axis has a value per row, so no one gradient: "
                          "differentiate with respect to the variables every row shares");
}

template <class F, class... Vs>
constexpr bool rows_arguments_shared() {
    static_assert((variable<Vs> && ...), "stag: grad(f, vars...): differentiate with respect to variables");
    if constexpr (!(variable<Vs> && ...)) return false;
    else if constexpr (!report_shapes<F>() || !rows_check<graph::nodes_t<F>>::value) return false;
    else {
        constexpr bool shared[] = {!rows_variable<Vs>..., true};
        if constexpr (constexpr std::size_t at = first_false(shared); at < sizeof...(Vs)) {
            variable_is_shared_by_every_row<spelled<typename graph::type_at<at, graph::node_list<Vs...>>::name>, false>();
            return false;
        } else
            return true;
    }
}
template <class F, class... Vs>
constexpr bool rows_grad_arguments() {
    if constexpr (!rows_arguments_shared<F, Vs...>()) return false;
    else {
        constexpr bool one = shape_count<node_shape_t<F>>::value == 1 && !row_shaped<F>;
        static_assert(one, "stag: grad(f, ...): f must have one element; reduce the run-time axis with stag::sum or stag::mean");
        return one;
    }
}

/// Whether f may be differentiated with respect to Vs, with stag's error where not: grad's checks,
/// and those of the run-time axis where f has one (what hvp, hessian and jacobian check first). A
/// Jacobian's f may have several elements, but not a value per row.
template <bool Jacobian, class F, class... Vs>
constexpr bool grad_arguments_fit() {
    if constexpr (!check_grad_arguments<F, Vs...>()) return false;
    else if constexpr (!has_run_time_axis<F>) return true;
    else if constexpr (!Jacobian) return rows_grad_arguments<F, Vs...>();
    else if constexpr (!rows_arguments_shared<F, Vs...>()) return false;
    else {
        static_assert(!row_shaped<F>, "stag: jacobian(f, ...): f has a value per row of the run-time axis, so the size of its Jacobian is "
                                      "known only at the call; sum the axis away (stag::sum<0>), or take the rows' tangents with stag::jvp");
        return !row_shaped<F>;
    }
}

}  // namespace detail

/// `value_and_grad(f, W, b)(X = xs, W = w, b = b0)` where f has a run-time axis: `.value` and
/// `.grad[W]`, the gradient with respect to variables every row shares, summed over the rows.
/// `.into(gW, gb)` writes it into the caller's storage (`.accumulate_into` adds it there) and the
/// call returns the value.
template <class F, class... Vs>
    requires detail::has_run_time_axis<F>
constexpr auto value_and_grad(const F& f, const Vs&...) {
    if constexpr (detail::rows_grad_arguments<F, Vs...>()) return detail::summed_gradient_fn<detail::rows_sweeper, true, F, Vs...>{f};
    else return detail::failed_value_and_grad;
}
/// `grad(f, W, b)(bindings...)` where f has a run-time axis: the gradient alone; `.into` and
/// `.accumulate_into` as for value_and_grad.
template <class F, class... Vs>
    requires detail::has_run_time_axis<F>
constexpr auto grad(const F& f, const Vs&...) {
    if constexpr (detail::rows_grad_arguments<F, Vs...>()) return detail::summed_gradient_fn<detail::rows_sweeper, false, F, Vs...>{f};
    else return detail::failed{};
}

/// `eval(f, X = xs, ...)` where f has a run-time axis: a number or tensor where the axis is summed
/// away; a `tensor<S, dynamic, ...>` of f's rows where it is not.
template <class F, class... Bs>
    requires detail::has_run_time_axis<F>
auto eval(const F& f, const Bs&... bs) {
    if constexpr (!detail::report_shapes<F>() || !detail::rows_check<graph::nodes_t<F>>::value || !detail::rows_bindings_check<F, Bs...>())
        return detail::failed{};
    else if constexpr (detail::reads_in<graph::nodes_t<F>>::count > 0)
        return detail::reading_call(f, [&]<class P, std::size_t... I, std::size_t... J>(P, const auto& values, std::index_sequence<I...>, std::index_sequence<J...>) {
            return eval(P::rest(f), bs..., (typename P::template read_var<I>{} = std::get<J>(values))...);
        }, bs...);
    else
        return detail::rows_call<F>("eval", [&]<class Plan>(Plan, const auto& fixed, const auto& along, std::size_t n) {
            using S = typename Plan::scalar;
            if constexpr (detail::row_shaped<F>) {
                const auto row = detail::row_former::apply(f);
                tensor_of<S, node_shape_t<F>> out(n);
                constexpr std::size_t size = decltype(out)::row_size;
                for (std::size_t i = 0; i < n; ++i) {
                    const auto v = detail::call_row(i, fixed, along, [&](const auto&... b) { return eval(row, b...); });
                    for (std::size_t e = 0; e < size; ++e) out.data()[i * size + e] = v.elements[e];
                }
                return out;
            } else
                return [&]<std::size_t... I>(std::index_sequence<I...> sums) {
                    const auto values = detail::sums_over_rows<Plan>(f, fixed, along, n, sums);
                    return [&]<std::size_t... K>(std::index_sequence<K...>) {
                        return std::apply([&](const auto&... b) { return eval(Plan::outer(f), b..., (typename Plan::template sum_var<I>{} = std::get<K>(values))...); },
                                          fixed);
                    }(std::make_index_sequence<sizeof...(I)>{});
                }(typename Plan::sums{});
        }, bs...);
}

}  // namespace stag
