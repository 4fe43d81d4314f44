// Reading NIST StRD nonlinear regression files, and the measures and solver settings of the NIST
// evaluation: shared by examples/nist.cpp and benchmarks/bench_ceres.cpp.
#pragma once

#include <ceres/ceres.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nist {

/// One observation: the response and up to two predictors.
struct observation {
    double y, x, x2;
};

/// A NIST problem as its file states it.
struct nist_file {
    std::string name;
    std::size_t parameters = 0;
    std::vector<std::vector<double>> starts;  // starts[s][j]: parameter j of start s
    std::vector<double> certified;
    std::vector<observation> data;
};

/// Reads a NIST StRD file: the parameter, predictor and observation counts from its header, the
/// lines `bJ = start1 start2 certified deviation`, and the data after the line `Data:  y  x ...`.
inline nist_file read_nist(const std::string& path, const std::string& name) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    auto fail = [&](const std::string& what) { return std::runtime_error(path + ": " + what); };
    nist_file f;
    f.name = name;
    std::size_t predictors = 0, observations = 0;
    const std::regex count(R"(^\s*(?:Data:)?\s*(\d+)\s+(Parameters|Predictors?|Observations)\b)");
    const std::regex parameter(R"(^\s*b(\d+)\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$)");
    const std::regex data_header(R"(^Data:\s+y\b)");
    std::string line;
    bool in_data = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::smatch m;
        if (in_data) {
            if (line.find_first_not_of(" \t") == std::string::npos) continue;
            std::istringstream row(line);
            observation o{0, 0, 0};
            row >> o.y >> o.x;
            if (predictors > 1) row >> o.x2;
            if (!row) throw fail("malformed data line: '" + line + "'");
            f.data.push_back(o);
        } else if (std::regex_search(line, m, count)) {
            const std::size_t n = std::stoul(m[1]);
            if (m[2] == "Parameters") f.parameters = n;
            else if (m[2] == "Observations") observations = n;
            else predictors = n;
        } else if (std::regex_match(line, m, parameter)) {
            const std::size_t j = std::stoul(m[1]);
            if (j != f.certified.size() + 1) throw fail("parameter b" + std::to_string(j) + " out of order");
            if (f.starts.empty()) f.starts.resize(2);
            f.starts[0].push_back(std::stod(m[2]));
            f.starts[1].push_back(std::stod(m[3]));
            f.certified.push_back(std::stod(m[4]));
        } else if (std::regex_search(line, data_header))
            in_data = true;
    }
    if (f.parameters == 0 || f.certified.size() != f.parameters)
        throw fail("expected " + std::to_string(f.parameters) + " parameters, read " + std::to_string(f.certified.size()));
    if (predictors < 1 || predictors > 2) throw fail("expected 1 or 2 predictors, the header says " + std::to_string(predictors));
    if (f.data.size() != observations)
        throw fail("the header says " + std::to_string(observations) + " observations, the file holds " + std::to_string(f.data.size()));
    return f;
}

/// The number of significant digits the solution shares with the certified values (the minimum
/// over the parameters), between 0 and 11.
inline double log_relative_error(const std::vector<double>& solution, const std::vector<double>& certified) {
    double lre = 11;
    for (std::size_t j = 0; j < certified.size(); ++j) {
        const double e = -std::log10(std::fabs(solution[j] - certified[j]) / std::fabs(certified[j]));
        lre = std::min(lre, std::isnan(e) ? 0.0 : std::clamp(e, 0.0, 11.0));
    }
    return lre;
}

/// The solver's settings, those of Ceres's own NIST evaluation: Levenberg-Marquardt with dense QR,
/// tolerances at machine epsilon, at most 10000 iterations, initial trust region radius 1e4.
inline ceres::Solver::Options solver_options() {
    ceres::Solver::Options o;
    o.minimizer_type = ceres::TRUST_REGION;
    o.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
    o.linear_solver_type = ceres::DENSE_QR;
    o.max_num_iterations = 10000;
    o.function_tolerance = o.gradient_tolerance = o.parameter_tolerance = std::numeric_limits<double>::epsilon();
    o.initial_trust_region_radius = 1e4;
    return o;
}

}  // namespace nist
