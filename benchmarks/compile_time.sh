#!/usr/bin/env bash
# Compile time and peak memory of the gradient of a deep shared DAG,
#   h(0) = x,  h(k+1) = tanh(h(k) * y + h(k)),  gradient of h(D) with respect to x and y,
# whose tree unfolding has 2^D leaves but which has 3D + 2 unique nodes, with each compiler at -O2.
# Usage: benchmarks/compile_time.sh [compilers...] [depths...]
#   (default: g++, clang++ and clang++-19, those installed; depths 16 32 64 128 256)
# Arguments that are numbers are depths, the others compilers. Prints a Markdown table, then
# t(128) / t(32) per compiler where both depths ran. Needs GNU time (Debian package `time`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
include="$here/../include"
compilers=() depths=()
for a in "$@"; do
  if [[ $a =~ ^[0-9]+$ ]]; then depths+=("$a"); else compilers+=("$a"); fi
done
if [ ${#compilers[@]} -eq 0 ]; then
  for c in g++ clang++ clang++-19; do command -v "$c" > /dev/null && compilers+=("$c"); done
fi
[ ${#depths[@]} -gt 0 ] || depths=(16 32 64 128 256)
limit=600  # seconds per compilation
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

generate() {
  local depth=$1
  echo '#include <stag/stag.hpp>'
  echo '#include <cstdio>'
  echo 'constexpr auto x = stag::var<"x">;'
  echo 'constexpr auto y = stag::var<"y">;'
  echo 'constexpr auto h0 = x;'
  for ((k = 1; k <= depth; k++)); do echo "constexpr auto h$k = stag::tanh(h$((k - 1)) * y + h$((k - 1)));"; done
  echo 'int main(int argc, char**) {'
  echo "  const auto g = stag::value_and_grad(h$depth, x, y)(x = 0.1 * argc, y = 0.5);"
  echo '  std::printf("%.17g %.17g %.17g\n", g.value, g.grad[x], g.grad[y]);'
  echo '}'
}

header="| depth D | unique nodes |" rule="| ---: | ---: |"
for c in "${compilers[@]}"; do
  header="$header $c -O2 seconds | $c peak MB |"
  rule="$rule ---: | ---: |"
done
echo "$header"
echo "$rule"
declare -A seconds_of
for depth in "${depths[@]}"; do
  generate "$depth" > "$work/deep$depth.cpp"
  row="| $depth | $((3 * depth + 2)) |"
  for c in "${compilers[@]}"; do
    rc=0
    /usr/bin/time -f "%e %M" -o "$work/time" timeout "$limit" \
      "$c" -std=c++20 -O2 -I"$include" "$work/deep$depth.cpp" -o "$work/deep$depth" 2> "$work/errors" || rc=$?
    if [ "$rc" -eq 0 ]; then
      read -r s kb < <(tail -n 1 "$work/time")
      "$work/deep$depth" > /dev/null
      seconds_of[$c,$depth]=$s
      row="$row $s | $((kb / 1024)) |"
    elif [ "$rc" -eq 124 ]; then
      row="$row > $limit | |"
    else
      echo "$c failed at depth $depth:" >&2
      head -20 "$work/errors" >&2
      exit 1
    fi
  done
  echo "$row"
done
for c in "${compilers[@]}"; do
  if [ -n "${seconds_of[$c,128]:-}" ] && [ -n "${seconds_of[$c,32]:-}" ]; then
    echo
    echo "$c: t(128) / t(32) = $(awk -v a="${seconds_of[$c,128]}" -v b="${seconds_of[$c,32]}" 'BEGIN { printf "%.1f", a / b }')"
  fi
done
