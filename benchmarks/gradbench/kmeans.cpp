// GradBench's `kmeans` eval with stag: the cost f(C) = sum_i min_j |C_j - P_i|^2 of centroids C
// for points P (`cost`), and the Newton direction J / H (`dir`), J the gradient of f in C and H
// the diagonal of its Hessian, which is diagonal (GradBench's evals/kmeans).
//
// The number of centroids k and the dimension d are compiled in, for GradBench's default sizes
// (k in 10, 100, 1000 with d in 8, 16); the number of points n is the input's. Each point's term
// is its squared distance to its nearest centroid, in two steps, both stag expressions:
// - which centroid is nearest: the least of |C_j|^2 - 2 C_j . p over j (|C_j - p|^2 less the
//   same |p|^2 for every j), one matrix-vector product per point, the row norms |C_j|^2 once per
//   call; the first least one at a tie (as GradBench's reference keeps the first), never a NaN;
// - the term: |c - p|^2 for that centroid c, computed directly, so that the cost carries no
//   rounding from the expanded form above.
// The gradient of a minimum goes to its least argument alone (stag's own rule for min), so the
// term's derivative is that of the nearest centroid's distance: for `dir`, that centroid's row is
// bound as dual numbers whose tangents are all 1, and its gradient sweep, added in place to that
// row (accumulate_into), gives the gradient in the values and the Hessian's diagonal (which is
// the Hessian times the ones vector) in the tangents. This is the derivative an AD tool sees
// through GradBench's reference, whose minimum is a branch; the sweep over the whole of C that
// `stag::min` over all centroids would run is dense, k times the work, which is why the search
// is separate.
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
    static constexpr auto C = stag::var<"C", stag::tensor<double, K, D>>;      // the centroids, one per row
    static constexpr auto norms = stag::var<"norms", stag::tensor<double, K>>;  // data: |C_j|^2
    static constexpr auto p = stag::var<"p", stag::tensor<double, D>>;          // one point
    static constexpr auto c = stag::var<"c", stag::tensor<double, D>>;          // one centroid
    /// |C_j|^2 for every centroid.
    static constexpr auto row_norms = stag::sum<1>(stag::square(C));
    /// |C_j - p|^2 - |p|^2 for every centroid: its least element is the nearest centroid.
    static constexpr auto ranking = norms - 2.0 * stag::matmul(C, p);
    /// The squared distance of the point to one centroid.
    static constexpr auto distance = stag::sum(stag::square(c - p));
};

template <std::size_t K, std::size_t D>
struct problem {
    using M = model<K, D>;
    std::size_t points = 0;
    std::vector<double> ps;  // n x d, row by row
    std::unique_ptr<stag::tensor<double, K, D>> c = std::make_unique<stag::tensor<double, K, D>>();
    stag::tensor<double, K> norms{};
    stag::workspace ws;  // the sweeps' intermediates, reused point after point
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
    std::span<const double, D> centroid(std::size_t j) const { return std::span<const double, D>(c->data() + j * D, D); }
    /// The row norms, once per call, before nearest().
    void prepare_norms() { norms = stag::eval(ws, M::row_norms, M::C = *c); }
    /// The nearest centroid to point i: the first of the least, never a NaN unless all are (then 0).
    [[gnu::always_inline]] std::size_t nearest(std::size_t i) {
        const auto r = stag::eval(ws, M::ranking, M::C = *c, M::norms = norms, M::p = point(i));
        std::size_t best = 0;
        double least = r(0);
        for (std::size_t j = 1; j < K; ++j)
            if (r(j) < least || (least != least && r(j) == r(j))) best = j, least = r(j);
        return best;
    }
};

template <std::size_t K, std::size_t D>
struct cost_fn : problem<K, D> {
    using typename problem<K, D>::M;
    double out = 0;
    using problem<K, D>::problem;
    void run() {
        this->prepare_norms();
        double total = 0;
        for (std::size_t i = 0; i < this->points; ++i) total += stag::eval(M::distance, M::c = this->centroid(this->nearest(i)), M::p = this->point(i));
        out = total;
    }
    double result() const { return out; }
};

template <std::size_t K, std::size_t D>
struct dir_fn : problem<K, D> {
    using typename problem<K, D>::M;
    std::vector<dual> c_ones = std::vector<dual>(K * D), g = std::vector<dual>(K * D);
    std::vector<std::size_t> owner;  // each point's nearest centroid
    std::vector<std::vector<double>> out = std::vector<std::vector<double>>(K, std::vector<double>(D));
    explicit dir_fn(const json& input) : problem<K, D>(input), owner(this->points) {}
    void run() {
        this->prepare_norms();
        for (std::size_t e = 0; e < K * D; ++e) c_ones[e] = dual{this->c->data()[e], 1.0}, g[e] = dual{};
        const auto add = [&](std::size_t j) { return stag::grad(M::distance, M::c).accumulate_into(std::span<dual, D>(g.data() + j * D, D)); };
        // The search first, in a loop that writes no numbers, so that the compiler may keep what it
        // derives from C in registers from one point to the next.
        for (std::size_t i = 0; i < this->points; ++i) owner[i] = this->nearest(i);
        for (std::size_t i = 0; i < this->points; ++i) {
            const std::size_t j = owner[i];
            add(j)(M::c = std::span<const dual, D>(c_ones.data() + j * D, D), M::p = this->point(i));
        }
        for (std::size_t j = 0; j < K; ++j)
            for (std::size_t l = 0; l < D; ++l) out[j][l] = g[j * D + l].value / g[j * D + l].tangent;  // J / H
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
