// The NIST StRD nonlinear regression problems, solved with Ceres Solver from both starting points,
// with stag's Jacobians (stag::ceres_cost_function) or, with --jets, Ceres's own dual numbers
// (ceres::AutoDiffCostFunction): the same models, written once each way.
//
//     nist [--jets] [DIR]    DIR holds the 27 .dat files (default: examples/data/nist)
//
// Per start it prints the log relative error (LRE) of the solution against the certified
// parameters: the number of matching significant digits, the minimum over the parameters, capped
// at 11 (the certified values' own precision) and at 0. A start is solved at LRE >= 4. The last
// line is `nist: S of 54 starts solved (LRE >= 4), average LRE A`. Exit status 1 on an unreadable
// or malformed file.
#include <stag/ceres.hpp>

#include <ceres/ceres.h>
#include <glog/logging.h>

#include "nist_data.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef STAG_EXAMPLE_DATA
#define STAG_EXAMPLE_DATA "examples/data"
#endif

namespace {

using nist::observation;

// ---- the models, with stag ---------------------------------------------------------------------
// exp, pow and the others are found by argument-dependent lookup: stag's for stag expressions,
// Ceres's for Jets, and these for the doubles a Jet functor also sees.
using std::atan2, std::cos, std::exp, std::log, std::pow, std::sin;
constexpr auto b1 = stag::var<"b1">;
constexpr auto b2 = stag::var<"b2">;
constexpr auto b3 = stag::var<"b3">;
constexpr auto b4 = stag::var<"b4">;
constexpr auto b5 = stag::var<"b5">;
constexpr auto b6 = stag::var<"b6">;
constexpr auto b7 = stag::var<"b7">;
constexpr auto b8 = stag::var<"b8">;
constexpr auto b9 = stag::var<"b9">;
constexpr auto x = stag::var<"x">;
constexpr auto x2 = stag::var<"x2">;
constexpr auto y = stag::var<"y">;

using cost_factory = std::function<ceres::CostFunction*(const observation&)>;

/// The residual y - model(x; b) of one observation, with the parameters b1..bN as one block.
template <class Model, class... Bs>
cost_factory with_stag(Model model, Bs... bs) {
    return [=](const observation& o) -> ceres::CostFunction* {
        return new stag::ceres_cost_function(y - model, stag::parameters(stag::block(bs...)), x = o.x, y = o.y);
    };
}

// ---- the same models, with Ceres's Jets ------------------------------------------------------------
/// The residual y - model(x; b) for ceres::AutoDiffCostFunction.
template <int N, class Model>
cost_factory with_jets(Model model) {
    return [=](const observation& o) -> ceres::CostFunction* {
        auto residual = [model, o](const auto* b, auto* r) {
            r[0] = o.y - model(b, o.x);
            return true;
        };
        using F = decltype(residual);
        return new ceres::AutoDiffCostFunction<F, 1, N>(new F(residual));
    };
}

constexpr double pi_value = 3.141592653589793238462643383279;

struct model {
    const char* file;
    cost_factory stag, jets;
};

std::vector<model> models() {
    const auto misra1a = b1 * (1 - exp(-b2 * x));
    const auto chwirut = exp(-b1 * x) / (b2 + b3 * x);
    const auto lanczos = b1 * exp(-b2 * x) + b3 * exp(-b4 * x) + b5 * exp(-b6 * x);
    const auto gauss = b1 * exp(-b2 * x) + b3 * exp(-stag::square(x - b4) / stag::square(b5)) +
                       b6 * exp(-stag::square(x - b7) / stag::square(b8));
    const auto hahn = (b1 + b2 * x + b3 * x * x + b4 * x * x * x) / (1 + b5 * x + b6 * x * x + b7 * x * x * x);
    const auto two_pi_x = 2 * stag::pi * x;
    // The Jets' models, as a Ceres user writes them: b[j] is b(j+1), x a plain double.
    auto j_misra1a = [](const auto* b, double x) { return b[0] * (1.0 - exp(-b[1] * x)); };
    auto j_chwirut = [](const auto* b, double x) { return exp(-b[0] * x) / (b[1] + b[2] * x); };
    auto j_lanczos = [](const auto* b, double x) { return b[0] * exp(-b[1] * x) + b[2] * exp(-b[3] * x) + b[4] * exp(-b[5] * x); };
    auto j_gauss = [](const auto* b, double x) {
        return b[0] * exp(-b[1] * x) + b[2] * exp(-(x - b[3]) * (x - b[3]) / (b[4] * b[4])) +
               b[5] * exp(-(x - b[6]) * (x - b[6]) / (b[7] * b[7]));
    };
    auto j_hahn = [](const auto* b, double x) {
        return (b[0] + b[1] * x + b[2] * x * x + b[3] * x * x * x) / (1.0 + b[4] * x + b[5] * x * x + b[6] * x * x * x);
    };
    return {
        {"Misra1a", with_stag(misra1a, b1, b2), with_jets<2>(j_misra1a)},
        {"Chwirut2", with_stag(chwirut, b1, b2, b3), with_jets<3>(j_chwirut)},
        {"Chwirut1", with_stag(chwirut, b1, b2, b3), with_jets<3>(j_chwirut)},
        {"Lanczos3", with_stag(lanczos, b1, b2, b3, b4, b5, b6), with_jets<6>(j_lanczos)},
        {"Gauss1", with_stag(gauss, b1, b2, b3, b4, b5, b6, b7, b8), with_jets<8>(j_gauss)},
        {"Gauss2", with_stag(gauss, b1, b2, b3, b4, b5, b6, b7, b8), with_jets<8>(j_gauss)},
        {"DanWood", with_stag(b1 * pow(x, b2), b1, b2), with_jets<2>([](const auto* b, double x) { return b[0] * pow(x, b[1]); })},
        {"Misra1b", with_stag(b1 * (1 - pow(1 + b2 * x / 2, -2.0)), b1, b2),
         with_jets<2>([](const auto* b, double x) { return b[0] * (1.0 - pow(1.0 + b[1] * x / 2.0, -2.0)); })},
        {"Kirby2", with_stag((b1 + b2 * x + b3 * x * x) / (1 + b4 * x + b5 * x * x), b1, b2, b3, b4, b5),
         with_jets<5>([](const auto* b, double x) { return (b[0] + b[1] * x + b[2] * x * x) / (1.0 + b[3] * x + b[4] * x * x); })},
        {"Hahn1", with_stag(hahn, b1, b2, b3, b4, b5, b6, b7), with_jets<7>(j_hahn)},
        {"Nelson",
         // log[y] = b1 - b2*x1 * exp[-b3*x2]: the residual is log(y) - model, with two predictors.
         [](const observation& o) -> ceres::CostFunction* {
             return new stag::ceres_cost_function(log(y) - (b1 - b2 * x * exp(-b3 * x2)), stag::parameters(stag::block(b1, b2, b3)),
                                                  x = o.x, x2 = o.x2, y = o.y);
         },
         [](const observation& o) -> ceres::CostFunction* {
             auto residual = [o](const auto* b, auto* r) {
                 r[0] = std::log(o.y) - (b[0] - b[1] * o.x * exp(-b[2] * o.x2));
                 return true;
             };
             return new ceres::AutoDiffCostFunction<decltype(residual), 1, 3>(new decltype(residual)(residual));
         }},
        {"MGH17", with_stag(b1 + b2 * exp(-x * b4) + b3 * exp(-x * b5), b1, b2, b3, b4, b5),
         with_jets<5>([](const auto* b, double x) { return b[0] + b[1] * exp(-x * b[3]) + b[2] * exp(-x * b[4]); })},
        {"Lanczos1", with_stag(lanczos, b1, b2, b3, b4, b5, b6), with_jets<6>(j_lanczos)},
        {"Lanczos2", with_stag(lanczos, b1, b2, b3, b4, b5, b6), with_jets<6>(j_lanczos)},
        {"Gauss3", with_stag(gauss, b1, b2, b3, b4, b5, b6, b7, b8), with_jets<8>(j_gauss)},
        {"Misra1c", with_stag(b1 * (1 - pow(1 + 2 * b2 * x, -0.5)), b1, b2),
         with_jets<2>([](const auto* b, double x) { return b[0] * (1.0 - pow(1.0 + 2.0 * b[1] * x, -0.5)); })},
        {"Misra1d", with_stag(b1 * b2 * x / (1 + b2 * x), b1, b2),
         with_jets<2>([](const auto* b, double x) { return b[0] * b[1] * x / (1.0 + b[1] * x); })},
        // NIST writes arctan[b3/(x-b4)]; its certified values are those of the two-argument
        // arctangent (every x of the data lies below b4, where the two differ by pi).
        {"Roszman1", with_stag(b1 - b2 * x - stag::atan2(b3, x - b4) / stag::pi, b1, b2, b3, b4),
         with_jets<4>([](const auto* b, double x) { return b[0] - b[1] * x - atan2(b[2], x - b[3]) / pi_value; })},
        {"ENSO",
         with_stag(b1 + b2 * cos(two_pi_x / 12) + b3 * sin(two_pi_x / 12) + b5 * cos(two_pi_x / b4) + b6 * sin(two_pi_x / b4) +
                       b8 * cos(two_pi_x / b7) + b9 * sin(two_pi_x / b7),
                   b1, b2, b3, b4, b5, b6, b7, b8, b9),
         with_jets<9>([](const auto* b, double x) {
             const double t = 2.0 * pi_value * x;
             return b[0] + b[1] * std::cos(t / 12.0) + b[2] * std::sin(t / 12.0) + b[4] * cos(t / b[3]) + b[5] * sin(t / b[3]) +
                    b[7] * cos(t / b[6]) + b[8] * sin(t / b[6]);
         })},
        {"MGH09", with_stag(b1 * (x * x + x * b2) / (x * x + x * b3 + b4), b1, b2, b3, b4),
         with_jets<4>([](const auto* b, double x) { return b[0] * (x * x + x * b[1]) / (x * x + x * b[2] + b[3]); })},
        {"Thurber", with_stag(hahn, b1, b2, b3, b4, b5, b6, b7), with_jets<7>(j_hahn)},
        {"BoxBOD", with_stag(misra1a, b1, b2), with_jets<2>(j_misra1a)},
        {"Rat42", with_stag(b1 / (1 + exp(b2 - b3 * x)), b1, b2, b3),
         with_jets<3>([](const auto* b, double x) { return b[0] / (1.0 + exp(b[1] - b[2] * x)); })},
        {"MGH10", with_stag(b1 * exp(b2 / (x + b3)), b1, b2, b3),
         with_jets<3>([](const auto* b, double x) { return b[0] * exp(b[1] / (x + b[2])); })},
        {"Eckerle4", with_stag(b1 / b2 * exp(-0.5 * stag::square((x - b3) / b2)), b1, b2, b3),
         with_jets<3>([](const auto* b, double x) { return b[0] / b[1] * exp(-0.5 * ((x - b[2]) / b[1]) * ((x - b[2]) / b[1])); })},
        {"Rat43", with_stag(b1 / pow(1 + exp(b2 - b3 * x), 1 / b4), b1, b2, b3, b4),
         with_jets<4>([](const auto* b, double x) { return b[0] / pow(1.0 + exp(b[1] - b[2] * x), 1.0 / b[3]); })},
        {"Bennett5", with_stag(b1 * pow(b2 + x, -1 / b3), b1, b2, b3),
         with_jets<3>([](const auto* b, double x) { return b[0] * pow(b[1] + x, -1.0 / b[2]); })},
    };
}

}  // namespace

int main(int argc, char** argv) {
    // Ceres logs a warning for each trial step whose residual is not finite (MGH17 and BoxBOD
    // from their first starts take such steps and recover); errors still show.
    google::InitGoogleLogging(argv[0]);
    FLAGS_minloglevel = google::GLOG_ERROR;
    bool jets = false;
    std::string dir = STAG_EXAMPLE_DATA "/nist";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--jets") jets = true;
        else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "nist: unknown option %s (usage: nist [--jets] [DIR])\n", a.c_str());
            return 2;
        } else dir = a;
    }
    std::printf("NIST StRD nonlinear regression with Ceres, Jacobians by %s\n", jets ? "Ceres Jets" : "stag");
    std::printf("%-9s %5s %5s %10s %8s\n", "problem", "start", "LRE", "iterations", "ms");
    int solved = 0, starts = 0;
    double lre_sum = 0;
    try {
        for (const model& m : models()) {
            const nist::nist_file f = nist::read_nist(dir + "/" + m.file + ".dat", m.file);
            for (std::size_t s = 0; s < f.starts.size(); ++s) {
                std::vector<double> b = f.starts[s];
                ceres::Problem problem;
                for (const observation& o : f.data) problem.AddResidualBlock((jets ? m.jets : m.stag)(o), nullptr, b.data());
                ceres::Solver::Summary summary;
                const auto t0 = std::chrono::steady_clock::now();
                ceres::Solve(nist::solver_options(), &problem, &summary);
                const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                const double lre = nist::log_relative_error(b, f.certified);
                std::printf("%-9s %5zu %5.1f %10d %8.2f\n", m.file, s + 1, lre, int(summary.iterations.size()) - 1, ms);
                ++starts;
                solved += lre >= 4;
                lre_sum += lre;
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "nist: %s\n", e.what());
        return 1;
    }
    std::printf("nist: %d of %d starts solved (LRE >= 4), average LRE %.1f\n", solved, starts, lre_sum / starts);
    return 0;
}
