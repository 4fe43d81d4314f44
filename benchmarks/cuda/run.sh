#!/usr/bin/env bash
# The device figures of docs/cuda.md, on a machine with an NVIDIA GPU (the `device` tool's lent
# H200): builds examples/cuda_per_sample.cu there with nvcc, runs it (CUDA-event medians, checked
# against the CPU), times JAX's and PyTorch's vmap(grad) of the same MLP loss where the machine's
# Python has them, and prints one table. Well under 10 minutes; needs nvcc and Boost.Hana's headers.
#   bash benchmarks/cuda/run.sh            (ARCH=sm_90, NVCC, BOOST_INCLUDE may be set)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
arch=${ARCH:-sm_90}
boost=${BOOST_INCLUDE:-/usr/include}
[ -x "$nvcc" ] || { echo "run.sh: nvcc not found (set NVCC)" >&2; exit 1; }
[ -f "$boost/boost/hana.hpp" ] || { echo "run.sh: Boost.Hana's headers are not under $boost (set BOOST_INCLUDE)" >&2; exit 1; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv,noheader || true

echo "building examples/cuda_per_sample.cu for $arch"
extra=()
[ "$boost" = /usr/include ] || extra=(-isystem "$boost")  # naming /usr/include again breaks #include_next
"$nvcc" -O3 -std=c++20 --expt-relaxed-constexpr -arch="$arch" -Iinclude "${extra[@]}" \
        examples/cuda_per_sample.cu -o "$out/cuda_per_sample"
"$out/cuda_per_sample" | tee "$out/stag.txt"
"$out/cuda_per_sample" --csv > "$out/stag.csv"
python=${PYTHON:-python3}
for tool in jax torch; do
  timeout 240 "$python" benchmarks/cuda/vmap_grad.py "$tool" > "$out/$tool.csv" 2>&1 || echo "$tool,not run: exit $?" > "$out/$tool.csv"
done

awk -F, -v jaxline="$(tail -n 1 "$out/jax.csv")" -v torchline="$(tail -n 1 "$out/torch.csv")" '
  $1 == "mlp_4_8_1" { stag = $2; floor = $3 }
  $1 == "black_scholes" { bs = $2; bsfloor = $3 }
  END {
    split(jaxline, j, ","); split(torchline, t, ",")
    print ""
    print "| 2^20 samples, float | microseconds | / memory floor | / stag |"
    print "| --- | ---: | ---: | ---: |"
    printf "| MLP 4-8-1 per-sample gradients, stag | %.1f | %.2f | 1.00 |\n", stag, stag / floor
    printf "| memory floor (bytes moved / copy bandwidth) | %.1f | 1.00 | %.2f |\n", floor, floor / stag
    if (j[2] + 0 > 0) printf "| JAX jit(vmap(grad)) | %.1f | %.2f | %.2f |\n", j[2], j[2] / floor, j[2] / stag
    else printf "| JAX jit(vmap(grad)) | %s | | |\n", j[2]
    if (t[2] + 0 > 0) printf "| torch.func vmap(grad) | %.1f | %.2f | %.2f |\n", t[2], t[2] / floor, t[2] / stag
    else printf "| torch.func vmap(grad) | %s | | |\n", t[2]
    printf "| Black-Scholes price and 5 Greeks, stag | %.1f | %.2f | |\n", bs, bs / bsfloor
    printf "| its memory floor | %.1f | 1.00 | |\n", bsfloor
  }' "$out/stag.csv"
