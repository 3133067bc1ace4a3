// AVX-512 GEMM micro-kernels: 14×32 (float32) and 14×16 (float64), 28 zmm accumulators held
// in named registers (an array of accumulators risks a spill to the stack), 2 zmm of B and one
// broadcast of A per row per k. Zen 4 splits a 512-bit FMA into two 256-bit halves, so this
// width buys registers (a taller tile → fewer loads per FMA), not FMA throughput.
#include <immintrin.h>

#include "gemm.h"

#define TL_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

#define TL_REP14(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

namespace tl {
namespace {

#define DECL_PS(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define STEP_PS(i)                                   \
  {                                                  \
    __m512 a = _mm512_set1_ps(Ap[i]);                \
    c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);       \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);       \
  }
#define PF_PS(i) _mm_prefetch((const char*)(C + i * ldc), _MM_HINT_T0); \
                 _mm_prefetch((const char*)(C + i * ldc + 31), _MM_HINT_T0);
#define ST0_PS(i)                                                        \
  _mm512_storeu_ps(C + i * ldc, _mm512_mul_ps(va, c##i##0));             \
  _mm512_storeu_ps(C + i * ldc + 16, _mm512_mul_ps(va, c##i##1));
#define ST1_PS(i)                                                                             \
  _mm512_storeu_ps(C + i * ldc, _mm512_fmadd_ps(va, c##i##0, _mm512_loadu_ps(C + i * ldc))); \
  _mm512_storeu_ps(C + i * ldc + 16,                                                         \
                   _mm512_fmadd_ps(va, c##i##1, _mm512_loadu_ps(C + i * ldc + 16)));
#define STB_PS(i)                                                                           \
  _mm512_storeu_ps(C + i * ldc, _mm512_fmadd_ps(va, c##i##0,                                \
                                                _mm512_mul_ps(vb, _mm512_loadu_ps(C + i * ldc)))); \
  _mm512_storeu_ps(C + i * ldc + 16,                                                        \
                   _mm512_fmadd_ps(va, c##i##1, _mm512_mul_ps(vb, _mm512_loadu_ps(C + i * ldc + 16))));

TL_AVX512 void ukr_f32_14x32(int64_t k, const float* __restrict Ap, const float* __restrict Bp,
                             float* __restrict C, int64_t ldc, float alpha, float beta) {
  TL_REP14(DECL_PS)
  TL_REP14(PF_PS)
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m512 b0 = _mm512_loadu_ps(Bp), b1 = _mm512_loadu_ps(Bp + 16);
    TL_REP14(STEP_PS)
    Ap += 14;
    Bp += 32;
  }
  __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
    TL_REP14(ST0_PS)
  } else if (beta == 1.0f) {
    TL_REP14(ST1_PS)
  } else {
    __m512 vb = _mm512_set1_ps(beta);
    TL_REP14(STB_PS)
  }
}

#define DECL_PD(i) __m512d c##i##0 = _mm512_setzero_pd(), c##i##1 = _mm512_setzero_pd();
#define STEP_PD(i)                                   \
  {                                                  \
    __m512d a = _mm512_set1_pd(Ap[i]);               \
    c##i##0 = _mm512_fmadd_pd(a, b0, c##i##0);       \
    c##i##1 = _mm512_fmadd_pd(a, b1, c##i##1);       \
  }
#define ST0_PD(i)                                                        \
  _mm512_storeu_pd(C + i * ldc, _mm512_mul_pd(va, c##i##0));             \
  _mm512_storeu_pd(C + i * ldc + 8, _mm512_mul_pd(va, c##i##1));
#define STB_PD(i)                                                                           \
  _mm512_storeu_pd(C + i * ldc, _mm512_fmadd_pd(va, c##i##0,                                \
                                                _mm512_mul_pd(vb, _mm512_loadu_pd(C + i * ldc)))); \
  _mm512_storeu_pd(C + i * ldc + 8,                                                         \
                   _mm512_fmadd_pd(va, c##i##1, _mm512_mul_pd(vb, _mm512_loadu_pd(C + i * ldc + 8))));

TL_AVX512 void ukr_f64_14x16(int64_t k, const double* __restrict Ap, const double* __restrict Bp,
                             double* __restrict C, int64_t ldc, double alpha, double beta) {
  TL_REP14(DECL_PD)
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m512d b0 = _mm512_loadu_pd(Bp), b1 = _mm512_loadu_pd(Bp + 8);
    TL_REP14(STEP_PD)
    Ap += 14;
    Bp += 16;
  }
  __m512d va = _mm512_set1_pd(alpha);
  if (beta == 0.0) {
    TL_REP14(ST0_PD)
  } else {
    __m512d vb = _mm512_set1_pd(beta);
    TL_REP14(STB_PD)
  }
}

}  // namespace

bool gemm_kernel_avx512_f32(GemmKernel<float>& k) {
  k = GemmKernel<float>{"avx512 14x32", 14, 32, 14 * 24, 256, 4096, ukr_f32_14x32};
  return true;
}

bool gemm_kernel_avx512_f64(GemmKernel<double>& k) {
  k = GemmKernel<double>{"avx512 14x16", 14, 16, 14 * 12, 256, 2048, ukr_f64_14x16};
  return true;
}

}  // namespace tl
