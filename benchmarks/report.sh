#!/usr/bin/env bash
# Reruns the benchmarks and writes a report: run-time medians and ratios to hand-written code
# (bench_scalar, bench_tensor, bench_vmap), stag against the C++ AD libraries that are installed
# (bench_peers) with a bar chart of the ratios (docs/peers.png, needs Debian's gnuplot), and the
# compile-time tables (compile_time.sh, compile_peers.sh).
# Usage: benchmarks/report.sh [OUT]      (from anywhere; builds with the gcc preset; OUT defaults
#                                         to build/benchmarks-report.md)
# docs/benchmarks.md is kept by hand: it also holds runs this script does not make (bench_sequence,
# bench_ceres, the GPU), each table with its command, machine and date. Copy from the report the
# sections that changed; the report never overwrites it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/build/benchmarks-report.md}")
cd "$root"
mkdir -p "$(dirname "$out")"
cmake --preset gcc > /dev/null
cmake --build --preset gcc --target bench_scalar bench_tensor bench_peers bench_vmap > /dev/null
bench=build/gcc/benchmarks/bench_scalar
"$bench" --check > /dev/null
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
"$bench" --benchmark_repetitions=9 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 \
         --benchmark_format=console --benchmark_color=false > "$raw" 2>/dev/null

# name/kind/contender_median  <time> ns ...  ->  a table row per (problem, kind) with the ratio.
# "problem/work/contender_median  time ..." lines into "| problem/work | hand | stag | stag / hand |" rows.
hand_stag_table() {
  awk '
  /_median/ {
    split($1, p, "/"); sub(/_median$/, "", p[3]);
    key = p[1] "/" p[2]; t[key "/" p[3]] = $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
  }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; h = t[k "/hand"]; s = t[k "/stag"];
      if (h == "" || s == "") continue;  # (the float rows have stag_into only; the Hessian no hand-written code)
      printf "| %s | %.2f | %.2f | %.3f |\n", k, h, s, s / h
    }
  }' "$1"
}
table=$(hand_stag_table "$raw")

tensor=build/gcc/benchmarks/bench_tensor
"$tensor" --check > /dev/null
tensor_raw=$(mktemp)
trap 'rm -f "$raw" "$tensor_raw"' EXIT
"$tensor" --benchmark_repetitions=9 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 \
          --benchmark_format=console --benchmark_color=false > "$tensor_raw" 2>/dev/null
tensor_table=$(hand_stag_table "$tensor_raw")
# The gradient against both hand-written baselines, and stag writing into the caller's struct.
grad_table=$(awk '
  /grad\/.*_median/ {
    split($1, p, "/"); sub(/_median$/, "", p[3]); t[p[1] "/" p[3]] = $2; if (!(p[1] in seen)) { seen[p[1]] = 1; order[++n] = p[1] }
  }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; h = t[k "/hand"]; b = t[k "/hand_branch_free_tanh"]; e = t[k "/hand_eigen"]; s = t[k "/stag"]; o = t[k "/stag_into"];
      # Blank where a contender is not in the binary (no Eigen, no stag without into in float).
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", k, h, b, e, s, o, (b == "" ? "" : sprintf("%.3f", o / b)), (e == "" ? "" : sprintf("%.3f", o / e))
    }
  }' "$tensor_raw")
mlp_compile=$(printf '#include <stag/stag.hpp>\n#include "problems.hpp"\nusing m = stag_problems::mlp<32, 64, 10>;\n%s\n' \
  'auto grad(const stag::tensor<double, 64, 32>& w1, const stag::tensor<double, 64>& v1, const stag::tensor<double, 10, 64>& w2,
            const stag::tensor<double, 10>& v2, const stag::tensor<double, 32>& in, const stag::tensor<double, 10>& target) {
  return stag::value_and_grad(m::loss, m::W1, m::b1, m::W2, m::b2)(m::W1 = w1, m::b1 = v1, m::W2 = w2, m::b2 = v2, m::x = in, m::t = target);
}' | /usr/bin/time -f "%e s, %M KB" g++ -std=c++20 -O2 -c -Iinclude -Ibenchmarks -x c++ - -o /dev/null 2>&1)

# Many samples: the Greeks of a million options, stag against both hand-written loops, 1 and 2 threads.
vmap=build/gcc/benchmarks/bench_vmap
"$vmap" --check > /dev/null
vmap_raw=$(mktemp)
trap 'rm -f "$raw" "$tensor_raw" "$vmap_raw"' EXIT
"$vmap" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
        --benchmark_format=console --benchmark_color=false > "$vmap_raw" 2>/dev/null
vmap_table=$(awk '
  /_median/ {
    split($1, p, "/"); sub(/^greeks_/, "", p[1]); t[p[1] "/" p[2]] = $2
  }
  END {
    for (th = 1; th <= 2; th++) {
      s = t["stag/" th]; v = t["hand_vectorised/" th]; d = t["hand_std/" th];
      printf "| %d | %.1f | %.1f | %.1f | %.2f | %.2f |\n", th, v, d, s, s / v, s / d
    }
    printf "\nstag on 2 threads against 1: %.2f times faster (hand-written vectorised: %.2f).\n", t["stag/1"] / t["stag/2"], t["hand_vectorised/1"] / t["hand_vectorised/2"]
  }' "$vmap_raw")

# Peers: per problem, every contender's median, its ratio to hand-written code, its allocations.
peers=build/gcc/benchmarks/bench_peers
"$peers" --check > /dev/null
peers_raw=$(mktemp)
ratios=$(mktemp)
trap 'rm -f "$raw" "$tensor_raw" "$vmap_raw" "$peers_raw" "$ratios"' EXIT
"$peers" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_min_time=0.1 \
         --benchmark_format=console --benchmark_color=false > "$peers_raw" 2>/dev/null
peer_table=$(awk -v ratios="$ratios" '
  /_median/ {
    split($1, p, "/"); sub(/_median$/, "", p[2]);
    allocs = $NF; sub(/^allocs=/, "", allocs);
    key = p[1] "/" p[2]; t[key] = $2; a[key] = allocs; order[++n] = key;
    if (p[2] == "hand") hand[p[1]] = $2
  }
  END {
    for (i = 1; i <= n; i++) {
      split(order[i], p, "/"); r = t[order[i]] / hand[p[1]];
      printf "| %s | %s | %.2f | %.2f | %s |\n", p[1], p[2], t[order[i]], r, a[order[i]];
      # The third column colours the bar: 0 a peer, 1 stag, 2 hand-written code on Eigen arrays.
      kind = (p[2] == "stag") ? 1 : (p[2] == "hand_eigen") ? 2 : 0;
      if (p[2] != "hand") printf "\"%s %s\" %.4f %d\n", p[1], p[2], r, kind >> ratios
    }
  }' "$peers_raw")
# The issue's targets, checked on this run: stag the fastest AD contender on every problem, and within
# 10% of hand-written code on P1, P2, P6, of the vectorised hand-written code on P3 to P5 at n = 256.
targets=$(awk '
  /_median/ {
    split($1, p, "/"); sub(/_median$/, "", p[2]);
    t[p[1] "/" p[2]] = $2; if (!(p[1] in seen)) { seen[p[1]] = 1; order[++n] = p[1] }
    if (p[2] != "hand" && p[2] != "hand_eigen" && p[2] != "stag" && (!(p[1] in best) || $2 < best[p[1]])) { best[p[1]] = $2; who[p[1]] = p[2] }
  }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; s = t[k "/stag"];
      fastest = (s <= best[k]) ? "met" : "MISSED";
      line = sprintf("- %s: stag %.1f ns, fastest peer %s %.1f ns (fastest AD contender: %s)", k, s, who[k], best[k], fastest);
      if (k ~ /^P(1|2|6)/) {
        r = s / t[k "/hand"]; line = line sprintf("; stag / hand-written %.2f (within 10%%: %s)", r, r <= 1.10 ? "met" : "MISSED")
      } else if (k ~ /256$/ || k ~ /^P5/) {
        r = s / t[k "/hand_eigen"]; line = line sprintf("; stag / vectorised hand-written %.2f (within 10%%: %s)", r, r <= 1.10 ? "met" : "MISSED")
      }
      print line
    }
  }' "$peers_raw")
if command -v gnuplot > /dev/null; then
  gnuplot <<GNUPLOT
set terminal png size 1800,650 font "DejaVu Sans,10" noenhanced
set output "docs/peers.png"
set title "Time per value-and-gradient call, relative to hand-written code (log scale; lower is faster; stag in red, hand-written code on Eigen arrays in green)"
set logscale y
set ylabel "ratio to hand-written"
set style fill solid 0.8
set boxwidth 0.7
set xtics rotate by -40 left
set bmargin 11
set rmargin 18
set grid ytics
set key off
set yrange [0.1:*]
plot "$ratios" using 0:(\$3 == 0 ? \$2 : 1/0):xtic(1) with boxes lc rgb "#8aa4c4", \\
     "$ratios" using 0:(\$3 == 1 ? \$2 : 1/0) with boxes lc rgb "#b03030", \\
     "$ratios" using 0:(\$3 == 2 ? \$2 : 1/0) with boxes lc rgb "#3a9a50"
GNUPLOT
  chart="![stag and its peers, ratio to hand-written code](peers.png)"
else
  chart="(No chart: gnuplot is not installed. Debian: \`apt-get install gnuplot-nox\`.)"
fi

# The machine code of stag's and the hand-written functions, compared (instructions only), for every
# problem that stag has a function for.
body() {  # $1: function name, $2: problem type, as objdump -C prints them
  objdump -d --no-show-raw-insn -C "$peers" |
    awk -v f="(anonymous namespace)::$1" -v p="((anonymous namespace)::$2 const&" '
      done {next}
      /^[0-9a-f]+ </ && !/constprop/ && index($0, f "(") && index($0, p) {on = 1; next}
      on && /^$/ {done = 1; next}
      on {sub(/^ *[0-9a-f]+:\t/, ""); print}' |
    { grep -v 'nop' || true; }  # alignment padding, before and after a function; no function: nothing
}
codes=""
# P1 and P2 only: for P3 to P6 the timed function calls stag's tensor sweep, a function of its own,
# so its instruction count would say nothing.
for p in P1 P2; do
  stag_code=$(body with_stag "$p")
  [ -n "$stag_code" ] || continue
  hand_code=$(body hand "$p")
  if [ "$hand_code" = "$stag_code" ]; then verdict="identical"; else verdict="different"; fi
  codes="$codes- $p: hand-written $(echo "$hand_code" | wc -l) instructions, stag $(echo "$stag_code" | wc -l), $verdict machine code.
"
done

cpu=$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')
# The vector extensions the code was built for (-march=native): AVX-512 or AVX2 only.
if grep -q avx512f /proc/cpuinfo; then vector="AVX-512 (and AVX2)"; elif grep -q avx2 /proc/cpuinfo; then vector="AVX2, no AVX-512"; else vector="neither AVX2 nor AVX-512"; fi
compiler=$(g++ --version | head -n 1)
{
  echo "# Benchmark figures"
  echo
  echo "Made by \`benchmarks/report.sh\` on $(date -u +%Y-%m-%d), $cpu ($(nproc) cores, vector extensions: $vector), $compiler."
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
  echo "## Tensors: the MLP of the tensor issue"
  echo
  echo "Command: \`$tensor --benchmark_repetitions=9 --benchmark_report_aggregates_only=true --benchmark_min_time=0.2\`"
  echo
  echo "| network / work | hand-written (ns) | stag (ns) | stag / hand |"
  echo "| --- | ---: | ---: | ---: |"
  echo "$tensor_table"
  echo
  echo "The gradient against the hand-written baselines (plain loops; the same with tanh by stag's branch-free"
  echo "form, which the compiler vectorises; Eigen's fixed-size matrices), and stag writing into the caller's"
  echo "struct (\`value_and_grad(...).into(...)\`), same run (ns):"
  echo
  echo "| network | hand | hand, branch-free tanh | hand on Eigen | stag | stag into | into / branch-free | into / Eigen |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "$grad_table"
  echo
  echo "- The network: h = tanh(W1 x + b1), out = W2 h + b2, loss = 0.5 sum((out - t)^2), shapes 4-8-1 and 32-64-10."
  echo "- \`grad\`: \`stag::value_and_grad\` of the loss with respect to W1, b1, W2, b2, against hand-written"
  echo "  backpropagation in plain loops; \`infer\`: \`stag::eval\` of out against the hand-written forward pass;"
  echo "  \`adam_step\`: one \`stag::adam\` step on all parameters against a hand-written Adam loop. Inputs change"
  echo "  at every call (64 samples); the results are checked equal first (\`bench_tensor --check\`, a CTest test)."
  echo "- Compile time of a translation unit holding the 32-64-10 gradient alone, \`g++ -O2\`: $mlp_compile."
  echo "- No heap allocation: \`tests/test_tensor_alloc.cpp\` counts every operator new around a 32-64-10 gradient,"
  echo "  an evaluation and an Adam step."
  echo
  echo "## Many samples: the Greeks of a million options"
  echo
  echo "Command: \`$vmap --benchmark_repetitions=5 --benchmark_report_aggregates_only=true\`"
  echo
  echo "| threads | hand-written, vectorised (ms) | hand-written, std functions (ms) | stag::vmap (ms) | stag / vectorised | stag / std |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
  echo "$vmap_table"
  echo
  echo "- The work: the Black-Scholes price of 1,000,000 European calls with delta, gamma, vega, rho and theta each"
  echo "  (\`examples/black_scholes.hpp\`). stag: one \`stag::vmap\` of \`value_and_grad(price, S, sigma, r, T)\` and"
  echo "  \`grad(d(price, S), S)\` (gamma), with \`stag::parallel{threads}\`. Hand-written: the closed forms in one loop"
  echo "  written for the compiler to vectorise, with the standard library's functions (\`std\`: g++ calls them per"
  echo "  option) or with the branch-free functions stag's loops use (\`vectorised\`), on the same threads."
  echo "- The closed forms use S n(d1) = K e^(-rT) n(d2), which no automatic differentiation finds: one normal"
  echo "  density where the chain rule evaluates two, and gamma from terms already at hand."
  echo "- Checked first: stag's results and the vectorised closed forms against the closed forms with std's functions"
  echo "  (within 1e-9 relative), and the 2-thread run equal to the 1-thread run bit for bit (\`bench_vmap --check\`,"
  echo "  a CTest test)."
  echo
  echo "## stag against C++ AD libraries"
  echo
  echo "Command: \`$peers --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_min_time=0.1\`"
  echo "(medians of 5; \`allocs\`: heap allocations per call, counted by replacing malloc in the binary)."
  echo "Every contender's value and gradient are checked against the hand-written ones before timing"
  echo "(\`bench_peers --check\`, also a CTest test). Peers: ADOL-C (retaping every call, and one tape"
  echo "reused), Trilinos Sacado (\`SFad\`, \`CacheFad::SFad\`, \`ELRCacheFad::SFad\`), Ceres \`Jet\`, Eigen's"
  echo "\`AutoDiffScalar\` (forward vector mode), Boost.Math \`autodiff_fvar\` (one pass per input)."
  echo "P2 is sin(a*b) + exp(c/d)*log(1 + e*e) + tanh(a - c)*sqrt(b*b + d*d + 1) + (a*b*c)/(1 + d*d + e*e) - a*cos(b - e)."
  echo "P3 is the sum of 16 or 256 inputs; P4 is log(sum of exp(x_i)) of 16 or 256 inputs in [-0.5, 0.5]; P5 is the"
  echo "sum of log N(y_i | mu, sigma) over 64 constant observations y_i, in mu and sigma; P6 is the loss"
  echo "(W2 tanh(W1 x + b1) + b2 - t)^2 / 2 of an MLP with 4 inputs, 8 tanh units and one output, in its 49"
  echo "parameters. \`hand_eigen\` is the hand-written code of P3 to P5 on Eigen's fixed-size arrays, whose sums"
  echo "and exp are vectorised: the plain loops of \`hand\` keep the order of a floating-point sum, one addition at a"
  echo "time."
  echo
  echo "| problem | contender | ns per call | ratio to hand-written | allocs |"
  echo "| --- | --- | ---: | ---: | ---: |"
  echo "$peer_table"
  echo
  echo "Targets of the peers issue, on this run:"
  echo
  echo "$targets"
  echo
  echo "Machine code of the timed functions (\`objdump -d\` of bench_peers, compared by this script):"
  echo
  printf "%s" "$codes"
  echo
  echo "Where the code is identical, a difference in time is placement and noise, not stag."
  echo
  echo "$chart"
  echo
  echo "Compile time of one translation unit per contender holding P2 and P6 (\`benchmarks/compile_peers.sh\`):"
  echo
  benchmarks/compile_peers.sh g++
  echo
  echo "## Compile time of a deep shared DAG"
  echo
  echo "Command: \`benchmarks/compile_time.sh\` (g++, clang++ and clang++-19, those installed; depths 16 to 256): the gradient of h(D) for"
  echo "h(0) = x, h(k+1) = tanh(h(k) * y + h(k)) with respect to x and y, one translation unit, \`-O2\`."
  echo
  benchmarks/compile_time.sh
} > "$out"
echo "wrote $out"
