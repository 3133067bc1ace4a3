// Portable GEMM micro-kernels (no target attribute: baseline x86-64 / any CPU). A 4×8 tile
// of accumulators in a local array that the compiler scalarises into registers once the
// loops are fully unrolled.
#include "gemm.h"

namespace tl {
namespace {

template <typename T, int MR, int NR>
void ukr_portable(int64_t k, const T* __restrict Ap, const T* __restrict Bp, int64_t ldb,
                  T* __restrict C, int64_t ldc, T alpha, T beta) {
  T acc[MR][NR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < NR; ++j) acc[i][j] = T(0);
  for (int64_t p = 0; p < k; ++p) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      T a = Ap[i];
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) acc[i][j] += a * Bp[j];
    }
    Ap += MR;
    Bp += ldb;
  }
  if (beta == T(0)) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) C[i * ldc + j] = alpha * acc[i][j];
  } else {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) C[i * ldc + j] = alpha * acc[i][j] + beta * C[i * ldc + j];
  }
}

}  // namespace

void gemm_kernel_portable_f32(GemmKernel<float>& k) {
  k = GemmKernel<float>{"portable 4x8", 4, 8, 4 * 32, 256, 2048, ukr_portable<float, 4, 8>};
}

void gemm_kernel_portable_f64(GemmKernel<double>& k) {
  k = GemmKernel<double>{"portable 4x4", 4, 4, 4 * 32, 256, 2048, ukr_portable<double, 4, 4>};
}

}  // namespace tl
