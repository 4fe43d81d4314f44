// Beyond one gradient: forward-mode directional derivatives (jvp), Jacobians of several outputs
// and Hessians, all from the static graph.
#pragma once

#include <stag/core/dual.hpp>
#include <stag/engine/derivative.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/outputs.hpp>
#include <stag/engine/rows.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace stag {

// ---- jvp: forward mode ------------------------------------------------------------------------

/// Bindings grouped for jvp: `stag::primals(x = 1.0, y = 2.0)`, `stag::tangents(x = 1.0)`.
template <class... Bs>
struct binding_pack {
    std::tuple<Bs...> bindings;
};
namespace detail {
template <class T>
inline constexpr bool is_binding_pack = false;
template <class... Bs>
inline constexpr bool is_binding_pack<binding_pack<Bs...>> = true;
}  // namespace detail

template <class... Bs>
constexpr auto primals(const Bs&... bs) {
    constexpr bool ok = ((is_binding<Bs> || detail::is_rows_binding<Bs>) && ...);
    static_assert(ok, "stag: primals(...): pass bindings such as x = 1.0");
    if constexpr (ok) return binding_pack<Bs...>{{bs...}};
    else return detail::failed{};  // jvp adds no second error
}
template <class... Ts>
constexpr auto tangents(const Ts&... ts) {
    constexpr bool ok = ((is_binding<Ts> || detail::is_rows_binding<Ts>) && ...);
    static_assert(ok, "stag: tangents(...): pass bindings such as x = 1.0");
    if constexpr (ok) return binding_pack<Ts...>{{ts...}};
    else return detail::failed{};
}

/// What jvp returns: the value of f and its directional derivative along the tangents.
template <class S>
struct value_and_tangent {
    S value;
    S tangent;
};

namespace detail {
template <class F, class... Bs, class... Ts>
constexpr auto jvp_sweep(const F& f, const std::tuple<Bs...>& bs, const std::tuple<Ts...>& ts) {
    using List = graph::nodes_t<F>;
    using Env = environment<Bs...>;
    using TEnv = environment<Ts...>;
    using S = typename scalar_type<List, Env>::type;
    using Act = graph::activity<List, typename Ts::var...>;
    constexpr std::size_t n = List::size;
    const Env env{std::apply([](const Bs&... b) { return record<Bs...>{b...}; }, bs)};
    const TEnv tenv{std::apply([](const Ts&... t) { return record<Ts...>{t...}; }, ts)};
    const auto v = run_forward<S, List>(f, env);
    const auto t = run_tangent<S, List, Act>(v, tenv);
    return value_and_tangent<S>{v[n - 1], t[n - 1]};
}
}  // namespace detail

// ---- forward over the sweeps: dual numbers for tensor models ------------------------------------
// A tensor model's forward mode (jvp), its Hessian-vector products (hvp) and its Hessian run the
// ordinary sweeps over stag::dual numbers: the variables that carry a tangent are copied into duals
// (value and tangent), the others are bound as they are.

namespace detail {

/// Whether no variable has two tangents. (A tangent for a variable that the primals do not bind is
/// allowed: the expression does not use that variable, or the binding check has said so.)
template <class Primals, class... Ts>
constexpr bool tangents_check() {
    using twice = first_repeated<typename Ts::var...>;
    if constexpr (twice::any) return variable_has_one_tangent<spelled<typename twice::var::name>, twice::count>();
    else return true;
}

/// A variable's value as dual numbers D (dual<S>, or dual<S, tangent_lanes<S, K>>), for the sweeps over
/// duals: a number, or a tensor of V's shape (on the heap above stack_sweep_bytes, so that a large
/// variable does not overflow the stack). Tangents start at 0.
template <class D, class V, bool Tensor = is_tensor<typename V::value_type>>
struct dual_copy {
    D x{};
    static constexpr std::size_t count = 1;
    D* data() noexcept { return &x; }
    binding<V, D> bound() const noexcept { return {x}; }
};
template <class D, class V>
struct dual_copy<D, V, true> {
    using T = tensor_of<D, typename V::value_type::shape_type>;
    static constexpr std::size_t count = T::count;
    static constexpr bool on_heap = sizeof(T) > stack_sweep_bytes;
    std::conditional_t<on_heap, std::unique_ptr<T>, T> held = make();
    static auto make() {
        if constexpr (on_heap) return std::make_unique<T>();
        else return T{};
    }
    T& get() noexcept {
        if constexpr (on_heap) return *held;
        else return held;
    }
    D* data() noexcept { return get().data(); }
    bound_ref<V, T> bound() noexcept { return {&get()}; }
};

/// A variable's values along a run-time axis (a rows binding B's) as dual numbers D, on the heap:
/// their number is known at the call. The copy keeps B's layout, which the call checks.
template <class D, class B>
struct rows_dual_copy {
    std::vector<D> held;
    std::size_t count = 0;
    std::size_t given_row = 0;
    bool strided = false;
    void shape_like(const B& b) {
        count = b.values.size();
        given_row = b.given_row;
        strided = b.strided;
        held.resize(count);
    }
    D* data() noexcept { return held.data(); }
    rows_binding<typename B::var, D> bound() const noexcept { return {std::span<const D>(held), given_row, strided}; }
};

/// The run-time check of a tangent along a run-time axis (only jvp takes one): whole rows, laid out
/// as the variable's, as many as its primal's copy c holds.
template <class C, class T>
void tangent_rows_agree(const C& c, const T& t) {
    const std::size_t rows = rows_held("jvp", t);
    const std::size_t primal = c.count / T::var::value_type::row_size;
    if (rows != primal)
        throw std::invalid_argument("stag: jvp: the tangent of " + std::string(name_v<typename T::var::name>) + " has " + std::to_string(rows) +
                                    " rows but its primal has " + std::to_string(primal));
}

/// The elements of a bound value (a number, a tensor, a std::array or span, a rows binding's
/// numbers) as a pointer.
template <class B>
const auto* bound_elements(const B& b) noexcept {
    if constexpr (is_rows_binding<B>) return b.values.data();
    else return elements_of(b.get());
}

/// The bindings of one sweep over duals D: the primal bindings, those of the variables in Vars
/// copied into duals (with the tangents set by set_tangents, or by the caller; 0 elsewhere).
template <class D, class Vars, class... Bs>
struct dual_bindings;
template <class D, class... Vs, class... Bs>
struct dual_bindings<D, graph::node_list<Vs...>, Bs...> {
    using S = typename D::value_type;
    /// The copy of binding B's variable where it is in Vs; nothing otherwise.
    template <class B>
    using copy_t = std::conditional_t<(binding_count<typename B::var, binding<Vs, int>...> != 1), std::monostate,
                                      std::conditional_t<is_rows_binding<B>, rows_dual_copy<D, B>, dual_copy<D, typename B::var>>>;
    std::tuple<copy_t<Bs>...> copies;

    explicit dual_bindings(const std::tuple<Bs...>& bs) {
        [&]<std::size_t... I>(std::index_sequence<I...>) { (fill<I>(std::get<I>(bs)), ...); }(std::index_sequence_for<Bs...>{});
    }
    template <std::size_t I, class B>
    void fill(const B& b) {
        if constexpr (!std::is_same_v<std::tuple_element_t<I, std::tuple<copy_t<Bs>...>>, std::monostate>) {
            auto& c = std::get<I>(copies);
            if constexpr (is_rows_binding<B>) c.shape_like(b);
            const auto* from = bound_elements(b);
            for (std::size_t e = 0; e < c.count; ++e) c.data()[e] = D(static_cast<S>(from[e]));
        }
    }
    /// The tangents of the bound tangents ts, set into the copies.
    template <class... Ts>
    void set_tangents(const std::tuple<Ts...>& ts) {
        [&]<std::size_t... J>(std::index_sequence<J...>) { (set_tangent(std::get<J>(ts)), ...); }(std::index_sequence_for<Ts...>{});
    }
    template <class T>
    void set_tangent(const T& t) {
        constexpr std::size_t at = name_position<typename T::var::name, typename Bs::var::name...>::value;
        if constexpr (at < sizeof...(Bs)) {  // else a variable the expression does not use
            auto& c = std::get<at>(copies);
            if constexpr (is_rows_binding<T>) tangent_rows_agree(c, t);
            const auto* from = bound_elements(t);
            for (std::size_t e = 0; e < c.count; ++e) c.data()[e].tangent = static_cast<S>(from[e]);
        }
    }
    /// Calls fn with the bindings: the copies where there are some, the primal bindings elsewhere.
    template <class Fn>
    decltype(auto) call(const std::tuple<Bs...>& bs, Fn&& fn) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) { return fn(pick<I>(bs)...); }(std::index_sequence_for<Bs...>{});
    }
    template <std::size_t I>
    auto pick(const std::tuple<Bs...>& bs) {
        if constexpr (std::is_same_v<std::tuple_element_t<I, std::tuple<copy_t<Bs>...>>, std::monostate>) return std::get<I>(bs);
        else return std::get<I>(copies).bound();
    }
};

/// The values and the tangents of a result over duals: a number or a tensor each.
template <class S, class R>
auto split_duals(const R& r) {
    if constexpr (is_dual_v<R>) return value_and_tangent<S>{r.value, r.tangent};
    else if constexpr (is_dynamic_tensor<R>) {  // rows of a run-time axis
        using T = tensor_of<S, typename R::shape_type>;
        value_and_tangent<T> out{T(r.rows()), T(r.rows())};
        for (std::size_t e = 0; e < r.size(); ++e) {
            if constexpr (is_dual_v<typename R::value_type>) {
                out.value.data()[e] = r.data()[e].value;
                out.tangent.data()[e] = r.data()[e].tangent;
            } else
                out.value.data()[e] = r.data()[e];
        }
        return out;
    } else if constexpr (!is_tensor<R>) return value_and_tangent<S>{static_cast<S>(r), S(0)};  // no tangent given
    else {
        using T = tensor_of<S, typename R::shape_type>;
        value_and_tangent<T> out;
        for (std::size_t e = 0; e < T::count; ++e) {
            if constexpr (is_dual_v<typename R::value_type>) {
                out.value.data()[e] = r.data()[e].value;
                out.tangent.data()[e] = r.data()[e].tangent;
            } else {
                out.value.data()[e] = r.data()[e];
                out.tangent.data()[e] = S(0);
            }
        }
        return out;
    }
}

template <class F, class... Bs, class... Ts>
auto tensor_jvp(const F& f, const std::tuple<Bs...>& bs, const std::tuple<Ts...>& ts) {
    using S = call_scalar_t<F, Bs...>;
    dual_bindings<dual<S>, graph::node_list<typename Ts::var...>, Bs...> duals(bs);
    duals.set_tangents(ts);
    return split_duals<S>(duals.call(bs, [&](const auto&... b) { return eval(f, b...); }));
}

}  // namespace detail

/// Forward mode: the value of f at the primals and its derivative along the tangents, in one sweep
/// over the unique nodes (cheaper than a gradient when f has many inputs and one direction):
/// `stag::jvp(f, stag::primals(x = 1.0, y = 2.0), stag::tangents(x = 1.0))` is {f, df/dx}.
/// Variables without a tangent have tangent 0.
template <class F, class Primals, class Tangents>
constexpr auto jvp(const F& f, const Primals& at, const Tangents& along) {
    static_assert(expression<F> || detail::is_failed<F>, "stag: jvp(f, primals(...), tangents(...)): f must be a stag expression");
    constexpr bool packs = (detail::is_binding_pack<Primals> || detail::is_failed<Primals>) &&
                           (detail::is_binding_pack<Tangents> || detail::is_failed<Tangents>);
    static_assert(packs, "stag: jvp(f, primals(...), tangents(...)): pass the bindings through stag::primals and stag::tangents");
    if constexpr (expression<F> && packs && !detail::is_failed<Primals> && !detail::is_failed<Tangents>) {
        return [&]<class... Bs, class... Ts>(const binding_pack<Bs...>& p, const binding_pack<Ts...>& t) {
            if constexpr (detail::bindings_fit<F, Bs...>() && detail::tangents_check<graph::node_list<Bs...>, Ts...>()) {
                if constexpr (tensor_expression<F>) return detail::tensor_jvp(f, p.bindings, t.bindings);
                else return detail::jvp_sweep(f, p.bindings, t.bindings);
            } else
                return value_and_tangent<detail::failed>{};
        }(at, along);
    } else
        return value_and_tangent<detail::failed>{};  // .value and .tangent add no error
}

// ---- hvp: forward over reverse ----------------------------------------------------------------

/// What hvp returns, each with respect to the variables that have a tangent: the value of f, its
/// gradient, and the Hessian times the tangents (`hvp[W]` has W's shape).
template <class S, class... Vs>
struct value_grad_and_hvp {
    S value;
    gradient<S, Vs...> grad;
    gradient<S, Vs...> hvp;
};

namespace detail {
/// The elements a gradient entry holds: 1 for a number.
template <class T>
constexpr std::size_t storage_size(const T&) noexcept {
    if constexpr (is_tensor<T>) return T::count;
    else return 1;
}
/// Tangent k of a dual number's tangent: the tangent itself if it is one number.
template <class T>
constexpr const auto& tangent_lane(const T& t, std::size_t k) noexcept {
    if constexpr (requires { t.lane[k]; }) return t.lane[k];
    else return t;
}
/// A gradient over duals as gradients: the values, and the tangents (lane k of each tangent into
/// the gradient `tangent(k)` refers to, for k < lanes: written where the caller keeps it).
template <class S, class... Vs, class D, class Tangent>
void split_gradient(const gradient<D, Vs...>& from, gradient<S, Vs...>& values, Tangent&& tangent, std::size_t lanes = 1) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
            const auto* f = elements_of(from.template get<J>());
            auto* v = elements_of(values.template get<J>());
            for (std::size_t e = 0; e < storage_size(from.template get<J>()); ++e) v[e] = f[e].value;
            for (std::size_t k = 0; k < lanes; ++k) {
                gradient<S, Vs...>& into = tangent(k);
                auto* t = elements_of(into.template get<J>());
                for (std::size_t e = 0; e < storage_size(from.template get<J>()); ++e) t[e] = tangent_lane(f[e].tangent, k);
            }
        };
        (one(std::integral_constant<std::size_t, I>{}), ...);
    }(std::index_sequence_for<Vs...>{});
}

template <class F, class... Bs, class... Ts>
auto hvp_sweep(const F& f, const std::tuple<Bs...>& bs, const std::tuple<Ts...>& ts) {
    using S = call_scalar_t<F, Bs...>;
    dual_bindings<dual<S>, graph::node_list<typename Ts::var...>, Bs...> duals(bs);
    duals.set_tangents(ts);
    const auto r = duals.call(bs, [&](const auto&... b) { return value_and_grad(f, typename Ts::var{}...)(b...); });
    value_grad_and_hvp<S, typename Ts::var...> out;
    out.value = r.value.value;
    split_gradient(r.grad, out.grad, [&](std::size_t) -> auto& { return out.hvp; });
    return out;
}
}  // namespace detail

/// The Hessian of f (a number, or a tensor expression with one element) with respect to the
/// variables that have a tangent, times the tangents, without forming the Hessian: one sweep of
/// value_and_grad over dual numbers (forward over reverse), about twice grad's arithmetic.
/// `stag::hvp(loss, stag::primals(W = w, x = data), stag::tangents(W = v)).hvp[W]`; the other
/// primals are held constant. It also gives `.value` and `.grad`. Not constexpr; above 128 KiB a
/// variable's dual copy is allocated.
template <class F, class Primals, class Tangents>
auto hvp(const F& f, const Primals& at, const Tangents& along) {
    static_assert(expression<F> || detail::is_failed<F>, "stag: hvp(f, primals(...), tangents(...)): f must be a stag expression");
    constexpr bool packs = (detail::is_binding_pack<Primals> || detail::is_failed<Primals>) &&
                           (detail::is_binding_pack<Tangents> || detail::is_failed<Tangents>);
    static_assert(packs, "stag: hvp(f, primals(...), tangents(...)): pass the bindings through stag::primals and stag::tangents");
    if constexpr (expression<F> && packs && !detail::is_failed<Primals> && !detail::is_failed<Tangents>) {
        return [&]<class... Bs, class... Ts>(const binding_pack<Bs...>& p, const binding_pack<Ts...>& t) {
            if constexpr (detail::grad_arguments_fit<false, F, typename Ts::var...>() && detail::bindings_fit<F, Bs...>() &&
                          detail::tangents_check<graph::node_list<Bs...>, Ts...>())
                return detail::hvp_sweep(f, p.bindings, t.bindings);
            else
                return value_grad_and_hvp<detail::failed>{};
        }(at, along);
    } else
        return value_grad_and_hvp<detail::failed>{};
}

// ---- jacobian ---------------------------------------------------------------------------------

/// The Jacobian of M outputs: `J[i]` is the gradient of output i (`J[i][x]`), `J.values[i]` its
/// value.
template <class S, std::size_t M, class... Vs>
struct jacobian_matrix {
    std::array<S, M> values;
    std::array<gradient<S, Vs...>, M> rows;
    constexpr const gradient<S, Vs...>& operator[](std::size_t i) const noexcept { return rows[i]; }
    static constexpr std::size_t size() noexcept { return M; }
};

namespace detail {
/// The values and gradients of the M number-valued outputs joined in `root`, over a tensor model:
/// one forward sweep over their unique nodes, then one backward sweep per output, seeded at its
/// node (graph::rooted_activity), each writing its row.
template <class S, std::size_t M, class... Vs, class Root, class Env, class G>
void tensor_outputs_jacobian(const Root& root, const Env& env, S* values, G* rows) {
    using List = graph::nodes_t<Root>;
    using L = layout<List>;
    constexpr std::size_t n = List::size;
    if constexpr (report_shapes<Root>()) {
        const auto lits = gather_literals<S>(root);
        sweep_storage<S, L::total + 1, 2> slabs(nullptr);
        const tensor_pass<S, List, Env, G> forward{slabs.slab(0), slabs.slab(1), env, nullptr, lits.data()};
        forward.forward_sweep(std::make_index_sequence<n>{});
        auto one = [&]<std::size_t At>(std::size_t i, std::integral_constant<std::size_t, At>) {
            using Act = graph::rooted_activity<List, At, Vs...>;
            values[i] = static_cast<S>(forward.template value<At>()[0]);
            const tensor_pass<S, List, Env, G> pass{slabs.slab(0), slabs.slab(1), env, &rows[i], lits.data()};
            if constexpr (Act::active[At]) {
                pass.template adjoint<At>()[0] = S(1);
                pass.template backward_sweep<Act>(reverse_index_sequence<n>{});
            }
            clear_unreached<S, List, Act, Vs...>(rows[i]);
        };
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (one(I, std::integral_constant<std::size_t, output_facts<List, M>::at[I]>{}), ...);
        }(std::make_index_sequence<M>{});
    }
}
}  // namespace detail

namespace detail {
/// The seed of a Jacobian's rows over a run-time axis: a variable of f's shape.
using rows_seed_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 's', 'e', 'e', 'd'>;

/// A Jacobian over a run-time axis, row by row: for each element e of f (of static shape, the
/// axis summed away), one value_and_grad pass over the rows of <seed, f>, seed the unit vector e;
/// row(e, f's element e, its gradient with respect to Vs).
template <class S, class... Vs, class F, class Row, class... Bs>
void rows_jacobian(const F& f, Row&& row, const Bs&... bs) {
    using Out = node_shape_t<F>;
    using T = typename root_value<S, Out>::type;
    using Seed = var_t<rows_seed_name, std::conditional_t<std::is_same_v<Out, std::index_sequence<>>, deduce, T>>;
    const auto pass = value_and_grad(inner(Seed{}, f), Vs{}...);
    T unit{};
    for (std::size_t e = 0; e < shape_count<Out>::value; ++e) {
        elements_of(unit)[e] = S(1);
        const auto r = pass(bs..., Seed{} = unit);
        elements_of(unit)[e] = S(0);
        row(e, r.value, r.grad);
    }
}
}  // namespace detail

template <class Outputs, class... Vs>
struct jacobian_fn;
template <class... Fs, class... Vs>
struct jacobian_fn<std::tuple<Fs...>, Vs...> {
    std::tuple<Fs...> fs;
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        using Root = detail::joined_t<Fs...>;
        if constexpr ((detail::has_run_time_axis<Fs> || ...)) {
            // Over a run-time axis: the outputs stacked into one vector, its Jacobian row by row.
            const auto stacked = std::apply([](const Fs&... f) { return stack<0>(f...); }, fs);
            using F = std::remove_cvref_t<decltype(stacked)>;
            if constexpr (detail::bindings_fit<F, Bs...>()) {
                using S = detail::call_scalar_t<F, Bs...>;
                jacobian_matrix<S, sizeof...(Fs), Vs...> j{};
                detail::rows_jacobian<S, Vs...>(stacked, [&](std::size_t e, S value, const gradient<S, Vs...>& g) {
                    j.values[e] = value;
                    j.rows[e] = g;
                }, bs...);
                return j;
            } else
                return detail::failed{};
        } else if constexpr (detail::binding_check<graph::nodes_t<Root>, Bs...>::value) {
            using Env = detail::environment<Bs...>;
            using S = typename detail::scalar_type<graph::nodes_t<Root>, Env>::type;
            jacobian_matrix<S, sizeof...(Fs), Vs...> j{};
            if constexpr (detail::tensor_graph<graph::nodes_t<Root>>::value)
                detail::tensor_outputs_jacobian<S, sizeof...(Fs), Vs...>(detail::join_tuple(fs), Env{detail::record<Bs...>{bs...}}, j.values.data(),
                                                                         j.rows.data());
            else
                detail::sweep_outputs<sizeof...(Fs), Vs...>(detail::join_tuple(fs), Env{detail::record<Bs...>{bs...}},
                                                            [&]<std::size_t I>(std::integral_constant<std::size_t, I>, S value, auto take) {
                                                                j.values[I] = value;
                                                                ((j.rows[I][Vs{}] = take(Vs{})), ...);
                                                            });
            return j;
        } else
            return detail::failed{};
    }
};

/// The Jacobian of a tensor expression: `J[e]` is the gradient of its element e (row-major),
/// `J.values` its value (a tensor of its shape, or a number).
template <class S, class Out, class... Vs>
struct tensor_jacobian {
    typename detail::root_value<S, Out>::type values;
    std::vector<gradient<S, Vs...>> rows;
    const gradient<S, Vs...>& operator[](std::size_t e) const noexcept { return rows[e]; }
    std::size_t size() const noexcept { return rows.size(); }
};

template <class F, class... Vs>
struct tensor_jacobian_fn {
    F f;
    template <class... Bs>
    auto operator()(const Bs&... bs) const {
        using List = graph::nodes_t<F>;
        if constexpr (detail::has_run_time_axis<F>) {
            if constexpr (detail::bindings_fit<F, Bs...>()) {
                using S = detail::call_scalar_t<F, Bs...>;
                using Out = node_shape_t<F>;
                tensor_jacobian<S, Out, Vs...> j;
                j.rows.resize(detail::shape_count<Out>::value);
                detail::rows_jacobian<S, Vs...>(f, [&](std::size_t e, S value, const gradient<S, Vs...>& g) {
                    detail::elements_of(j.values)[e] = value;
                    j.rows[e] = g;
                }, bs...);
                return j;
            } else
                return detail::failed{};
        } else if constexpr (detail::binding_check<List, Bs...>::value && detail::report_shapes<F>()) {
            using Env = detail::environment<Bs...>;
            using S = typename detail::scalar_type<List, Env>::type;
            using Out = node_shape_t<graph::node_t<graph::type_at<List::size - 1, List>>>;
            tensor_jacobian<S, Out, Vs...> j;
            j.rows.resize(detail::shape_count<Out>::value);
            detail::tensor_jacobian_sweep<S, Vs...>(f, Env{detail::record<Bs...>{bs...}}, detail::elements_of(j.values),
                                                    [&](std::size_t e) -> gradient<S, Vs...>& { return j.rows[e]; });
            return j;
        } else
            return detail::failed{};
    }
};

/// `jacobian(outputs(f, g), x, y)(bindings...)`: the value and the gradient of every output, by one
/// forward sweep over the unique nodes of all the outputs (a node they share is computed once) and
/// one backward sweep per output. The outputs are numbers, of a number model or a tensor model
/// (`J[0][W]` is then a tensor of W's shape).
template <class... Fs, class... Vs>
constexpr auto jacobian(const std::tuple<Fs...>& fs, const Vs&...) {
    constexpr bool numbers = (detail::number_valued<Fs>::value && ...);
    static_assert(numbers, "stag: jacobian(outputs(...), vars...) takes number-valued outputs; give a tensor-valued expression by itself: jacobian(f, vars...)");
    if constexpr (numbers && (detail::grad_arguments_fit<true, Fs, Vs...>() && ...)) return jacobian_fn<std::tuple<Fs...>, Vs...>{fs};
    else return detail::failed{};
}
/// `jacobian(f, W, b)(bindings...)` of one expression. For a tensor expression, `J[e][W]` is the
/// derivative of its element e (row-major) with respect to W, by one forward sweep and one backward
/// sweep per element of f (rows held in a std::vector); for a number, the same as
/// `jacobian(outputs(f), ...)`.
template <class F, class... Vs>
    requires expression<F>
constexpr auto jacobian(const F& f, const Vs&... vs) {
    if constexpr (!tensor_expression<F>) return jacobian(outputs(f), vs...);
    else if constexpr (detail::grad_arguments_fit<true, F, Vs...>()) return tensor_jacobian_fn<F, Vs...>{f};
    else return detail::failed{};
}

// ---- hessian ----------------------------------------------------------------------------------

/// The Hessian with respect to Vs: `H[x][y]` is d2f / dx dy; also the value and the gradient.
template <class S, class... Vs>
struct hessian_matrix {
    S value;
    gradient<S, Vs...> grad;
    std::array<gradient<S, Vs...>, sizeof...(Vs)> rows;

    template <class V>
    constexpr const gradient<S, Vs...>& operator[](const V&) const noexcept {
        static_assert(variable<V>, "stag: hessian[v]: v must be a variable");
        if constexpr (variable<V>) {
            constexpr std::size_t i = gradient<S, Vs...>::template index_of<V>;
            detail::variable_is_given_to_hessian<spelled<typename V::name>, (i < sizeof...(Vs))>();
            return rows[i < sizeof...(Vs) ? i : 0];
        } else
            return rows[0];
    }
};

/// hessian(f, vars...) of a number model: the one-output case of hessian(outputs(f), vars...).
template <class F, class... Vs>
struct hessian_fn {
    F f;
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        auto h = hessian_fn<std::tuple<F>, Vs...>{std::tuple<F>{f}}(bs...);
        if constexpr (detail::is_failed<decltype(h)>) return h;
        else return h[0];
    }
};

/// How many rows of a tensor model's Hessian one sweep computes: the tangents each dual number of
/// that sweep carries (`dual<S, tangent_lanes<S, hessian_lanes>>`). The rows share the sweep's primal
/// values, which are computed once per hessian_lanes rows instead of once per row.
inline constexpr std::size_t hessian_lanes = 8;

/// The Hessian of a loss of tensor variables: `H.row(W, e)` is the gradient of d f / d W_e (e
/// row-major in W), so `H.row(W, e)[b]` has b's shape; `H[x]` is `H.row(x, 0)` for a number
/// variable; `H.value`, `H.grad`.
template <class S, class... Vs>
struct tensor_hessian {
    S value;
    gradient<S, Vs...> grad;
    std::vector<gradient<S, Vs...>> rows;  ///< one per element of Vs, in their order

    /// Where V's rows begin.
    template <class V>
    static constexpr std::size_t first_row = [] {
        constexpr std::size_t counts[] = {detail::shape_count<node_shape_t<Vs>>::value...};
        std::size_t at = 0;
        for (std::size_t k = 0; k < gradient<S, Vs...>::template index_of<V>; ++k) at += counts[k];
        return at;
    }();
    template <class V>
    const gradient<S, Vs...>& row(const V&, std::size_t e) const {
        constexpr bool given = gradient<S, Vs...>::template index_of<V> < sizeof...(Vs);
        detail::variable_is_given_to_hessian_row<spelled<typename V::name>, given>();
        if constexpr (given) return rows[first_row<V> + e];
        else return rows[0];
    }
    template <class V>
    const gradient<S, Vs...>& operator[](const V& v) const {
        static_assert(detail::shape_count<node_shape_t<V>>::value == 1, "stag: hessian[v] of a tensor variable: take H.row(v, e), e its element (row-major)");
        return row(v, 0);
    }
};

namespace detail {
/// The Hessians of M outputs of a tensor model: forward over reverse, `run(bindings...)` (a
/// value_and_grad, or a jacobian of several outputs) over dual numbers with hessian_lanes
/// tangents, each lane seeded at one element of a variable; `take(result, i)` gives output i's
/// value and gradient, whose tangents are rows of its Hessian. One sweep serves all M outputs, so
/// each unique node is computed once for them all (per hessian_lanes rows).
template <class S, std::size_t M, class... Vs, class Run, class Take, class... Bs>
void tensor_hessians(std::array<tensor_hessian<S, Vs...>, M>& hs, const Run& run, const Take& take, const Bs&... bs) {
    constexpr std::size_t K = hessian_lanes;
    using D = dual<S, tangent_lanes<S, K>>;
    const std::tuple<Bs...> bound{bs...};
    dual_bindings<D, graph::node_list<Vs...>, Bs...> duals(bound);
    constexpr std::size_t total = (std::size_t{0} + ... + shape_count<node_shape_t<Vs>>::value);
    for (auto& h : hs) h.rows.resize(total);
    // Row r is seeded by a unit tangent at one element of a variable's copy: `unit[r]` (none for a
    // variable the outputs do not use, which is not bound: its rows stay zero).
    std::vector<D*> unit(total, nullptr);
    std::size_t at = 0;
    auto units_of = [&]<class V>(std::type_identity<V>) {
        constexpr std::size_t b = name_position<typename V::name, typename Bs::var::name...>::value;
        constexpr std::size_t count = shape_count<node_shape_t<V>>::value;
        if constexpr (b < sizeof...(Bs)) {
            D* x = std::get<b>(duals.copies).data();
            for (std::size_t e = 0; e < count; ++e) unit[at + e] = x + e;
        }
        at += count;
    };
    (units_of(std::type_identity<Vs>{}), ...);
    std::vector<std::size_t> seeded;
    for (std::size_t r = 0; r < total; ++r)
        if (unit[r]) seeded.push_back(r);
    // K rows per sweep: lane k of the tangents carries row seeded[first + k].
    for (std::size_t first = 0; first < seeded.size(); first += K) {
        const std::size_t n = std::min(K, seeded.size() - first);
        for (std::size_t k = 0; k < n; ++k) unit[seeded[first + k]]->tangent.lane[k] = S(1);
        const auto r = duals.call(bound, run);
        for (std::size_t k = 0; k < n; ++k) unit[seeded[first + k]]->tangent.lane[k] = S(0);
        for (std::size_t i = 0; i < M; ++i) {
            const auto [value, grad] = take(r, i);
            split_gradient(grad, hs[i].grad, [&](std::size_t k) -> auto& { return hs[i].rows[seeded[first + k]]; }, n);
            hs[i].value = value.value;
        }
    }
    if (seeded.empty()) {  // no bound variable: the values and the gradients by a plain sweep
        const auto r = run(bs...);
        for (std::size_t i = 0; i < M; ++i) {
            const auto [value, grad] = take(r, i);
            hs[i].value = value;
            hs[i].grad = grad;
        }
    }
}
}  // namespace detail

template <class F, class... Vs>
struct tensor_hessian_fn {
    F f;
    template <class... Bs>
    auto operator()(const Bs&... bs) const {
        if constexpr (detail::bindings_fit<F, Bs...>() && detail::report_shapes<F>()) {
            using S = detail::call_scalar_t<F, Bs...>;
            std::array<tensor_hessian<S, Vs...>, 1> h;
            detail::tensor_hessians<S, 1, Vs...>(
                h, [&](const auto&... b2) { return value_and_grad(f, Vs{}...)(b2...); },
                [](const auto& r, std::size_t) { return std::pair<const decltype(r.value)&, const decltype(r.grad)&>(r.value, r.grad); }, bs...);
            return std::move(h[0]);
        } else
            return detail::failed{};
    }
};

/// The Hessians of several number-valued outputs, `hessian(outputs(f, g), x, y)`: `H[i]` is output
/// i's, as hessian(f, x, y) would give it.
template <class... Fs, class... Vs>
struct hessian_fn<std::tuple<Fs...>, Vs...> {
    std::tuple<Fs...> fs;
    static constexpr std::size_t M = sizeof...(Fs);
    /// Forward over reverse: the Jacobian of all the outputs (one forward sweep, one backward sweep
    /// per output; over a run-time axis, jacobian's pass over the rows per output) over duals.
    template <class S, class... Bs>
    auto over_duals(const Bs&... bs) const {
        std::array<tensor_hessian<S, Vs...>, M> h;
        detail::tensor_hessians<S, M, Vs...>(
            h, [&](const auto&... b2) { return jacobian(fs, Vs{}...)(b2...); },
            [](const auto& r, std::size_t i) { return std::pair<const decltype(r.values[i])&, const decltype(r.rows[i])&>(r.values[i], r.rows[i]); },
            bs...);
        return h;
    }
    template <class... Bs>
    constexpr auto operator()(const Bs&... bs) const {
        using Root = detail::joined_t<Fs...>;
        if constexpr ((detail::has_run_time_axis<Fs> || ...)) {
            using F = decltype(stack<0>(std::declval<const Fs&>()...));
            if constexpr (detail::bindings_fit<F, Bs...>()) return over_duals<detail::call_scalar_t<F, Bs...>>(bs...);
            else return detail::failed{};
        } else if constexpr (!detail::binding_check<graph::nodes_t<Root>, Bs...>::value)
            return detail::failed{};
        else if constexpr (detail::tensor_graph<graph::nodes_t<Root>>::value)
            return over_duals<typename detail::scalar_type<graph::nodes_t<Root>, detail::environment<Bs...>>::type>(bs...);
        else {
            // One graph of every output and its symbolic first derivatives: one forward sweep for
            // all of them, then a backward sweep from each output and each of its derivatives.
            constexpr std::size_t n = sizeof...(Vs);
            const auto derivatives = [](const auto& f) { return std::tuple{d(f, Vs{})...}; };
            const auto root = detail::join_tuple(std::apply([&](const Fs&... f) { return std::tuple_cat(std::tuple{f...}, derivatives(f)...); }, fs));
            using Env = detail::environment<Bs...>;
            using S = typename detail::scalar_type<graph::nodes_t<Root>, Env>::type;
            std::array<hessian_matrix<S, Vs...>, M> h{};
            detail::sweep_outputs<M * (1 + n), Vs...>(
                root, Env{detail::record<Bs...>{bs...}}, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto value, auto take) {
                    // The root lists the outputs, then output 0's derivatives, output 1's, ...
                    if constexpr (I < M) {
                        h[I].value = static_cast<S>(value);
                        ((h[I].grad[Vs{}] = static_cast<S>(take(Vs{}))), ...);
                    } else
                        ((h[(I - M) / n].rows[(I - M) % n][Vs{}] = static_cast<S>(take(Vs{}))), ...);
                });
            return h;
        }
    }
};

/// `hessian(f, x, y)(bindings...)`: `H[x][y]`, `H.value`, `H.grad[x]`. For a scalar expression, the
/// symbolic first derivatives of f, each differentiated by a reverse sweep, after one forward sweep
/// over the nodes of f and of all of them. For a tensor expression (with one element), sweeps of
/// value_and_grad over dual numbers with hessian_lanes tangents each (forward over reverse: each
/// tangent gives a row, and the lanes share the sweep's primal values), rows held in a
/// std::vector; `H.row(W, e)[b]`.
template <class F, class... Vs>
constexpr auto hessian(const F& f, const Vs&...) {
    if constexpr (!detail::grad_arguments_fit<false, F, Vs...>()) return detail::failed{};
    else if constexpr (tensor_expression<F>) return tensor_hessian_fn<F, Vs...>{f};
    else return hessian_fn<F, Vs...>{f};
}
/// `hessian(outputs(f, g), x, y)(bindings...)`: `H[i]`, the Hessian of output i as hessian(f, x, y)
/// gives it, for all the outputs at once: each unique node of all the outputs (and, for a number
/// model, of their first derivatives) is computed once, not once per output. The outputs are
/// numbers, of a number model or a tensor model.
template <class... Fs, class... Vs>
constexpr auto hessian(const std::tuple<Fs...>& fs, const Vs&...) {
    constexpr bool numbers = (detail::number_valued<Fs>::value && ...);
    static_assert(numbers, "stag: hessian(outputs(...), vars...) takes number-valued outputs");
    if constexpr (numbers && (detail::grad_arguments_fit<false, Fs, Vs...>() && ...)) return hessian_fn<std::tuple<Fs...>, Vs...>{fs};
    else return detail::failed{};
}

}  // namespace stag
