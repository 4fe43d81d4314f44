#!/usr/bin/env bash
# Compile time and peak memory of one translation unit per contender holding P2 (the value and
# gradient of the scalar problem of bench_peers.cpp), with g++ -O2 -c. (P6 joins when stag's tensor
# engine exists.) A contender whose headers are missing is reported as such.
# Usage: benchmarks/compile_peers.sh [compiler]     Prints a Markdown table. Needs GNU time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cxx=${1:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

p2='template <class T> T p2(const T& a, const T& b, const T& c, const T& d, const T& e) {
  using std::cos, std::exp, std::log, std::sin, std::sqrt, std::tanh;
  return sin(a * b) + exp(c / d) * log(1.0 + e * e) + tanh(a - c) * sqrt(b * b + d * d + 1.0) +
         (a * b * c) / (1.0 + d * d + e * e) - a * cos(b - e);
}'
# A forward-mode contender: the type T, how input i is made from value s, and the outputs.
forward() {  # $1 includes, $2 type, $3 make(s, i), $4 value(r), $5 derivative(r, i)
  printf '%s\n#include <cmath>\n%s\nusing T = %s;\nvoid grad(const double* v, double* out) {\n' "$1" "$p2" "$2"
  printf '  T in[5];\n  for (int i = 0; i < 5; ++i) { const double s = v[i]; in[i] = %s; }\n' "$3"
  printf '  const T r = p2(in[0], in[1], in[2], in[3], in[4]);\n  out[0] = %s;\n' "$4"
  printf '  for (int i = 0; i < 5; ++i) out[i + 1] = %s;\n}\n' "$5"
}
source_for() {
  case $1 in
    stag) cat <<'CPP'
#include <stag/stag.hpp>
constexpr auto a = stag::var<"a">; constexpr auto b = stag::var<"b">; constexpr auto c = stag::var<"c">;
constexpr auto d = stag::var<"d">; constexpr auto e = stag::var<"e">;
void grad(const double* v, double* out) {
  const auto f = stag::sin(a * b) + stag::exp(c / d) * stag::log(1.0 + e * e) + stag::tanh(a - c) * stag::sqrt(b * b + d * d + 1.0) +
                 (a * b * c) / (1.0 + d * d + e * e) - a * stag::cos(b - e);
  const auto r = stag::value_and_grad(f, a, b, c, d, e)(a = v[0], b = v[1], c = v[2], d = v[3], e = v[4]);
  out[0] = r.value; out[1] = r.grad[a]; out[2] = r.grad[b]; out[3] = r.grad[c]; out[4] = r.grad[d]; out[5] = r.grad[e];
}
CPP
    ;;
    adolc) printf '#include <adolc/adolc.h>\n#include <cmath>\n%s\n' "$p2"; cat <<'CPP'
void grad(const double* v, double* out) {
  trace_on(1);
  adouble in[5];
  for (int i = 0; i < 5; ++i) in[i] <<= v[i];
  adouble r = p2(in[0], in[1], in[2], in[3], in[4]);
  r >>= out[0];
  trace_off();
  gradient(1, 5, const_cast<double*>(v), out + 1);
}
CPP
    ;;
    sacado) forward '#define SACADO_DISABLE_FAD_VIEW_SPEC
#include <Sacado.hpp>' 'Sacado::Fad::SFad<double, 5>' 'T(5, i, s)' 'r.val()' 'r.dx(i)' ;;
    ceres) forward '#include <ceres/jet.h>' 'ceres::Jet<double, 5>' 'T(s, i)' 'r.a' 'r.v[i]' ;;
    eigen) forward '#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>' 'Eigen::AutoDiffScalar<Eigen::Matrix<double, 5, 1>>' 'T(s, 5, i)' 'r.value()' 'r.derivatives()(i)' ;;
    boost) printf '#include <boost/math/differentiation/autodiff.hpp>\n#include <cmath>\n%s\n' "$p2"; cat <<'CPP'
using T = boost::math::differentiation::autodiff_fvar<double, 1>;
void grad(const double* v, double* out) {
  for (int k = 0; k < 5; ++k) {
    T in[5];
    for (int i = 0; i < 5; ++i) in[i] = T(v[i], i == k);
    const T r = p2(in[0], in[1], in[2], in[3], in[4]);
    out[0] = r.derivative(0); out[k + 1] = r.derivative(1);
  }
}
CPP
    ;;
  esac
}

echo "| contender (P2, one translation unit) | $cxx -O2 seconds | peak memory (MB) |"
echo "| --- | ---: | ---: |"
for who in stag adolc sacado ceres eigen boost; do
  source_for "$who" > "$work/$who.cpp"
  if /usr/bin/time -f "%e %M" -o "$work/time" "$cxx" -std=c++20 -O2 -c -I"$here/../include" -I/usr/include/eigen3 \
       -I/usr/include/trilinos "$work/$who.cpp" -o "$work/$who.o" 2> "$work/$who.err"; then
    read -r seconds kb < "$work/time"
    echo "| $who | $seconds | $((kb / 1024)) |"
  else
    echo "| $who | not built: $(grep -m1 -o 'fatal error: [^ ]*' "$work/$who.err" || echo 'compile error') | |"
  fi
done
