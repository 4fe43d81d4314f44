// stag's GradBench tool, run as GradBench runs it: each program on inputs made here, its first
// line checked against a reference computed here in plain C++ (hand-written derivatives), with
// GradBench's tolerance |a - b| / max(1, |a| + |b|) <= 1e-4 and a much tighter one where the math
// allows; and the interface: timing lines, min_runs, min_seconds, and errors.
#define BOOST_TEST_MODULE gradbench
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

using json = nlohmann::json;

struct outcome {
    int status = -1;
    std::vector<std::string> lines;  // stdout
    std::string errors;              // stderr
};

/// Runs the program of `eval` on `input` (written to a file) with `function`.
outcome run(const std::string& eval, const std::string& input, const std::string& function, const std::string& name) {
    std::filesystem::create_directories(STAG_GRADBENCH_WORK);
    const std::string file = std::string(STAG_GRADBENCH_WORK) + "/" + name + ".json";
    const std::string err = std::string(STAG_GRADBENCH_WORK) + "/" + name + ".stderr";
    std::ofstream(file) << input;
    const std::string command = std::string(STAG_GRADBENCH_DIR) + "/" + eval + " " + file + " " + function + " 2>" + err;
    outcome o;
    FILE* out = popen(command.c_str(), "r");
    BOOST_REQUIRE(out != nullptr);
    std::string line;
    for (int c; (c = std::fgetc(out)) != EOF;) {
        if (c == '\n') o.lines.push_back(line), line.clear();
        else line += char(c);
    }
    if (!line.empty()) o.lines.push_back(line);
    const int status = pclose(out);
    o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err);
    std::stringstream text;
    text << e.rdbuf();
    o.errors = text.str();
    return o;
}

/// The result line of a successful run, after checking the timing lines: one prepare, then at
/// least `runs` evaluate lines.
json result_of(const outcome& o, std::size_t runs = 1) {
    BOOST_TEST_REQUIRE(o.status == 0, "exit status " << o.status << ", stderr: " << o.errors);
    BOOST_TEST_REQUIRE(o.lines.size() >= 2 + runs);
    BOOST_TEST(json::parse(o.lines[1])["name"] == "prepare");
    for (std::size_t i = 2; i < o.lines.size(); ++i) {
        const json t = json::parse(o.lines[i]);
        BOOST_TEST(t["name"] == "evaluate");
        BOOST_TEST(t["nanoseconds"].get<long long>() >= 0);
    }
    return json::parse(o.lines[0]);
}

bool close(double a, double b, double tolerance) { return std::fabs(a - b) / std::max(1.0, std::fabs(a) + std::fabs(b)) <= tolerance; }

/// llsq's objective and gradient, written out by hand.
void llsq_reference(const std::vector<double>& x, std::size_t n, double& y, std::vector<double>& g) {
    y = 0;
    g.assign(x.size(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = -1 + double(i) * 2 / double(n - 1);
        double r = double((0 < t) - (t < 0));
        for (std::size_t j = 0; j < x.size(); ++j) r -= x[j] * std::pow(t, double(j));
        y += r * r / 2;
        for (std::size_t j = 0; j < x.size(); ++j) g[j] -= r * std::pow(t, double(j));
    }
}

/// A gmm input (GradBench's fields) of d dimensions, k components and n points, numbers from a
/// fixed formula.
struct gmm_input {
    std::size_t d, k, n;
    double gamma = 1.0;
    int m = 0;
    std::vector<std::vector<double>> x, mu, q, l;
    std::vector<double> alpha;
    gmm_input(std::size_t d_, std::size_t k_, std::size_t n_, int m_ = 0, double gamma_ = 1.0) : d(d_), k(k_), n(n_), gamma(gamma_), m(m_) {
        double t = 0.1;
        auto next = [&] { return t += 0.37, std::sin(t * 1.7) + 0.3 * std::cos(5.1 * t); };
        x.assign(n, std::vector<double>(d));
        for (auto& r : x)
            for (auto& v : r) v = next();
        alpha.resize(k);
        for (auto& v : alpha) v = next();
        mu.assign(k, std::vector<double>(d));
        q.assign(k, std::vector<double>(d));
        l.assign(k, std::vector<double>(d * (d - 1) / 2));
        for (auto* rows : {&mu, &q, &l})
            for (auto& r : *rows)
                for (auto& v : r) v = 0.5 * next();
    }
    json to_json() const {
        return json{{"d", d}, {"k", k}, {"n", n}, {"m", m}, {"gamma", gamma}, {"x", x}, {"alpha", alpha}, {"mu", mu}, {"q", q}, {"l", l}};
    }
    /// The log posterior, from its definition written out in plain loops.
    double objective() const {
        const auto lse = [](const std::vector<double>& v) {
            const double a = *std::max_element(v.begin(), v.end());
            double s = 0;
            for (double e : v) s += std::exp(e - a);
            return a + std::log(s);
        };
        const double pi = 3.14159265358979323846;
        double total = -double(n * d) / 2 * std::log(2 * pi);
        std::vector<double> beta(k), qx(d);
        for (const auto& p : x) {
            for (std::size_t c = 0; c < k; ++c) {
                for (std::size_t j = 0; j < d; ++j) qx[j] = std::exp(q[c][j]) * (p[j] - mu[c][j]);
                std::size_t at = 0;
                for (std::size_t i = 0; i < d; ++i)
                    for (std::size_t j = i + 1; j < d; ++j) qx[j] += l[c][at++] * (p[i] - mu[c][i]);
                double sq = 0, norm = 0;
                for (std::size_t j = 0; j < d; ++j) sq += q[c][j], norm += qx[j] * qx[j];
                beta[c] = alpha[c] + sq - norm / 2;
            }
            total += lse(beta);
        }
        total -= double(n) * lse(alpha);
        const double dof = double(d) + m + 1;
        double log_gamma_d = double(d * (d - 1)) / 4 * std::log(pi);
        for (std::size_t j = 1; j <= d; ++j) log_gamma_d += std::lgamma(dof / 2 + (1 - double(j)) / 2);
        for (std::size_t c = 0; c < k; ++c) {
            double frobenius = 0, sq = 0;
            for (double v : q[c]) frobenius += std::exp(2 * v), sq += v;
            for (double v : l[c]) frobenius += v * v;
            total += dof * double(d) * (std::log(gamma) - std::log(2.0) / 2) - log_gamma_d - gamma * gamma / 2 * frobenius + m * sq;
        }
        return total;
    }
};

/// ode's primal in plain loops: s classical Runge-Kutta steps on [0, 2] of y_0' = x_0,
/// y_i' = x_i y_(i-1), from y = 0.
std::vector<double> ode_reference(const std::vector<double>& x, std::size_t s) {
    const std::size_t n = x.size();
    const double h = 2.0 / double(s);
    std::vector<double> y(n, 0.0), k1(n), k2(n), k3(n), k4(n), z(n);
    const auto rhs = [&](const std::vector<double>& at, std::vector<double>& out) {
        out[0] = x[0];
        for (std::size_t i = 1; i < n; ++i) out[i] = x[i] * at[i - 1];
    };
    for (std::size_t t = 0; t < s; ++t) {
        rhs(y, k1);
        for (std::size_t i = 0; i < n; ++i) z[i] = y[i] + h / 2 * k1[i];
        rhs(z, k2);
        for (std::size_t i = 0; i < n; ++i) z[i] = y[i] + h / 2 * k2[i];
        rhs(z, k3);
        for (std::size_t i = 0; i < n; ++i) z[i] = y[i] + h * k3[i];
        rhs(z, k4);
        for (std::size_t i = 0; i < n; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    return y;
}

std::vector<double> coefficients(std::size_t m, double scale) {
    std::vector<double> x(m);
    for (std::size_t j = 0; j < m; ++j) x[j] = scale * std::sin(1.0 + double(j)) / double(j + 1);
    return x;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hello_square_and_double) {
    const json sq = result_of(run("hello", "3.5", "square", "hello_square"));
    BOOST_TEST(sq.get<double>() == 12.25);
    const json d = result_of(run("hello", "-1.25", "double", "hello_double"));
    BOOST_TEST(d.get<double>() == -2.5);
}

BOOST_AUTO_TEST_CASE(llsq_at_several_lengths) {
    for (std::size_t n : {2u, 3u, 16u, 1000u}) {
        const auto x = coefficients(128, 0.3);
        const std::string input = json{{"x", x}, {"n", n}}.dump();
        double y;
        std::vector<double> g;
        llsq_reference(x, n, y, g);
        const json primal = result_of(run("llsq", input, "primal", "llsq_primal"));
        BOOST_TEST(close(primal.get<double>(), y, 1e-12), "n = " << n << ": " << primal.get<double>() << " against " << y);
        const json gradient = result_of(run("llsq", input, "gradient", "llsq_gradient"));
        BOOST_TEST_REQUIRE(gradient.size() == 128u);
        for (std::size_t j = 0; j < 128; ++j)
            BOOST_TEST(close(gradient[j].get<double>(), g[j], 1e-12), "n = " << n << ", j = " << j << ": " << gradient[j] << " against " << g[j]);
    }
}

BOOST_AUTO_TEST_CASE(lse_at_lengths_around_its_chunks) {
    // Lengths below, at and around the program's chunk of 256, and values as GradBench draws them
    // (in [0, 1)) and spread over [-100, 100], where exp(x) alone would overflow.
    for (double spread : {1.0, 200.0})
        for (std::size_t n : {1u, 2u, 255u, 256u, 257u, 1000u, 5000u}) {
            std::vector<double> x(n);
            for (std::size_t i = 0; i < n; ++i) x[i] = spread * (0.5 + 0.5 * std::sin(0.7 * double(i) + 0.3)) - (spread > 1 ? 100 : 0);
            const double a = *std::max_element(x.begin(), x.end());
            double sum = 0;
            for (double v : x) sum += std::exp(v - a);
            const std::string input = json{{"x", x}}.dump();
            const json primal = result_of(run("lse", input, "primal", "lse_primal"));
            BOOST_TEST(close(primal.get<double>(), a + std::log(sum), 1e-13), "n = " << n << ": " << primal << " against " << a + std::log(sum));
            const json gradient = result_of(run("lse", input, "gradient", "lse_gradient"));
            BOOST_TEST_REQUIRE(gradient.size() == n);
            double total = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const double want = std::exp(x[i] - a) / sum;
                total += gradient[i].get<double>();
                BOOST_TEST(std::fabs(gradient[i].get<double>() - want) <= 1e-14 * std::max(1.0, want), "n = " << n << ", i = " << i);
            }
            BOOST_TEST(std::fabs(total - 1) < 1e-12);  // a softmax
        }
}

BOOST_AUTO_TEST_CASE(gmm_against_its_definition_and_central_differences) {
    struct size {
        std::size_t d, k, n;
        int m;
        double gamma;
    };
    for (const size z : {size{2, 5, 1, 0, 1.0}, size{2, 5, 3, 2, 0.7}, size{2, 100, 40, 0, 1.0}, size{10, 25, 4, 1, 1.3}, size{20, 5, 2, 0, 1.0}}) {
        gmm_input in(z.d, z.k, z.n, z.m, z.gamma);
        const std::string input = in.to_json().dump();
        const double want = in.objective();
        const json objective = result_of(run("gmm", input, "objective", "gmm_objective"));
        BOOST_TEST(close(objective.get<double>(), want, 1e-13), "d = " << z.d << ", k = " << z.k << ": " << objective << " against " << want);
        const json jacobian = result_of(run("gmm", input, "jacobian", "gmm_jacobian"));
        // Every independent variable against a central difference of the definition.
        const double h = 1e-5;
        std::size_t checked = 0;
        const auto against = [&](std::vector<double>& values, const json& got, const char* name) {
            BOOST_TEST_REQUIRE(got.size() == values.size(), name);
            for (std::size_t i = 0; i < values.size(); ++i) {
                const double old = values[i];
                values[i] = old + h;
                const double up = in.objective();
                values[i] = old - h;
                const double down = in.objective();
                values[i] = old;
                const double difference = (up - down) / (2 * h);
                BOOST_TEST(close(got[i].get<double>(), difference, 1e-7), name << "[" << i << "]: " << got[i] << " against " << difference);
                ++checked;
            }
        };
        against(in.alpha, jacobian["alpha"], "alpha");
        for (const char* name : {"mu", "q", "l"}) {
            auto& rows = std::string(name) == "mu" ? in.mu : std::string(name) == "q" ? in.q : in.l;
            BOOST_TEST_REQUIRE(jacobian[name].size() == z.k);
            for (std::size_t c = 0; c < z.k; ++c) against(rows[c], jacobian[name][c], name);
        }
        BOOST_TEST(checked == z.k * (1 + 2 * z.d + z.d * (z.d - 1) / 2));
    }
}

BOOST_AUTO_TEST_CASE(ode_against_runge_kutta_by_hand_and_central_differences) {
    // A step of the method reaches four elements further, so y[n - 1] is identically 0, and its
    // gradient 0, for s < (n - 1) / 4 (as on GradBench's default inputs). With s = 250 and 1000
    // on n = 1000 it is not, and x_i near (i + 1) / 2 keeps it within a double's range (about
    // 1e-176 and 1e-2).
    std::vector<double> x(1000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = double(i + 1) / 2 * (1 + 0.05 * std::sin(double(i)));
    for (const std::size_t s : {1u, 7u, 250u, 1000u}) {
        const std::string input = json{{"x", x}, {"s", s}}.dump();
        const std::vector<double> want = ode_reference(x, s);
        const json primal = result_of(run("ode", input, "primal", "ode_primal"));
        BOOST_TEST_REQUIRE(primal.size() == x.size());
        for (std::size_t i = 0; i < x.size(); ++i)
            BOOST_TEST(close(primal[i].get<double>(), want[i], 1e-12), "s = " << s << ", y[" << i << "]: " << primal[i] << " against " << want[i]);
        const json gradient = result_of(run("ode", input, "gradient", "ode_gradient"));
        BOOST_TEST_REQUIRE(gradient.size() == x.size());
        if (s < 250) {
            for (std::size_t i = 0; i < x.size(); ++i) BOOST_TEST(gradient[i].get<double>() == 0.0, "s = " << s << ", i = " << i);
            continue;
        }
        BOOST_TEST_REQUIRE(want.back() != 0.0);
        for (std::size_t i : {0u, 1u, 17u, 400u, 998u, 999u}) {
            const double step = 1e-6 * x[i];
            std::vector<double> up = x, down = x;
            up[i] += step, down[i] -= step;
            const double difference = (ode_reference(up, s).back() - ode_reference(down, s).back()) / (2 * step);
            BOOST_TEST(difference != 0.0);
            BOOST_TEST(std::fabs(gradient[i].get<double>() - difference) <= 1e-6 * std::fabs(difference),
                       "s = " << s << ", i = " << i << ": " << gradient[i] << " against " << difference);
        }
    }
}

BOOST_AUTO_TEST_CASE(kmeans_tie_goes_to_the_first_centroid) {
    // Centroids at 2j on the first axis (k = 10, d = 8), a point on each, and a point at 2j + 1,
    // as far from centroid j as from j + 1 (exactly, in floating point too): it belongs to j.
    std::vector<std::vector<double>> centroids(10, std::vector<double>(8, 0.0)), points;
    for (std::size_t j = 0; j < 10; ++j) centroids[j][0] = 2.0 * double(j);
    for (std::size_t i = 0; i < 19; ++i) {
        points.emplace_back(8, 0.0);
        points.back()[0] = double(i);
    }
    const std::string input = json{{"points", points}, {"centroids", centroids}}.dump();
    BOOST_TEST(result_of(run("kmeans", input, "cost", "kmeans_tie")).get<double>() == 9.0);  // nine points at distance 1
    const json dir = result_of(run("kmeans", input, "dir", "kmeans_tie"));
    for (std::size_t j = 0; j < 10; ++j)
        for (std::size_t l = 0; l < 8; ++l)  // centroid minus the mean of its points: 2j and 2j + 1, or 18 alone
            BOOST_TEST(dir[j][l].get<double>() == (l == 0 && j < 9 ? -0.5 : 0.0), "[" << j << "][" << l << "]: " << dir[j][l]);
}

BOOST_AUTO_TEST_CASE(kmeans_cost_and_newton_direction) {
    // Centroids are the last k points, as GradBench draws them, so each is some point's nearest.
    struct size {
        std::size_t k, d, n;
    };
    for (const size z : {size{10, 8, 10}, size{10, 16, 57}, size{100, 8, 300}, size{1000, 16, 1200}}) {
        std::vector<std::vector<double>> points(z.n, std::vector<double>(z.d));
        double t = 0.2;
        for (auto& p : points)
            for (auto& v : p) v = 0.5 + 0.5 * std::sin(t += 0.91);
        const std::vector<std::vector<double>> centroids(points.end() - std::ptrdiff_t(z.k), points.end());
        // The cost, and the direction J / H = centroid - mean of its points, by hand.
        double cost = 0;
        std::vector<std::vector<double>> sums(z.k, std::vector<double>(z.d, 0.0));
        std::vector<std::size_t> counts(z.k, 0);
        for (const auto& p : points) {
            std::size_t best = 0;
            double nearest = 0;
            for (std::size_t j = 0; j < z.k; ++j) {
                double d2 = 0;
                for (std::size_t l = 0; l < z.d; ++l) d2 += (centroids[j][l] - p[l]) * (centroids[j][l] - p[l]);
                if (j == 0 || d2 < nearest) nearest = d2, best = j;
            }
            cost += nearest;
            ++counts[best];
            for (std::size_t l = 0; l < z.d; ++l) sums[best][l] += p[l];
        }
        const std::string input = json{{"points", points}, {"centroids", centroids}}.dump();
        const json c = result_of(run("kmeans", input, "cost", "kmeans_cost"));
        BOOST_TEST(close(c.get<double>(), cost, 1e-13), "k = " << z.k << ": " << c << " against " << cost);
        const json dir = result_of(run("kmeans", input, "dir", "kmeans_dir"));
        BOOST_TEST_REQUIRE(dir.size() == z.k);
        for (std::size_t j = 0; j < z.k; ++j) {
            BOOST_TEST_REQUIRE(dir[j].size() == z.d);
            for (std::size_t l = 0; l < z.d; ++l) {
                const double want = centroids[j][l] - sums[j][l] / double(counts[j]);
                BOOST_TEST(std::fabs(dir[j][l].get<double>() - want) <= 1e-13, "k = " << z.k << ", [" << j << "][" << l << "]: " << dir[j][l] << " against " << want);
            }
        }
    }
}

/// The determinant by Gaussian elimination with partial pivoting (an independent method).
double determinant(std::vector<double> a, std::size_t n) {
    double det = 1;
    for (std::size_t c = 0; c < n; ++c) {
        std::size_t pivot = c;
        for (std::size_t r = c + 1; r < n; ++r)
            if (std::fabs(a[r * n + c]) > std::fabs(a[pivot * n + c])) pivot = r;
        if (a[pivot * n + c] == 0) return 0;
        if (pivot != c) {
            for (std::size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[pivot * n + k]);
            det = -det;
        }
        det *= a[c * n + c];
        for (std::size_t r = c + 1; r < n; ++r) {
            const double f = a[r * n + c] / a[c * n + c];
            for (std::size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
        }
    }
    return det;
}

BOOST_AUTO_TEST_CASE(det_against_elimination_and_cofactors) {
    for (std::size_t ell = 5; ell <= 11; ++ell) {
        std::vector<double> a(ell * ell);
        for (std::size_t e = 0; e < a.size(); ++e) a[e] = std::sin(1.3 * double(e) + double(ell)) + (e % (ell + 1) == 0 ? 1.5 : 0.0);
        const std::string input = json{{"A", a}, {"ell", ell}}.dump();
        const double want = determinant(a, ell);
        const json primal = result_of(run("det", input, "primal", "det_primal"));
        BOOST_TEST(close(primal.get<double>(), want, 1e-12), "ell = " << ell << ": " << primal << " against " << want);
        // The gradient is the cofactor matrix: d det / d A[i][j] = (-1)^(i+j) det(A without row i and column j).
        const json gradient = result_of(run("det", input, "gradient", "det_gradient"));
        BOOST_TEST_REQUIRE(gradient.size() == a.size());
        for (std::size_t i = 0; i < ell; ++i)
            for (std::size_t j = 0; j < ell; ++j) {
                std::vector<double> minor;
                for (std::size_t r = 0; r < ell; ++r)
                    for (std::size_t c = 0; c < ell; ++c)
                        if (r != i && c != j) minor.push_back(a[r * ell + c]);
                const double cofactor = ((i + j) % 2 == 0 ? 1.0 : -1.0) * determinant(minor, ell - 1);
                BOOST_TEST(close(gradient[i * ell + j].get<double>(), cofactor, 1e-12),
                           "ell = " << ell << ", [" << i << "][" << j << "]: " << gradient[i * ell + j] << " against " << cofactor);
            }
    }
}

/// One observation's weighted reprojection error, written out: Rodrigues' rotation of X - C by r
/// (the identity plus r x y at r = 0), division by depth, radial distortion, focal length and
/// principal point. q holds the camera's 11 parameters, the point's 3 and the weight.
std::array<double, 2> ba_reference(const std::array<double, 15>& q, const std::array<double, 2>& feat) {
    const double y[3] = {q[11] - q[3], q[12] - q[4], q[13] - q[5]};
    const double* r = q.data();
    const double theta = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double z[3];
    if (theta == 0) {
        for (int i = 0; i < 3; ++i) z[i] = y[i] + (r[(i + 1) % 3] * y[(i + 2) % 3] - r[(i + 2) % 3] * y[(i + 1) % 3]);
    } else {
        const double a[3] = {r[0] / theta, r[1] / theta, r[2] / theta};
        const double along = (a[0] * y[0] + a[1] * y[1] + a[2] * y[2]) * (1 - std::cos(theta));
        for (int i = 0; i < 3; ++i)
            z[i] = y[i] * std::cos(theta) + (a[(i + 1) % 3] * y[(i + 2) % 3] - a[(i + 2) % 3] * y[(i + 1) % 3]) * std::sin(theta) + a[i] * along;
    }
    const double u = z[0] / z[2], v = z[1] / z[2];
    const double rho2 = u * u + v * v;
    const double distortion = 1 + q[9] * rho2 + q[10] * rho2 * rho2;
    return {q[14] * (u * distortion * q[6] + q[7] - feat[0]), q[14] * (v * distortion * q[6] + q[8] - feat[1])};
}

BOOST_AUTO_TEST_CASE(ba_against_its_definition_and_central_differences) {
    struct size {
        int n, m, p;
    };
    const std::array<double, 11> turned = {-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673, 419.194514, 5.864426, -8.51887, 0.087812, 0.002739};
    std::array<double, 11> straight = turned;  // no rotation: the r = 0 branch
    straight[0] = straight[1] = straight[2] = 0;
    const std::array<double, 3> x = {7.203245, 0.001144, 3.023326};
    const std::array<double, 2> feat = {271.760969, 834.209256};
    const double w = 0.417022;
    for (const auto& cam : {turned, straight}) {
        for (const size z : {size{1, 1, 1}, size{3, 5, 7}, size{49, 7776, 31}}) {
            const std::string input = json{{"n", z.n}, {"m", z.m}, {"p", z.p}, {"cam", cam}, {"x", x}, {"w", w}, {"feat", feat}}.dump();
            std::array<double, 15> q{};
            std::copy(cam.begin(), cam.end(), q.begin());
            std::copy(x.begin(), x.end(), q.begin() + 11);
            q[14] = w;
            const auto want = ba_reference(q, feat);
            const json objective = result_of(run("ba", input, "objective", "ba_objective"));
            BOOST_TEST(objective["reproj_error"]["repeated"].get<int>() == z.p);
            BOOST_TEST(objective["w_err"]["repeated"].get<int>() == z.p);
            for (int i = 0; i < 2; ++i)
                BOOST_TEST(close(objective["reproj_error"]["elements"][i].get<double>(), want[std::size_t(i)], 1e-13), objective);
            BOOST_TEST(close(objective["w_err"]["element"].get<double>(), 1 - w * w, 1e-15));

            // GradBench's abridged layout: the first 30 entries of rows, cols and vals (observation
            // 0's two rows), and the last (the last weight's row).
            const json jacobian = result_of(run("ba", input, "jacobian", "ba_jacobian"));
            const auto& rows = jacobian["rows"];
            const auto& cols = jacobian["cols"];
            const auto& vals = jacobian["vals"];
            const std::size_t row_count = std::min<std::size_t>(30, 3 * std::size_t(z.p));
            BOOST_TEST_REQUIRE(rows.size() == row_count + 1);
            BOOST_TEST_REQUIRE(cols.size() == 31u);
            BOOST_TEST_REQUIRE(vals.size() == 31u);
            for (std::size_t i = 0; i < row_count; ++i)
                BOOST_TEST(rows[i].get<int>() == int(i <= 2 * std::size_t(z.p) ? 15 * i : 30 * std::size_t(z.p) + i - 2 * std::size_t(z.p)));
            BOOST_TEST(rows.back().get<int>() == 31 * z.p);
            const int weights = 11 * z.n + 3 * z.m;
            BOOST_TEST(cols.back().get<int>() == weights + z.p - 1);
            BOOST_TEST(close(vals.back().get<double>(), -2 * w, 1e-15));
            const double h = 1e-6;
            for (std::size_t row = 0; row < 2; ++row)
                for (std::size_t j = 0; j < 15; ++j) {
                    const std::size_t at = 15 * row + j;
                    BOOST_TEST(cols[at].get<int>() == (j < 11 ? int(j) : j < 14 ? 11 * z.n + int(j) - 11 : weights));
                    std::array<double, 15> up = q, down = q;
                    const double step = h * std::max(1.0, std::fabs(q[j]));
                    up[j] += step, down[j] -= step;
                    const double difference = (ba_reference(up, feat)[row] - ba_reference(down, feat)[row]) / (2 * step);
                    BOOST_TEST(close(vals[at].get<double>(), difference, 1e-6),
                               "row " << row << ", parameter " << j << ": " << vals[at] << " against " << difference);
                }
        }
    }
}

/// lstm's input, flattened as the program flattens it: main (2l x 4b), extra (3 x b), state (2l x
/// b), sequence (c x b).
struct lstm_input {
    std::size_t l, b, c;
    std::vector<double> main, extra, state, sequence;
    lstm_input(std::size_t layers, std::size_t bits, std::size_t chars) : l(layers), b(bits), c(chars) {
        const auto fill = [](std::size_t n, double scale, double shift) {
            std::vector<double> v(n);
            for (std::size_t i = 0; i < n; ++i) v[i] = shift + scale * std::sin(1.7 * double(i) + scale);
            return v;
        };
        main = fill(8 * l * b, 0.9, 0.2);
        extra = fill(3 * b, 0.6, 0.4);
        state = fill(2 * l * b, 0.5, 0.0);
        for (std::size_t t = 0; t < c; ++t)
            for (std::size_t i = 0; i < b; ++i) sequence.push_back(double(((t * 37 + 11) >> i) & 1));  // a character's bits
    }
    json to_json() const {
        const auto rows = [](const std::vector<double>& v, std::size_t length) {
            std::vector<std::vector<double>> r;
            for (std::size_t at = 0; at < v.size(); at += length) r.emplace_back(v.begin() + std::ptrdiff_t(at), v.begin() + std::ptrdiff_t(at + length));
            return r;
        };
        return {{"main_params", rows(main, 4 * b)}, {"extra_params", rows(extra, b)}, {"state", rows(state, b)}, {"sequence", rows(sequence, b)}};
    }
    /// The objective, written out: the per-unit recurrence layer by layer, the prediction
    /// normalised by log(2 + sum exp), minus the mean of the next bits times it.
    double objective() const {
        const auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
        std::vector<double> s = state, y(b);
        double total = 0;
        for (std::size_t t = 0; t + 1 < c; ++t) {
            for (std::size_t i = 0; i < b; ++i) y[i] = sequence[b * t + i] * extra[i];
            for (std::size_t k = 0; k < l; ++k) {
                const double* p = &main[8 * b * k];
                for (std::size_t i = 0; i < b; ++i) {
                    double& hidden = s[2 * b * k + i];
                    double& cell = s[2 * b * k + b + i];
                    const double forget = sigmoid(y[i] * p[i] + p[4 * b + i]);
                    const double ingate = sigmoid(hidden * p[b + i] + p[5 * b + i]);
                    const double outgate = sigmoid(y[i] * p[2 * b + i] + p[6 * b + i]);
                    const double change = std::tanh(hidden * p[3 * b + i] + p[7 * b + i]);
                    cell = cell * forget + ingate * change;
                    hidden = outgate * std::tanh(cell);
                    y[i] = hidden;
                }
            }
            double sum = 2;
            for (std::size_t i = 0; i < b; ++i) y[i] = y[i] * extra[b + i] + extra[2 * b + i], sum += std::exp(y[i]);
            for (std::size_t i = 0; i < b; ++i) total += sequence[b * (t + 1) + i] * (y[i] - std::log(sum));
        }
        return -total / double((c - 1) * b);
    }
};

BOOST_AUTO_TEST_CASE(lstm_against_its_definition_and_central_differences) {
    struct size {
        std::size_t l, b, c;
    };
    for (const size z : {size{1, 1, 2}, size{1, 3, 2}, size{2, 4, 7}, size{3, 5, 12}}) {
        BOOST_TEST_CONTEXT("l = " << z.l << ", b = " << z.b << ", c = " << z.c) {
            lstm_input in(z.l, z.b, z.c);
            const std::string text = in.to_json().dump();
            const double want = in.objective();
            BOOST_TEST(close(result_of(run("lstm", text, "objective", "lstm_objective")).get<double>(), want, 1e-13));
            // Every partial of main's and extra's, in that order, against central differences.
            const auto grad = result_of(run("lstm", text, "jacobian", "lstm_jacobian")).get<std::vector<double>>();
            BOOST_TEST_REQUIRE(grad.size() == 8 * z.l * z.b + 3 * z.b);
            const double h = 1e-6;
            for (std::size_t j = 0; j < grad.size(); ++j) {
                double& p = j < in.main.size() ? in.main[j] : in.extra[j - in.main.size()];
                const double keep = p;
                p = keep + h;
                const double up = in.objective();
                p = keep - h;
                const double down = in.objective();
                p = keep;
                const double difference = (up - down) / (2 * h);
                BOOST_TEST(close(grad[j], difference, 1e-8), "parameter " << j << ": " << grad[j] << " against " << difference);
            }
        }
    }
}

/// GradBench's gradient descent, written again for the references: from x, steps x - eta g that
/// lower the cost are accepted, eta doubling after 10 in a row and halving on a rejected step,
/// until |g| <= 1e-5 or a step shorter than 1e-5.
template <class Value, class Gradient>
std::vector<double> descend(const Value& value, const Gradient& gradient, std::vector<double> x) {
    double eta = 1e-5, fx = value(x);
    std::vector<double> g = gradient(x);
    const auto norm = [](const std::vector<double>& a, const std::vector<double>& b) {
        double s = 0;
        for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - (b.empty() ? 0 : b[i])) * (a[i] - (b.empty() ? 0 : b[i]));
        return std::sqrt(s);
    };
    for (int run = 0; norm(g, {}) > 1e-5;) {
        if (run == 10) {
            eta *= 2, run = 0;
            continue;
        }
        std::vector<double> y = x;
        for (std::size_t i = 0; i < x.size(); ++i) y[i] -= eta * g[i];
        if (norm(x, y) <= 1e-5) break;
        if (const double fy = value(y); fy < fx) x = y, fx = fy, g = gradient(x), ++run;
        else eta /= 2, run = 0;
    }
    return x;
}

BOOST_AUTO_TEST_CASE(saddle_in_four_modes_against_gradients_by_hand) {
    // f(p, q) = |p|^2 - |q|^2: the inner argmax's path does not depend on p, so d max_q f / dp = 2p.
    const auto f = [](const std::vector<double>& p, const std::vector<double>& q) { return p[0] * p[0] + p[1] * p[1] - q[0] * q[0] - q[1] * q[1]; };
    for (const std::vector<double>& s : {std::vector<double>{1.0, 1.0}, std::vector<double>{-2.0, 0.5}, std::vector<double>{0.3, -4.0}}) {
        const auto argmax = [&](const std::vector<double>& p) {
            return descend([&](const std::vector<double>& q) { return -f(p, q); }, [](const std::vector<double>& q) { return std::vector<double>{2 * q[0], 2 * q[1]}; }, s);
        };
        const std::vector<double> p = descend([&](const std::vector<double>& x) { return f(x, argmax(x)); },
                                              [](const std::vector<double>& x) { return std::vector<double>{2 * x[0], 2 * x[1]}; }, s);
        const std::vector<double> q = argmax(p);
        const std::vector<double> want = {p[0], p[1], q[0], q[1]};
        for (const char* function : {"ff", "fr", "rf", "rr"}) {
            const json got = result_of(run("saddle", json{{"start", s}}.dump(), function, "saddle"));
            BOOST_TEST_REQUIRE(got.size() == 4u);
            for (std::size_t i = 0; i < 4; ++i)
                BOOST_TEST(close(got[i].get<double>(), want[i], 1e-12), function << " from (" << s[0] << ", " << s[1] << ")[" << i << "]: " << got[i] << " against " << want[i]);
        }
    }
    // GradBench's expected output for its one input.
    const json got = result_of(run("saddle", R"({"start": [1.0, 1.0]})", "rr", "saddle"));
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(close(got[i].get<double>(), 8.246324826140356e-06, 1e-12));
}

/// particle's cost for control w: Euler steps with the field written out by hand, linear
/// interpolation at the crossing.
double particle_cost(double w) {
    double x[2] = {0, 8}, v[2] = {0.75, 0};
    for (int step = 0;; ++step) {
        BOOST_TEST_REQUIRE(step < 100000, "w = " << w << ": no crossing");
        double g[2] = {0, 0};
        for (const double cy : {10 - w, 0.0}) {
            const double dx = x[0] - 10, dy = x[1] - cy, r = std::sqrt(dx * dx + dy * dy);
            g[0] -= dx / (r * r * r), g[1] -= dy / (r * r * r);  // grad of 1 / r
        }
        x[0] += 0.1 * v[0], x[1] += 0.1 * v[1];
        if (x[1] <= 0) {
            const double at = x[0] + (-x[1] / v[1]) * v[0];
            return at * at;
        }
        v[0] -= 0.1 * g[0], v[1] -= 0.1 * g[1];
    }
}

BOOST_AUTO_TEST_CASE(particle_in_four_modes_against_a_descent_with_central_differences) {
    for (const double w0 : {0.0, 0.4, -0.2}) {
        const double h = 1e-6;
        const std::vector<double> want = descend([](const std::vector<double>& w) { return particle_cost(w[0]); },
                                                 [&](const std::vector<double>& w) { return std::vector<double>{(particle_cost(w[0] + h) - particle_cost(w[0] - h)) / (2 * h)}; },
                                                 {w0});
        double first = 0;
        for (const char* function : {"ff", "fr", "rf", "rr"}) {
            const double got = result_of(run("particle", json{{"w", w0}}.dump(), function, "particle")).get<double>();
            BOOST_TEST(close(got, want[0], 1e-6), function << " from " << w0 << ": " << got << " against " << want[0]);
            if (function[0] == 'f' && function[1] == 'f') first = got;
            BOOST_TEST(close(got, first, 1e-12), function << " against ff: " << got << ", " << first);  // the modes agree to rounding
        }
        if (w0 == 0.0) BOOST_TEST(close(first, 0.2071918746486116, 1e-12));  // GradBench's expected output
    }
}

BOOST_AUTO_TEST_CASE(min_runs_and_min_seconds) {
    const auto x = coefficients(128, 1.0);
    const json three = result_of(run("llsq", json{{"x", x}, {"n", 64}, {"min_runs", 3}}.dump(), "gradient", "runs"), 3);
    BOOST_TEST(three.size() == 128u);
    const outcome timed = run("llsq", json{{"x", x}, {"n", 64}, {"min_seconds", 0.05}}.dump(), "primal", "seconds");
    result_of(timed);
    long long total = 0;
    for (std::size_t i = 2; i < timed.lines.size(); ++i) total += json::parse(timed.lines[i])["nanoseconds"].get<long long>();
    BOOST_TEST(total >= 50'000'000LL);
}

BOOST_AUTO_TEST_CASE(errors_are_messages_and_a_non_zero_status) {
    const auto x = coefficients(128, 1.0);
    struct bad {
        const char* eval;
        std::string input, function, message;
    };
    const bad cases[] = {
        {"llsq", json{{"x", x}, {"n", 8}}.dump(), "hessian", "unknown function \"hessian\""},
        {"llsq", "{\"x\": [1, 2", "primal", "is not valid JSON"},
        {"llsq", json{{"n", 8}}.dump(), "primal", "no field \"x\""},
        {"llsq", json{{"x", coefficients(7, 1.0)}, {"n", 8}}.dump(), "primal", "compiled for m = 128 coefficients; the input has 7"},
        {"llsq", json{{"x", x}, {"n", 1}}.dump(), "gradient", "n >= 2"},
        {"llsq", json{{"x", x}, {"n", "many"}}.dump(), "primal", "field \"n\" does not have the expected type"},
        {"hello", "{\"x\": 1}", "square", "the input of hello is a number"},
        {"lse", json{{"x", std::vector<double>{}}}.dump(), "gradient", "lse needs at least one element in x"},
        {"ode", json{{"x", std::vector<double>(999, 0.5)}, {"s", 3}}.dump(), "primal", "ode is compiled for x of n = 1000, 10000 or 100000 elements; the input has 999"},
        {"ode", json{{"x", std::vector<double>(1000, 0.5)}, {"s", 0}}.dump(), "gradient", "ode needs s >= 1 steps; the input has s = 0"},
        {"ode", json{{"x", "none"}, {"s", 1}}.dump(), "primal", "field \"x\" does not have the expected type"},
        {"kmeans", json{{"points", std::vector<std::vector<double>>(4, std::vector<double>(8, 0.5))}, {"centroids", std::vector<std::vector<double>>(3, std::vector<double>(8, 0.5))}}.dump(), "cost", "kmeans is compiled for k in {10, 100, 1000} centroids of d in {8, 16} coordinates; the input has k = 3, d = 8"},
        {"kmeans", json{{"points", std::vector<std::vector<double>>(4, std::vector<double>(7, 0.5))}, {"centroids", std::vector<std::vector<double>>(10, std::vector<double>(8, 0.5))}}.dump(), "dir", "kmeans: point 0 has 7 coordinates; centroid 0 has 8"},
        {"kmeans", json{{"points", std::vector<std::vector<double>>(4, std::vector<double>(8, 0.5))}}.dump(), "cost", "no field \"centroids\""},
        {"det", json{{"A", std::vector<double>(16, 1.0)}, {"ell", 4}}.dump(), "primal", "det is compiled for ell from 5 to 11; the input has ell = 4"},
        {"det", json{{"A", std::vector<double>(24, 1.0)}, {"ell", 5}}.dump(), "gradient", "det: A has 24 elements; ell = 5 needs 25"},
        {"gmm", gmm_input(3, 5, 2).to_json().dump(), "objective", "gmm is compiled for d in {2, 10, 20, 32, 64} and k in {5, 10, 25, 50, 100}; the input has d = 3, k = 5"},
        {"gmm", gmm_input(2, 5, 2, 0, -1.0).to_json().dump(), "jacobian", "gmm needs gamma > 0"},
        {"gmm", gmm_input(2, 5, 2, -1).to_json().dump(), "jacobian", "gmm needs m >= 0"},
        {"gmm", [] { auto j = gmm_input(2, 5, 2).to_json(); j["n"] = 3; return j.dump(); }(), "objective", "gmm: \"x\" has 2 rows; expected 3"},
        {"gmm", [] { auto j = gmm_input(2, 5, 2).to_json(); j["l"][4] = {1.0, 2.0}; return j.dump(); }(), "jacobian", "gmm: row 4 of \"l\" has 2 elements; expected 1"},
        {"gmm", [] { auto j = gmm_input(10, 5, 2).to_json(); j["alpha"].erase(0); return j.dump(); }(), "objective", "gmm: \"alpha\" has 4 elements; expected k = 5"},
        {"gmm", [] { auto j = gmm_input(2, 5, 2).to_json(); j.erase("q"); return j.dump(); }(), "objective", "no field \"q\""},
        {"lse", json{{"x", 3.0}}.dump(), "primal", "field \"x\" does not have the expected type"},
        {"ba", json{{"n", 1}, {"m", 1}, {"p", 1}, {"cam", std::vector<double>(10, 1.0)}, {"x", std::vector<double>(3, 1.0)}, {"w", 1.0}, {"feat", std::vector<double>(2, 1.0)}}.dump(), "objective", "ba: \"cam\" must have 11 numbers; the input has 10"},
        {"ba", json{{"n", 1}, {"m", 0}, {"p", 1}, {"cam", std::vector<double>(11, 1.0)}, {"x", std::vector<double>(3, 1.0)}, {"w", 1.0}, {"feat", std::vector<double>(2, 1.0)}}.dump(), "jacobian", "ba: \"m\" must be at least 1; the input has 0"},
        {"ba", json{{"n", 1}, {"m", 1}, {"p", 1}, {"cam", std::vector<double>(11, 1.0)}, {"x", std::vector<double>(3, 1.0)}, {"feat", std::vector<double>(2, 1.0)}}.dump(), "jacobian", "no field \"w\""},
        {"lstm", [] { auto j = lstm_input(2, 3, 4).to_json(); j["main_params"].erase(3); return j.dump(); }(), "objective", "lstm: \"main_params\" must have 2 rows per layer, at least 2; the input has 3"},
        {"lstm", [] { auto j = lstm_input(1, 3, 4).to_json(); j["main_params"] = json::array({json::array({1.0, 2.0, 3.0}), json::array({1.0, 2.0, 3.0})}); return j.dump(); }(), "jacobian", "lstm: the rows of \"main_params\" must have 4 b elements, b >= 1; the first has 3"},
        {"lstm", [] { auto j = lstm_input(2, 3, 4).to_json(); j["state"].erase(0); return j.dump(); }(), "jacobian", "lstm: \"state\" has 3 rows; expected 4"},
        {"lstm", [] { auto j = lstm_input(2, 3, 4).to_json(); j["sequence"][2].push_back(1.0); return j.dump(); }(), "objective", "lstm: row 2 of \"sequence\" has 4 elements; expected 3 (b = 3 bits per character)"},
        {"lstm", [] { auto j = lstm_input(2, 3, 4).to_json(); j["extra_params"][1].erase(0); return j.dump(); }(), "jacobian", "lstm: row 1 of \"extra_params\" has 2 elements; expected 3"},
        {"lstm", [] { auto j = lstm_input(2, 3, 1).to_json(); return j.dump(); }(), "jacobian", "lstm: \"sequence\" must have at least 2 characters"},
        {"lstm", [] { auto j = lstm_input(2, 3, 4).to_json(); j.erase("state"); return j.dump(); }(), "objective", "no field \"state\""},
        {"saddle", R"({"start": [1.0]})", "rr", "saddle: \"start\" must have 2 numbers; the input has 1"},
        {"saddle", R"({"start": [1.0, 1.0]})", "fx", "unknown function \"fx\""},
        {"particle", R"({"w": "zero"})", "ff", "field \"w\" does not have the expected type"},
        {"particle", R"({"w": -0.5})", "rr", "particle: for w = -0.500000 the particle has not crossed the x axis after 100000 Euler steps"},
    };
    int k = 0;
    for (const bad& c : cases) {
        const outcome o = run(c.eval, c.input, c.function, "bad" + std::to_string(k++));
        BOOST_TEST(o.status == 1, c.message << ": exit status " << o.status);
        BOOST_TEST(o.lines.empty());
        BOOST_TEST(o.errors.find(c.message) != std::string::npos, "expected '" << c.message << "' in: " << o.errors);
    }
    // A wrong command line: the usage, status 2.
    const outcome usage = run("llsq", "{}", "", "usage");
    BOOST_TEST(usage.status == 2);
    BOOST_TEST(usage.errors.find("usage:") != std::string::npos);
}
