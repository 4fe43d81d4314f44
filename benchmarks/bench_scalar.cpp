// Scalar gradients: stag against hand-written adjoint code, in one binary.
#include <benchmark/benchmark.h>
#include <stag/stag.hpp>

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
}
