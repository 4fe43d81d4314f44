// stag::grad and stag::value_and_grad: reverse mode in one fused forward and backward sweep.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/sweep.hpp>
#include <stag/engine/tensor_sweep.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

namespace detail {
/// The type of the gradient with respect to V: S for a number, a tensor of S of V's shape for a
/// tensor variable.
template <class S, class V>
struct gradient_value {
    using type = S;
};
template <class S, class Name, class T, std::size_t... Dims>
struct gradient_value<S, var_t<Name, tensor<T, Dims...>>> {
    using type = tensor<S, Dims...>;
};
}  // namespace detail
template <class S, class V>
using gradient_value_t = typename detail::gradient_value<S, V>::type;

/// Gradient with respect to variables Vs, in the order they were given: `g[x]`, or
/// `auto [gx, gy] = g;`. The gradient with respect to a tensor variable is a tensor of its shape.
template <class S, class... Vs>
struct gradient {
    detail::record<gradient_value_t<S, Vs>...> values;
    static constexpr S nothing{};  // what a misuse of operator[] returns after its error

    /// Position of V among Vs, sizeof...(Vs) for a variable not given to grad.
    template <class V>
    static constexpr std::size_t index_of = detail::name_position<typename V::name, typename Vs::name...>::value;

    template <class V>
    constexpr const auto& operator[](const V&) const noexcept {
        static_assert(variable<V>, "stag: gradient[v]: v must be a variable");
        if constexpr (variable<V>) {
            detail::variable_is_given_to_grad<spelled<typename V::name>, (index_of<V> < sizeof...(Vs))>();
            if constexpr (index_of<V> < sizeof...(Vs)) return values.template get<index_of<V>>();
            else return nothing;
        } else
            return nothing;
    }
    template <class V>
    constexpr auto& operator[](const V& v) noexcept {
        using R = std::remove_cvref_t<decltype(static_cast<const gradient&>(*this)[v])>;
        return const_cast<R&>(static_cast<const gradient&>(*this)[v]);
    }
    template <std::size_t I>
    constexpr const auto& get() const noexcept { return values.template get<I>(); }
    template <std::size_t I>
    constexpr auto& get() noexcept { return values.template get<I>(); }
    static constexpr std::size_t size() noexcept { return sizeof...(Vs); }
};

/// What value_and_grad returns: `.value` and `.grad`.
template <class S, class G>
struct value_and_gradient {
    S value;
    G grad;
};

namespace detail {

/// What value_and_grad returns where its arguments failed a check (a stag: error already given):
/// a call whose result's `.value` and `.grad[v]` add no error of their own.
inline constexpr auto failed_value_and_grad = [](const auto&...) { return value_and_gradient<failed, failed>{}; };

template <class F, class... Vs>
constexpr bool check_grad_arguments() {
    constexpr bool is_expr = expression<F>;
    static_assert(is_expr || is_failed<F>, "stag: grad(f, vars...): f must be a stag expression");
    constexpr bool all_vars = (variable<Vs> && ...);
    static_assert(all_vars, "stag: grad(f, vars...): differentiate with respect to variables such as stag::var<\"x\">");
    if constexpr (all_vars) {
        using twice = first_repeated<Vs...>;
        if constexpr (twice::any) return variable_is_listed_once<spelled<typename twice::var::name>, twice::count>();
        else return is_expr;
    } else
        return false;
}

/// The values and adjoints of every node of f, with respect to all its variables, for the bindings
/// bs: the sweeps behind trace and check_grad.
template <class F, class... Bs>
constexpr auto sweep_all(const F& f, const Bs&... bs) {
    using List = graph::nodes_t<F>;
    using Env = environment<Bs...>;
    using S = typename scalar_type<List, Env>::type;
    const auto v = run_forward<S, List>(f, Env{record<Bs...>{bs...}});
    struct values_and_adjoints {
        std::array<S, List::size> value, adjoint;
    };
    return values_and_adjoints{v, run_backward<S, F, List, graph::activity<List, graph::all_variables>>(v)};
}

template <class F, class... Vs>
struct reverse_mode {
    F f;

    /// The value and the gradient (WithValue), or the gradient alone: built where it is returned,
    /// which matters for a tensor gradient of thousands of elements. Lanes: a scalar graph's sweeps
    /// use the ops' vectorisable forms (stag::vmap).
    template <bool WithValue, bool Lanes = false, class... Bs>
    constexpr auto sweep(const Bs&... bs) const {
        using List = graph::nodes_t<F>;
        using Env = environment<Bs...>;
        using S = typename scalar_type<List, Env>::type;
        using Act = graph::activity<List, Vs...>;
        constexpr std::size_t n = List::size;
        const Env env{record<Bs...>{bs...}};
        if constexpr (tensor_graph<List>::value) {
            using G = gradient<S, Vs...>;
            if constexpr (report_shapes<F>())
                return tensor_value_and_grad<S, std::conditional_t<WithValue, value_and_gradient<S, G>, G>, Vs...>(f, env);
            else if constexpr (WithValue) return value_and_gradient<failed, failed>{};
            else return failed{};
        } else {
            const auto v = run_forward<S, List, Lanes>(f, env);
            const auto adj = run_backward<S, F, List, Act, Lanes>(v);
            gradient<S, Vs...> g{};
            auto take = [&]<std::size_t I>(std::integral_constant<std::size_t, I>) {
                using V = graph::type_at<I, graph::node_list<Vs...>>;
                if constexpr (graph::reaches<List, Act, V>::value) g.template get<I>() = adj[graph::position_of<graph::key<V>, List>::value];
            };
            [&]<std::size_t... Is>(std::index_sequence<Is...>) {
                (take(std::integral_constant<std::size_t, Is>{}), ...);
            }(std::index_sequence_for<Vs...>{});
            if constexpr (WithValue) return value_and_gradient<S, gradient<S, Vs...>>{v[n - 1], g};
            else return g;
        }
    }
};

}  // namespace detail

namespace detail {

/// Where into keeps one destination: a pointer to the caller's object, or a std::span by value (a
/// view of the caller's storage, so a temporary span, `into(std::span<double, 8>(p, 8))`, is fine).
template <class D>
struct into_slot {
    D* to;
    constexpr D& get() const noexcept { return *to; }
};
template <class E, std::size_t N>
struct into_slot<std::span<E, N>> {
    std::span<E, N> to;
    constexpr const std::span<E, N>& get() const noexcept { return to; }
};
template <class D>
constexpr into_slot<D> destination_slot(D& d) noexcept { return {&d}; }
template <class E, std::size_t N>
constexpr into_slot<std::span<E, N>> destination_slot(std::span<E, N> d) noexcept { return {d}; }

/// The caller's storage for the gradient with respect to Vs (what into and accumulate_into write):
/// one slot per variable, in the order of the variables. The tensor sweep writes each variable's
/// adjoint there directly, or (Accumulate) adds it to what is there.
template <bool Accumulate, class Vars, class... Ds>
struct gradient_into;
template <bool Accumulate, class... Vs, class... Ds>
struct gradient_into<Accumulate, graph::node_list<Vs...>, Ds...> {
    static constexpr bool accumulate = Accumulate;
    record<into_slot<Ds>...> to;
    template <class V>
    static constexpr std::size_t index_of = name_position<typename V::name, typename Vs::name...>::value;
    template <std::size_t I>
    constexpr auto& get() const noexcept { return to.template get<I>().get(); }
};

/// Whether D can hold the gradient with respect to V, of number type S: S for a number; for a
/// tensor variable a stag::tensor of S of its shape, or a std::array or fixed-extent std::span of
/// as many S.
template <class S, class V, class D>
struct destination_fits : std::is_same<D, gradient_value_t<S, V>> {};
template <class S, class Name, class T, std::size_t... Dims, class D>
    requires flat_storage<D>::value
struct destination_fits<S, var_t<Name, tensor<T, Dims...>>, D> : std::bool_constant<holds_numbers<D, S, (std::size_t{1} * ... * Dims)>> {};

template <class S, class... Vs, class... Ds>
constexpr bool check_destinations(graph::node_list<Vs...>, graph::node_list<Ds...>) {
    constexpr bool straight = !(transposed_storage<std::remove_const_t<Ds>> || ...);
    static_assert(straight, "stag: into(...): a column-major matrix would be written transposed (stag writes storage row-major): declare it row-major (Eigen::RowMajor)");
    if constexpr (!straight) return false;
    constexpr bool fit = (destination_fits<S, Vs, std::remove_const_t<Ds>>::value && ...);
    static_assert(fit, "stag: into(...): a destination does not fit its variable's gradient: give a number of the sweep's "
                       "type for a scalar variable, and for a tensor variable a stag::tensor of its shape (or a std::array "
                       "or std::span of as many elements) of that type");
    return fit;
}

/// The number of elements of tensor-like storage T (a stag::tensor, std::array or fixed span), 0
/// for a number (bound by value: it cannot share storage with anything).
template <class T>
constexpr std::size_t storage_count() noexcept {
    if constexpr (is_tensor<T>) return T::count;
    else if constexpr (flat_storage<T>::value) return flat_storage<T>::count;
    else return 0;
}
/// The bytes tensor-like storage x occupies, as addresses (integers rather than pointers: a pointer
/// to a destination not yet written, passed on as const, is a "maybe uninitialized" read to g++).
struct byte_range {
    std::uintptr_t at;
    std::size_t bytes;
};
template <class T>
byte_range storage_of(T& x) noexcept {  // (not const T&: see above)
    const auto* e = elements_of(x);
    return {reinterpret_cast<std::uintptr_t>(e), storage_count<std::remove_cv_t<T>>() * sizeof(*e)};
}
inline bool overlaps(byte_range a, byte_range b) noexcept { return a.at < b.at + b.bytes && b.at < a.at + a.bytes; }
/// Whether storage of types D and T can overlap: not two stag::tensors of different types, which
/// are distinct objects (neither holds the other), so only the same object could share storage.
/// Views (spans, Eigen maps) and arrays are always checked; numbers are bound by value.
template <class D, class T>
inline constexpr bool may_overlap =
    storage_count<D>() > 0 && storage_count<T>() > 0 && !(is_tensor<D> && is_tensor<T> && !std::is_same_v<D, T>);
/// Whether storage of types D and T at a and b overlaps: for two stag::tensors or two std::arrays
/// of one type, only when they are the same object (one comparison, not two).
template <class T>
inline constexpr bool owns_its_elements = is_tensor<T>;
template <class E, std::size_t N>
inline constexpr bool owns_its_elements<std::array<E, N>> = true;
template <class D, class T>
bool shares_storage(byte_range a, byte_range b) noexcept {
    if constexpr (owns_its_elements<D> && std::is_same_v<D, T>) return a.at == b.at;
    else return overlaps(a, b);
}

// The errors, out of line: the checks are a few comparisons in the caller's code, and the code
// that builds the messages stays out of it (inlined, it keeps the sweep's frame from being
// shrink-wrapped).
[[noreturn, gnu::cold, gnu::noinline]] inline void destination_shares_binding(std::string_view var, std::string_view bound) {
    throw std::invalid_argument(std::string("stag: into(...): the destination of the gradient with respect to ") + std::string(var) +
                                " shares storage with the value bound to " + std::string(bound) +
                                "; the sweep reads that value while it writes the gradient: give the gradient its own storage");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void destinations_share(std::string_view a, std::string_view b) {
    throw std::invalid_argument(std::string("stag: into(...): the destinations of the gradients with respect to ") + std::string(a) + " and " +
                                std::string(b) + " share storage: give each gradient its own");
}
/// A run-time error if the destination of the gradient with respect to V, of type D at `to`,
/// shares storage with the value of binding B: the sweep would overwrite what it still reads.
template <class V, class D, class B>
void check_destination_against(byte_range to, const B& b) {
    using T = std::remove_cvref_t<decltype(b.get())>;
    if constexpr (may_overlap<D, T>) {
        if (shares_storage<D, T>(to, storage_of(b.get())))
            destination_shares_binding(name_v<typename V::name>, name_v<typename B::var::name>);
    }
}
/// The same for destination I (variable V) of g against every binding.
template <std::size_t I, class V, class G, class... Bs>
void check_destination(const G& g, const Bs&... bs) {
    using D = std::remove_cvref_t<decltype(g.template get<I>())>;
    if constexpr (storage_count<D>() > 0) {
        const byte_range to = storage_of(g.template get<I>());
        (check_destination_against<V, D>(to, bs), ...);
    }
}
/// A run-time error if the destinations of the gradients with respect to Vs...[I] and Vs...[J]
/// share storage: the sweep writes both, each at its own elements, in one loop.
template <std::size_t I, std::size_t J, class... Vs, class G>
void check_destinations_apart(const G& g) {
    using DI = std::remove_cvref_t<decltype(g.template get<I>())>;
    using DJ = std::remove_cvref_t<decltype(g.template get<J>())>;
    if constexpr (I < J && may_overlap<DI, DJ>) {
        if (shares_storage<DI, DJ>(storage_of(g.template get<I>()), storage_of(g.template get<J>()))) {
            using VI = graph::type_at<I, graph::node_list<Vs...>>;
            using VJ = graph::type_at<J, graph::node_list<Vs...>>;
            destinations_share(name_v<typename VI::name>, name_v<typename VJ::name>);
        }
    }
}
template <class... Vs, class G, class... Bs>
void check_no_aliasing(graph::node_list<Vs...>, const G& g, const Bs&... bs) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (check_destination<I, Vs>(g, bs...), ...);
        [&]<std::size_t... J>(std::index_sequence<J...>) {
            auto against = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) { (check_destinations_apart<K, J, Vs...>(g), ...); };
            (against(std::integral_constant<std::size_t, I>{}), ...);
        }(std::index_sequence_for<Vs...>{});
    }(std::index_sequence_for<Vs...>{});
}

/// Writes (Accumulate: adds) v, a number or a stag::tensor, into d: a number, or tensor-like
/// storage of as many elements (a gradient into the caller's storage, a sum over rows).
template <bool Accumulate, class D, class T>
constexpr void write_into(D& d, const T& v) {
    if constexpr (!is_tensor<T>) {
        if constexpr (Accumulate) d += v;
        else d = v;
    } else {
        auto* e = elements_of(d);
        for (std::size_t i = 0; i < T::count; ++i) {
            if constexpr (Accumulate) e[i] += v.elements[i];
            else e[i] = v.elements[i];
        }
    }
}

/// grad(f, vs...).into(ds...) and friends: the sweep of reverse_mode, the gradient written (or
/// added) where the caller keeps it; the value returned where WithValue.
template <bool WithValue, bool Accumulate, class F, class Vars, class... Ds>
struct gradient_into_fn;
template <bool WithValue, bool Accumulate, class F, class... Vs, class... Ds>
struct gradient_into_fn<WithValue, Accumulate, F, graph::node_list<Vs...>, Ds...> {
    F f;
    record<into_slot<Ds>...> to;
    workspace* ws = nullptr;
    /// Whether a call checks that no destination shares storage with a bound value: false only
    /// where the destinations are stag's own (map_sum's totals, which no binding can reach).
    bool checked = true;

    /// The same, with the sweep's large intermediates in the caller's workspace (reused across
    /// calls instead of allocated per call).
    constexpr gradient_into_fn in(workspace& w) const noexcept { return {f, to, &w, checked}; }

    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        using List = graph::nodes_t<F>;
        if constexpr (binding_check<List, Bs...>::value) {
            using Env = environment<Bs...>;
            using S = typename scalar_type<List, Env>::type;
            if constexpr (check_destinations<S>(graph::node_list<Vs...>{}, graph::node_list<Ds...>{})) {
                gradient_into<Accumulate, graph::node_list<Vs...>, Ds...> g{to};
                S value{};
                if constexpr (tensor_graph<List>::value) {
                    if (checked && !std::is_constant_evaluated()) check_no_aliasing(graph::node_list<Vs...>{}, g, bs...);
                    if constexpr (report_shapes<F>()) value = tensor_gradient_sweep<S, Vs...>(f, Env{record<Bs...>{bs...}}, g, ws);
                } else {
                    const auto r = reverse_mode<F, Vs...>{f}.template sweep<true>(bs...);
                    value = r.value;
                    [&]<std::size_t... I>(std::index_sequence<I...>) {
                        (write_into<Accumulate>(g.template get<I>(), r.grad.template get<I>()), ...);
                    }(std::index_sequence_for<Vs...>{});
                }
                if constexpr (WithValue) return value;
            } else
                return failed{};
        } else
            return failed{};
    }
};

/// What into and accumulate_into check: one destination per variable, none of them const.
template <class... Vs, class... Ds>
constexpr bool check_into_arguments(graph::node_list<Vs...>, graph::node_list<Ds...>) {
    constexpr bool count = sizeof...(Ds) == sizeof...(Vs);
    static_assert(count, "stag: into(...): give one destination per variable, in the order the variables were given to grad");
    constexpr bool writable = (writable_destination<Ds> && ...);
    static_assert(!count || writable, "stag: into(...): a destination is const; the gradient is written into it");
    return count && writable;
}

/// The same, from the types Ds of the arguments as forwarded (a temporary, other than a span, is
/// an error).
template <class Vars, class... Ds>
constexpr bool into_arguments_ok() {
    constexpr bool views = (kept_by_caller<Ds> && ...);
    static_assert(views, "stag: into(...): a destination is a temporary, so the gradient would be lost: give your own "
                         "object, or a std::span over your storage");
    if constexpr (!views) return false;
    else return check_into_arguments(Vars{}, graph::node_list<destination_t<Ds>...>{});
}

template <bool WithValue, bool Accumulate, class F, class... Vs, class... Ds>
constexpr auto make_into(const F& f, Ds&&... ds) {
    if constexpr (into_arguments_ok<graph::node_list<Vs...>, Ds...>())
        return gradient_into_fn<WithValue, Accumulate, F, graph::node_list<Vs...>, destination_t<Ds>...>{
            f, record<into_slot<destination_t<Ds>>...>{destination_slot(ds)...}};
    else
        return failed{};
}

/// What grad and value_and_grad share: the sweep, and the gradient into the caller's storage.
/// `grad(f, w, b).into(gw, gb)(bindings...)` writes the gradient into gw and gb (for a tensor graph
/// the backward sweep writes there directly: no gradient object, no copy); accumulate_into adds
/// it to what they hold (a minibatch's sum, a sum over rows). From value_and_grad (WithValue),
/// both also return the value.
template <bool WithValue, class F, class... Vs>
struct gradient_fn_base : reverse_mode<F, Vs...> {
    template <class... Ds>
    constexpr auto into(Ds&&... ds) const {
        return make_into<WithValue, false, F, Vs...>(this->f, std::forward<Ds>(ds)...);
    }
    template <class... Ds>
    constexpr auto accumulate_into(Ds&&... ds) const {
        return make_into<WithValue, true, F, Vs...>(this->f, std::forward<Ds>(ds)...);
    }
};

}  // namespace detail

/// `grad(f, x, y)(x = 1.0, y = 2.0)`: the gradient of f with respect to x and y, by one forward
/// and one backward sweep over the unique nodes of f. Variables f does not use get 0.
template <class F, class... Vs>
struct grad_fn : detail::gradient_fn_base<false, F, Vs...> {
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        if constexpr (binding_check_ok<Bs...>()) return this->template sweep<false>(bs...);
        else return detail::failed{};
    }
    template <class... Bs>
    static constexpr bool binding_check_ok() {
        return detail::binding_check<graph::nodes_t<F>, Bs...>::value;
    }
};

/// `value_and_grad(f, x, y)(bindings...)`: `.value` and `.grad` from the same sweep.
template <class F, class... Vs>
struct value_and_grad_fn : detail::gradient_fn_base<true, F, Vs...> {
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        if constexpr (detail::binding_check<graph::nodes_t<F>, Bs...>::value) return this->template sweep<true>(bs...);
        else return value_and_gradient<detail::failed, detail::failed>{};  // .value, .grad[v] add no error
    }
};

template <class F, class... Vs>
constexpr auto grad(const F& f, const Vs&...) {
    if constexpr (detail::check_grad_arguments<F, Vs...>()) return grad_fn<F, Vs...>{{{f}}};
    else return detail::failed{};
}

template <class F, class... Vs>
constexpr auto value_and_grad(const F& f, const Vs&...) {
    if constexpr (detail::check_grad_arguments<F, Vs...>()) return value_and_grad_fn<F, Vs...>{{{f}}};
    else return detail::failed_value_and_grad;
}

}  // namespace stag

template <class S, class... Vs>
struct std::tuple_size<stag::gradient<S, Vs...>> : std::integral_constant<std::size_t, sizeof...(Vs)> {};
template <std::size_t I, class S, class... Vs>
struct std::tuple_element<I, stag::gradient<S, Vs...>> {
    using type = stag::gradient_value_t<S, stag::graph::type_at<I, stag::graph::node_list<Vs...>>>;
};
