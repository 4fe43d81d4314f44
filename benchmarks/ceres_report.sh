#!/usr/bin/env bash
# Prints the tables of docs/ceres.md: the NIST results with stag's Jacobians and with Ceres Jets,
# side by side, and bench_ceres's medians with their ratios. Usage:
#   benchmarks/ceres_report.sh [BUILD_DIR]      (default build/gcc; build nist and bench_ceres first)
set -euo pipefail
build=${1:-build/gcc}
nist=$build/examples/nist
bench=$build/benchmarks/bench_ceres
for f in "$nist" "$bench"; do
  [ -x "$f" ] || { echo "ceres_report.sh: $f is not built (cmake --build $build --target nist bench_ceres)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "vector extensions: $(grep -o 'avx[0-9a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo
"$nist" > "$tmp/stag.txt"
"$nist" --jets > "$tmp/jets.txt"
echo "| problem | start | LRE, stag | LRE, Jets | iterations, stag | iterations, Jets | ms, stag | ms, Jets |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
paste "$tmp/stag.txt" "$tmp/jets.txt" | awk -F'\t' 'NR > 2 && $1 !~ /^nist:/ {
  split($1, s, " +"); split($2, j, " +")
  printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", s[1], s[2], s[3], j[3], s[4], j[4], s[5], j[5] }'
echo
echo "stag: $(tail -n 1 "$tmp/stag.txt")"
echo "Jets: $(tail -n 1 "$tmp/jets.txt")"
echo

# Medians of 30 repetitions, run in random interleaving so that the machine's drift spreads over all.
"$bench" --benchmark_repetitions=30 --benchmark_min_time=0.05 --benchmark_enable_random_interleaving=true \
         --benchmark_report_aggregates_only=true --benchmark_color=false 2>/dev/null > "$tmp/bench.txt"
awk '$1 ~ /_median$/ {
  name = $1; sub(/_median$/, "", name)
  ns[name] = $4 * ($5 == "us" ? 1000 : $5 == "ms" ? 1000000 : 1) }
  END {
    b = ns["rat43_evaluate/b_analytic_cse"]; c = ns["rat43_evaluate/c_autodiff_jets"]
    print "| Rat43, 15 residuals and Jacobians through Evaluate | ns | / (b) | (c) / this |"
    print "| --- | ---: | ---: | ---: |"
    split("a_analytic b_analytic_cse c_autodiff_jets d_stag d_stag_product_form", w, " ")
    for (i = 1; i <= 5; ++i) { k = "rat43_evaluate/" w[i]; printf "| %s | %.0f | %.2f | %.2f |\n", w[i], ns[k], ns[k] / b, c / ns[k] }
    print ""
    print "| whole solve from NIST start 1 | Jets, us | stag, us | Jets / stag |"
    print "| --- | ---: | ---: | ---: |"
    split("rat43 gauss3", p, " ")
    for (i = 1; i <= 2; ++i) { j = ns["solve_" p[i] "_jets"] / 1000; s = ns["solve_" p[i] "_stag"] / 1000; printf "| %s | %.0f | %.0f | %.2f |\n", p[i], j, s, j / s }
  }' "$tmp/bench.txt"
