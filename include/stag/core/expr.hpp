// The node types of stag's graphs: variables, constants, run-time constants and operation nodes.
#pragma once

#include <stag/core/name.hpp>
#include <stag/graph/node_list.hpp>
#include <stag/tensor/tensor.hpp>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <span>
#include <type_traits>

namespace stag {

namespace detail {
/// What a public entry point returns after its `stag:` static_assert has failed: it converts to
/// anything and can be called or indexed, so that one misuse gives one error, not a cascade.
struct failed {
    template <class T>
    constexpr operator T() const noexcept { return T{}; }
    template <class... Ts>
    constexpr failed operator()(const Ts&...) const noexcept { return {}; }
    template <class T>
    constexpr failed operator[](const T&) const noexcept { return {}; }
};
/// Whether T is the result of a failed check: passing it on (eval(d(f, 2.0), ...)) reports nothing
/// more, since the first error has said what is wrong.
template <class T>
inline constexpr bool is_failed = std::is_same_v<std::remove_cvref_t<T>, failed>;
}  // namespace detail

/// Marker for `var<"x">`: the variable's value type comes from its binding.
struct deduce {};

template <class Var, class Value>
struct binding;
template <class Var, class Value>
struct bound_ref;

namespace detail {
template <class T>
struct bound_value_type {
    // Integers are promoted to double: stag differentiates, so values are floating point (or dual).
    using type = std::conditional_t<real_number_type<T>, T, double>;
};

// If one of these fails, the note below it shows the variable's declared shape and the bound one.
template <class Declared, class Bound>
inline constexpr bool bound_shape_matches = std::is_same_v<Declared, Bound>;

/// Contiguous storage of a fixed number of elements that a tensor variable can be bound to, read
/// row-major as a tensor of the variable's shape: a std::array, or a std::span of static extent.
template <class T>
struct flat_storage : std::false_type {};
template <class E, std::size_t N>
struct flat_storage<std::array<E, N>> : std::true_type {
    static constexpr std::size_t count = N;
};
template <class E, std::size_t N>
    requires(N != std::dynamic_extent)
struct flat_storage<std::span<E, N>> : std::true_type {
    static constexpr std::size_t count = N;
};
template <class T>
struct is_span : std::false_type {};
template <class E, std::size_t N>
struct is_span<std::span<E, N>> : std::true_type {};
template <class Declared, std::size_t Count>
inline constexpr bool bound_count_matches = Declared::count == Count;
/// Whether storage T would be read transposed row-major (a column-major matrix of <stag/eigen.hpp>).
template <class T>
inline constexpr bool transposed_storage = requires { requires flat_storage<T>::transposed; };

/// The binding of a tensor variable (declared type T) to `value`: a tensor of its shape, or a
/// std::array or fixed-extent std::span of as many elements. An lvalue is referred to, not copied;
/// a temporary is kept by value (a span is a view anyway).
template <class Var, class T, class U>
constexpr auto bind_tensor(U&& value) noexcept {
    using D = std::remove_cvref_t<U>;
    constexpr bool declared = is_tensor<T>;
    static_assert(declared || !is_tensor<D>,
                  "stag: a tensor is bound to a variable that does not declare a tensor type; declare it as "
                  "stag::var<\"x\", stag::tensor<double, 4>>");
    constexpr bool is_t = is_tensor<D>, is_flat = flat_storage<D>::value;
    static_assert(!declared || is_t || is_flat,
                  "stag: a tensor variable must be bound to a stag::tensor of its declared shape (or a std::array or "
                  "std::span of as many elements)");
    if constexpr (declared && (is_t || is_flat)) {
        if constexpr (is_t) {
            constexpr bool same = bound_shape_matches<typename T::shape_type, typename D::shape_type>;
            static_assert(same, "stag: a tensor variable is bound to a tensor of another shape");
        } else {
            constexpr bool same = bound_count_matches<T, flat_storage<D>::count>;
            static_assert(same, "stag: a tensor variable is bound to a std::array or std::span whose size is not its element count");
            static_assert(!transposed_storage<D>, "stag: a column-major matrix would be read transposed (stag reads storage row-major): declare it row-major (Eigen::RowMajor)");
        }
        if constexpr (std::is_lvalue_reference_v<U> && !is_span<D>::value)
            return bound_ref<Var, D>{&value};
        else return binding<Var, D>{value};
    } else
        return binding<Var, double>{};
}

/// The element type of a bound value: the value itself for a number.
template <class T>
struct bound_element {
    using type = T;
};
template <class T>
    requires(is_tensor<T> || flat_storage<T>::value)
struct bound_element<T> {
    using type = std::remove_cv_t<typename T::value_type>;
};
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
        using D = std::remove_cvref_t<U>;
        if constexpr (is_tensor<T> || is_tensor<D>)
            return detail::bind_tensor<var_t, T>(static_cast<U&&>(value));
        else {
            // Checked here for fixed value types too; after the error, a default binding keeps the
            // rest of the call from adding a second one.
            static_assert(number_type<D>,
                          "stag: a scalar variable must be bound to an arithmetic value (float, double, int, ...) or a stag::dual");
            using V = typename std::conditional_t<std::is_same_v<T, deduce>, detail::bound_value_type<D>,
                                                  std::type_identity<T>>::type;
            if constexpr (number_type<D>) return binding<var_t, V>{static_cast<V>(value)};
            else return binding<var_t, V>{};
        }
    }
};

/// A value bound to a variable: what `x = 1.0` returns.
template <class Var, class Value>
struct binding {
    using var = Var;
    using value_type = Value;
    Value value;
    constexpr const Value& get() const noexcept { return value; }
};

/// A tensor lvalue bound to a variable, referred to rather than copied: what `w = weights` returns.
template <class Var, class Value>
struct bound_ref {
    using var = Var;
    using value_type = Value;
    const Value* ref;
    constexpr const Value& get() const noexcept { return *ref; }
};

/// `stag::var<"x">` is the variable named x; `stag::var<"y", double>` fixes its value type.
template <fixed_string Name, class T = deduce>
inline constexpr var_t<name_t<Name>, T> var{};

/// An exact rational constant known at compile time, in lowest terms with D > 0.
template <std::intmax_t N, std::intmax_t D>
struct cst_t {
    static constexpr bool is_stag_node = true;
    static constexpr bool stateless = true;
    static constexpr bool is_constant = true;
    static constexpr std::intmax_t num = N;
    static constexpr std::intmax_t den = D;
    using nodes = graph::node_list<graph::key<cst_t>>;
    template <class S>
    static constexpr S value() noexcept {
        if constexpr (D == 1)
            return static_cast<S>(N);
        else
            return static_cast<S>(N) / static_cast<S>(D);
    }
};

namespace detail {
/// Whether E is a compile-time rational (cst_t), with its numerator and denominator: a trait, not
/// `requires { E::num; }`, since clang prints the (possibly huge) type of every failed check.
template <class E>
struct rational_parts : std::false_type {};
template <std::intmax_t N, std::intmax_t D>
struct rational_parts<cst_t<N, D>> : std::true_type {
    static constexpr std::intmax_t num = N, den = D;
};
template <class E>
inline constexpr bool is_rational = rational_parts<E>::value;

constexpr std::intmax_t gcd(std::intmax_t a, std::intmax_t b) noexcept {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
        std::intmax_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}
template <std::intmax_t N, std::intmax_t D>
struct make_rational {
    static_assert(D != 0, "stag: compile-time constant with a zero denominator");
    static constexpr std::intmax_t g = gcd(N, D) == 0 ? 1 : gcd(N, D);
    static constexpr std::intmax_t s = D < 0 ? -1 : 1;
    using type = cst_t<s * N / g, s * D / g>;
};
}  // namespace detail

/// Compile-time constant N/D: `stag::c<2>`, `stag::c<1, 3>`. Takes part in simplification.
template <std::intmax_t N, std::intmax_t D = 1>
inline constexpr typename detail::make_rational<N, D>::type c{};

using zero_t = cst_t<0, 1>;
using one_t = cst_t<1, 1>;

/// A named irrational constant (pi); `Tag` gives its value in any floating type and its name.
template <class Tag>
struct named_t {
    static constexpr bool is_stag_node = true;
    static constexpr bool stateless = true;
    static constexpr bool is_constant = true;
    using nodes = graph::node_list<graph::key<named_t>>;
    static constexpr const char* tag_name() noexcept { return Tag::name; }
    template <class S>
    static constexpr S value() noexcept {
        return Tag::template value<S>();
    }
};
struct pi_tag {
    static constexpr const char* name = "pi";
    template <class S>
    static constexpr S value() noexcept {
        return static_cast<S>(3.141592653589793238462643383279502884L);
    }
};
/// The constant pi as an expression.
inline constexpr named_t<pi_tag> pi{};

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

/// Height of a node: 0 for a leaf, 1 + the largest height of its arguments for an operation node.
template <class N, class = void>
struct node_height : std::integral_constant<std::size_t, 0> {};
template <class N>
struct node_height<N, std::enable_if_t<(N::height > 0)>> : std::integral_constant<std::size_t, N::height> {};

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

namespace detail {
/// Type I of the pack Ts: the node lists' look-up (graph::type_at, one deduction), not I
/// recursive steps.
template <std::size_t I, class... Ts>
struct nth_type {
    using type = graph::type_at<I, graph::node_list<Ts...>>;
};
}  // namespace detail

/// Argument I of an operation node (a fresh object where the argument has no run-time data).
template <std::size_t I, class Op, class... Args>
constexpr decltype(auto) arg(const expr_base<Op, Args...>& e) noexcept {
    using A = typename detail::nth_type<I, Args...>::type;
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

namespace detail {
// The flags are read by partial specialisation rather than by requires-expressions: clang renders
// every failed requirement into a diagnostic string as long as the type's name, and for a shared
// graph that name grows exponentially with the depth (variable<E> fails for every op node E).
// They are classes rather than variable templates: g++ gives every variable it instantiates a
// mangled name, whose cost grows with the square of the depth of the type (see graph/node_list.hpp).
template <class T, class = void>
struct flag_stag_node : std::false_type {};
template <class T>
struct flag_stag_node<T, std::enable_if_t<bool(T::is_stag_node)>> : std::true_type {};
template <class T, class = void>
struct flag_variable : std::false_type {};
template <class T>
struct flag_variable<T, std::enable_if_t<bool(T::is_variable)>> : std::true_type {};
template <class T, class = void>
struct flag_constant : std::false_type {};
template <class T>
struct flag_constant<T, std::enable_if_t<bool(T::is_constant)>> : std::true_type {};
template <class T, class = void>
struct flag_literal : std::false_type {};
template <class T>
struct flag_literal<T, std::enable_if_t<bool(T::is_literal)>> : std::true_type {};
}  // namespace detail

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

template <class E>
inline constexpr bool is_zero = std::is_same_v<std::remove_cvref_t<E>, zero_t>;
template <class E>
inline constexpr bool is_one = std::is_same_v<std::remove_cvref_t<E>, one_t>;

}  // namespace stag
