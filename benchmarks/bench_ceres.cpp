// stag as Ceres's derivative engine, against the three ways a Ceres user writes a Jacobian:
// Rat43's residual and Jacobian over its 15 observations through CostFunction::Evaluate, with
//   (a) a hand-written analytic cost function, each derivative written out on its own;
//   (b) the same with common subexpressions eliminated by hand;
//   (c) ceres::AutoDiffCostFunction (Jets);
//   (d) stag::ceres_cost_function;
// and one whole solve of Rat43 (15 observations) and of Gauss3 (250) from NIST's first start with
// (c) and (d). `bench_ceres --check` compares (a), (b), (c) with (d) and exits non-zero on a
// disagreement.
#include <stag/ceres.hpp>

#include "../examples/nist_data.hpp"

#include <benchmark/benchmark.h>
#include <ceres/ceres.h>
#include <glog/logging.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#ifndef STAG_NIST_DATA
#define STAG_NIST_DATA "examples/data/nist"
#endif

namespace {

// r = y - b1 / (1 + exp(b2 - b3 x))^(1/b4). With t = exp(b2 - b3 x), u = 1 + t, p = u^(-1/b4):
// dr/db1 = -p, dr/db2 = b1 p t / (b4 u), dr/db3 = -x b1 p t / (b4 u), dr/db4 = -b1 p log(u) / b4^2.

/// (a) Each quantity written out as the derivative reads, with its own exp and pow.
class rat43_analytic final : public ceres::SizedCostFunction<1, 4> {
public:
    rat43_analytic(double x, double y) : x_(x), y_(y) {}
    bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
        const double* b = parameters[0];
        residuals[0] = y_ - b[0] / std::pow(1 + std::exp(b[1] - b[2] * x_), 1 / b[3]);
        if (jacobians == nullptr || jacobians[0] == nullptr) return true;
        double* j = jacobians[0];
        j[0] = -1 / std::pow(1 + std::exp(b[1] - b[2] * x_), 1 / b[3]);
        j[1] = b[0] * std::exp(b[1] - b[2] * x_) * std::pow(1 + std::exp(b[1] - b[2] * x_), -1 / b[3] - 1) / b[3];
        j[2] = -x_ * b[0] * std::exp(b[1] - b[2] * x_) * std::pow(1 + std::exp(b[1] - b[2] * x_), -1 / b[3] - 1) / b[3];
        j[3] = -b[0] * std::log(1 + std::exp(b[1] - b[2] * x_)) / (b[3] * b[3] * std::pow(1 + std::exp(b[1] - b[2] * x_), 1 / b[3]));
        return true;
    }

private:
    double x_, y_;
};

/// (b) The same with each common subexpression computed once.
class rat43_analytic_cse final : public ceres::SizedCostFunction<1, 4> {
public:
    rat43_analytic_cse(double x, double y) : x_(x), y_(y) {}
    bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
        const double* b = parameters[0];
        const double t = std::exp(b[1] - b[2] * x_);
        const double u = 1 + t;
        const double p = std::pow(u, -1 / b[3]);
        residuals[0] = y_ - b[0] * p;
        if (jacobians == nullptr || jacobians[0] == nullptr) return true;
        double* j = jacobians[0];
        const double c = b[0] * p * t / (b[3] * u);
        j[0] = -p;
        j[1] = c;
        j[2] = -x_ * c;
        j[3] = -b[0] * p * std::log(u) / (b[3] * b[3]);
        return true;
    }

private:
    double x_, y_;
};

/// (c) The functor of ceres::AutoDiffCostFunction.
struct rat43_functor {
    double x, y;
    template <class T>
    bool operator()(const T* b, T* r) const {
        using std::exp, std::pow;
        r[0] = y - b[0] / pow(1.0 + exp(b[1] - b[2] * x), 1.0 / b[3]);
        return true;
    }
};

/// (d) stag.
constexpr auto b1 = stag::var<"b1">;
constexpr auto b2 = stag::var<"b2">;
constexpr auto b3 = stag::var<"b3">;
constexpr auto b4 = stag::var<"b4">;
constexpr auto b5 = stag::var<"b5">;
constexpr auto b6 = stag::var<"b6">;
constexpr auto b7 = stag::var<"b7">;
constexpr auto b8 = stag::var<"b8">;
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
const auto rat43 = y - b1 / stag::pow(1 + stag::exp(b2 - b3 * x), 1 / b4);
/// (d') The model in (b)'s algebraic form, b1 u^(-1/b4): a product instead of a quotient.
const auto rat43_product = y - b1 * stag::pow(1 + stag::exp(b2 - b3 * x), -1 / b4);
template <class R>
ceres::CostFunction* rat43_stag(const R& r, double xi, double yi) {
    return new stag::ceres_cost_function(r, stag::parameters(stag::block(b1, b2, b3, b4)), x = xi, y = yi);
}

// Gauss3, for the whole solves.
const auto gauss = y - (b1 * stag::exp(-b2 * x) + b3 * stag::exp(-stag::square(x - b4) / stag::square(b5)) +
                        b6 * stag::exp(-stag::square(x - b7) / stag::square(b8)));
struct gauss_functor {
    double x, y;
    template <class T>
    bool operator()(const T* b, T* r) const {
        using std::exp;
        r[0] = y - (b[0] * exp(-b[1] * x) + b[2] * exp(-(x - b[3]) * (x - b[3]) / (b[4] * b[4])) +
                    b[5] * exp(-(x - b[6]) * (x - b[6]) / (b[7] * b[7])));
        return true;
    }
};

const nist::nist_file& problem_file(const char* name) {
    static const nist::nist_file rat = nist::read_nist(STAG_NIST_DATA "/Rat43.dat", "Rat43");
    static const nist::nist_file g3 = nist::read_nist(STAG_NIST_DATA "/Gauss3.dat", "Gauss3");
    return std::string(name) == "Rat43" ? rat : g3;
}

enum class way { analytic, analytic_cse, jets, stag, stag_product };

/// The 15 cost functions of Rat43, one per observation, made the given way.
std::vector<std::unique_ptr<ceres::CostFunction>> rat43_costs(way w) {
    std::vector<std::unique_ptr<ceres::CostFunction>> costs;
    for (const auto& o : problem_file("Rat43").data) {
        switch (w) {
            case way::analytic: costs.emplace_back(new rat43_analytic(o.x, o.y)); break;
            case way::analytic_cse: costs.emplace_back(new rat43_analytic_cse(o.x, o.y)); break;
            case way::jets: costs.emplace_back(new ceres::AutoDiffCostFunction<rat43_functor, 1, 4>(new rat43_functor{o.x, o.y})); break;
            case way::stag: costs.emplace_back(rat43_stag(rat43, o.x, o.y)); break;
            case way::stag_product: costs.emplace_back(rat43_stag(rat43_product, o.x, o.y)); break;
        }
    }
    return costs;
}

/// Residuals and Jacobians of all observations at b: what one Ceres iteration asks for.
void evaluate_all(const std::vector<std::unique_ptr<ceres::CostFunction>>& costs, const double* b, double* r, double* j) {
    const double* params[] = {b};
    for (std::size_t i = 0; i < costs.size(); ++i) {
        double* jac[] = {j + 4 * i};
        costs[i]->Evaluate(params, r + i, jac);
    }
}

constexpr double at[4] = {699.6, 5.277, 0.7596, 1.279};  // near the certified solution

void rat43_evaluate(benchmark::State& state, way w) {
    const auto costs = rat43_costs(w);
    std::vector<double> r(costs.size()), j(4 * costs.size());
    for (auto _ : state) {
        evaluate_all(costs, at, r.data(), j.data());
        benchmark::DoNotOptimize(r.data());
        benchmark::DoNotOptimize(j.data());
        benchmark::ClobberMemory();
    }
}

template <class Functor, int N, class Expr, class... Bs>
void solve(benchmark::State& state, const char* name, bool with_stag, const Expr& e, Bs... bs) {
    const nist::nist_file& f = problem_file(name);
    for (auto _ : state) {
        std::vector<double> b = f.starts[0];
        ceres::Problem problem;
        for (const auto& o : f.data) {
            if (with_stag) problem.AddResidualBlock(new stag::ceres_cost_function(e, stag::parameters(stag::block(bs...)), x = o.x, y = o.y), nullptr, b.data());
            else problem.AddResidualBlock(new ceres::AutoDiffCostFunction<Functor, 1, N>(new Functor{o.x, o.y}), nullptr, b.data());
        }
        ceres::Solver::Summary summary;
        ceres::Solve(nist::solver_options(), &problem, &summary);
        benchmark::DoNotOptimize(b.data());
        state.counters["iterations"] = double(summary.iterations.size() - 1);
    }
}

BENCHMARK_CAPTURE(rat43_evaluate, a_analytic, way::analytic);
BENCHMARK_CAPTURE(rat43_evaluate, b_analytic_cse, way::analytic_cse);
BENCHMARK_CAPTURE(rat43_evaluate, c_autodiff_jets, way::jets);
BENCHMARK_CAPTURE(rat43_evaluate, d_stag, way::stag);
BENCHMARK_CAPTURE(rat43_evaluate, d_stag_product_form, way::stag_product);
void solve_rat43_jets(benchmark::State& s) { solve<rat43_functor, 4>(s, "Rat43", false, rat43, b1, b2, b3, b4); }
void solve_rat43_stag(benchmark::State& s) { solve<rat43_functor, 4>(s, "Rat43", true, rat43, b1, b2, b3, b4); }
void solve_gauss3_jets(benchmark::State& s) { solve<gauss_functor, 8>(s, "Gauss3", false, gauss, b1, b2, b3, b4, b5, b6, b7, b8); }
void solve_gauss3_stag(benchmark::State& s) { solve<gauss_functor, 8>(s, "Gauss3", true, gauss, b1, b2, b3, b4, b5, b6, b7, b8); }
BENCHMARK(solve_rat43_jets)->Unit(benchmark::kMicrosecond);
BENCHMARK(solve_rat43_stag)->Unit(benchmark::kMicrosecond);
BENCHMARK(solve_gauss3_jets)->Unit(benchmark::kMicrosecond);
BENCHMARK(solve_gauss3_stag)->Unit(benchmark::kMicrosecond);

/// --check: (a), (b) and (c) agree with (d) on every observation.
int check() {
    const auto mine = rat43_costs(way::stag);
    std::vector<double> r0(mine.size()), j0(4 * mine.size());
    evaluate_all(mine, at, r0.data(), j0.data());
    int bad = 0;
    for (way w : {way::analytic, way::analytic_cse, way::jets, way::stag_product}) {
        const auto other = rat43_costs(w);
        std::vector<double> r(other.size()), j(4 * other.size());
        evaluate_all(other, at, r.data(), j.data());
        for (std::size_t i = 0; i < r.size(); ++i)
            bad += std::fabs(r[i] - r0[i]) > 1e-12 * (1 + std::fabs(r0[i]));
        for (std::size_t i = 0; i < j.size(); ++i)
            bad += std::fabs(j[i] - j0[i]) > 1e-10 * (1 + std::fabs(j0[i]));
    }
    std::printf(bad == 0 ? "bench_ceres: all five cost functions agree\n" : "bench_ceres: %d values disagree\n", bad);
    return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    google::InitGoogleLogging(argv[0]);
    FLAGS_minloglevel = google::GLOG_ERROR;
    if (argc > 1 && std::strcmp(argv[1], "--check") == 0) return check();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
