// stag's GradBench tool, run as GradBench runs it: each program on inputs made here, its first
// line checked against a reference computed here in plain C++ (hand-written derivatives), with
// GradBench's tolerance |a - b| / max(1, |a| + |b|) <= 1e-4 and a much tighter one where the math
// allows; and the interface: timing lines, min_runs, min_seconds, and errors.
#define BOOST_TEST_MODULE gradbench
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
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
        {"lse", json{{"x", 3.0}}.dump(), "primal", "field \"x\" does not have the expected type"},
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
