#!/usr/bin/env bash
# Compile time and peak memory of the gradient of a deep shared DAG,
#   h(0) = x,  h(k+1) = tanh(h(k) * y + h(k)),  gradient of h(D) with respect to x and y,
# whose tree unfolding has 2^D leaves but which has 3D + 2 unique nodes.
# Usage: benchmarks/compile_time.sh [compiler] [depths...]   (default: g++ 16 32 64 128 256)
# Prints a Markdown table. Needs GNU time (Debian package `time`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
include="$here/../include"
cxx=${1:-g++}
shift || true
depths=${*:-16 32 64 128 256}
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

echo "| depth D | unique nodes | $cxx -O2 seconds | peak memory (MB) |"
echo "| ---: | ---: | ---: | ---: |"
for depth in $depths; do
  generate "$depth" > "$work/deep$depth.cpp"
  /usr/bin/time -f "%e %M" -o "$work/time" timeout 600 \
    "$cxx" -std=c++20 -O2 -I"$include" "$work/deep$depth.cpp" -o "$work/deep$depth"
  read -r seconds kb < "$work/time"
  "$work/deep$depth" > /dev/null
  echo "| $depth | $((3 * depth + 2)) | $seconds | $((kb / 1024)) |"
done
