// Pictures of the seed graph g = (x + y) * z: the forward graph and the fused forward and backward
// graph of its gradient, as Graphviz DOT files, its LaTeX, and its gradient as C99 code.
//   seed_graph_dot [directory]   writes seed_graph.dot, seed_graph_grad.dot and seed_graph_grad.c
// With Debian's graphviz: dot -Tpng seed_graph_grad.dot -o seed_graph_grad.png
#include <stag/stag.hpp>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
    constexpr auto x = stag::var<"x">;
    constexpr auto y = stag::var<"y">;
    constexpr auto z = stag::var<"z">;
    constexpr auto g = (x + y) * z;

    const std::string dir = argc > 1 ? std::string(argv[1]) + "/" : "";
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + name) << text;
        std::printf("wrote %s%s\n", dir.c_str(), name.c_str());
    };
    write("seed_graph.dot", stag::to_dot(g));
    write("seed_graph_grad.dot", stag::to_dot(stag::grad(g, x, y, z)));
    write("seed_graph_grad.c", stag::to_c(stag::grad(g, x, y, z), "seed_graph_grad"));
    std::printf("LaTeX: %s\n", stag::to_latex(g).c_str());
    std::printf("dg/dx in LaTeX: %s\n", stag::to_latex(stag::d(g, x)).c_str());
}
