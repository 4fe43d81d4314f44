// STAG_HOST_DEVICE: what a function that runs both on the host and in a CUDA thread is marked with.
// STAG_INDEPENDENT_ITERATIONS: a loop of the tensor sweeps whose iterations do not depend on each
// other. STAG_UNROLL_SHORT: a loop of a few iterations, known at compile time, to unroll in full.
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

/// Before a loop of the tensor sweeps: its iterations do not depend on each other through memory.
/// The sweep's loops read and write the slab's nodes, the bound values and the gradient, which are
/// distinct arrays (a destination that overlaps a bound value is found before the sweep), each at
/// the loop's element or at a fixed offset from it; a source read or written through a view at an
/// offset is never written at another element in the same loop (engine/tensor_sweep.hpp). The compiler,
/// which cannot see that, would otherwise check every pair of arrays at run time before using
/// vector instructions, and gives up on loops with more pairs than it checks (ten, for g++). Only
/// for g++: clang's equivalent, `vectorize(assume_safety)`, also demands vectorisation, and warns
/// for every loop that cannot be (one that calls sin, say).
#if defined(__CUDACC__) || defined(__clang__)
#define STAG_INDEPENDENT_ITERATIONS
#elif defined(__GNUC__)
#define STAG_INDEPENDENT_ITERATIONS _Pragma("GCC ivdep")
#else
#define STAG_INDEPENDENT_ITERATIONS
#endif

/// Before a loop over the few lanes of a small fixed-size value (stag::tangent_lanes): unroll it in
/// full, so that the value lives in registers. g++ -O2 does not unroll such loops by itself (-O3
/// does): without it, the tensor Hessian's 8-lane dual numbers took four times as long at -O2 as at
/// -O3, and twice as long as one tangent per sweep.
#if defined(__CUDACC__)
#define STAG_UNROLL_SHORT _Pragma("unroll")
#elif defined(__GNUC__) || defined(__clang__)
#define STAG_UNROLL_SHORT _Pragma("GCC unroll 16")
#else
#define STAG_UNROLL_SHORT
#endif
