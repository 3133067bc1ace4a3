// TL_HD marks a function that both compilers build: g++ for the CPU kernels (an
// always-inlined host function, so it vectorises inside the per-target loops) and nvcc for
// the CUDA kernels (__host__ __device__). Formulas written once with it cannot drift apart.
#pragma once

#if defined(__CUDACC__)
#define TL_HD __host__ __device__ __forceinline__
#else
#define TL_HD inline __attribute__((always_inline))
#endif
