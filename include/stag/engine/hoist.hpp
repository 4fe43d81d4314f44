// Loop-invariant code motion on the type, for the loops over a run-time axis (map_sum's rows,
// scan's steps): in the body of the loop, each largest subexpression that depends on none of the
// variables that change from row to row or step to step (a softmax of mixture weights, the
// transpose of an LSTM's weights) is replaced by a variable bound to its value, computed once per
// call. The loop's sweeps then add up the adjoints of those variables, and one last sweep of
// sum <adjoint, node> over the hoisted nodes takes them back to the variables they came from.
#pragma once

#include <stag/engine/bindings.hpp>
#include <stag/engine/eval.hpp>
#include <stag/engine/gradient.hpp>
#include <stag/engine/tensor_sweep.hpp>
#include <stag/graph/walk.hpp>
#include <stag/ops/tensor.hpp>

#include <boost/hana/string.hpp>

#include <cstddef>
#include <memory>
#include <new>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag::detail {

/// The variables named as one of Vs (a test for detail::involves).
template <class... Vs>
struct named_among {
    template <class V>
    static constexpr bool holds = is_listed<V, Vs...>;
};

/// Whether a node is computed once per call rather than once per row or step: an operation on
/// variables other than the Varying ones, holding no run-time data (so that its type alone says
/// what it computes).
template <class N, class... Varying>
inline constexpr bool hoistable = op_node<N> && bool(N::stateless) && !involves<N, named_among<Varying...>>::value && involves<N, any_variable>::value;

/// The variable that stands for the hoisted node I of the expression's unique nodes, and the
/// one that holds its adjoint.
template <std::size_t I>
using hoisted_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 'h', 'o', 'i', 's', 't', 'e', 'd', ' ', char('0' + I / 100 % 10),
                                         char('0' + I / 10 % 10), char('0' + I % 10)>;
template <std::size_t I>
using hoisted_adjoint_name = boost::hana::string<'s', 't', 'a', 'g', ':', ':', 'h', 'o', 'i', 's', 't', 'e', 'd', ' ', 'a', 'd', 'j', 'o',
                                                 'i', 'n', 't', ' ', char('0' + I / 100 % 10), char('0' + I / 10 % 10), char('0' + I % 10)>;
template <class Name>
struct hoisted_index {
    static constexpr bool is = false;
};
template <char A, char B, char C>
struct hoisted_index<boost::hana::string<'s', 't', 'a', 'g', ':', ':', 'h', 'o', 'i', 's', 't', 'e', 'd', ' ', A, B, C>> {
    static constexpr bool is = true;
    static constexpr std::size_t value = std::size_t(A - '0') * 100 + std::size_t(B - '0') * 10 + std::size_t(C - '0');
};
template <class T>
struct declared_as {
    using type = T;  // a tensor
};
template <class T>
    requires std::is_arithmetic_v<T>
struct declared_as<T> {
    using type = deduce;
};

/// A hoisted node's value, or its adjoint (zero at first), of type T, kept for the call: in place
/// (on the stack) while it fits the tensor sweep's stack threshold (stack_sweep_bytes, 128 KiB),
/// otherwise in block `slot` of the caller's workspace where the call has one, or else in a heap
/// allocation of its own, so that a value of any size is computed once per call rather than once
/// per row or step (and, with a workspace, repeated calls allocate nothing).
template <class T, bool InPlace = sizeof(T) <= stack_sweep_bytes>
struct held {
    using type = T;
    static constexpr bool in_place = true;
    T value{};
    T& get() noexcept { return value; }
    const T& get() const noexcept { return value; }
};
template <class T>
struct held<T, false> {
    static_assert(std::is_trivially_destructible_v<T>, "stag: a hoisted value is a tensor of numbers");
    using type = T;
    static constexpr bool in_place = false;
    std::unique_ptr<T> owned;  // where no workspace lends the room
    T* at;
    /// Zero (as an adjoint starts), or uninitialised where a value is computed into it next.
    held(bool zero, workspace* ws, std::size_t slot) : at(start(zero, ws, slot)) {}
    held() : held(true, nullptr, 0) {}
    T& get() noexcept { return *at; }
    const T& get() const noexcept { return *at; }

private:
    T* start(bool zero, workspace* ws, std::size_t slot) {
        if (ws) {
            std::byte* room = ws->block(slot, sizeof(T));
            return zero ? ::new (room) T{} : ::new (room) T;
        }
        owned = zero ? std::make_unique<T>() : std::make_unique_for_overwrite<T>();
        return owned.get();
    }
};
/// A held value of type T, zero or not, in block `slot` of ws where it is large and ws is given.
template <class T>
held<T> make_held(bool zero, workspace* ws, std::size_t slot) {
    if constexpr (held<T>::in_place) return held<T>{};
    else return held<T>(zero, ws, slot);
}

/// The expression F with its hoistable nodes replaced by variables (Value::of<N>: the type of N's
/// value, from the bindings that stay).
template <class F, class Value, class... Varying>
struct hoister {
    using List = graph::nodes_t<F>;
    template <class N>
    static constexpr auto apply(const N& n) {
        if constexpr (hoistable<N, Varying...>) {
            // (Value::of<N> asked only of a hoistable node: it evaluates N from the bindings that stay.)
            constexpr std::size_t i = graph::position_of<graph::key<N>, List>::value;
            static_assert(i < 1000, "stag: map_sum, scan: the expression of a row or a step has more than 1000 nodes");
            return var_t<hoisted_name<i>, typename declared_as<typename Value::template of<N>>::type>{};
        } else if constexpr (op_node<N>)
            return rebuild(n, std::type_identity<pattern_t<N>>{}, std::make_index_sequence<is_op_node<N>::arity>{});
        else
            return n;
    }
    template <class N, class Op, class... Args, std::size_t... I>
    static constexpr auto rebuild(const N& n, std::type_identity<expr_base<Op, Args...>>, std::index_sequence<I...>) {
        return expr<Op, decltype(apply(arg<I>(n)))...>(apply(arg<I>(n))...);
    }
};

/// The hoisted variables of a rebuilt expression G: its variables with a hoisted name.
template <class List>
struct hoisted_in;
template <class... Ks>
struct hoisted_in<graph::node_list<Ks...>> {
    template <class K>
    static constexpr auto one() {
        using N = graph::node_t<K>;
        if constexpr (variable<N>) {
            if constexpr (hoisted_index<typename N::name>::is) return std::tuple<N>{};
            else return std::tuple<>{};
        } else
            return std::tuple<>{};
    }
    using type = decltype(std::tuple_cat(one<Ks>()...));
};

/// The type of node N's value, from bindings Bs (declared only: for decltype).
template <class N, class... Bs>
auto value_from(const std::tuple<Bs...>&) -> decltype(eval(N{}, std::declval<const Bs&>()...));

/// A loop over rows or steps planned: its body F with the hoisted nodes replaced (apply), the
/// hoisted variables (a tuple of them), and how to compute their values from the bindings that
/// stay (Fixed) and take their adjoints back.
template <class F, class Fixed, class... Varying>
struct hoist_plan {
    /// The type of a hoisted node's value, from the bindings that stay.
    struct value {
        template <class N>
        using of = decltype(value_from<N>(std::declval<const Fixed&>()));
    };
    using body_hoisted = hoister<F, value, Varying...>;
    using body_type = decltype(body_hoisted::apply(std::declval<const F&>()));
    using hoisted = typename hoisted_in<graph::nodes_t<body_type>>::type;
    template <class H>
    using node_of = graph::node_t<graph::type_at<hoisted_index<typename H::name>::value, graph::nodes_t<F>>>;
    template <class H>
    using adjoint_of = var_t<hoisted_adjoint_name<hoisted_index<typename H::name>::value>, typename H::value_type>;

    /// The hoisted values, computed once from the bindings that stay: node N's, kept in block
    /// `slot` of ws where it is large and a workspace is given. (Helpers over explicit packs
    /// rather than generic lambdas: nvcc does not expand a lambda's pack inside another lambda.)
    template <class N>
    static auto value_of(const Fixed& fixed, workspace* ws, std::size_t slot) {
        using T = typename value::template of<N>;
        if constexpr (held<T>::in_place)
            return held<T>{std::apply([&](const auto&... bs) { return ws ? eval(*ws, N{}, bs...) : eval(N{}, bs...); }, fixed)};
        else {
            // Computed where it is kept: a large value never passes through the stack.
            held<T> h(false, ws, slot);
            std::apply([&](const auto&... bs) {
                if (ws) eval_into(*ws, h.get(), N{}, bs...);
                else eval_into(h.get(), N{}, bs...);
            }, fixed);
            return h;
        }
    }
    template <class... Hs, std::size_t... I>
    static auto values_of(std::tuple<Hs...>, const Fixed& fixed, workspace* ws, std::index_sequence<I...>) {
        return std::tuple<decltype(value_of<node_of<Hs>>(fixed, ws, I))...>{value_of<node_of<Hs>>(fixed, ws, I)...};
    }
    /// The hoisted values, in blocks 0, 1, ... of ws where they are large and ws is given.
    static auto values(const Fixed& fixed, workspace* ws = nullptr) {
        return values_of(hoisted{}, fixed, ws, std::make_index_sequence<std::tuple_size_v<hoisted>>{});
    }
    /// Their bindings (by reference for tensors: the values must outlive the calls).
    template <class Values, class... Hs, std::size_t... I>
    static auto bindings_of(std::tuple<Hs...>, const Values& vs, std::index_sequence<I...>) {
        return std::tuple{(Hs{} = std::get<I>(vs).get())...};
    }
    template <class Values>
    static auto bindings(const Values& vs) {
        return bindings_of(hoisted{}, vs, std::make_index_sequence<std::tuple_size_v<hoisted>>{});
    }
    /// sum over hoisted nodes of <adjoint, node>: its gradient takes the adjoints back to the
    /// variables they were computed from.
    template <class... Hs>
    static constexpr auto back_of(std::tuple<Hs...>) {
        if constexpr (sizeof...(Hs) == 0) return c<0>;
        else return (inner(adjoint_of<Hs>{}, node_of<Hs>{}) + ...);
    }
    static constexpr auto back() { return back_of(hoisted{}); }

    template <class... Hs>
    static auto adjoints_of(std::tuple<Hs...>) -> std::tuple<held<typename value::template of<node_of<Hs>>>...>;
    /// The hoisted nodes' adjoints, one value of each one's type (value-initialised: zero).
    using adjoints = decltype(adjoints_of(hoisted{}));
    /// Zero adjoints, the large ones in the blocks of ws after the values' where ws is given.
    static adjoints zero_adjoints(workspace* ws) {
        constexpr std::size_t h = std::tuple_size_v<hoisted>;
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return adjoints{make_held<typename std::tuple_element_t<I, adjoints>::type>(true, ws, h + I)...};
        }(std::make_index_sequence<h>{});
    }

    /// Adds to ds... the gradient, with respect to the variables Ws..., of the hoisted nodes given
    /// their adjoints a (the bindings that stay in `fixed`): the last sweep of a loop.
    /// (ws, if given, lends the sweep its buffer: the loop's sweeps must be done with it.)
    template <class... Ws, class... Ds>
    static void take_back(const Fixed& fixed, const adjoints& a, workspace* ws, Ds&... ds) {
        if constexpr (std::tuple_size_v<hoisted> > 0 && sizeof...(Ws) > 0)
            [&]<class... Hs, std::size_t... I>(std::tuple<Hs...>*, std::index_sequence<I...>) {
                auto to = grad(back(), Ws{}...).accumulate_into(ds...);
                if (ws) to = to.in(*ws);
                std::apply([&](const auto&... bs) { (void)to(bs..., (adjoint_of<Hs>{} = std::get<I>(a).get())...); }, fixed);
            }(static_cast<hoisted*>(nullptr), std::make_index_sequence<std::tuple_size_v<hoisted>>{});
    }
};

}  // namespace stag::detail
