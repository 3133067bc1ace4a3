// AVX-512 kernels of the quantised products (quant.h).
//
// A 32-value block unpacks into two zmm of floats (lanes j < 16, j ≥ 16): 4-bit formats spread their
// 16 bytes of nibbles to dwords (vpshufb), AND/shift and convert (vcvtdq2ps); Q8_0 sign-extends its
// 32 bytes. The row dot multiplies those by x and scales the block's partial sum by
// its f16 scale once:  acc += d · (q_lo·x_lo + q_hi·x_hi),  and the Q4 offsets add m·Σx (block sums
// of x precomputed).
#include <immintrin.h>

#include <cstring>

#include "quant.h"

// GCC 12 flags the intrinsics' internal undefined-vector idiom (as in gemm_avx512.cpp).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define TL_Q512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma,f16c")))
#define TL_Q512_INLINE TL_Q512 inline __attribute__((always_inline))

namespace tl {
namespace quant {
namespace {

TL_Q512_INLINE float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// q (as floats) of the 32 nibbles of a 4-bit block: lo = low nibbles (j < 16), hi = high (j ≥ 16).
// The 16 bytes are broadcast to the four 128-bit lanes and one vpshufb puts byte j in the low byte
// of dword j (zeros elsewhere); then lo = v & 15 and hi = v >> 4 (three ALU ops instead of five with
// two vpmovzxbd).
TL_Q512_INLINE void unpack_nibbles(const uint8_t* qs, __m512& lo, __m512& hi) {
  const __m512i v = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i*)qs)),
                                        _mm512_set_epi32(-1 << 8 | 15, -1 << 8 | 14, -1 << 8 | 13, -1 << 8 | 12,
                                                         -1 << 8 | 11, -1 << 8 | 10, -1 << 8 | 9, -1 << 8 | 8,
                                                         -1 << 8 | 7, -1 << 8 | 6, -1 << 8 | 5, -1 << 8 | 4,
                                                         -1 << 8 | 3, -1 << 8 | 2, -1 << 8 | 1, -1 << 8 | 0));
  lo = _mm512_cvtepi32_ps(_mm512_and_si512(v, _mm512_set1_epi32(15)));
  hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4));
}

TL_Q512_INLINE void unpack_bytes(const uint8_t* qs, __m512& lo, __m512& hi) {
  lo = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)qs)));
  hi = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(qs + 16))));
}

TL_Q512_INLINE float hsum4(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(v, _mm_movehdup_ps(v)));
}

// One block of one row into the row's accumulators: acc += d·Σ q·x (vector), off += the offset term
// (a 4-lane vector whose lanes are summed at the end).
// Q4_1's d and m convert together (one 4-byte load, one vcvtph2ps): dm = [d, m, 0, 0]; the offset
// term accumulates in lane 1 of `off` (off += dm · [0, Σx, 0, 0]), so m never leaves the vector unit.
struct Q4_1Fmt {
  static constexpr int kSize = 20;
  TL_Q512_INLINE static __m128 xsum_vec(float s) { return _mm_set_ps(0.f, 0.f, s, 0.f); }
  TL_Q512_INLINE static void step(const uint8_t* blk, __m512 xl, __m512 xh, __m128 xs, __m512& acc, __m128& off) {
    int32_t raw;
    std::memcpy(&raw, blk, 4);
    const __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128(raw));
    __m512 ql, qh;
    unpack_nibbles(blk + 4, ql, qh);
    acc = _mm512_fmadd_ps(_mm512_broadcastss_ps(dm), _mm512_fmadd_ps(qh, xh, _mm512_mul_ps(ql, xl)), acc);
    off = _mm_fmadd_ps(dm, xs, off);
  }
};
// Q4_0: w = d·(q − 8), so the offset term is −8·d·Σx: lane 0 of `off` gets d·(−8·Σx).
struct Q4_0Fmt {
  static constexpr int kSize = 18;
  TL_Q512_INLINE static __m128 xsum_vec(float s) { return _mm_set_ss(s); }
  TL_Q512_INLINE static void step(const uint8_t* blk, __m512 xl, __m512 xh, __m128 xs, __m512& acc, __m128& off) {
    const __m128 d = _mm_set_ss(f16_at(blk));
    __m512 ql, qh;
    unpack_nibbles(blk + 2, ql, qh);
    acc = _mm512_fmadd_ps(_mm512_broadcastss_ps(d), _mm512_fmadd_ps(qh, xh, _mm512_mul_ps(ql, xl)), acc);
    off = _mm_fmadd_ps(d, _mm_mul_ps(xs, _mm_set_ss(-8.f)), off);
  }
};
struct Q8_0Fmt {
  static constexpr int kSize = 34;
  TL_Q512_INLINE static __m128 xsum_vec(float) { return _mm_setzero_ps(); }
  TL_Q512_INLINE static void step(const uint8_t* blk, __m512 xl, __m512 xh, __m128, __m512& acc, __m128&) {
    __m512 ql, qh;
    unpack_bytes(blk + 2, ql, qh);
    acc = _mm512_fmadd_ps(_mm512_set1_ps(f16_at(blk)), _mm512_fmadd_ps(qh, xh, _mm512_mul_ps(ql, xl)), acc);
  }
};

// One row at a time, its blocks alternating between two accumulator chains (FMA latency). Rows
// are walked in memory order: dotting four rows side by side (sharing the x loads) ran at a third of
// the DRAM bandwidth once W no longer fit in the cache — the hardware prefetcher follows one
// sequential stream far better than four interleaved ones 600 bytes apart.
// Software prefetch this far ahead of the reads: the hardware prefetchers stop at 4 KiB page
// boundaries, and a memory-mapped GGUF file is not backed by huge pages.
constexpr int64_t kPrefetchBytes = 1024;

template <class F>
TL_Q512 void dot_blocks(const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x,
                        const float* xsum, float* y, bool accumulate) {
  const int64_t nb = K / 32;
  for (int64_t r = 0; r < nrows; ++r) {
    const uint8_t* w = W + r * rb;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    __m128 o0 = _mm_setzero_ps(), o1 = o0;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      _mm_prefetch((const char*)(w + b * F::kSize + kPrefetchBytes), _MM_HINT_T0);
      F::step(w + b * F::kSize, _mm512_loadu_ps(x + 32 * b), _mm512_loadu_ps(x + 32 * b + 16),
              F::xsum_vec(xsum[b]), a0, o0);
      F::step(w + (b + 1) * F::kSize, _mm512_loadu_ps(x + 32 * b + 32), _mm512_loadu_ps(x + 32 * b + 48),
              F::xsum_vec(xsum[b + 1]), a1, o1);
    }
    if (b < nb)
      F::step(w + b * F::kSize, _mm512_loadu_ps(x + 32 * b), _mm512_loadu_ps(x + 32 * b + 16),
              F::xsum_vec(xsum[b]), a0, o0);
    y[r] = (accumulate ? y[r] : 0.f) + (_mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + hsum4(_mm_add_ps(o0, o1)));
  }
}

// 16 values of a float format starting at element k of the row, lanes ≥ n zero.
TL_Q512_INLINE __m512 load16(QType t, const uint8_t* row, int64_t k, int64_t n) {
  const __mmask16 m = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  switch (t) {
    case QType::F16:
      return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row + 2 * k));
    case QType::BF16:
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, row + 2 * k)), 16));
    default:
      return _mm512_maskz_loadu_ps(m, row + 4 * k);
  }
}

TL_Q512 void dot_floats(QType t, const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x, float* y,
                bool accumulate) {
  for (int64_t r = 0; r < nrows; ++r) {
    const uint8_t* w = W + r * rb;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    int64_t k = 0;
    for (; k + 32 <= K; k += 32) {
      a0 = _mm512_fmadd_ps(load16(t, w, k, 16), _mm512_loadu_ps(x + k), a0);
      a1 = _mm512_fmadd_ps(load16(t, w, k + 16, 16), _mm512_loadu_ps(x + k + 16), a1);
    }
    for (; k < K; k += 16) {
      const int64_t n = K - k < 16 ? K - k : 16;
      a0 = _mm512_fmadd_ps(load16(t, w, k, n), _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), x + k), a0);
    }
    y[r] = (accumulate ? y[r] : 0.f) + _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
  }
}

TL_Q512 void dot(QType t, const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x,
                 const float* xsum, float* y, bool accumulate) {
  switch (t) {
    case QType::Q4_1: return dot_blocks<Q4_1Fmt>(W, rb, nrows, K, x, xsum, y, accumulate);
    case QType::Q4_0: return dot_blocks<Q4_0Fmt>(W, rb, nrows, K, x, xsum, y, accumulate);
    case QType::Q8_0: return dot_blocks<Q8_0Fmt>(W, rb, nrows, K, x, xsum, y, accumulate);
    default: return dot_floats(t, W, rb, nrows, K, x, y, accumulate);
  }
}

TL_Q512 void dequant(QType t, const uint8_t* row, int64_t k0, int64_t kc, float* out) {
  if (t == QType::F32 || t == QType::F16 || t == QType::BF16) {
    for (int64_t k = 0; k < kc; k += 16) {
      const int64_t n = kc - k < 16 ? kc - k : 16;
      _mm512_mask_storeu_ps(out + k, n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1),
                            load16(t, row, k0 + k, n));
    }
    return;
  }
  const int size = t == QType::Q8_0 ? 34 : t == QType::Q4_1 ? 20 : 18;
  for (int64_t b = k0 / 32; b < (k0 + kc) / 32; ++b, out += 32) {
    const uint8_t* blk = row + b * size;
    const __m512 d = _mm512_set1_ps(f16_at(blk));
    __m512 lo, hi;
    if (t == QType::Q8_0) {
      unpack_bytes(blk + 2, lo, hi);
      _mm512_storeu_ps(out, _mm512_mul_ps(d, lo));
      _mm512_storeu_ps(out + 16, _mm512_mul_ps(d, hi));
    } else {
      unpack_nibbles(blk + size - 16, lo, hi);
      const __m512 m = t == QType::Q4_1 ? _mm512_set1_ps(f16_at(blk + 2)) : _mm512_mul_ps(d, _mm512_set1_ps(-8.f));
      _mm512_storeu_ps(out, _mm512_fmadd_ps(d, lo, m));
      _mm512_storeu_ps(out + 16, _mm512_fmadd_ps(d, hi, m));
    }
  }
}

// 12×32 micro-kernel: 24 zmm accumulators in named registers, 2 zmm of B and one broadcast of A a row.
#define TL_REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECL(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps();
#define STEP(r)                                     \
  {                                                 \
    const __m512 a = _mm512_set1_ps(A[r * kKC + k]); \
    c##r##0 = _mm512_fmadd_ps(a, b0, c##r##0);      \
    c##r##1 = _mm512_fmadd_ps(a, b1, c##r##1);      \
  }
#define STORE(r)                                                                                      \
  if (r < nr) {                                                                                       \
    float* cr = C + r * ldc;                                                                          \
    _mm512_storeu_ps(cr, accumulate ? _mm512_add_ps(c##r##0, _mm512_loadu_ps(cr)) : c##r##0);          \
    _mm512_storeu_ps(cr + 16, accumulate ? _mm512_add_ps(c##r##1, _mm512_loadu_ps(cr + 16)) : c##r##1); \
  }

TL_Q512 void ukr(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int64_t ldc,
                 bool accumulate, int nr) {
  TL_REP12(DECL)
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(B + 32 * k), b1 = _mm512_loadu_ps(B + 32 * k + 16);
    TL_REP12(STEP)
  }
  TL_REP12(STORE)
}
#undef DECL
#undef STEP
#undef STORE

}  // namespace

bool kernels_avx512(Kernels& k) {
  k = Kernels{"avx512 12x32", 12, 32, dot, dequant, ukr};
  return true;
}

}  // namespace quant
}  // namespace tl
