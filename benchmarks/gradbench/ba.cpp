// GradBench's `ba` eval (bundle adjustment) with stag: for every observation of a point X by a
// camera, the weighted reprojection error w * (project(camera, X) - feature), two numbers, and the
// weight's error 1 - w^2 (`objective`); `jacobian` is the sparse Jacobian of all of them in the
// cameras' 11 parameters, the points' 3 coordinates and the weights, in GradBench's layout: the
// two rows of each observation, each with 15 entries (its camera's 11 parameters, its point's 3,
// its weight), then one row per weight (GradBench's evals/ba).
//
// The projection rotates X - C by the camera's angle-axis vector r (Rodrigues' formula), divides by
// depth, applies the radial distortion 1 + k1 rho^2 + k2 rho^4, scales by the focal length and
// shifts by the principal point. Everything is sized at run time: the numbers of cameras n, points
// m and observations p are the input's. GradBench gives one camera, one point, one weight and one
// feature and asks for them to be repeated (camera i mod n and point i mod m for observation i);
// the program builds the whole problem and computes every observation, as if they all differed.
//
// One observation's two errors are two stag expressions of 17 scalar variables (15 parameters
// and the 2 feature coordinates); `stag::jacobian` gives both values and both gradients from one
// forward sweep and two backward sweeps. At r = 0 Rodrigues' formula divides by |r| = 0, so a
// second pair of expressions, with the first-order rotation X + r x X that GradBench's reference
// uses there, serves that case (the branch is taken per observation at run time).
#include "tool.hpp"

#include <stag/stag.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace {

using gradbench_tool::input_error;
using gradbench_tool::json;

constexpr std::size_t camera_size = 11;  // r (3), C (3), f, u0, v0, k1, k2
constexpr std::size_t block = camera_size + 3 + 1;  // the nonzeros of one reprojection row

// One observation's variables, in the Jacobian's column order.
constexpr auto r0 = stag::var<"r0">;
constexpr auto r1 = stag::var<"r1">;
constexpr auto r2 = stag::var<"r2">;
constexpr auto c0 = stag::var<"C0">;
constexpr auto c1 = stag::var<"C1">;
constexpr auto c2 = stag::var<"C2">;
constexpr auto focal = stag::var<"f">;
constexpr auto u0 = stag::var<"u0">;
constexpr auto v0 = stag::var<"v0">;
constexpr auto k1 = stag::var<"k1">;
constexpr auto k2 = stag::var<"k2">;
constexpr auto x0 = stag::var<"X0">;
constexpr auto x1 = stag::var<"X1">;
constexpr auto x2 = stag::var<"X2">;
constexpr auto w = stag::var<"w">;
constexpr auto feat0 = stag::var<"feat0">;  // data: bound, never differentiated
constexpr auto feat1 = stag::var<"feat1">;

/// Calls f with the 15 parameter variables, in the Jacobian's column order.
template <class F>
constexpr decltype(auto) with_parameters(F&& f) {
    return f(r0, r1, r2, c0, c1, c2, focal, u0, v0, k1, k2, x0, x1, x2, w);
}

// The point relative to the camera centre.
constexpr auto y0 = x0 - c0;
constexpr auto y1 = x1 - c1;
constexpr auto y2 = x2 - c2;

/// The weighted errors of a point (z0, z1, z2) in camera coordinates.
template <class Z0, class Z1, class Z2>
constexpr auto errors(Z0 z0, Z1 z1, Z2 z2) {
    const auto p0 = z0 / z2;
    const auto p1 = z1 / z2;
    const auto rho2 = stag::square(p0) + stag::square(p1);
    const auto distortion = 1 + k1 * rho2 + k2 * stag::square(rho2);
    return stag::outputs(w * (p0 * distortion * focal + u0 - feat0), w * (p1 * distortion * focal + v0 - feat1));
}

/// Rodrigues' rotation of y by the angle |r| about r / |r|.
constexpr auto rotated = [] {
    const auto theta = stag::sqrt(stag::square(r0) + stag::square(r1) + stag::square(r2));
    const auto cos_t = stag::cos(theta);
    const auto sin_t = stag::sin(theta);
    const auto a0 = r0 / theta;
    const auto a1 = r1 / theta;
    const auto a2 = r2 / theta;
    const auto along = (a0 * y0 + a1 * y1 + a2 * y2) * (1 - cos_t);
    return errors(y0 * cos_t + (a1 * y2 - a2 * y1) * sin_t + a0 * along, y1 * cos_t + (a2 * y0 - a0 * y2) * sin_t + a1 * along,
                  y2 * cos_t + (a0 * y1 - a1 * y0) * sin_t + a2 * along);
}();

/// The same at r = 0, to first order: y + r x y.
constexpr auto unrotated = errors(y0 + (r1 * y2 - r2 * y1), y1 + (r2 * y0 - r0 * y2), y2 + (r0 * y1 - r1 * y0));

/// The weight's error.
constexpr auto weight_error = 1 - stag::square(w);

/// The whole problem, repeated out of GradBench's one camera, point, weight and feature.
struct problem {
    std::size_t n = 0, m = 0, p = 0;
    std::vector<double> cams, xs, ws, feats;  // n x 11, m x 3, p, p x 2
    std::vector<std::size_t> obs;             // p x 2: camera, point
    explicit problem(const json& input) {
        const auto count = [&](const char* name) {
            const long long v = gradbench_tool::field<long long>(input, name);
            if (v < 1) throw input_error(std::string("ba: \"") + name + "\" must be at least 1; the input has " + std::to_string(v));
            return std::size_t(v);
        };
        n = count("n");
        m = count("m");
        p = count("p");
        const auto sized = [&](const char* name, std::size_t size) {
            auto v = gradbench_tool::field<std::vector<double>>(input, name);
            if (v.size() != size)
                throw input_error(std::string("ba: \"") + name + "\" must have " + std::to_string(size) + " numbers; the input has " +
                                  std::to_string(v.size()));
            return v;
        };
        const auto cam = sized("cam", camera_size), x = sized("x", 3), feat = sized("feat", 2);
        const double weight = gradbench_tool::field<double>(input, "w");
        for (std::size_t i = 0; i < n; ++i) cams.insert(cams.end(), cam.begin(), cam.end());
        for (std::size_t i = 0; i < m; ++i) xs.insert(xs.end(), x.begin(), x.end());
        ws.assign(p, weight);
        for (std::size_t i = 0; i < p; ++i) {
            feats.insert(feats.end(), feat.begin(), feat.end());
            obs.push_back(i % n);
            obs.push_back(i % m);
        }
    }
    /// Calls f(errors, bindings...) for observation i: the expressions that apply to its camera's
    /// rotation and the bindings of all 17 variables.
    template <class F>
    decltype(auto) observe(std::size_t i, F&& f) const {
        const double* cam = &cams[camera_size * obs[2 * i]];
        const double* x = &xs[3 * obs[2 * i + 1]];
        const auto bind = [&](const auto& outputs) {
            return f(outputs, r0 = cam[0], r1 = cam[1], r2 = cam[2], c0 = cam[3], c1 = cam[4], c2 = cam[5], focal = cam[6], u0 = cam[7],
                     v0 = cam[8], k1 = cam[9], k2 = cam[10], x0 = x[0], x1 = x[1], x2 = x[2], w = ws[i], feat0 = feats[2 * i],
                     feat1 = feats[2 * i + 1]);
        };
        if (cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2] != 0) return bind(rotated);
        return bind(unrotated);
    }
};

struct objective_fn : problem {
    std::vector<double> reproj, werr;
    explicit objective_fn(const json& input) : problem(input), reproj(2 * p), werr(p) {}
    void run() {
        for (std::size_t i = 0; i < p; ++i)
            observe(i, [&](const auto& outputs, const auto&... bs) {
                const auto e = stag::eval(outputs, bs...);
                reproj[2 * i] = e[0];
                reproj[2 * i + 1] = e[1];
            });
        for (std::size_t i = 0; i < p; ++i) werr[i] = stag::eval(weight_error, w = ws[i]);
    }
    json result() const {
        return {{"reproj_error", {{"elements", {reproj[0], reproj[1]}}, {"repeated", p}}}, {"w_err", {{"element", werr[0]}, {"repeated", p}}}};
    }
};

/// The Jacobian in compressed rows: rows[i] .. rows[i + 1] - 1 index row i's entries in cols and
/// vals.
struct jacobian_fn : problem {
    std::vector<std::size_t> rows, cols;
    std::vector<double> vals;
    explicit jacobian_fn(const json& input)
        : problem(input), rows(3 * p + 1), cols(2 * block * p + p), vals(2 * block * p + p) {}
    void run() {
        rows[0] = 0;
        std::size_t at = 0;  // the next entry
        for (std::size_t i = 0; i < p; ++i) {
            observe(i, [&](const auto& outputs, const auto&... bs) {
                const auto J = with_parameters([&](const auto&... v) { return stag::jacobian(outputs, v...)(bs...); });
                const std::size_t column[3] = {camera_size * obs[2 * i], camera_size * n + 3 * obs[2 * i + 1], camera_size * n + 3 * m + i};
                for (std::size_t row = 0; row < 2; ++row) {
                    std::size_t j = 0;
                    with_parameters([&](const auto&... v) {
                        ((cols[at] = j < camera_size ? column[0] + j : j < camera_size + 3 ? column[1] + j - camera_size : column[2],
                          vals[at] = J[row][v], ++at, ++j),
                         ...);
                    });
                    rows[2 * i + row + 1] = at;
                }
            });
        }
        const auto weight = stag::grad(weight_error, w);
        for (std::size_t i = 0; i < p; ++i) {
            cols[at] = camera_size * n + 3 * m + i;
            vals[at] = weight(w = ws[i])[w];
            rows[2 * p + i + 1] = ++at;
        }
    }
    /// GradBench's abbreviation: the first 30 entries of each list and the last one.
    json result() const {
        const auto abridged = [](const auto& v) {
            const std::size_t head = std::min(v.size() - 1, 2 * block);
            std::vector<typename std::decay_t<decltype(v)>::value_type> out(v.begin(), v.begin() + std::ptrdiff_t(head));
            out.push_back(v.back());
            return out;
        };
        return {{"rows", abridged(rows)}, {"cols", abridged(cols)}, {"vals", abridged(vals)}};
    }
};

}  // namespace

int main(int argc, char** argv) {
    return gradbench_tool::run(argc, argv, {{"objective", gradbench_tool::make<objective_fn>()}, {"jacobian", gradbench_tool::make<jacobian_fn>()}});
}
