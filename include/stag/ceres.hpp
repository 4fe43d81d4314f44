// stag as Ceres Solver's derivative engine: a ceres::SizedCostFunction from stag residual
// expressions, whose Evaluate computes the residuals and the Jacobian blocks in one fused sweep.
//
// Optional: this header needs Ceres Solver's headers (Debian: libceres-dev) and is not part of
// <stag/stag.hpp>. See docs/ceres.md.
#pragma once

#include <stag/stag.hpp>

#include <ceres/sized_cost_function.h>

#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stag {

/// A parameter block of scalar variables, in the order Ceres stores them: `stag::block(b1, b2, b3)`
/// stands for one `double[3]` that Ceres passes to the cost function.
template <class... Vs>
struct parameter_block {};

template <class... Vs>
constexpr auto block(const Vs&...) noexcept {
    constexpr bool vars = (variable<Vs> && ...);
    static_assert(vars, "stag: block(v...): a parameter block is made of variables such as stag::var<\"b1\">");
    constexpr bool numbers = [] {
        if constexpr (vars) return ((!is_tensor<typename Vs::value_type>) && ...);
        else return false;
    }();
    static_assert(!vars || numbers, "stag: block(v...): group scalar variables; a tensor variable is a parameter block by itself");
    static_assert(sizeof...(Vs) > 0, "stag: block(v...): a parameter block needs at least one variable");
    if constexpr (numbers && sizeof...(Vs) > 0) return parameter_block<Vs...>{};
    else return detail::failed{};
}

/// The parameter blocks of a cost function, in the order AddResidualBlock receives them. Each is a
/// scalar variable (a block of one), a stag::block of scalar variables, or a tensor variable (a
/// block of its elements, row-major).
template <class... Ps>
struct parameter_list {};

namespace detail {

/// An error about one variable, in the form of engine/bindings.hpp (the note names the variable).
template <fixed_string Variable, std::size_t Count>
constexpr bool variable_is_in_one_block() {
    static_assert(Count <= 1, "stag: parameters(...): a variable is in two parameter blocks");
    return Count <= 1;
}

/// What the adapter needs to know of a parameter block: its size, its variables, and how to bind
/// them to the `const double*` Ceres passes.
template <class P>
struct block_traits {
    static constexpr bool valid = false;
    static constexpr int size = 1;
};
template <class V>
    requires variable<V>
struct block_traits<V> {
    static constexpr bool valid = true;
    static constexpr bool is_tensor_block = is_tensor<typename V::value_type>;
    static constexpr int size = [] {
        if constexpr (is_tensor_block) return int(V::value_type::count);
        else return 1;
    }();
    using vars = std::tuple<V>;
    static auto bind(const double* p) noexcept {
        if constexpr (is_tensor_block) return std::tuple{V{} = std::span<const double, std::size_t(size)>(p, std::size_t(size))};
        else return std::tuple{V{} = p[0]};
    }
};
template <class... Vs>
struct block_traits<parameter_block<Vs...>> {
    static constexpr bool valid = true;
    static constexpr bool is_tensor_block = false;
    static constexpr int size = int(sizeof...(Vs));
    using vars = std::tuple<Vs...>;
    static auto bind(const double* p) noexcept {
        return [p]<std::size_t... J>(std::index_sequence<J...>) { return std::tuple{(Vs{} = p[J])...}; }(std::index_sequence_for<Vs...>{});
    }
};

template <class T>
struct residual_tuple {
    using type = std::tuple<T>;
};
template <class... Fs>
struct residual_tuple<std::tuple<Fs...>> {
    using type = std::tuple<Fs...>;
};

template <class Tuple>
struct joined_of;
template <class... Fs>
struct joined_of<std::tuple<Fs...>> {
    using type = joined_t<Fs...>;
};

template <class Tuple>
struct tuple_binding_check;
template <class... Ts>
struct tuple_binding_check<std::tuple<Ts...>> {
    template <class List, class... Data>
    static constexpr bool value = binding_check<List, Ts..., Data...>::value;
};

template <class... Tuples>
using tuple_cat_t = decltype(std::tuple_cat(std::declval<Tuples>()...));

template <class Outputs>
struct ceres_facts;
template <class... Fs>
struct ceres_facts<std::tuple<Fs...>> {
    static constexpr bool exprs = (expression<Fs> && ...);
    static constexpr bool tensors = (tensor_expression<Fs> || ...);
};

/// The adapter's contract, checked once with one `stag:` message per misuse.
template <class Outputs, class ParameterBindings, class AllVars, class... Data>
constexpr bool ceres_check() {
    using root = typename joined_of<Outputs>::type;
    constexpr bool exprs = ceres_facts<Outputs>::exprs;
    static_assert(exprs, "stag: ceres_cost_function(r, parameters(...), data...): r must be a stag expression or stag::outputs(r1, r2, ...)");
    if constexpr (exprs) {
        constexpr bool numbers = []<class... Fs>(std::tuple<Fs...>*) {
            return (std::is_same_v<node_shape_t<Fs>, std::index_sequence<>> && ...);
        }(static_cast<Outputs*>(nullptr));
        static_assert(numbers,
                      "stag: ceres_cost_function: each residual must be a number; list a tensor's elements as outputs, "
                      "stag::outputs(stag::pick(r, 0), stag::pick(r, 1), ...)");
        constexpr bool data = (is_binding<Data> && ...);
        static_assert(data, "stag: ceres_cost_function(r, parameters(...), data...): the data are bindings such as x = 1.5");
        if constexpr (numbers && data) {
            constexpr bool distinct = []<class... Vs>(std::tuple<Vs...>*) {
                using twice = first_repeated<Vs...>;
                if constexpr (twice::any) return variable_is_in_one_block<spelled<typename twice::var::name>, twice::count>();
                else return true;
            }(static_cast<AllVars*>(nullptr));
            if constexpr (distinct) return tuple_binding_check<ParameterBindings>::template value<graph::nodes_t<root>, Data...>;
            else return false;
        } else
            return false;
    } else
        return false;
}

/// Writes the row of output I into each Jacobian block that Ceres asks for: `take(v)` is
/// d output_I / d v for a scalar variable v, `grad_of(v)` the elements of the gradient of a tensor
/// variable v.
template <std::size_t I, class... Ps, class Take>
[[gnu::always_inline]] inline void write_rows(double** jacobians, Take&& take, parameter_list<Ps...>*) {
    std::size_t k = 0;
    auto one = [&]<class P>(P*) {
        double* jac = jacobians[k++];
        if (jac == nullptr) return;
        using B = block_traits<P>;
        [&]<class... Vs>(std::tuple<Vs...>*) {
            if constexpr (B::is_tensor_block) {
                const auto& g = take(std::tuple_element_t<0, typename B::vars>{});
                for (int j = 0; j < B::size; ++j) jac[I * B::size + j] = static_cast<double>(g.data()[j]);
            } else {
                int j = 0;
                ((jac[I * B::size + j++] = static_cast<double>(take(Vs{}))), ...);
            }
        }(static_cast<typename B::vars*>(nullptr));
    };
    (one(static_cast<Ps*>(nullptr)), ...);
}

}  // namespace detail

/// `stag::parameters(stag::block(b1, b2), c)`: the parameter blocks of a cost function.
template <class... Ps>
constexpr auto parameters(const Ps&...) noexcept {
    constexpr bool ok = (detail::block_traits<Ps>::valid && ...);
    constexpr bool reported = (detail::is_failed<Ps> || ...);  // by stag::block, with its own message
    static_assert(ok || reported, "stag: parameters(...): each parameter block is a variable or a stag::block(v...) of scalar variables");
    static_assert(sizeof...(Ps) > 0, "stag: parameters(...): a cost function needs at least one parameter block");
    if constexpr (ok) return parameter_list<Ps...>{};
    else return detail::failed{};
}

/// What `ceres_cost_function` is for anything but stag::parameters(...) in second place: an error
/// (none more after stag::parameters' own), and a cost function that evaluates nothing.
template <class Residuals, class Parameters, class... Data>
class ceres_cost_function : public ::ceres::CostFunction {
    static_assert(detail::is_failed<Parameters>,
                  "stag: ceres_cost_function(r, parameters(...), data...): pass the parameter blocks through stag::parameters(...)");

public:
    ceres_cost_function(const Residuals&, const Parameters&, const Data&...) {}
    bool Evaluate(double const* const*, double*, double**) const override { return false; }
};

/// A Ceres cost function whose residuals are stag expressions:
///
///     problem.AddResidualBlock(new stag::ceres_cost_function(r, stag::parameters(stag::block(b1, b2)), x = xi, y = yi),
///                              nullptr, b);
///
/// r is one expression or several (stag::outputs(r1, r2)), each a number; the parameter blocks
/// come in the order Ceres passes them; the bindings after them are the data of this residual
/// block, kept by value (a tensor lvalue is referred to and must outlive the cost function).
/// Evaluate runs one forward sweep over the unique nodes of all the residuals and, when Ceres asks
/// for Jacobians, one backward sweep per residual, writing the row-major blocks Ceres asked for
/// (any of them may be null); it allocates nothing. Over tensor parameter blocks each residual
/// has a sweep of its own (the tensor engine has one output per sweep).
template <class Residuals, class... Ps, class... Data>
class ceres_cost_function<Residuals, parameter_list<Ps...>, Data...>
    : public ::ceres::SizedCostFunction<int(std::tuple_size_v<typename detail::residual_tuple<Residuals>::type>),
                                        detail::block_traits<Ps>::size...> {
    using outputs_type = typename detail::residual_tuple<Residuals>::type;
    static constexpr std::size_t m = std::tuple_size_v<outputs_type>;
    using root_type = typename detail::joined_of<outputs_type>::type;
    using parameter_bindings = detail::tuple_cat_t<decltype(detail::block_traits<Ps>::bind(nullptr))...>;
    using all_vars = detail::tuple_cat_t<typename detail::block_traits<Ps>::vars...>;
    static constexpr bool tensors = detail::ceres_facts<outputs_type>::tensors;
    static constexpr bool ok = detail::ceres_check<outputs_type, parameter_bindings, all_vars, Data...>();

    root_type root_;  // the residuals, joined into one graph
    detail::record<Data...> data_;

    template <class Run>
    [[gnu::always_inline]] void with_bindings(double const* const* parameters, Run&& run) const {
        const auto bound = [&]<std::size_t... K>(std::index_sequence<K...>) {
            return std::tuple_cat(detail::block_traits<Ps>::bind(parameters[K])...);
        }(std::index_sequence_for<Ps...>{});
        std::apply([&](const auto&... ps) {
            [&]<std::size_t... D>(std::index_sequence<D...>) { run(ps..., data_.template get<D>()...); }(std::index_sequence_for<Data...>{});
        }, bound);
    }

public:
    ceres_cost_function(const Residuals& r, const parameter_list<Ps...>&, const Data&... data)
        : root_(detail::join_tuple(outputs_type(r))), data_(data...) {}

    bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
        if constexpr (ok) {
            with_bindings(parameters, [&](const auto&... bs) {
                if constexpr (!tensors) {
                    using Env = detail::environment<std::remove_cvref_t<decltype(bs)>...>;
                    const Env env{detail::record<std::remove_cvref_t<decltype(bs)>...>{bs...}};
                    if (jacobians == nullptr) {
                        const auto v = detail::output_values<m>(root_, env);
                        for (std::size_t i = 0; i < m; ++i) residuals[i] = static_cast<double>(v[i]);
                    } else {
                        [&]<class... Vs>(std::tuple<Vs...>*) {
                            detail::sweep_outputs<m, Vs...>(root_, env, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto value, auto take) {
                                residuals[I] = static_cast<double>(value);
                                detail::write_rows<I>(jacobians, take, static_cast<parameter_list<Ps...>*>(nullptr));
                            });
                        }(static_cast<all_vars*>(nullptr));
                    }
                } else {
                    [&]<std::size_t... I>(std::index_sequence<I...>) {
                        auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                            const auto& f = detail::output_of<J, m>(root_);
                            if (jacobians == nullptr) {
                                residuals[J] = static_cast<double>(eval(f, bs...));
                            } else {
                                [&]<class... Vs>(std::tuple<Vs...>*) {
                                    const auto vg = value_and_grad(f, Vs{}...)(bs...);
                                    residuals[J] = static_cast<double>(vg.value);
                                    detail::write_rows<J>(jacobians, [&](const auto& v) -> const auto& { return vg.grad[v]; },
                                                          static_cast<parameter_list<Ps...>*>(nullptr));
                                }(static_cast<all_vars*>(nullptr));
                            }
                        };
                        (one(std::integral_constant<std::size_t, I>{}), ...);
                    }(std::make_index_sequence<m>{});
                }
            });
        }
        return true;
    }
};

template <class R, class P, class... D>
ceres_cost_function(const R&, const P&, const D&...) -> ceres_cost_function<R, P, D...>;

}  // namespace stag
