// AVX2 kernels of the quantised products (quant.h): the AVX-512 file's structure on 8-lane ymm
// registers. A 32-value block unpacks into four ymm of floats (j in [0,8), [8,16), [16,24), [24,32));
// acc += d·Σ q·x per block, the Q4 offsets add m·Σx.
#include <immintrin.h>

#include <cstring>

#include "quant.h"

#define TL_Q256 __attribute__((target("avx2,fma,f16c")))
#define TL_Q256_INLINE TL_Q256 inline __attribute__((always_inline))

namespace tl {
namespace quant {
namespace {

TL_Q256_INLINE float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

TL_Q256_INLINE __m256 u8x8(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }
TL_Q256_INLINE __m256 i8x8(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }

// Σ_j q_j·x_j of one block as 8 lanes, q from the 16 nibble bytes (low nibbles j < 16).
TL_Q256_INLINE __m256 nibble_dot(const uint8_t* qs, const float* x) {
  const __m128i q = _mm_loadu_si128((const __m128i*)qs), m4 = _mm_set1_epi8(15);
  const __m128i lo = _mm_and_si128(q, m4), hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
  __m256 s = _mm256_mul_ps(u8x8(lo), _mm256_loadu_ps(x));
  s = _mm256_fmadd_ps(u8x8(_mm_srli_si128(lo, 8)), _mm256_loadu_ps(x + 8), s);
  s = _mm256_fmadd_ps(u8x8(hi), _mm256_loadu_ps(x + 16), s);
  return _mm256_fmadd_ps(u8x8(_mm_srli_si128(hi, 8)), _mm256_loadu_ps(x + 24), s);
}

TL_Q256_INLINE __m256 byte_dot(const uint8_t* qs, const float* x) {
  const __m128i q0 = _mm_loadu_si128((const __m128i*)qs), q1 = _mm_loadu_si128((const __m128i*)(qs + 16));
  __m256 s = _mm256_mul_ps(i8x8(q0), _mm256_loadu_ps(x));
  s = _mm256_fmadd_ps(i8x8(_mm_srli_si128(q0, 8)), _mm256_loadu_ps(x + 8), s);
  s = _mm256_fmadd_ps(i8x8(q1), _mm256_loadu_ps(x + 16), s);
  return _mm256_fmadd_ps(i8x8(_mm_srli_si128(q1, 8)), _mm256_loadu_ps(x + 24), s);
}

TL_Q256_INLINE float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

struct Q4_1Fmt {
  static constexpr int kSize = 20;
  TL_Q256_INLINE static void step(const uint8_t* blk, const float* x, float xs, __m256& acc, float& off) {
    acc = _mm256_fmadd_ps(_mm256_set1_ps(f16_at(blk)), nibble_dot(blk + 4, x), acc);
    off += f16_at(blk + 2) * xs;
  }
};
struct Q4_0Fmt {
  static constexpr int kSize = 18;
  TL_Q256_INLINE static void step(const uint8_t* blk, const float* x, float xs, __m256& acc, float& off) {
    const float d = f16_at(blk);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), nibble_dot(blk + 2, x), acc);
    off -= 8.f * d * xs;
  }
};
struct Q8_0Fmt {
  static constexpr int kSize = 34;
  TL_Q256_INLINE static void step(const uint8_t* blk, const float* x, float, __m256& acc, float&) {
    acc = _mm256_fmadd_ps(_mm256_set1_ps(f16_at(blk)), byte_dot(blk + 2, x), acc);
  }
};

// One row at a time in memory order, blocks alternating between two accumulators (see the AVX-512
// file for why rows are not interleaved).
template <class F>
TL_Q256 void dot_blocks(const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x,
                        const float* xsum, float* y, bool accumulate) {
  const int64_t nb = K / 32;
  for (int64_t r = 0; r < nrows; ++r) {
    const uint8_t* w = W + r * rb;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    float o0 = 0, o1 = 0;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      F::step(w + b * F::kSize, x + 32 * b, xsum[b], a0, o0);
      F::step(w + (b + 1) * F::kSize, x + 32 * b + 32, xsum[b + 1], a1, o1);
    }
    if (b < nb) F::step(w + b * F::kSize, x + 32 * b, xsum[b], a0, o0);
    y[r] = (accumulate ? y[r] : 0.f) + (hsum(_mm256_add_ps(a0, a1)) + (o0 + o1));
  }
}

// 8 values of a float format from element k (all 8 present).
TL_Q256_INLINE __m256 load8(QType t, const uint8_t* row, int64_t k) {
  switch (t) {
    case QType::F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(row + 2 * k)));
    case QType::BF16:
      return _mm256_castsi256_ps(
          _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(row + 2 * k))), 16));
    default: return _mm256_loadu_ps((const float*)(row + 4 * k));
  }
}

TL_Q256_INLINE float load1(QType t, const uint8_t* row, int64_t k) {
  if (t == QType::F16) return f16_at(row + 2 * k);
  if (t == QType::BF16) {
    uint32_t bits = (uint32_t)(row[2 * k] | (row[2 * k + 1] << 8)) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  float f;
  std::memcpy(&f, row + 4 * k, 4);
  return f;
}

TL_Q256 void dot_floats(QType t, const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x, float* y,
                bool accumulate) {
  for (int64_t r = 0; r < nrows; ++r) {
    const uint8_t* w = W + r * rb;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      a0 = _mm256_fmadd_ps(load8(t, w, k), _mm256_loadu_ps(x + k), a0);
      a1 = _mm256_fmadd_ps(load8(t, w, k + 8), _mm256_loadu_ps(x + k + 8), a1);
    }
    float s = hsum(_mm256_add_ps(a0, a1));
    for (; k < K; ++k) s += load1(t, w, k) * x[k];
    y[r] = (accumulate ? y[r] : 0.f) + s;
  }
}

TL_Q256 void dot(QType t, const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x,
                 const float* xsum, float* y, bool accumulate) {
  switch (t) {
    case QType::Q4_1: return dot_blocks<Q4_1Fmt>(W, rb, nrows, K, x, xsum, y, accumulate);
    case QType::Q4_0: return dot_blocks<Q4_0Fmt>(W, rb, nrows, K, x, xsum, y, accumulate);
    case QType::Q8_0: return dot_blocks<Q8_0Fmt>(W, rb, nrows, K, x, xsum, y, accumulate);
    default: return dot_floats(t, W, rb, nrows, K, x, y, accumulate);
  }
}

TL_Q256 void dequant(QType t, const uint8_t* row, int64_t k0, int64_t kc, float* out) {
  if (t == QType::F32 || t == QType::F16 || t == QType::BF16) {
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) _mm256_storeu_ps(out + k, load8(t, row, k0 + k));
    for (; k < kc; ++k) out[k] = load1(t, row, k0 + k);
    return;
  }
  const int size = t == QType::Q8_0 ? 34 : t == QType::Q4_1 ? 20 : 18;
  for (int64_t b = k0 / 32; b < (k0 + kc) / 32; ++b, out += 32) {
    const uint8_t* blk = row + b * size;
    const __m256 d = _mm256_set1_ps(f16_at(blk));
    if (t == QType::Q8_0) {
      const __m128i q0 = _mm_loadu_si128((const __m128i*)(blk + 2)), q1 = _mm_loadu_si128((const __m128i*)(blk + 18));
      _mm256_storeu_ps(out, _mm256_mul_ps(d, i8x8(q0)));
      _mm256_storeu_ps(out + 8, _mm256_mul_ps(d, i8x8(_mm_srli_si128(q0, 8))));
      _mm256_storeu_ps(out + 16, _mm256_mul_ps(d, i8x8(q1)));
      _mm256_storeu_ps(out + 24, _mm256_mul_ps(d, i8x8(_mm_srli_si128(q1, 8))));
    } else {
      const __m256 m = t == QType::Q4_1 ? _mm256_set1_ps(f16_at(blk + 2)) : _mm256_mul_ps(d, _mm256_set1_ps(-8.f));
      const __m128i q = _mm_loadu_si128((const __m128i*)(blk + size - 16)), m4 = _mm_set1_epi8(15);
      const __m128i lo = _mm_and_si128(q, m4), hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
      _mm256_storeu_ps(out, _mm256_fmadd_ps(d, u8x8(lo), m));
      _mm256_storeu_ps(out + 8, _mm256_fmadd_ps(d, u8x8(_mm_srli_si128(lo, 8)), m));
      _mm256_storeu_ps(out + 16, _mm256_fmadd_ps(d, u8x8(hi), m));
      _mm256_storeu_ps(out + 24, _mm256_fmadd_ps(d, u8x8(_mm_srli_si128(hi, 8)), m));
    }
  }
}

// 6×16 micro-kernel: 12 ymm accumulators, 2 ymm of B and one broadcast of A a row (16 registers).
#define TL_REP6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define DECL(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
#define STEP(r)                                         \
  {                                                     \
    const __m256 a = _mm256_broadcast_ss(A + r * kKC + k); \
    c##r##0 = _mm256_fmadd_ps(a, b0, c##r##0);          \
    c##r##1 = _mm256_fmadd_ps(a, b1, c##r##1);          \
  }
#define STORE(r)                                                                                    \
  if (r < nr) {                                                                                     \
    float* cr = C + r * ldc;                                                                        \
    _mm256_storeu_ps(cr, accumulate ? _mm256_add_ps(c##r##0, _mm256_loadu_ps(cr)) : c##r##0);        \
    _mm256_storeu_ps(cr + 8, accumulate ? _mm256_add_ps(c##r##1, _mm256_loadu_ps(cr + 8)) : c##r##1); \
  }

TL_Q256 void ukr(int64_t kc, const float* __restrict A, const float* __restrict B, float* __restrict C, int64_t ldc,
                 bool accumulate, int nr) {
  TL_REP6(DECL)
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(B + 16 * k), b1 = _mm256_loadu_ps(B + 16 * k + 8);
    TL_REP6(STEP)
  }
  TL_REP6(STORE)
}
#undef DECL
#undef STEP
#undef STORE

}  // namespace

bool kernels_avx2(Kernels& k) {
  k = Kernels{"avx2 6x16", 6, 16, dot, dequant, ukr};
  return true;
}

}  // namespace quant
}  // namespace tl
