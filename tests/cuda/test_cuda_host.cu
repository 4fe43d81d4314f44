// stag compiled as CUDA C++: kernels that call eval, grad, value_and_grad, jvp, jacobian and a
// tensor gradient, for float and double (their compilation for sm_90 is the device half of this
// test), and, run on the host, the __host__ __device__ functions of examples/cuda_per_sample.hpp
// against hand-written derivatives and the Black-Scholes closed forms. No GPU is needed.
#include "../../examples/cuda_per_sample.hpp"

#include <cmath>
#include <cstdio>

namespace {

template <class T>
__global__ void scalar_tools(const T* in, T* out) {
    constexpr auto x = stag::var<"x", T>;
    constexpr auto y = stag::var<"y", T>;
    constexpr auto f = stag::sin(x) * y + stag::exp(x * y) / (1 + stag::square(y));
    const T a = in[threadIdx.x], b = in[threadIdx.x] + T(1);
    out[0] = stag::eval(f, x = a, y = b);
    const auto g = stag::grad(f, x, y)(x = a, y = b);
    const auto vg = stag::value_and_grad(f, x, y)(x = a, y = b);
    const auto t = stag::jvp(f, stag::primals(x = a, y = b), stag::tangents(x = T(1)));
    const auto J = stag::jacobian(stag::outputs(f, x * y), x, y)(x = a, y = b);
    const auto H = stag::hessian(f, x, y)(x = a, y = b);
    out[1] = g[x] + vg.grad[y] + vg.value + t.tangent + J[1][x] + H[x][y];
}
template __global__ void scalar_tools<float>(const float*, float*);
template __global__ void scalar_tools<double>(const double*, double*);

template <class T>
__global__ void tensor_gradient(const T* w, const T* xs, const T* ts, T* grads) {
    const int i = threadIdx.x;
    per_sample::mlp_sample_gradient(w, xs + 4 * i, ts + i, grads + 49 * i);
}
template __global__ void tensor_gradient<float>(const float*, const float*, const float*, float*);
template __global__ void tensor_gradient<double>(const double*, const double*, const double*, double*);

int passed = 0, failed = 0;
void check(bool ok, const char* what, double got, double want) {
    if (ok) ++passed;
    else {
        ++failed;
        std::printf("FAILED: %s: %.17g, expected %.17g\n", what, got, want);
    }
}
bool near(double a, double b, double tolerance) { return std::fabs(a - b) <= tolerance * std::max(1.0, std::fabs(b)); }

/// The MLP's loss and gradient by hand-written backpropagation.
double mlp_by_hand(const double* w, const double* x, double t, double* g) {
    using namespace per_sample;
    double h[hidden], out = w[at_b2];
    for (std::size_t j = 0; j < hidden; ++j) {
        double a = w[at_b1 + j];
        for (std::size_t k = 0; k < inputs; ++k) a += w[inputs * j + k] * x[k];
        h[j] = std::tanh(a);
        out += w[at_w2 + j] * h[j];
    }
    const double r = out - t;
    for (std::size_t j = 0; j < hidden; ++j) {
        const double ga = r * w[at_w2 + j] * (1 - h[j] * h[j]);
        for (std::size_t k = 0; k < inputs; ++k) g[inputs * j + k] = ga * x[k];
        g[at_b1 + j] = ga;
        g[at_w2 + j] = r * h[j];
    }
    g[at_b2] = r;
    return 0.5 * r * r;
}

double cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * 3.141592653589793); }

template <class T>
void check_greeks(double tolerance) {
    const double cases[][5] = {{100, 100, 0.2, 0.03, 1}, {80, 100, 0.35, 0.01, 0.25}, {130, 95, 0.15, 0.05, 2}};
    for (const auto& c : cases) {
        const double S = c[0], K = c[1], s = c[2], r = c[3], T_ = c[4];
        const auto g = per_sample::call_greeks<T>(T(S), T(K), T(s), T(r), T(T_));
        const double d1 = (std::log(S / K) + (r + s * s / 2) * T_) / (s * std::sqrt(T_)), d2 = d1 - s * std::sqrt(T_);
        check(near(g.price, S * cdf(d1) - K * std::exp(-r * T_) * cdf(d2), tolerance), "price", g.price, S * cdf(d1) - K * std::exp(-r * T_) * cdf(d2));
        check(near(g.delta, cdf(d1), tolerance), "delta", g.delta, cdf(d1));
        check(near(g.gamma, pdf(d1) / (S * s * std::sqrt(T_)), tolerance), "gamma", g.gamma, pdf(d1) / (S * s * std::sqrt(T_)));
        check(near(g.vega, S * pdf(d1) * std::sqrt(T_), tolerance), "vega", g.vega, S * pdf(d1) * std::sqrt(T_));
        check(near(g.rho, K * T_ * std::exp(-r * T_) * cdf(d2), tolerance), "rho", g.rho, K * T_ * std::exp(-r * T_) * cdf(d2));
        const double theta = -S * pdf(d1) * s / (2 * std::sqrt(T_)) - r * K * std::exp(-r * T_) * cdf(d2);
        check(near(g.theta, theta, tolerance), "theta", g.theta, theta);
    }
}

}  // namespace

int main() {
    double w[per_sample::parameters];
    for (std::size_t i = 0; i < per_sample::parameters; ++i) w[i] = 0.3 * std::sin(1.0 + double(i));
    for (int s = 0; s < 8; ++s) {
        const double x[4] = {0.5 - s * 0.1, -0.25 + s * 0.05, 1.0, 0.1 * s}, t = 0.3 - 0.1 * s;
        double g[per_sample::parameters], h[per_sample::parameters];
        const double loss = per_sample::mlp_sample_gradient(w, x, &t, g), want = mlp_by_hand(w, x, t, h);
        check(near(loss, want, 1e-14), "MLP loss (double)", loss, want);
        for (std::size_t i = 0; i < per_sample::parameters; ++i) check(near(g[i], h[i], 1e-13), "MLP gradient (double)", g[i], h[i]);
        float wf[per_sample::parameters], xf[4], tf = float(t), gf[per_sample::parameters];
        for (std::size_t i = 0; i < per_sample::parameters; ++i) wf[i] = float(w[i]);
        for (int k = 0; k < 4; ++k) xf[k] = float(x[k]);
        per_sample::mlp_sample_gradient(wf, xf, &tf, gf);
        for (std::size_t i = 0; i < per_sample::parameters; ++i) check(near(gf[i], h[i], 1e-5), "MLP gradient (float)", gf[i], h[i]);
    }
    check_greeks<double>(1e-12);
    check_greeks<float>(2e-5);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
