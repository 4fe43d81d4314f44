// GradBench's `gmm` eval with stag: the log posterior of a Gaussian mixture model with a Wishart
// prior on its precision matrices (evals/gmm of GradBench), `objective`, and its gradient in
// alpha, mu, q and l, `jacobian`.
//
// The dimension d and the number of components k are compiled in, for GradBench's default sizes
// (every d in 2, 10, 20, 32, 64 with every k in 5, 10, 25, 50, 100); the number of points n is
// the input's. The objective is written in two stages, each a stag expression:
// - the parameters' own part: exp(q), the row sums of q, L_k mu_k, the Wishart prior and
//   -n logsumexp(alpha), once per call;
// - one point's log-sum-exp over the components, beta_k = alpha_k + sum_j q_kj
//   - |Q_k (x - mu_k)|^2 / 2, with Q_k (x - mu_k) = exp(q_k) * (x - mu_k) + L_k x - L_k mu_k, the
//   strictly lower parts L_k of all components stacked in one (k d) x d matrix so that L_k x is
//   one matrix-vector product. Evaluated point by point (`objective`) or differentiated point by
//   point, the gradients summed in place (`jacobian`).
// The jacobian is the chain rule over the stages: the points' gradients in exp(q), the row sums
// and L mu are pulled back to q, L and mu by stag's gradient of their dot product with those
// gradients (a vector-Jacobian product).
#include "tool.hpp"

#include <stag/stag.hpp>

#include <cmath>
#include <cstddef>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

using gradbench_tool::input_error;
using gradbench_tool::json;

/// log(sum(exp(v))) from its primitives, computed from v - max(v).
template <class V>
constexpr auto logsumexp(const V& v) {
    return stag::max(v) + stag::log(stag::sum(stag::exp(v - stag::max(v))));
}

/// The model for d = D, k = K.
template <std::size_t D, std::size_t K>
struct model {
    using vec_k = stag::tensor<double, K>;
    using mat_kd = stag::tensor<double, K, D>;
    using stacked = stag::tensor<double, K * D, D>;  // row k d + j: row j of L_k
    static constexpr std::size_t l_size = D * (D - 1) / 2;

    // The independent variables (the lower parts in the stacked form) and one point.
    static constexpr auto alpha = stag::var<"alpha", vec_k>;
    static constexpr auto mu = stag::var<"mu", mat_kd>;
    static constexpr auto q = stag::var<"q", mat_kd>;
    static constexpr auto L = stag::var<"L", stacked>;
    static constexpr auto x = stag::var<"x", stag::tensor<double, D>>;
    // What the first stage gives the second: exp(q), the row sums of q, L_k mu_k.
    static constexpr auto E = stag::var<"E", mat_kd>;
    static constexpr auto sum_q = stag::var<"sum_q", vec_k>;
    static constexpr auto L_mu = stag::var<"L_mu", mat_kd>;
    // Numbers: n, gamma and m of the input.
    static constexpr auto n = stag::var<"n">;
    static constexpr auto gamma = stag::var<"gamma">;
    static constexpr auto m = stag::var<"m">;

    // The first stage.
    static constexpr auto E_of = stag::exp(q);
    static constexpr auto sum_q_of = stag::sum<1>(q);
    static constexpr auto L_mu_of = stag::sum<2>(stag::reshape<K, D, D>(L) * stag::reshape<K, 1, D>(mu));
    /// The parts of the objective that do not depend on the points or are constant: the Wishart
    /// prior without its constant, -n logsumexp(alpha).
    static constexpr auto parameters_part =
        -(0.5 * gamma * gamma) * (stag::sum(stag::exp(2.0 * q)) + stag::sum(stag::square(L))) + m * stag::sum(q) - n * logsumexp(alpha);

    // The second stage: one point's term.
    static constexpr auto Qx = E * (x - mu) + stag::reshape<K, D>(stag::matmul(L, x)) - L_mu;
    static constexpr auto point_term = logsumexp(alpha + sum_q - 0.5 * stag::sum<1>(stag::square(Qx)));

    // The pullback of the first stage: the gradients of the points' sum in E, sum_q and L_mu.
    static constexpr auto dE = stag::var<"dE", mat_kd>;
    static constexpr auto dsum_q = stag::var<"dsum_q", vec_k>;
    static constexpr auto dL_mu = stag::var<"dL_mu", mat_kd>;
    static constexpr auto pulled_back = parameters_part + stag::dot(E_of, dE) + stag::dot(sum_q_of, dsum_q) + stag::dot(L_mu_of, dL_mu);
};

/// The input for d = D, k = K, in stag's layout; the heavy tensors on the heap.
template <std::size_t D, std::size_t K>
struct problem {
    using M = model<D, K>;
    std::size_t points = 0;
    std::vector<double> xs;  // n x d, row by row
    typename M::vec_k alpha{};
    typename M::mat_kd mu{}, q{};
    std::unique_ptr<typename M::stacked> L = std::make_unique<typename M::stacked>();
    double gamma = 1, m = 0;
    double constant = 0;  // -n d log(2 pi) / 2 and the prior's constant
    stag::workspace ws;   // the sweeps' intermediates, reused point after point

    explicit problem(const json& input) {
        using gradbench_tool::field;
        const auto rows = [&](const char* name, std::size_t count, std::size_t length) {
            const auto r = field<std::vector<std::vector<double>>>(input, name);
            if (r.size() != count)
                throw input_error(std::string("gmm: \"") + name + "\" has " + std::to_string(r.size()) + " rows; expected " + std::to_string(count));
            for (std::size_t i = 0; i < count; ++i)
                if (r[i].size() != length)
                    throw input_error(std::string("gmm: row ") + std::to_string(i) + " of \"" + name + "\" has " + std::to_string(r[i].size()) +
                                      " elements; expected " + std::to_string(length));
            return r;
        };
        const long long count = field<long long>(input, "n");
        if (count < 1) throw input_error("gmm needs n >= 1 points; the input has n = " + std::to_string(count));
        points = std::size_t(count);
        const auto x_rows = rows("x", points, D);
        xs.reserve(points * D);
        for (const auto& r : x_rows) xs.insert(xs.end(), r.begin(), r.end());
        const auto a = field<std::vector<double>>(input, "alpha");
        if (a.size() != K) throw input_error("gmm: \"alpha\" has " + std::to_string(a.size()) + " elements; expected k = " + std::to_string(K));
        for (std::size_t c = 0; c < K; ++c) alpha(c) = a[c];
        const auto mu_rows = rows("mu", K, D), q_rows = rows("q", K, D), l_rows = rows("l", K, M::l_size);
        for (std::size_t c = 0; c < K; ++c)
            for (std::size_t j = 0; j < D; ++j) mu(c, j) = mu_rows[c][j], q(c, j) = q_rows[c][j];
        // l fills the strictly lower part of Q_k column by column.
        for (std::size_t c = 0; c < K; ++c) {
            std::size_t at = 0;
            for (std::size_t i = 0; i < D; ++i)
                for (std::size_t j = i + 1; j < D; ++j) (*L)(c * D + j, i) = l_rows[c][at++];
        }
        gamma = field<double>(input, "gamma");
        if (!(gamma > 0)) throw input_error("gmm needs gamma > 0; the input has gamma = " + std::to_string(gamma));
        const long long extra = field<long long>(input, "m");
        if (extra < 0) throw input_error("gmm needs m >= 0; the input has m = " + std::to_string(extra));
        m = double(extra);
        // The constants: -n d log(2 pi) / 2, and k (n' d (log gamma - log 2 / 2) - log Gamma_d(n' / 2))
        // with n' = d + m + 1 and the multivariate gamma function Gamma_d.
        const double dof = double(D) + m + 1;
        double log_gamma_d = double(D * (D - 1)) / 4 * std::log(std::numbers::pi);
        for (std::size_t j = 1; j <= D; ++j) log_gamma_d += std::lgamma(dof / 2 + (1 - double(j)) / 2);
        constant = -double(points * D) / 2 * std::log(2 * std::numbers::pi) +
                   double(K) * (dof * double(D) * (std::log(gamma) - std::log(2.0) / 2) - log_gamma_d);
    }
    std::span<const double, D> point(std::size_t i) const { return std::span<const double, D>(xs.data() + i * D, D); }
};

template <std::size_t D, std::size_t K>
struct objective_fn : problem<D, K> {
    using M = model<D, K>;
    double out = 0;
    using problem<D, K>::problem;
    void run() {
        const auto& p = *this;
        const typename M::mat_kd E = stag::eval(M::E_of, M::q = p.q);
        const typename M::vec_k sum_q = stag::eval(M::sum_q_of, M::q = p.q);
        const typename M::mat_kd L_mu = stag::eval(M::L_mu_of, M::L = *p.L, M::mu = p.mu);
        double total = p.constant + stag::eval(M::parameters_part, M::q = p.q, M::L = *p.L, M::alpha = p.alpha, M::gamma = p.gamma,
                                               M::m = p.m, M::n = double(p.points));
        for (std::size_t i = 0; i < p.points; ++i)
            total += stag::eval(this->ws, M::point_term, M::x = p.point(i), M::alpha = p.alpha, M::mu = p.mu, M::E = E, M::sum_q = sum_q,
                                M::L = *p.L, M::L_mu = L_mu);
        out = total;
    }
    double result() const { return out; }
};

template <std::size_t D, std::size_t K>
struct jacobian_fn : problem<D, K> {
    using M = model<D, K>;
    typename M::vec_k g_alpha{}, g_sum_q{};
    typename M::mat_kd g_mu{}, g_q{}, g_E{}, g_L_mu{};
    std::unique_ptr<typename M::stacked> g_L = std::make_unique<typename M::stacked>();
    using problem<D, K>::problem;
    void run() {
        const auto& p = *this;
        g_alpha = {}, g_sum_q = {}, g_mu = {}, g_q = {}, g_E = {}, g_L_mu = {}, *g_L = {};
        const typename M::mat_kd E = stag::eval(M::E_of, M::q = p.q);
        const typename M::vec_k sum_q = stag::eval(M::sum_q_of, M::q = p.q);
        const typename M::mat_kd L_mu = stag::eval(M::L_mu_of, M::L = *p.L, M::mu = p.mu);
        // The points: their gradients summed in place.
        const auto add = stag::grad(M::point_term, M::alpha, M::mu, M::E, M::sum_q, M::L, M::L_mu)
                             .accumulate_into(g_alpha, g_mu, g_E, g_sum_q, *g_L, g_L_mu)
                             .in(this->ws);
        for (std::size_t i = 0; i < p.points; ++i)
            add(M::x = p.point(i), M::alpha = p.alpha, M::mu = p.mu, M::E = E, M::sum_q = sum_q, M::L = *p.L, M::L_mu = L_mu);
        // The first stage: the parameters' part, and the pullback of E, sum_q and L_mu.
        stag::grad(M::pulled_back, M::alpha, M::q, M::L, M::mu)
            .accumulate_into(g_alpha, g_q, *g_L, g_mu)
            .in(this->ws)(M::q = p.q, M::L = *p.L, M::mu = p.mu, M::alpha = p.alpha, M::gamma = p.gamma,
                                                       M::m = p.m, M::n = double(p.points), M::dE = g_E, M::dsum_q = g_sum_q,
                                                       M::dL_mu = g_L_mu);
    }
    json result() const {
        std::vector<std::vector<double>> mu(K, std::vector<double>(D)), q(K, std::vector<double>(D)), l(K);
        for (std::size_t c = 0; c < K; ++c) {
            for (std::size_t j = 0; j < D; ++j) mu[c][j] = g_mu(c, j), q[c][j] = g_q(c, j);
            for (std::size_t i = 0; i < D; ++i)
                for (std::size_t j = i + 1; j < D; ++j) l[c].push_back((*g_L)(c * D + j, i));
        }
        return json{{"alpha", std::vector<double>(g_alpha.data(), g_alpha.data() + K)}, {"mu", mu}, {"q", q}, {"l", l}};
    }
};

/// The (d, k) pairs compiled in.
template <std::size_t D, std::size_t K>
struct size {};
using compiled = std::tuple<size<2, 5>, size<2, 10>, size<2, 25>, size<2, 50>, size<2, 100>, size<10, 5>, size<10, 10>, size<10, 25>,
                            size<10, 50>, size<10, 100>, size<20, 5>, size<20, 10>, size<20, 25>, size<20, 50>, size<20, 100>,
                            size<32, 5>, size<32, 10>, size<32, 25>, size<32, 50>, size<32, 100>, size<64, 5>, size<64, 10>,
                            size<64, 25>, size<64, 50>, size<64, 100>>;

/// The prepared function Fn<D, K> for the input's d and k, or an input_error listing the sizes.
template <template <std::size_t, std::size_t> class Fn>
gradbench_tool::preparer by_size() {
    return [](const json& input) -> std::unique_ptr<gradbench_tool::prepared> {
        const long long d = gradbench_tool::field<long long>(input, "d"), k = gradbench_tool::field<long long>(input, "k");
        std::unique_ptr<gradbench_tool::prepared> made;
        [&]<std::size_t... D, std::size_t... K>(std::tuple<size<D, K>...>) {
            ((d == (long long)D && k == (long long)K ? (void)(made = gradbench_tool::make<Fn<D, K>>()(input)) : void()), ...);
        }(compiled{});
        if (!made)
            throw input_error("gmm is compiled for d in {2, 10, 20, 32, 64} and k in {5, 10, 25, 50, 100}; the input has d = " +
                              std::to_string(d) + ", k = " + std::to_string(k));
        return made;
    };
}

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"objective", by_size<objective_fn>()}, {"jacobian", by_size<jacobian_fn>()}});
}
