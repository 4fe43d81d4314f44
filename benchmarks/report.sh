#!/usr/bin/env bash
# Reruns the benchmarks and writes docs/benchmarks.md: run-time medians and ratios to hand-written
# code (bench_scalar), and the compile-time table (compile_time.sh).
# Usage: benchmarks/report.sh            (from anywhere; builds with the gcc preset)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset gcc > /dev/null
cmake --build --preset gcc --target bench_scalar > /dev/null
bench=build/gcc/benchmarks/bench_scalar
"$bench" --check > /dev/null
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
"$bench" --benchmark_repetitions=9 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 \
         --benchmark_format=console --benchmark_color=false > "$raw" 2>/dev/null

# name/kind/contender_median  <time> ns ...  ->  a table row per (problem, kind) with the ratio.
table=$(awk '
  /_median/ {
    split($1, p, "/"); sub(/_median$/, "", p[3]);
    key = p[1] "/" p[2]; t[key "/" p[3]] = $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
  }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; h = t[k "/hand"]; s = t[k "/stag"];
      printf "| %s | %.2f | %.2f | %.3f |\n", k, h, s, s / h
    }
  }' "$raw")

cpu=$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')
compiler=$(g++ --version | head -n 1)
{
  echo "# Benchmark figures"
  echo
  echo "Made by \`benchmarks/report.sh\` on $(date -u +%Y-%m-%d), $cpu ($(nproc) cores), $compiler."
  echo "Benchmarks are built with \`-O3 -march=native\`. The machine is shared and noisy: the figures are"
  echo "medians of 9 repetitions from one run, and the ratios compare contenders of the same run."
  echo
  echo "## Run time (ns per call: value and full gradient, or value alone)"
  echo
  echo "Command: \`$bench --benchmark_repetitions=9 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2\`"
  echo
  echo "| problem / work | hand-written (ns) | stag (ns) | stag / hand |"
  echo "| --- | ---: | ---: | ---: |"
  echo "$table"
  echo
  echo "- \`P1_seed\`: f = (x + y) * z. \`scalar\`: f = sin(a*b) + exp(c/d)*log(1 + e*e) +"
  echo "  tanh(a - c)*sqrt(b*b + d*d + 1) + (a*b*c)/(1 + d*d + e*e)."
  echo "- \`grad\`: \`stag::value_and_grad\` against hand-written adjoint code; \`value\`: \`stag::eval\` against"
  echo "  the plain double expression. Inputs change at every call (64 points); both results are checked"
  echo "  equal before timing (\`bench_scalar --check\`, also a CTest test)."
  echo
  echo "## Compile time of a deep shared DAG"
  echo
  echo "Command: \`benchmarks/compile_time.sh g++ 16 32 64 128 256\`: the gradient of h(D) for"
  echo "h(0) = x, h(k+1) = tanh(h(k) * y + h(k)) with respect to x and y, one translation unit, \`g++ -O2\`."
  echo
  benchmarks/compile_time.sh g++ 16 32 64 128 256
} > docs/benchmarks.md
echo "wrote docs/benchmarks.md"
