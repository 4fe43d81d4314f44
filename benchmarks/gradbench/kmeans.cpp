// GradBench's `kmeans` eval with stag: the cost f(C) = sum_i min_j |C_j - P_i|^2 of centroids C
// for points P (`cost`), and the Newton direction J / H (`dir`), J the gradient of f in C and H
// the diagonal of its Hessian, which is diagonal (GradBench's evals/kmeans).
//
// The number of centroids k and the dimension d are compiled in, for GradBench's default sizes
// (k in 10, 100, 1000 with d in 8, 16); the number of points n is the input's. One point's term,
// min over rows of sum<1>(square(C - p)), is one stag expression, evaluated point by point
// (`cost`). For `dir`, C is bound as dual numbers whose tangents are all 1: the gradient sweep
// then gives, per point and summed in place (accumulate_into), the gradient in the values and the
// Hessian times the ones vector in the tangents, which is the Hessian's diagonal since the
// Hessian is diagonal.
#include "tool.hpp"

#include <stag/stag.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace {

using gradbench_tool::input_error;
using gradbench_tool::json;
using dual = stag::dual<double>;

template <std::size_t K, std::size_t D>
struct model {
    static constexpr auto C = stag::var<"C", stag::tensor<double, K, D>>;  // the centroids, one per row
    static constexpr auto p = stag::var<"p", stag::tensor<double, D>>;     // one point
    /// The point's squared distance to its nearest centroid.
    static constexpr auto term = stag::min(stag::sum<1>(stag::square(C - p)));
};

template <std::size_t K, std::size_t D>
struct problem {
    std::size_t points = 0;
    std::vector<double> ps;  // n x d, row by row
    std::unique_ptr<stag::tensor<double, K, D>> c = std::make_unique<stag::tensor<double, K, D>>();
    explicit problem(const json& input) {
        const auto pr = gradbench_tool::field<std::vector<std::vector<double>>>(input, "points");
        const auto cr = gradbench_tool::field<std::vector<std::vector<double>>>(input, "centroids");
        points = pr.size();
        ps.reserve(points * D);
        for (std::size_t i = 0; i < points; ++i) {
            if (pr[i].size() != D)
                throw input_error("kmeans: point " + std::to_string(i) + " has " + std::to_string(pr[i].size()) + " coordinates; centroid 0 has " +
                                  std::to_string(D));
            ps.insert(ps.end(), pr[i].begin(), pr[i].end());
        }
        for (std::size_t j = 0; j < K; ++j) {
            if (cr[j].size() != D)
                throw input_error("kmeans: centroid " + std::to_string(j) + " has " + std::to_string(cr[j].size()) + " coordinates; centroid 0 has " +
                                  std::to_string(D));
            for (std::size_t l = 0; l < D; ++l) (*c)(j, l) = cr[j][l];
        }
    }
    std::span<const double, D> point(std::size_t i) const { return std::span<const double, D>(ps.data() + i * D, D); }
};

template <std::size_t K, std::size_t D>
struct cost_fn : problem<K, D> {
    double out = 0;
    stag::workspace ws;
    using problem<K, D>::problem;
    void run() {
        using M = model<K, D>;
        double total = 0;
        for (std::size_t i = 0; i < this->points; ++i) total += stag::eval(ws, M::term, M::C = *this->c, M::p = this->point(i));
        out = total;
    }
    double result() const { return out; }
};

template <std::size_t K, std::size_t D>
struct dir_fn : problem<K, D> {
    std::unique_ptr<stag::tensor<dual, K, D>> c_ones = std::make_unique<stag::tensor<dual, K, D>>(), g = std::make_unique<stag::tensor<dual, K, D>>();
    std::vector<std::vector<double>> out = std::vector<std::vector<double>>(K, std::vector<double>(D));
    stag::workspace ws;  // the sweep's intermediates, reused point after point
    explicit dir_fn(const json& input) : problem<K, D>(input) {}
    void run() {
        using M = model<K, D>;
        for (std::size_t e = 0; e < K * D; ++e) c_ones->data()[e] = dual{this->c->data()[e], 1.0};
        *g = {};
        const auto add = stag::grad(M::term, M::C).accumulate_into(*g).in(ws);
        for (std::size_t i = 0; i < this->points; ++i) add(M::C = *c_ones, M::p = this->point(i));
        for (std::size_t j = 0; j < K; ++j)
            for (std::size_t l = 0; l < D; ++l) out[j][l] = (*g)(j, l).value / (*g)(j, l).tangent;  // J / H
    }
    const std::vector<std::vector<double>>& result() const { return out; }
};

template <std::size_t K, std::size_t D>
struct size {};
using compiled = std::tuple<size<10, 8>, size<10, 16>, size<100, 8>, size<100, 16>, size<1000, 8>, size<1000, 16>>;

/// The prepared function Fn<k, d> for the input's centroids, or an input_error listing the sizes.
template <template <std::size_t, std::size_t> class Fn>
gradbench_tool::preparer by_size() {
    return [](const json& input) -> std::unique_ptr<gradbench_tool::prepared> {
        const bool listed = input.is_object() && input.contains("centroids") && input.at("centroids").is_array() &&
                            !input.at("centroids").empty() && input.at("centroids")[0].is_array();
        if (!listed) gradbench_tool::field<std::vector<std::vector<double>>>(input, "centroids");  // the error naming the field
        if (!listed) throw input_error("kmeans needs at least one centroid");
        const std::size_t k = input.at("centroids").size(), d = input.at("centroids")[0].size();
        std::unique_ptr<gradbench_tool::prepared> made;
        [&]<std::size_t... Ks, std::size_t... Ds>(std::tuple<size<Ks, Ds>...>) {
            ((k == Ks && d == Ds ? (void)(made = gradbench_tool::make<Fn<Ks, Ds>>()(input)) : void()), ...);
        }(compiled{});
        if (!made)
            throw input_error("kmeans is compiled for k in {10, 100, 1000} centroids of d in {8, 16} coordinates; the input has k = " +
                              std::to_string(k) + ", d = " + std::to_string(d));
        return made;
    };
}

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"cost", by_size<cost_fn>()}, {"dir", by_size<dir_fn>()}});
}
