// The node types of stag's graphs: variables, run-time constants and operation nodes (the
// compile-time constants are in core/rational.hpp and core/named.hpp). They meet the graph layer's
// node interface (graph/node.hpp).
#pragma once

#include <stag/core/name.hpp>
#include <stag/graph/node_list.hpp>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace stag {

/// Marker for `var<"x">`: the variable's value type comes from its binding.
struct deduce {};

namespace detail {
/// How `x = value` binds a value to the variable Var of declared type T: `bind(value)`, stated
/// with the bindings (engine/bindings.hpp), which this layer does not know.
template <class Var, class T>
struct variable_binder;
}  // namespace detail

/// A variable: a leaf named at compile time. `T` fixes its value type (a number type, or a
/// stag::tensor for a tensor variable), or `deduce` for a number whose type the binding gives.
template <class Name, class T = deduce>
struct var_t {
    static constexpr bool is_stag_node = true;
    static constexpr bool stateless = true;
    static constexpr bool is_variable = true;
    using name = Name;
    using value_type = T;
    using nodes = graph::node_list<graph::key<var_t>>;

    /// `x = 1.0` binds a value to the variable (for eval, grad and friends); `w = tensor_value`
    /// binds a tensor without copying it (the tensor must outlive the binding).
    template <class U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, var_t>)
    constexpr auto operator=(U&& value) const noexcept {
        return detail::variable_binder<var_t, T>::bind(static_cast<U&&>(value));
    }
};

/// `stag::var<"x">` is the variable named x; `stag::var<"y", double>` fixes its value type.
template <fixed_string Name, class T = deduce>
inline constexpr var_t<name_t<Name>, T> var{};

/// A run-time constant, stored by value in the node: the 2.5 in `2.5 * x`.
template <class T>
struct lit_t {
    static constexpr bool is_stag_node = true;
    static constexpr bool stateless = false;
    static constexpr bool is_literal = true;
    using nodes = graph::node_list<graph::at<lit_t, graph::path<>>>;
    T value;
};

/// Storage of argument I of an operation node. An argument without run-time data is not stored
/// at all (its type says everything), so a node over a shared, deep graph is an empty object
/// rather than one with exponentially many empty subobjects.
template <std::size_t I, class A, bool Stored = !A::stateless>
struct arg_holder {
    constexpr arg_holder() = default;
    constexpr explicit arg_holder(const A&) noexcept {}
    constexpr A get() const noexcept { return A{}; }
};
template <std::size_t I, class A>
struct arg_holder<I, A, true> {
    A value;
    constexpr explicit arg_holder(const A& a) noexcept : value(a) {}
    constexpr const A& get() const noexcept { return value; }
};

namespace detail {
/// The Boost.Hana tag of operation nodes. Variable names are Hana strings, so argument-dependent
/// lookup finds Hana's operators for every operator applied to an expression; clang 14 rejects
/// each of them by rendering its failed condition, `...<hana::tag_of<E>::type>::value`, into a
/// string, and for a node of a deep shared graph the name of E is exponentially long. With this
/// tag, tag_of<E>::type is short.
struct hana_expression_tag {};
}  // namespace detail

/// The storage of any number of arguments, for expr_base's general form.
template <class Seq, class... Args>
struct arg_holders;
template <std::size_t... I, class... Args>
struct arg_holders<std::index_sequence<I...>, Args...> : arg_holder<I, Args>... {
    constexpr arg_holders() = default;
    constexpr explicit arg_holders(const Args&... a) noexcept : arg_holder<I, Args>(a)... {}
};
/// The data and facts of an operation node: `Op` states the value rule, the partial derivatives
/// and the printing; the node holds its arguments by value (arguments without run-time data take
/// no space). Traits and functions that take an operation node apart match this class: the node
/// type itself, `expr<Op, Args...>`, derives from it.
///
/// Its facts are enumerators, not static data members: g++ gives every static data member it
/// instantiates a mangled name, at a cost quadratic in the depth of the node type, and a deep graph
/// has hundreds of nodes (see graph/node_list.hpp). `height` serves the graph's index look-ups.
/// This general form takes any number of arguments; the specialisations for one to three are the
/// same with fewer classes per node, which keeps deep graphs quick to compile.
template <class Op, class... Args>
struct expr_base : arg_holders<std::index_sequence_for<Args...>, Args...> {
    static_assert(sizeof...(Args) > 0, "stag: an operation node needs at least one argument");
    enum : bool { is_stag_node = true, stateless = (Args::stateless && ...) };
    enum : std::size_t { height = 1 + std::max({node_height<Args>::value...}) };
    using op = Op;
    using pattern = expr_base;
    using hana_tag = detail::hana_expression_tag;
    constexpr expr_base() = default;
    constexpr explicit expr_base(const Args&... a) noexcept : arg_holders<std::index_sequence_for<Args...>, Args...>(a...) {}
};

template <class Op, class A>
struct expr_base<Op, A> : arg_holder<0, A> {
    enum : bool { is_stag_node = true, stateless = A::stateless };
    enum : std::size_t { height = 1 + node_height<A>::value };
    using op = Op;
    using pattern = expr_base;
    using hana_tag = detail::hana_expression_tag;
    constexpr expr_base() = default;
    constexpr explicit expr_base(const A& a) noexcept : arg_holder<0, A>(a) {}
};
template <class Op, class A, class B>
struct expr_base<Op, A, B> : arg_holder<0, A>, arg_holder<1, B> {
    enum : bool { is_stag_node = true, stateless = A::stateless && B::stateless };
    enum : std::size_t { height = 1 + std::max({node_height<A>::value, node_height<B>::value}) };
    using op = Op;
    using pattern = expr_base;
    using hana_tag = detail::hana_expression_tag;
    constexpr expr_base() = default;
    constexpr expr_base(const A& a, const B& b) noexcept : arg_holder<0, A>(a), arg_holder<1, B>(b) {}
};
template <class Op, class A, class B, class C>
struct expr_base<Op, A, B, C> : arg_holder<0, A>, arg_holder<1, B>, arg_holder<2, C> {
    enum : bool { is_stag_node = true, stateless = A::stateless && B::stateless && C::stateless };
    enum : std::size_t { height = 1 + std::max({node_height<A>::value, node_height<B>::value, node_height<C>::value}) };
    using op = Op;
    using pattern = expr_base;
    using hana_tag = detail::hana_expression_tag;
    constexpr expr_base() = default;
    constexpr expr_base(const A& a, const B& b, const C& c) noexcept
        : arg_holder<0, A>(a), arg_holder<1, B>(b), arg_holder<2, C>(c) {}
};

/// What identifies an operation node: its op and its arguments, as the type of an empty value.
template <class Op, class... Args>
struct expr_id {
    using base = expr_base<Op, Args...>;
    template <class Node>
    using nodes = graph::nodes_of<Node, Args...>;
};

/// Where the node type is declared: as a class nested in a class template whose one template
/// argument is a value, `expr_id<Op, Args...>{}`, not as a specialisation with the arguments as
/// template type arguments.
///
/// - Argument-dependent lookup, which every operator call on an expression does, collects the
///   namespaces of a specialisation's type arguments, recursively; clang does so before it checks
///   whether it has seen a class already, so for a shared graph it walks the tree unfolding (twice
///   the work for each level of a recurrence). A nested class brings its enclosing class and its
///   bases, and values bring nothing: the look-up costs the same at every depth.
/// - clang names IR types after the qualified name; a value argument prints as `{}`, so the name
///   stays short, where type arguments would print the tree unfolding.
/// - A class local to a function template would do the first two, but clang mangles the
///   enclosing function's return type afresh for every level, a cost cubic in the depth.
/// g++ memoises the look-up, and gives every template parameter object a mangled name at a cost
/// quadratic in the depth, so under g++ (and nvcc, whose host compiler is g++) a node is the class
/// template expr_node. docs/design.md has the measurements.
#if defined(__clang__)
template <auto Id>
struct expr_decl {
    struct type : decltype(Id)::base {
        using decltype(Id)::base::base;
        using nodes = typename decltype(Id)::template nodes<type>;
    };
};

/// An operation node: Op applied to Args.
template <class Op, class... Args>
using expr = typename expr_decl<expr_id<Op, Args...>{}>::type;
#else
template <class Op, class... Args>
struct expr_node : expr_base<Op, Args...> {
    using expr_base<Op, Args...>::expr_base;
    using nodes = graph::nodes_of<expr_node, Args...>;
};
template <class Op, class... Args>
using expr = expr_node<Op, Args...>;
#endif

/// Argument I of an operation node (a fresh object where the argument has no run-time data).
template <std::size_t I, class Op, class... Args>
constexpr decltype(auto) arg(const expr_base<Op, Args...>& e) noexcept {
    using A = graph::type_at<I, graph::node_list<Args...>>;
    return static_cast<const arg_holder<I, A>&>(e).get();
}

namespace detail {
template <class T, class P = pattern_t<T>>
struct is_op_node : std::false_type {};
template <class T, class Op, class... Args>
struct is_op_node<T, expr_base<Op, Args...>> : std::true_type {
    static constexpr std::size_t arity = sizeof...(Args);
};
}  // namespace detail

}  // namespace stag
