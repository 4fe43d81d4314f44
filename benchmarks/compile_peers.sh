#!/usr/bin/env bash
# Compile time and peak memory of one translation unit per contender holding P2 and P6 (the value
# and gradient of the scalar problem and of the MLP loss of bench_peers.cpp), with g++ -O2 -c.
# A contender whose headers are missing is reported as such.
# Usage: benchmarks/compile_peers.sh [compiler]     Prints a Markdown table. Needs GNU time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cxx=${1:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

# The problems as bench_peers.cpp writes them, on an array of inputs: P6's are W1 (8x4, row by row),
# b1, W2, b2.
problems='template <class T> T p2(const T* v) {
  using std::cos, std::exp, std::log, std::sin, std::sqrt, std::tanh;
  const T &a = v[0], &b = v[1], &c = v[2], &d = v[3], &e = v[4];
  return sin(a * b) + exp(c / d) * log(1.0 + e * e) + tanh(a - c) * sqrt(b * b + d * d + 1.0) +
         (a * b * c) / (1.0 + d * d + e * e) - a * cos(b - e);
}
template <class T> T p6(const T* w) {
  using std::tanh;
  const double x[4] = {0.5, -1.0, 0.25, 2.0};
  T out = w[48];
  for (int j = 0; j < 8; ++j) {
    T a = w[32 + j];
    for (int k = 0; k < 4; ++k) a += w[4 * j + k] * x[k];
    out += w[40 + j] * tanh(a);
  }
  const T r = out - 0.7;
  return 0.5 * r * r;
}'
# Every contender but stag defines grad<N>(f, v, out) for a problem f of N inputs; these call it.
both='void grad_p2(const double* v, double* out) { grad<5>(p2, v, out); }
void grad_p6(const double* v, double* out) { grad<49>(p6, v, out); }'
# A forward-mode contender: the type T<N> carrying N derivatives, how input i is made from value s,
# and the outputs.
forward() {  # $1 includes, $2 type, $3 make(s, i), $4 value(r), $5 derivative(r, i)
  printf '%s\n#include <cmath>\n%s\ntemplate <int N> using T = %s;\n' "$1" "$problems" "$2"
  printf 'template <int N> void grad(T<N> (*f)(const T<N>*), const double* v, double* out) {\n'
  printf '  T<N> in[N];\n  for (int i = 0; i < N; ++i) { const double s = v[i]; in[i] = %s; }\n' "$3"
  printf '  const T<N> r = f(in);\n  out[0] = %s;\n' "$4"
  printf '  for (int i = 0; i < N; ++i) out[i + 1] = %s;\n}\n%s\n' "$5" "$both"
}
source_for() {
  case $1 in
    stag) cat <<'CPP'
#include <stag/stag.hpp>
constexpr auto a = stag::var<"a">; constexpr auto b = stag::var<"b">; constexpr auto c = stag::var<"c">;
constexpr auto d = stag::var<"d">; constexpr auto e = stag::var<"e">;
void grad_p2(const double* v, double* out) {
  const auto f = stag::sin(a * b) + stag::exp(c / d) * stag::log(1.0 + e * e) + stag::tanh(a - c) * stag::sqrt(b * b + d * d + 1.0) +
                 (a * b * c) / (1.0 + d * d + e * e) - a * stag::cos(b - e);
  const auto r = stag::value_and_grad(f, a, b, c, d, e)(a = v[0], b = v[1], c = v[2], d = v[3], e = v[4]);
  out[0] = r.value; out[1] = r.grad[a]; out[2] = r.grad[b]; out[3] = r.grad[c]; out[4] = r.grad[d]; out[5] = r.grad[e];
}
constexpr auto W1 = stag::var<"W1", stag::tensor<double, 8, 4>>; constexpr auto b1 = stag::var<"b1", stag::tensor<double, 8>>;
constexpr auto W2 = stag::var<"W2", stag::tensor<double, 1, 8>>; constexpr auto b2 = stag::var<"b2", stag::tensor<double, 1>>;
constexpr auto x = stag::var<"x", stag::tensor<double, 4>>;
void grad_p6(const double* w, double* out) {
  static constexpr stag::tensor<double, 4> input{0.5, -1.0, 0.25, 2.0};
  const auto loss = 0.5 * stag::square(stag::sum(stag::matmul(W2, stag::tanh(stag::matmul(W1, x) + b1)) + b2) - 0.7);
  const auto r = stag::value_and_grad(loss, W1, b1, W2, b2)(W1 = std::span<const double, 32>(w, 32),
      b1 = std::span<const double, 8>(w + 32, 8), W2 = std::span<const double, 8>(w + 40, 8), b2 = std::span<const double, 1>(w + 48, 1), x = input);
  out[0] = r.value;
  for (int i = 0; i < 32; ++i) out[1 + i] = r.grad[W1].data()[i];
  for (int i = 0; i < 8; ++i) out[33 + i] = r.grad[b1](i);
  for (int i = 0; i < 8; ++i) out[41 + i] = r.grad[W2].data()[i];
  out[49] = r.grad[b2](0);
}
CPP
    ;;
    adolc) printf '#include <adolc/adolc.h>\n#include <cmath>\n%s\n' "$problems"; cat <<'CPP'
template <int N> void grad(adouble (*f)(const adouble*), const double* v, double* out) {
  trace_on(N);  // a tape per problem
  adouble in[N];
  for (int i = 0; i < N; ++i) in[i] <<= v[i];
  adouble r = f(in);
  r >>= out[0];
  trace_off();
  gradient(N, N, const_cast<double*>(v), out + 1);
}
CPP
      echo "$both" ;;
    sacado) forward '#define SACADO_DISABLE_FAD_VIEW_SPEC
#include <Sacado.hpp>' 'Sacado::Fad::SFad<double, N>' 'T<N>(N, i, s)' 'r.val()' 'r.dx(i)' ;;
    ceres) forward '#include <ceres/jet.h>' 'ceres::Jet<double, N>' 'T<N>(s, i)' 'r.a' 'r.v[i]' ;;
    eigen) forward '#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>' 'Eigen::AutoDiffScalar<Eigen::Matrix<double, N, 1>>' 'T<N>(s, N, i)' 'r.value()' 'r.derivatives()(i)' ;;
    boost) printf '#include <boost/math/differentiation/autodiff.hpp>\n#include <cmath>\n%s\n' "$problems"; cat <<'CPP'
using T = boost::math::differentiation::autodiff_fvar<double, 1>;
template <int N> void grad(T (*f)(const T*), const double* v, double* out) {
  for (int k = 0; k < N; ++k) {
    T in[N];
    for (int i = 0; i < N; ++i) in[i] = T(v[i], i == k);
    const T r = f(in);
    out[0] = r.derivative(0); out[k + 1] = r.derivative(1);
  }
}
CPP
      echo "$both" ;;
  esac
}

echo "| contender (P2 and P6, one translation unit) | $cxx -O2 seconds | peak memory (MB) |"
echo "| --- | ---: | ---: |"
for who in stag adolc sacado ceres eigen boost; do
  source_for "$who" > "$work/$who.cpp"
  label=$who
  if /usr/bin/time -f "%e %M" -o "$work/time" "$cxx" -std=c++20 -O2 -c -I"$here/../include" -I/usr/include/eigen3 \
       -I/usr/include/trilinos "$work/$who.cpp" -o "$work/$who.o" 2> "$work/$who.err"; then
    read -r seconds kb < "$work/time"
    echo "| $label | $seconds | $((kb / 1024)) |"
  else
    echo "| $label | not built: $(grep -m1 -o 'fatal error: [^ ]*' "$work/$who.err" || echo 'compile error') | |"
  fi
done
