// Optimizers: stag::sgd, stag::momentum, stag::adam update parameters in place from a gradient.
//
//   double w = 0.1, b = 0.0;
//   stag::momentum opt(0.01, 0.9, w, b);          // learning rate, momentum, the parameters
//   opt.step(g[w_var], g[b_var]);                  // w and b move, in the order given
//
// A parameter is a number or a stag::tensor (updated element by element); the optimizer holds a
// reference to it and any per-parameter state (velocity, moments) by value: nothing allocates.
#pragma once

#include <stag/tensor/tensor.hpp>

#include <cmath>
#include <cstddef>
#include <tuple>
#include <type_traits>

namespace stag {

namespace detail {
/// f(parameter element, gradient element, state elements...) for every element.
template <class P, class G, class F, class... States>
constexpr void each_element(P& p, const G& g, F f, States&... states) {
    if constexpr (is_tensor<P>) {
        static_assert(is_tensor<G> && shapes_agree<typename P::shape_type, typename G::shape_type>,
                      "stag: optimizer step: a gradient must have its parameter's shape");
        for (std::size_t i = 0; i < P::count; ++i) f(p.elements[i], g.elements[i], states.elements[i]...);
    } else {
        static_assert(std::is_arithmetic_v<P> && std::is_arithmetic_v<G>,
                      "stag: optimizer: parameters are numbers or stag::tensor, with gradients of the same kind");
        f(p, g, states...);
    }
}

template <class... Ps>
struct parameters {
    std::tuple<Ps&...> refs;
    /// f(parameter, gradient, I) for each parameter I, in the order given.
    template <class F, class... Gs>
    constexpr void visit(F f, const Gs&... gs) {
        static_assert(sizeof...(Gs) == sizeof...(Ps), "stag: optimizer step: give one gradient per parameter, in order");
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::get<I>(refs), gs, std::integral_constant<std::size_t, I>{}), ...);
        }(std::index_sequence_for<Ps...>{});
    }
};
}  // namespace detail

/// Plain gradient descent: p = p - rate * g.
template <class... Ps>
class sgd {
  public:
    constexpr sgd(double learning_rate, Ps&... ps) : rate_(learning_rate), params_{{ps...}} {}
    template <class... Gs>
    constexpr void step(const Gs&... gs) {
        params_.visit([&](auto& p, const auto& g, auto) {
            detail::each_element(p, g, [&](auto& pe, auto ge) { pe = static_cast<std::remove_cvref_t<decltype(pe)>>(pe - rate_ * ge); });
        }, gs...);
    }

  private:
    double rate_;
    detail::parameters<Ps...> params_;
};
template <class... Ps>
sgd(double, Ps&...) -> sgd<Ps...>;

/// Gradient descent with momentum: v = mu * v - rate * g, p = p + v (v starts at 0).
template <class... Ps>
class momentum {
  public:
    constexpr momentum(double learning_rate, double mu, Ps&... ps) : rate_(learning_rate), mu_(mu), params_{{ps...}}, velocity_{} {}
    template <class... Gs>
    constexpr void step(const Gs&... gs) {
        params_.visit([&]<std::size_t I>(auto& p, const auto& g, std::integral_constant<std::size_t, I>) {
            detail::each_element(p, g, [&](auto& pe, auto ge, auto& ve) {
                using T = std::remove_cvref_t<decltype(pe)>;
                ve = static_cast<T>(mu_ * ve - rate_ * ge);
                pe = static_cast<T>(pe + ve);
            }, std::get<I>(velocity_));
        }, gs...);
    }

  private:
    double rate_, mu_;
    detail::parameters<Ps...> params_;
    std::tuple<Ps...> velocity_;
};
template <class... Ps>
momentum(double, double, Ps&...) -> momentum<Ps...>;

/// Adam (Kingma and Ba): moments m and v of the gradient and its square, bias-corrected;
/// p = p - rate * m_hat / (sqrt(v_hat) + epsilon).
template <class... Ps>
class adam {
  public:
    constexpr adam(double learning_rate, Ps&... ps) : rate_(learning_rate), params_{{ps...}}, m_{}, v_{} {}
    /// The decay rates of the moments (defaults 0.9, 0.999) and epsilon (1e-8).
    constexpr adam& hyperparameters(double beta1, double beta2, double epsilon) {
        beta1_ = beta1;
        beta2_ = beta2;
        epsilon_ = epsilon;
        return *this;
    }
    template <class... Gs>
    void step(const Gs&... gs) {
        ++t_;
        const double c1 = 1 - std::pow(beta1_, double(t_)), c2 = 1 - std::pow(beta2_, double(t_));
        params_.visit([&]<std::size_t I>(auto& p, const auto& g, std::integral_constant<std::size_t, I>) {
            detail::each_element(p, g, [&](auto& pe, auto ge, auto& me, auto& ve) {
                using T = std::remove_cvref_t<decltype(pe)>;
                me = static_cast<T>(beta1_ * me + (1 - beta1_) * ge);
                ve = static_cast<T>(beta2_ * ve + (1 - beta2_) * ge * ge);
                pe = static_cast<T>(pe - rate_ * (me / c1) / (std::sqrt(ve / c2) + epsilon_));
            }, std::get<I>(m_), std::get<I>(v_));
        }, gs...);
    }
    /// How many steps were taken.
    constexpr long steps() const noexcept { return t_; }

  private:
    double rate_;
    double beta1_ = 0.9, beta2_ = 0.999, epsilon_ = 1e-8;
    long t_ = 0;
    detail::parameters<Ps...> params_;
    std::tuple<Ps...> m_, v_;
};
template <class... Ps>
adam(double, Ps&...) -> adam<Ps...>;

}  // namespace stag
