// STAG_HOST_DEVICE: what a function that runs both on the host and in a CUDA thread is marked with.
#pragma once

/// `__host__ __device__` when compiled by a CUDA compiler, nothing otherwise. stag's own functions
/// need no mark: they are constexpr, which nvcc's `--expt-relaxed-constexpr` makes callable from
/// device code. A user's function that calls stag from a kernel and from host code carries it
/// (examples/cuda_per_sample.hpp).
#if defined(__CUDACC__)
#define STAG_HOST_DEVICE __host__ __device__
#else
#define STAG_HOST_DEVICE
#endif
