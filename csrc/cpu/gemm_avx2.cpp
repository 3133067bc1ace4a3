// AVX2 GEMM micro-kernels: 6×16 (float32) and 6×8 (float64): 12 ymm accumulators in named
// registers, 2 ymm of B and one broadcast of A per row per k (16 ymm registers in all).
// The float32 and float64 kernels (and the AVX-512 ones) are written out separately on purpose:
// each tile is sized to its type's register budget and every accumulator is a named variable,
// which is what keeps them in registers; a shared template over the intrinsics would hide that.
#include <immintrin.h>

#include "gemm.h"

#define TL_AVX2 __attribute__((target("avx2,fma")))

#define TL_REP6(X) X(0) X(1) X(2) X(3) X(4) X(5)

namespace tl {
namespace {

#define DECL_PS(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
#define STEP_PS(i)                                   \
  {                                                  \
    __m256 a = _mm256_broadcast_ss(Ap + i);          \
    c##i##0 = _mm256_fmadd_ps(a, b0, c##i##0);       \
    c##i##1 = _mm256_fmadd_ps(a, b1, c##i##1);       \
  }
#define ST0_PS(i)                                                        \
  _mm256_storeu_ps(C + i * ldc, _mm256_mul_ps(va, c##i##0));             \
  _mm256_storeu_ps(C + i * ldc + 8, _mm256_mul_ps(va, c##i##1));
#define STB_PS(i)                                                                           \
  _mm256_storeu_ps(C + i * ldc, _mm256_fmadd_ps(va, c##i##0,                                \
                                                _mm256_mul_ps(vb, _mm256_loadu_ps(C + i * ldc)))); \
  _mm256_storeu_ps(C + i * ldc + 8,                                                         \
                   _mm256_fmadd_ps(va, c##i##1, _mm256_mul_ps(vb, _mm256_loadu_ps(C + i * ldc + 8))));

TL_AVX2 void ukr_f32_6x16(int64_t k, const float* __restrict Ap, const float* __restrict Bp,
                          int64_t ldb, float* __restrict C, int64_t ldc, float alpha, float beta) {
  TL_REP6(DECL_PS)
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m256 b0 = _mm256_loadu_ps(Bp), b1 = _mm256_loadu_ps(Bp + 8);
    TL_REP6(STEP_PS)
    Ap += 6;
    Bp += ldb;
  }
  __m256 va = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
    TL_REP6(ST0_PS)
  } else {
    __m256 vb = _mm256_set1_ps(beta);
    TL_REP6(STB_PS)
  }
}

#define DECL_PD(i) __m256d c##i##0 = _mm256_setzero_pd(), c##i##1 = _mm256_setzero_pd();
#define STEP_PD(i)                                   \
  {                                                  \
    __m256d a = _mm256_broadcast_sd(Ap + i);         \
    c##i##0 = _mm256_fmadd_pd(a, b0, c##i##0);       \
    c##i##1 = _mm256_fmadd_pd(a, b1, c##i##1);       \
  }
#define ST0_PD(i)                                                        \
  _mm256_storeu_pd(C + i * ldc, _mm256_mul_pd(va, c##i##0));             \
  _mm256_storeu_pd(C + i * ldc + 4, _mm256_mul_pd(va, c##i##1));
#define STB_PD(i)                                                                           \
  _mm256_storeu_pd(C + i * ldc, _mm256_fmadd_pd(va, c##i##0,                                \
                                                _mm256_mul_pd(vb, _mm256_loadu_pd(C + i * ldc)))); \
  _mm256_storeu_pd(C + i * ldc + 4,                                                         \
                   _mm256_fmadd_pd(va, c##i##1, _mm256_mul_pd(vb, _mm256_loadu_pd(C + i * ldc + 4))));

TL_AVX2 void ukr_f64_6x8(int64_t k, const double* __restrict Ap, const double* __restrict Bp,
                         int64_t ldb, double* __restrict C, int64_t ldc, double alpha, double beta) {
  TL_REP6(DECL_PD)
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m256d b0 = _mm256_loadu_pd(Bp), b1 = _mm256_loadu_pd(Bp + 4);
    TL_REP6(STEP_PD)
    Ap += 6;
    Bp += ldb;
  }
  __m256d va = _mm256_set1_pd(alpha);
  if (beta == 0.0) {
    TL_REP6(ST0_PD)
  } else {
    __m256d vb = _mm256_set1_pd(beta);
    TL_REP6(STB_PD)
  }
}

}  // namespace

bool gemm_kernel_avx2_f32(GemmKernel<float>& k) {
  k = GemmKernel<float>{"avx2 6x16", 6, 16, 6 * 40, 256, 4096, ukr_f32_6x16};
  return true;
}

bool gemm_kernel_avx2_f64(GemmKernel<double>& k) {
  k = GemmKernel<double>{"avx2 6x8", 6, 8, 6 * 24, 256, 2048, ukr_f64_6x8};
  return true;
}

}  // namespace tl
