// Per-sample gradients on a GPU with stag: one CUDA thread per sample, no tape, no heap.
//  1. The gradient of the 4-8-1 MLP loss of the tensor benchmarks in its 49 parameters, for each
//     of 2^20 samples (float), written to device memory.
//  2. The price and the Greeks (delta, vega, rho, theta, gamma) of 2^20 European calls (float).
// Each kernel is timed with CUDA events (median of 20 runs after a warm-up) and set against the
// memory floor: the bytes it must move divided by the device's measured copy bandwidth. A sample
// of the results is checked against the same functions run on the host (double) and, for the
// Greeks, against the Black-Scholes closed forms. Exit status 1 on a wrong result, 2 without a
// CUDA device. `cuda_per_sample --csv` prints the figures as CSV lines for benchmarks/cuda/run.sh.
#include "cuda_per_sample.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

constexpr int samples = 1 << 20;

#define STAG_CUDA_CHECK(call)                                                                        \
    do {                                                                                             \
        const cudaError_t status_ = (call);                                                          \
        if (status_ != cudaSuccess) {                                                                \
            std::fprintf(stderr, "cuda_per_sample: %s: %s\n", #call, cudaGetErrorString(status_));   \
            std::exit(2);                                                                            \
        }                                                                                            \
    } while (0)

__global__ void mlp_gradients(const float* w, const float* xs, const float* ts, float* grads, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) per_sample::mlp_sample_gradient(w, xs + per_sample::inputs * i, ts + i, grads + per_sample::parameters * i);
}

__global__ void call_greeks(const float* spot, const float* strike, const float* vol, const float* rate, const float* expiry,
                            per_sample::greeks<float>* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = per_sample::call_greeks(spot[i], strike[i], vol[i], rate[i], expiry[i]);
}

template <class T>
T* device_copy(const std::vector<T>& host) {
    T* d = nullptr;
    STAG_CUDA_CHECK(cudaMalloc(&d, host.size() * sizeof(T)));
    STAG_CUDA_CHECK(cudaMemcpy(d, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

/// Median time in microseconds of `launch`, by CUDA events, after one warm-up.
template <class Launch>
double median_us(Launch&& launch, int runs = 20) {
    cudaEvent_t start, stop;
    STAG_CUDA_CHECK(cudaEventCreate(&start));
    STAG_CUDA_CHECK(cudaEventCreate(&stop));
    launch();
    STAG_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<double> t;
    for (int k = 0; k < runs; ++k) {
        STAG_CUDA_CHECK(cudaEventRecord(start));
        launch();
        STAG_CUDA_CHECK(cudaEventRecord(stop));
        STAG_CUDA_CHECK(cudaEventSynchronize(stop));
        float ms = 0;
        STAG_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
        t.push_back(1000.0 * ms);
    }
    STAG_CUDA_CHECK(cudaGetLastError());
    std::sort(t.begin(), t.end());
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return t[t.size() / 2];
}

/// Bytes per second of a device-to-device copy of 256 MiB (read once, written once).
double copy_bandwidth() {
    const std::size_t bytes = std::size_t(256) << 20;
    void *a = nullptr, *b = nullptr;
    STAG_CUDA_CHECK(cudaMalloc(&a, bytes));
    STAG_CUDA_CHECK(cudaMalloc(&b, bytes));
    STAG_CUDA_CHECK(cudaMemset(a, 1, bytes));
    const double us = median_us([&] { cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice); });
    cudaFree(a);
    cudaFree(b);
    return 2.0 * double(bytes) / (us * 1e-6);
}

double relative(double a, double b) { return std::fabs(a - b) / std::max(1.0, std::fabs(b)); }

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * 3.141592653589793); }

}  // namespace

int main(int argc, char** argv) {
    const bool csv = argc > 1 && std::strcmp(argv[1], "--csv") == 0;
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::fprintf(stderr, "cuda_per_sample: no CUDA device\n");
        return 2;
    }
    cudaDeviceProp prop{};
    STAG_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    const double bandwidth = copy_bandwidth();
    std::mt19937 rng(2026);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    int wrong = 0;

    // ---- 1. MLP per-sample gradients -----------------------------------------------------------
    std::vector<float> w(per_sample::parameters), xs(std::size_t(samples) * per_sample::inputs), ts(samples);
    for (auto& v : w) v = 0.5f * u(rng);
    for (auto& v : xs) v = u(rng);
    for (auto& v : ts) v = u(rng);
    float *dw = device_copy(w), *dx = device_copy(xs), *dt = device_copy(ts), *dg = nullptr;
    STAG_CUDA_CHECK(cudaMalloc(&dg, std::size_t(samples) * per_sample::parameters * sizeof(float)));
    const int block = 256, grid = (samples + block - 1) / block;
    const double mlp_us = median_us([&] { mlp_gradients<<<grid, block>>>(dw, dx, dt, dg, samples); });
    std::vector<float> grads(std::size_t(samples) * per_sample::parameters);
    STAG_CUDA_CHECK(cudaMemcpy(grads.data(), dg, grads.size() * sizeof(float), cudaMemcpyDeviceToHost));
    {
        std::vector<double> wd(w.begin(), w.end());
        for (int k = 0; k < 1000; ++k) {
            const int i = int((std::size_t(k) * 1048573u) % samples);
            double xd[per_sample::inputs], td = ts[i], gd[per_sample::parameters];
            for (std::size_t j = 0; j < per_sample::inputs; ++j) xd[j] = xs[per_sample::inputs * i + j];
            per_sample::mlp_sample_gradient(wd.data(), xd, &td, gd);
            for (std::size_t j = 0; j < per_sample::parameters; ++j)
                wrong += relative(grads[per_sample::parameters * std::size_t(i) + j], gd[j]) > 1e-4;
        }
    }
    // Bytes: each sample's 4 inputs and target read, its 49 gradient entries written.
    const double mlp_bytes = double(samples) * (per_sample::inputs + 1 + per_sample::parameters) * sizeof(float);
    cudaFree(dw);
    cudaFree(dx);
    cudaFree(dt);
    cudaFree(dg);

    // ---- 2. Black-Scholes Greeks -------------------------------------------------------------------
    std::uniform_real_distribution<float> spot_d(50, 150), strike_d(80, 120), vol_d(0.1f, 0.5f), rate_d(0.0f, 0.05f),
        expiry_d(0.1f, 2.0f);
    std::vector<float> spot(samples), strike(samples), vol(samples), rate(samples), expiry(samples);
    for (int i = 0; i < samples; ++i) spot[i] = spot_d(rng), strike[i] = strike_d(rng), vol[i] = vol_d(rng), rate[i] = rate_d(rng), expiry[i] = expiry_d(rng);
    float *ds = device_copy(spot), *dk = device_copy(strike), *dv = device_copy(vol), *dr = device_copy(rate), *de = device_copy(expiry);
    per_sample::greeks<float>* dgk = nullptr;
    STAG_CUDA_CHECK(cudaMalloc(&dgk, std::size_t(samples) * sizeof(per_sample::greeks<float>)));
    const double bs_us = median_us([&] { call_greeks<<<grid, block>>>(ds, dk, dv, dr, de, dgk, samples); });
    std::vector<per_sample::greeks<float>> g(samples);
    STAG_CUDA_CHECK(cudaMemcpy(g.data(), dgk, g.size() * sizeof(g[0]), cudaMemcpyDeviceToHost));
    for (int k = 0; k < 1000; ++k) {
        const int i = int((std::size_t(k) * 1048573u) % samples);
        const double S = spot[i], K = strike[i], s = vol[i], r = rate[i], T = expiry[i];
        const double d1 = (std::log(S / K) + (r + s * s / 2) * T) / (s * std::sqrt(T)), d2 = d1 - s * std::sqrt(T);
        const double price = S * normal_cdf(d1) - K * std::exp(-r * T) * normal_cdf(d2);
        const double delta = normal_cdf(d1), gamma = normal_pdf(d1) / (S * s * std::sqrt(T)), vega = S * normal_pdf(d1) * std::sqrt(T);
        const double rho = K * T * std::exp(-r * T) * normal_cdf(d2);
        const double theta = -S * normal_pdf(d1) * s / (2 * std::sqrt(T)) - r * K * std::exp(-r * T) * normal_cdf(d2);
        // float on the device: 1e-3 relative to the larger of the value and 1.
        wrong += relative(g[i].price, price) > 1e-3 || relative(g[i].delta, delta) > 1e-3 || relative(g[i].gamma, gamma) > 1e-3 ||
                 relative(g[i].vega, vega) > 1e-3 || relative(g[i].rho, rho) > 1e-3 || relative(g[i].theta, theta) > 1e-3;
    }
    const double bs_bytes = double(samples) * (5 + 6) * sizeof(float);
    for (float* p : {ds, dk, dv, dr, de}) cudaFree(p);
    cudaFree(dgk);

    const double mlp_floor = mlp_bytes / bandwidth * 1e6, bs_floor = bs_bytes / bandwidth * 1e6;
    if (csv) {
        std::printf("case,stag_us,floor_us\nmlp_4_8_1,%.1f,%.1f\nblack_scholes,%.1f,%.1f\n", mlp_us, mlp_floor, bs_us, bs_floor);
    } else {
        std::printf("%s, copy bandwidth %.0f GB/s; %d samples, float, one thread each\n", prop.name, bandwidth * 1e-9, samples);
        std::printf("%-36s %10s %14s %8s\n", "kernel", "stag us", "memory floor us", "ratio");
        std::printf("%-36s %10.1f %14.1f %8.2f\n", "4-8-1 MLP per-sample gradients", mlp_us, mlp_floor, mlp_us / mlp_floor);
        std::printf("%-36s %10.1f %14.1f %8.2f\n", "Black-Scholes price and 5 Greeks", bs_us, bs_floor, bs_us / bs_floor);
    }
    std::printf("cuda_per_sample: %d of 2000 checked samples wrong\n", wrong);
    return wrong == 0 ? 0 : 1;
}
