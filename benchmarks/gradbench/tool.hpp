// The command-line interface of a GradBench C++ tool, shared by the programs of this folder (one per
// eval): `EVAL INPUT.json FUNCTION`.
//
// INPUT.json holds the eval's input (GradBench's field names), and optionally `min_runs` (default
// 1) and `min_seconds` (default 0). The program reads it, prepares FUNCTION for it (timed as
// "prepare"), then runs FUNCTION until it has run at least min_runs times and for at least
// min_seconds in all, timing each run. On stdout: the result of FUNCTION as JSON on the first
// line, then `{"name": "prepare", "nanoseconds": N}` and one `{"name": "evaluate",
// "nanoseconds": N}` line per run. Exit status 0; on a malformed input, an unknown function or a
// size the program was not compiled for, a message on stderr and exit status 1 (2 for a wrong
// command line).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradbench_tool {

using json = nlohmann::json;

/// What a problem with the input throws: its message is printed as it is.
struct input_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A function prepared for one input: `run()` computes the result (the timed part) into the
/// object, `result()` gives it as JSON afterwards.
struct prepared {
    virtual ~prepared() = default;
    virtual void run() = 0;
    virtual json result() const = 0;
};

/// Makes the prepared function of an eval from its input.
using preparer = std::function<std::unique_ptr<prepared>(const json& input)>;

/// A prepared function from a state type P: P(input) prepares, P::run() computes, P::result()
/// returns something nlohmann::json converts.
template <class P>
preparer make() {
    struct holder final : prepared {
        P state;
        explicit holder(const json& input) : state(input) {}
        void run() override { state.run(); }
        json result() const override { return json(state.result()); }
    };
    return [](const json& input) -> std::unique_ptr<prepared> { return std::make_unique<holder>(input); };
}

/// Field `name` of the input object as T, or an input_error naming the field.
template <class T>
T field(const json& input, const char* name) {
    if (!input.is_object() || !input.contains(name)) throw input_error(std::string("the input has no field \"") + name + "\"");
    try {
        return input.at(name).get<T>();
    } catch (const json::exception&) {
        throw input_error(std::string("the input's field \"") + name + "\" does not have the expected type");
    }
}

/// The whole program: parses the command line and the input, prepares, runs, prints.
inline int run(int argc, char** argv, const std::map<std::string, preparer>& functions) {
    using clock = std::chrono::steady_clock;
    const std::string self = argc > 0 ? argv[0] : "tool";
    if (argc != 3) {
        std::cerr << "usage: " << self << " INPUT.json FUNCTION (FUNCTION: ";
        for (auto it = functions.begin(); it != functions.end(); ++it) std::cerr << (it == functions.begin() ? "" : ", ") << it->first;
        std::cerr << ")\n";
        return 2;
    }
    try {
        const auto f = functions.find(argv[2]);
        if (f == functions.end()) throw input_error(std::string("unknown function \"") + argv[2] + "\"");
        std::ifstream in(argv[1]);
        if (!in) throw input_error(std::string("cannot open ") + argv[1]);
        json input;
        try {
            input = json::parse(in);
        } catch (const json::parse_error& e) {
            throw input_error(std::string(argv[1]) + " is not valid JSON: " + e.what());
        }
        long min_runs = 1;
        double min_seconds = 0;
        if (input.is_object() && input.contains("min_runs")) min_runs = field<long>(input, "min_runs");
        if (input.is_object() && input.contains("min_seconds")) min_seconds = field<double>(input, "min_seconds");
        if (min_runs < 1) throw input_error("min_runs must be at least 1");

        const auto t0 = clock::now();
        const std::unique_ptr<prepared> p = f->second(input);
        const long long prepare_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - t0).count();
        std::vector<long long> runs;
        double total = 0;
        while (long(runs.size()) < min_runs || total < min_seconds) {
            const auto start = clock::now();
            p->run();
            const long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start).count();
            runs.push_back(ns);
            total += double(ns) * 1e-9;
        }
        std::cout << p->result().dump() << '\n';
        std::cout << "{\"name\": \"prepare\", \"nanoseconds\": " << prepare_ns << "}\n";
        for (long long ns : runs) std::cout << "{\"name\": \"evaluate\", \"nanoseconds\": " << ns << "}\n";
        std::cout.flush();
        return std::cout ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << self << ": " << e.what() << '\n';
        return 1;
    }
}

}  // namespace gradbench_tool
