// The Ceres adapter, <stag/ceres.hpp>: residuals and Jacobian blocks against hand-written
// derivatives, central differences and ceres::AutoDiffCostFunction; blocks Ceres does not ask
// for; several outputs; tensor blocks; no allocation; a whole solve.
#define BOOST_TEST_MODULE ceres
#include <boost/test/unit_test.hpp>

#include <stag/ceres.hpp>

#include <ceres/ceres.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

// Every allocation of the test binary is counted, so that Evaluate can be shown to make none.
namespace {
std::atomic<long> allocations{0};
}
namespace {
// Not inlined: g++ would otherwise see malloc's pointer reach operator delete and warn.
[[gnu::noinline]] void* counted(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
}  // namespace
void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr auto b1 = stag::var<"b1">;
constexpr auto b2 = stag::var<"b2">;
constexpr auto b3 = stag::var<"b3">;
constexpr auto b4 = stag::var<"b4">;
constexpr auto x = stag::var<"x">;
constexpr auto y = stag::var<"y">;
constexpr auto w = stag::var<"w", stag::tensor<double, 3>>;

/// Evaluates a cost function with M residuals and parameter blocks of the given sizes at p.
template <std::size_t M>
struct evaluation {
    std::array<double, M> residuals{};
    std::vector<std::vector<double>> jacobians;
    bool ok = false;
};
template <std::size_t M>
evaluation<M> evaluate(const ceres::CostFunction& cf, const std::vector<std::vector<double>>& p) {
    evaluation<M> e;
    std::vector<const double*> params;
    std::vector<double*> jac;
    for (const auto& block : p) {
        params.push_back(block.data());
        e.jacobians.emplace_back(M * block.size(), 0.0);
    }
    for (auto& j : e.jacobians) jac.push_back(j.data());
    e.ok = cf.Evaluate(params.data(), e.residuals.data(), jac.data());
    return e;
}

/// Central differences of residual i with respect to element j of block k.
double central(const ceres::CostFunction& cf, std::vector<std::vector<double>> p, std::size_t i, std::size_t k, std::size_t j) {
    const double h = 1e-6 * std::max(1.0, std::fabs(p[k][j]));
    std::vector<const double*> params;
    for (const auto& block : p) params.push_back(block.data());
    std::vector<double> up(cf.num_residuals()), down(cf.num_residuals());
    const double v = p[k][j];
    p[k][j] = v + h;
    cf.Evaluate(params.data(), up.data(), nullptr);
    p[k][j] = v - h;
    cf.Evaluate(params.data(), down.data(), nullptr);
    return (up[i] - down[i]) / (2 * h);
}

/// Rat43, y = b1 / (1 + exp(b2 - b3 x))^(1/b4), as a Ceres functor: the yardstick.
struct rat43_functor {
    double xi, yi;
    template <class T>
    bool operator()(const T* b, T* r) const {
        using std::exp, std::pow;
        r[0] = yi - b[0] / pow(1.0 + exp(b[1] - b[2] * xi), 1.0 / b[3]);
        return true;
    }
};
const auto rat43 = y - b1 / stag::pow(1 + stag::exp(b2 - b3 * x), 1 / b4);

}  // namespace

BOOST_AUTO_TEST_CASE(misra1a_against_hand_written_derivatives) {
    // Misra1a: r = y - b1 (1 - exp(-b2 x)); dr/db1 = -(1 - exp(-b2 x)), dr/db2 = -b1 x exp(-b2 x).
    const auto r = y - b1 * (1 - stag::exp(-b2 * x));
    for (double xi : {77.6, 190.8, 760.0}) {
        const stag::ceres_cost_function cf(r, stag::parameters(stag::block(b1, b2)), x = xi, y = 10.07);
        BOOST_TEST(cf.num_residuals() == 1);
        BOOST_TEST(cf.parameter_block_sizes().size() == 1u);
        BOOST_TEST(cf.parameter_block_sizes()[0] == 2);
        const double p1 = 240.0, p2 = 5.5e-4;
        const auto e = evaluate<1>(cf, {{p1, p2}});
        BOOST_TEST(e.ok);
        const double ex = std::exp(-p2 * xi);
        BOOST_TEST(e.residuals[0] == 10.07 - p1 * (1 - ex), boost::test_tools::tolerance(1e-14));
        BOOST_TEST(e.jacobians[0][0] == -(1 - ex), boost::test_tools::tolerance(1e-14));
        BOOST_TEST(e.jacobians[0][1] == -p1 * xi * ex, boost::test_tools::tolerance(1e-14));
    }
}

BOOST_AUTO_TEST_CASE(rat43_agrees_with_autodiff_cost_function) {
    const double xs[] = {1, 4, 9, 15};
    const std::vector<std::vector<double>> at[] = {{{700, 5, 0.75, 1.3}}, {{100, 10, 1, 1}}, {{699.6, 5.277, 0.7596, 1.279}}};
    for (double xi : xs)
        for (const auto& p : at) {
            const stag::ceres_cost_function mine(rat43, stag::parameters(stag::block(b1, b2, b3, b4)), x = xi, y = 50.0);
            const ceres::AutoDiffCostFunction<rat43_functor, 1, 4> jets(new rat43_functor{xi, 50.0});
            const auto a = evaluate<1>(mine, p), b = evaluate<1>(jets, p);
            BOOST_TEST(a.residuals[0] == b.residuals[0], boost::test_tools::tolerance(1e-13));
            for (std::size_t j = 0; j < 4; ++j) {
                BOOST_TEST(a.jacobians[0][j] == b.jacobians[0][j], boost::test_tools::tolerance(1e-12));
                BOOST_TEST(a.jacobians[0][j] == central(mine, p, 0, 0, j), boost::test_tools::tolerance(1e-6));
            }
        }
}

BOOST_AUTO_TEST_CASE(blocks_ceres_does_not_ask_for_are_left_alone) {
    // Three blocks: b1 alone, {b2, b3}, b4 alone; Ceres may pass null for any of them (a block
    // held constant), or no Jacobians at all.
    const stag::ceres_cost_function cf(rat43, stag::parameters(b1, stag::block(b2, b3), b4), x = 4.0, y = 50.0);
    BOOST_TEST((cf.parameter_block_sizes() == std::vector<int>{1, 2, 1}));
    const double p1 = 700, p23[2] = {5, 0.75}, p4 = 1.3;
    const double* params[] = {&p1, p23, &p4};
    double all[4] = {}, r_all = 0;
    double* every[] = {all, all + 1, all + 3};
    BOOST_TEST(cf.Evaluate(params, &r_all, every));
    double middle[2] = {-7, -7}, last = -7, r = 0;
    double* some[] = {nullptr, middle, nullptr};
    BOOST_TEST(cf.Evaluate(params, &r, some));
    BOOST_TEST(r == r_all);
    BOOST_TEST(middle[0] == all[1]);
    BOOST_TEST(middle[1] == all[2]);
    double* none_but_last[] = {nullptr, nullptr, &last};
    BOOST_TEST(cf.Evaluate(params, &r, none_but_last));
    BOOST_TEST(last == all[3]);
    double r_only = 0;
    BOOST_TEST(cf.Evaluate(params, &r_only, nullptr));
    BOOST_TEST(r_only == r_all);
}

BOOST_AUTO_TEST_CASE(several_outputs_share_one_forward_sweep) {
    // Two residuals sharing e = exp(b2 - b3 x); b1 does not reach the second: its column is 0.
    const auto e = stag::exp(b2 - b3 * x);
    const stag::ceres_cost_function cf(stag::outputs(y - b1 / (1 + e), e * b3), stag::parameters(stag::block(b1, b2, b3)), x = 2.0,
                                       y = 3.0);
    BOOST_TEST(cf.num_residuals() == 2);
    const std::vector<std::vector<double>> p = {{4.0, 0.5, 0.25}};
    const auto v = evaluate<2>(cf, p);
    const double ex = std::exp(0.5 - 0.25 * 2), d = 1 + ex;
    BOOST_TEST(v.residuals[0] == 3 - 4 / d, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(v.residuals[1] == ex * 0.25, boost::test_tools::tolerance(1e-15));
    // Row-major: row i holds d r_i / d (b1, b2, b3).
    const double expect[2][3] = {{-1 / d, 4 * ex / (d * d), -4 * ex * 2 / (d * d)}, {0, ex * 0.25, ex - 2 * ex * 0.25}};
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j) {
            BOOST_TEST(v.jacobians[0][3 * i + j] == expect[i][j], boost::test_tools::tolerance(1e-14));
            BOOST_TEST(v.jacobians[0][3 * i + j] == central(cf, p, i, 0, j), boost::test_tools::tolerance(1e-7));
        }
}

BOOST_AUTO_TEST_CASE(tensor_parameter_blocks) {
    // r_i = y - sum(w * x) * b1 and b1 * w(0): a tensor block of 3 and a scalar block.
    const auto s = stag::sum(w * x);
    const stag::ceres_cost_function cf(stag::outputs(y - s * b1, b1 * stag::pick(w, 0)), stag::parameters(w, b1), x = 2.0, y = 1.0);
    BOOST_TEST((cf.parameter_block_sizes() == std::vector<int>{3, 1}));
    const std::vector<std::vector<double>> p = {{0.5, -1.0, 2.0}, {3.0}};
    const auto v = evaluate<2>(cf, p);
    BOOST_TEST(v.residuals[0] == 1 - 2 * 1.5 * 3, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(v.residuals[1] == 1.5, boost::test_tools::tolerance(1e-15));
    for (std::size_t j = 0; j < 3; ++j) {
        BOOST_TEST(v.jacobians[0][j] == -2 * 3.0, boost::test_tools::tolerance(1e-15));
        BOOST_TEST(v.jacobians[0][3 + j] == (j == 0 ? 3.0 : 0.0), boost::test_tools::tolerance(1e-15));
    }
    BOOST_TEST(v.jacobians[1][0] == -2 * 1.5, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(v.jacobians[1][1] == 0.5, boost::test_tools::tolerance(1e-15));
    for (std::size_t k = 0; k < 2; ++k)
        for (std::size_t j = 0; j < p[k].size(); ++j)
            for (std::size_t i = 0; i < 2; ++i)
                BOOST_TEST(v.jacobians[k][p[k].size() * i + j] == central(cf, p, i, k, j), boost::test_tools::tolerance(1e-7));
}

BOOST_AUTO_TEST_CASE(evaluate_allocates_nothing) {
    const stag::ceres_cost_function scalar(rat43, stag::parameters(stag::block(b1, b2, b3, b4)), x = 4.0, y = 50.0);
    const stag::ceres_cost_function tensor(y - stag::sum(w * x), stag::parameters(w), x = 2.0, y = 1.0);
    const double p[4] = {700, 5, 0.75, 1.3};
    const double* params[] = {p};
    double r[1], j[4];
    double* jac[] = {j};
    const long counted_before = allocations.load();
    ::operator delete(::operator new(8));  // the counter sees an allocation (a call clang cannot elide, as it may `new T`)
    BOOST_TEST(allocations.load() == counted_before + 1);
    const long before = allocations.load();
    for (int k = 0; k < 100; ++k) {
        scalar.Evaluate(params, r, jac);
        scalar.Evaluate(params, r, nullptr);
        tensor.Evaluate(params, r, jac);
        tensor.Evaluate(params, r, nullptr);
    }
    BOOST_TEST(allocations.load() - before == 0);
}

BOOST_AUTO_TEST_CASE(a_solve_recovers_the_parameters) {
    // Data made from Rat43 itself at b = (700, 5, 0.75, 1.3); solved from NIST's first start.
    const double truth[4] = {700, 5, 0.75, 1.3};
    std::vector<std::pair<double, double>> observations;
    for (int i = 1; i <= 15; ++i)
        observations.emplace_back(i, truth[0] / std::pow(1 + std::exp(truth[1] - truth[2] * i), 1 / truth[3]));
    // The sample of docs/ceres.md:
    // Rat43: y = b1 / (1 + exp(b2 - b3 x))^(1/b4), one residual block per observation (x, y).
    const auto rat43 = y - b1 / stag::pow(1 + stag::exp(b2 - b3 * x), 1 / b4);
    double b[4] = {100, 10, 1, 1};  // one parameter block of four doubles: b1, b2, b3, b4
    ceres::Problem problem;
    for (const auto& [xi, yi] : observations)
        problem.AddResidualBlock(new stag::ceres_cost_function(rat43, stag::parameters(stag::block(b1, b2, b3, b4)), x = xi, y = yi),
                                 nullptr, b);
    ceres::Solver::Options options;
    options.max_num_iterations = 1000;
    options.function_tolerance = options.gradient_tolerance = options.parameter_tolerance = 1e-15;
    ceres::Solver::Summary summary;
    ceres::Solve(options, &problem, &summary);
    BOOST_TEST(summary.IsSolutionUsable());
    for (int j = 0; j < 4; ++j) BOOST_TEST(b[j] == truth[j], boost::test_tools::tolerance(1e-8));
}
