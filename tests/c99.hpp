// Compiling and running the C99 code that stag::to_c emits, with the C compiler CMake found
// (STAG_C_COMPILER), as strictly as a user's firmware build would: -std=c99 -pedantic -Wall -Werror.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace stag_test {

/// Compiles `code` with a main whose body is `main_body` into `base` (a name of its own per test,
/// since tests run in parallel), runs it with `input` on its standard input and returns its output.
inline std::string run_c99(const std::string& base, const std::string& code, const std::string& main_body, const std::string& input = "") {
    std::ofstream(base + ".c") << code << "\n#include <stdio.h>\nint main(void) {\n" << main_body << "    return 0;\n}\n";
    std::ofstream(base + ".in") << input;
    const std::string cc = STAG_C_COMPILER " -std=c99 -pedantic -Wall -Werror -o " + base + " " + base + ".c -lm";
    BOOST_TEST_REQUIRE(std::system(cc.c_str()) == 0, cc);
    std::string out;
    if (FILE* p = popen(("./" + base + " < " + base + ".in").c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        pclose(p);
    }
    return out;
}

}  // namespace stag_test
