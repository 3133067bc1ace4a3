// AVX-512 GEMM micro-kernels: 14×32 (float32) and 14×16 (float64), 28 zmm accumulators held
// in named registers (an array of accumulators risks a spill to the stack), 2 zmm of B and one
// broadcast of A per row per k. Zen 4 splits a 512-bit FMA into two 256-bit halves, so this
// width buys registers (a taller tile → fewer loads per FMA), not FMA throughput.
#include <immintrin.h>

#include <algorithm>

#include "gemm.h"

// GCC 12 flags the intrinsics' internal undefined-vector idiom inside the unrolled transpose.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define TL_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

#define TL_REP14(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

namespace tl {
namespace {

#define DECL_PS(i) [[maybe_unused]] __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define STEP_PS(i)                                   \
  if constexpr (MR > i) {                            \
    __m512 a = _mm512_set1_ps(Ap[SA ? i * lda : i]); \
    c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);       \
    c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1);       \
  }
#define PF_PS(i) if constexpr (MR > i) { _mm_prefetch((const char*)(C + i * ldc), _MM_HINT_T0); \
                 _mm_prefetch((const char*)(C + i * ldc + 31), _MM_HINT_T0); }
#define ST0_PS(i) if constexpr (MR > i) {                                \
  _mm512_storeu_ps(C + i * ldc, _mm512_mul_ps(va, c##i##0));             \
  _mm512_storeu_ps(C + i * ldc + 16, _mm512_mul_ps(va, c##i##1)); }
#define STP_PS(i) if constexpr (MR > i) {                                \
  _mm512_storeu_ps(C + i * ldc, c##i##0);                                \
  _mm512_storeu_ps(C + i * ldc + 16, c##i##1); }
#define STA_PS(i) if constexpr (MR > i) {                                                    \
  _mm512_storeu_ps(C + i * ldc, _mm512_add_ps(c##i##0, _mm512_loadu_ps(C + i * ldc)));        \
  _mm512_storeu_ps(C + i * ldc + 16, _mm512_add_ps(c##i##1, _mm512_loadu_ps(C + i * ldc + 16))); }
#define ST1_PS(i) if constexpr (MR > i) {                                                     \
  _mm512_storeu_ps(C + i * ldc, _mm512_fmadd_ps(va, c##i##0, _mm512_loadu_ps(C + i * ldc))); \
  _mm512_storeu_ps(C + i * ldc + 16,                                                         \
                   _mm512_fmadd_ps(va, c##i##1, _mm512_loadu_ps(C + i * ldc + 16))); }
#define STB_PS(i) if constexpr (MR > i) {                                                   \
  _mm512_storeu_ps(C + i * ldc, _mm512_fmadd_ps(va, c##i##0,                                \
                                                _mm512_mul_ps(vb, _mm512_loadu_ps(C + i * ldc)))); \
  _mm512_storeu_ps(C + i * ldc + 16,                                                        \
                   _mm512_fmadd_ps(va, c##i##1, _mm512_mul_ps(vb, _mm512_loadu_ps(C + i * ldc + 16)))); }

// SA: A read in place, (i, k) at Ap[i*lda + k], instead of a packed panel.
template <int MR, bool SA>
TL_AVX512 inline __attribute__((always_inline)) void ukr_f32_body(
    int64_t k, const float* __restrict Ap, int64_t lda, const float* __restrict Bp, int64_t ldb,
    float* __restrict C, int64_t ldc, float alpha, float beta) {
  TL_REP14(DECL_PS)
  TL_REP14(PF_PS)
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m512 b0 = _mm512_loadu_ps(Bp), b1 = _mm512_loadu_ps(Bp + 16);
    TL_REP14(STEP_PS)
    Ap += SA ? 1 : MR;
    Bp += ldb;
  }
  __m512 va = _mm512_set1_ps(alpha);
  if (alpha == 1.0f && beta == 0.0f) {  // the common case: no scaling (28 multiplies fewer)
    TL_REP14(STP_PS)
  } else if (beta == 0.0f) {
    TL_REP14(ST0_PS)
  } else if (alpha == 1.0f && beta == 1.0f) {
    TL_REP14(STA_PS)
  } else if (beta == 1.0f) {
    TL_REP14(ST1_PS)
  } else {
    __m512 vb = _mm512_set1_ps(beta);
    TL_REP14(STB_PS)
  }
}

template <int MR>
TL_AVX512 void ukr_f32_mx32(int64_t k, const float* __restrict Ap, const float* __restrict Bp,
                            int64_t ldb, float* __restrict C, int64_t ldc, float alpha, float beta) {
  ukr_f32_body<MR, false>(k, Ap, 0, Bp, ldb, C, ldc, alpha, beta);
}

template <int MR>
TL_AVX512 void ukr_f32_mx32_sa(int64_t k, const float* __restrict A, int64_t lda,
                               const float* __restrict Bp, int64_t ldb, float* __restrict C,
                               int64_t ldc, float alpha, float beta) {
  ukr_f32_body<MR, true>(k, A, lda, Bp, ldb, C, ldc, alpha, beta);
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
                             int64_t ldb, double* __restrict C, int64_t ldc, double alpha, double beta) {
  TL_REP14(DECL_PD)
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    __m512d b0 = _mm512_loadu_pd(Bp), b1 = _mm512_loadu_pd(Bp + 8);
    TL_REP14(STEP_PD)
    Ap += 14;
    Bp += ldb;
  }
  __m512d va = _mm512_set1_pd(alpha);
  if (beta == 0.0) {
    TL_REP14(ST0_PD)
  } else {
    __m512d vb = _mm512_set1_pd(beta);
    TL_REP14(STB_PD)
  }
}

// In-register 16×16 transpose: 8 unpack_ps, 8 unpack_pd, 16 + 16 128-bit lane shuffles.
TL_AVX512 inline void transpose16(__m512* r) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int g = 0; g < 4; ++g) {
    __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
    r[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
    t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
    r[4 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0xdd);
  }
}

// dst[k*R + i] = src[i*ld + k]: 16×16 blocks through registers.
TL_AVX512 void pack_tr_f32(int R, int64_t r, int64_t kc, const float* src, int64_t ld,
                           float* __restrict dst) {
  for (int64_t k0 = 0; k0 < kc; k0 += 16) {
    const int kk = (int)std::min<int64_t>(16, kc - k0);
    const __mmask16 km = (__mmask16)((1u << kk) - 1);
    for (int i0 = 0; i0 < R; i0 += 16) {
      const int ib = std::min(16, R - i0);
      const __mmask16 sm = (__mmask16)((1u << ib) - 1);
      __m512 v[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i)
        v[i] = (i0 + i < r) ? _mm512_maskz_loadu_ps(km, src + (i0 + i) * ld + k0) : _mm512_setzero_ps();
      transpose16(v);
#pragma GCC unroll 16
      for (int k = 0; k < 16; ++k)
        if (k < kk) _mm512_mask_storeu_ps(dst + (k0 + k) * R + i0, sm, v[k]);
    }
  }
}

// dst[k*R + i] = src[k*ld + i], masked loads (zeros past r) and stores.
TL_AVX512 void pack_copy_f32(int R, int64_t r, int64_t kc, const float* src, int64_t ld,
                             float* __restrict dst) {
  if (R == 32 && r == 32) {
    for (int64_t k = 0; k < kc; ++k) {
      _mm512_storeu_ps(dst + k * 32, _mm512_loadu_ps(src + k * ld));
      _mm512_storeu_ps(dst + k * 32 + 16, _mm512_loadu_ps(src + k * ld + 16));
    }
    return;
  }
  for (int i0 = 0; i0 < R; i0 += 16) {
    const int ib = std::min(16, R - i0);
    const __mmask16 sm = (__mmask16)((1u << ib) - 1);
    const int64_t rv = std::max<int64_t>(0, std::min<int64_t>(16, r - i0));
    const __mmask16 lm = (__mmask16)((1u << rv) - 1);
    for (int64_t k = 0; k < kc; ++k)
      _mm512_mask_storeu_ps(dst + k * R + i0, sm, _mm512_maskz_loadu_ps(lm, src + k * ld + i0));
  }
}

// A kc×nc block of row-major B into 32-column panels (PackBlockFn): groups of 8 panels, row
// by row, so each read is 1 KiB along one row of B (measured at 1024² from L3: 11-12 G
// floats/s, twice the panel-by-panel order, whose 4 KiB row jumps share one cache set).
TL_AVX512 void pack_block_f32(int R, int64_t kc, int64_t nc, const float* src, int64_t ld,
                              float* __restrict dst) {
  if (R != 32) {  // any R ≤ 32 (the 14-row A panels): masked, groups of ~1 KiB per row
    const int64_t full = nc / R, G = std::max<int64_t>(1, 256 / R);
    const __mmask16 m0 = (__mmask16)((1u << std::min(R, 16)) - 1);
    const __mmask16 m1 = (__mmask16)(R > 16 ? (1u << (R - 16)) - 1 : 0);
    for (int64_t p0 = 0; p0 < full; p0 += G) {
      const int64_t pe = std::min<int64_t>(full, p0 + G);
      for (int64_t k = 0; k < kc; ++k) {
        const float* s = src + k * ld + p0 * R;
        float* d = dst + p0 * R * kc + k * R;
        for (int64_t p = p0; p < pe; ++p, s += R, d += R * kc) {
          _mm512_mask_storeu_ps(d, m0, _mm512_maskz_loadu_ps(m0, s));
          if (R > 16) _mm512_mask_storeu_ps(d + 16, m1, _mm512_maskz_loadu_ps(m1, s + 16));
        }
      }
    }
    if (nc > full * R) pack_copy_f32(R, nc - full * R, kc, src + full * R, ld, dst + full * R * kc);
    return;
  }
  const int64_t full = nc / 32;
  for (int64_t p0 = 0; p0 < full; p0 += 8) {
    const int64_t pe = std::min<int64_t>(full, p0 + 8);
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ld + p0 * 32;
      float* d = dst + p0 * 32 * kc + k * 32;
      for (int64_t p = p0; p < pe; ++p, s += 32, d += 32 * kc) {
        _mm512_storeu_ps(d, _mm512_loadu_ps(s));
        _mm512_storeu_ps(d + 16, _mm512_loadu_ps(s + 16));
      }
    }
  }
  if (nc > full * 32) pack_copy_f32(32, nc - full * 32, kc, src + full * 32, ld, dst + full * 32 * kc);
}

// y = alpha·A·x + beta·y with rows of A contiguous: 4 rows at a time, 2 accumulators each.
TL_AVX512 void gemv_dot_f32(int64_t M, int64_t K, const float* A, int64_t lda, const float* x,
                            float* y, int64_t incy, float alpha, float beta) {
  auto finish = [&](int64_t i, float v) {
    float& d = y[i * incy];
    d = beta == 0.0f ? alpha * v : alpha * v + beta * d;
  };
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) {
    const float* a0 = A + i * lda;
    const float* a1 = a0 + lda;
    const float* a2 = a1 + lda;
    const float* a3 = a2 + lda;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
           s3 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      __m512 xv = _mm512_loadu_ps(x + k);
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a0 + k), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a1 + k), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a2 + k), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a3 + k), xv, s3);
    }
    if (k < K) {
      const __mmask16 m = (__mmask16)((1u << (K - k)) - 1);
      __m512 xv = _mm512_maskz_loadu_ps(m, x + k);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a0 + k), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a1 + k), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a2 + k), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a3 + k), xv, s3);
    }
    finish(i, _mm512_reduce_add_ps(s0));
    finish(i + 1, _mm512_reduce_add_ps(s1));
    finish(i + 2, _mm512_reduce_add_ps(s2));
    finish(i + 3, _mm512_reduce_add_ps(s3));
  }
  for (; i < M; ++i) {
    const float* a0 = A + i * lda;
    __m512 s0 = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a0 + k), _mm512_loadu_ps(x + k), s0);
    if (k < K) {
      const __mmask16 m = (__mmask16)((1u << (K - k)) - 1);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a0 + k), _mm512_maskz_loadu_ps(m, x + k), s0);
    }
    finish(i, _mm512_reduce_add_ps(s0));
  }
}

// y = alpha·A·x + beta·y with columns of A contiguous: y in blocks of 4096 (16 KiB, in L1),
// each column segment streamed once.
TL_AVX512 void gemv_axpy_f32(int64_t M, int64_t K, const float* A, int64_t lda, const float* x,
                             float* y, int64_t incy, float alpha, float beta) {
  alignas(64) float acc[4096];
  for (int64_t i0 = 0; i0 < M; i0 += 4096) {
    const int64_t mb = std::min<int64_t>(4096, M - i0);
    for (int64_t i = 0; i < mb; i += 16) _mm512_store_ps(acc + i, _mm512_setzero_ps());
    for (int64_t k = 0; k < K; ++k) {
      const __m512 xv = _mm512_set1_ps(x[k]);
      const float* col = A + k * lda + i0;
      int64_t i = 0;
      for (; i + 16 <= mb; i += 16)
        _mm512_store_ps(acc + i, _mm512_fmadd_ps(_mm512_loadu_ps(col + i), xv, _mm512_load_ps(acc + i)));
      if (i < mb) {
        const __mmask16 m = (__mmask16)((1u << (mb - i)) - 1);
        _mm512_store_ps(acc + i, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, col + i), xv, _mm512_load_ps(acc + i)));
      }
    }
    for (int64_t i = 0; i < mb; ++i) {
      float& d = y[(i0 + i) * incy];
      d = beta == 0.0f ? alpha * acc[i] : alpha * acc[i] + beta * d;
    }
  }
}

}  // namespace

bool gemm_kernel_avx512_f32(GemmKernel<float>& k) {
  k = GemmKernel<float>{"avx512 14x32", 14, 32, 14 * 24, 384, 4096, ukr_f32_mx32<14>,
                        pack_copy_f32, pack_tr_f32, pack_block_f32};
  k.by_mr[14] = ukr_f32_mx32<14>;
  k.by_mr[12] = ukr_f32_mx32<12>;
  k.by_mr[10] = ukr_f32_mx32<10>;
  k.by_mr[8] = ukr_f32_mx32<8>;
  k.by_mr[6] = ukr_f32_mx32<6>;
  k.by_mr[4] = ukr_f32_mx32<4>;
  k.sa_by_mr[14] = ukr_f32_mx32_sa<14>;
  k.sa_by_mr[12] = ukr_f32_mx32_sa<12>;
  k.sa_by_mr[10] = ukr_f32_mx32_sa<10>;
  k.sa_by_mr[8] = ukr_f32_mx32_sa<8>;
  k.sa_by_mr[6] = ukr_f32_mx32_sa<6>;
  k.sa_by_mr[4] = ukr_f32_mx32_sa<4>;
  k.gemv_dot = gemv_dot_f32;
  k.gemv_axpy = gemv_axpy_f32;
  return true;
}

bool gemm_kernel_avx512_f64(GemmKernel<double>& k) {
  k = GemmKernel<double>{"avx512 14x16", 14, 16, 14 * 12, 256, 2048, ukr_f64_14x16};
  return true;
}

}  // namespace tl
