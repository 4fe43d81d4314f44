#!/usr/bin/env bash
# stag's GradBench programs side by side with GradBench's own `manual` and `adol-c` C++ tools, on
# GradBench's default inputs:
#
#   benchmarks/gradbench/compare.sh GRADBENCH_CHECKOUT [MIN_SECONDS]
#   EVALS="gmm ode" benchmarks/gradbench/compare.sh GRADBENCH_CHECKOUT   (some of the evals)
#
# GRADBENCH_CHECKOUT is a clone of github.com/gradbench/gradbench (nothing of it is kept here). The
# script builds manual's and adol-c's programs there (Debian: libadolc-dev; GradBench's build wants
# cpp/json.hpp, which it otherwise downloads: Debian's nlohmann-json3-dev one is put there if it is
# missing), builds stag's programs with the same compiler and flags (g++ -O3 -march=native, $CXX
# to change; $PYTHON for a Python with numpy) and times each build, writes the inputs (inputs.py; Debian: python3-numpy), runs
# everything (each function for at least MIN_SECONDS, default 1, as GradBench asks) and prints the
# table of docs/gradbench.md; with gnuplot, also the chart docs/gradbench.png. Run it from the
# repository's root on an idle machine; it takes some minutes.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 GRADBENCH_CHECKOUT [MIN_SECONDS]" >&2
  exit 2
fi
gb=$(cd "$1" && pwd)
seconds=${2:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cxx=${CXX:-g++}
python=${PYTHON:-python3}  # with numpy
evals=${EVALS:-"lse llsq gmm ode kmeans det ba lstm saddle particle"}  # or a part of them
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -f "$gb/cpp/json.hpp" ] || cp /usr/include/nlohmann/json.hpp "$gb/cpp/json.hpp"
for tool in manual adol-c; do
  for e in $evals; do
    # saddle and particle have no manual or adol-c program
    if [ -f "$gb/tools/$tool/$e.cpp" ]; then make -s -C "$gb/tools/$tool" "bin/$e" NATIVE=yes MULTITHREADED=no > /dev/null; fi
  done
done

mkdir -p "$work/stag"
compile_times=""
for e in $evals; do
  TIMEFORMAT=%R
  { time "$cxx" -std=c++20 -O3 -march=native -I"$root/include" "$here/$e.cpp" -o "$work/stag/$e"; } 2> "$work/time"
  compile_times="$compile_times $e $(tail -1 "$work/time") s;"
done

"$python" "$here/inputs.py" "$work/inputs" "$seconds" "$gb"
status=0
"$python" "$here/compare.py" "$work/inputs" "$work/stag" "$gb/tools/manual/bin" "$gb/tools/adol-c/bin" "$work/table.md" \
  "$work/chart.dat" || status=$?
echo "Compile time of stag's programs ($cxx -O3 -march=native, one at a time):$compile_times"
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
  "$(grep -o -w -m1 'avx512f' /proc/cpuinfo > /dev/null && echo AVX-512 || echo AVX2 only)"

if [ -n "${EVALS:-}" ]; then
  echo "(No chart: EVALS chose some of the evals; docs/gradbench.png shows them all.)"
elif command -v gnuplot > /dev/null; then
  gnuplot <<GNUPLOT
set terminal png size 1800,650 font "DejaVu Sans,10" noenhanced
set output "$root/docs/gradbench.png"
set title "Gradient time relative to GradBench's hand-written 'manual' tool (log scale; lower is faster; stag in red, ADOL-C in grey)"
set logscale y
set format y "%g"
set ylabel "ratio to manual's gradient"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set xtics rotate by -40 left
set bmargin 9
set rmargin 8
set grid ytics
set key top left
plot "$work/chart.dat" using 2:xtic(1) title "stag" lc rgb "#b03030", "" using 3 title "ADOL-C" lc rgb "#8a8a8a"
GNUPLOT
  echo "Chart: docs/gradbench.png"
fi
exit $status
