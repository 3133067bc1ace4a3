// bf16 GEMM with float32 accumulation (gemm_lowp.h). AVX512-BF16 path: A is converted once into
// rows of bf16 pairs (a 32-bit unit holds (a[i, 2p], a[i, 2p+1])), B is packed into 32-column panels
// of pair units, and a 14×32 micro-kernel does, per unit of k (two k), 2 loads of B, 14 broadcasts
// of A and 28 vdpbf16ps (each: 16 lanes += a_lo·b_lo + a_hi·b_hi): the float32 kernel's shape and
// load count for twice the multiply-adds. Without AVX512-BF16: the inputs rounded to bf16 values in
// float32 and the float32 GEMM (gemm_bf16_fallback), the same products summed in another order.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "cpu_info.h"
#include "gemm.h"
#include "gemm_lowp.h"
#include "simd.h"

// GCC 12 flags the intrinsics' internal undefined-vector idiom inside the unrolled transposes.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define TL_BF16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")))
#define TL_REP14(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

namespace tl {

namespace {

constexpr int NR = 32;  // columns per panel (2 zmm of float32 accumulators per row)
constexpr int MR = 14;  // rows per tile: 28 accumulators + 2 of B + 1 broadcast

// ---- conversion ----------------------------------------------------------------------------

// dst[p] = (bf16(src[2p·cs]), bf16(src[(2p+1)·cs])) for p < ceil(K/2); a missing k is 0.
void row_units_scalar(int64_t K, const float* src, int64_t cs, uint32_t* dst) {
  for (int64_t p = 0; 2 * p < K; ++p) {
    const uint32_t lo = bf16_from_float(src[2 * p * cs]);
    const uint32_t hi = 2 * p + 1 < K ? bf16_from_float(src[(2 * p + 1) * cs]) : 0u;
    dst[p] = lo | (hi << 16);
  }
}

// The same for a contiguous row: 32 floats → 16 units per vcvtne2ps2bf16 (round to nearest even).
TL_BF16 void row_units(int64_t K, const float* src, uint32_t* dst) {
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + k + 16), _mm512_loadu_ps(src + k));
    _mm512_storeu_si512(dst + k / 2, (__m512i)h);
  }
  if (k < K) {
    const int64_t r = K - k;
    const __mmask16 m0 = (__mmask16)((1u << std::min<int64_t>(16, r)) - 1);
    const __mmask16 m1 = (__mmask16)(r > 16 ? (1u << (r - 16)) - 1 : 0);
    __m512bh h = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m1, src + k + 16), _mm512_maskz_loadu_ps(m0, src + k));
    const __mmask16 mu = (__mmask16)((1u << ((r + 1) / 2)) - 1);
    _mm512_mask_storeu_epi32(dst + k / 2, mu, (__m512i)h);
  }
}

// In-register 16×16 transpose of 32-bit lanes (the float32 pack's transpose, on units).
TL_BF16 inline void transpose16(__m512i* r) {
  __m512i t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 4; ++g) {
    r[4 * g] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
    r[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
    r[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
    r[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_i32x4(r[j], r[4 + j], 0x88);
    t[4 + j] = _mm512_shuffle_i32x4(r[j], r[4 + j], 0xdd);
    t[8 + j] = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0x88);
    t[12 + j] = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0xdd);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0xdd);
    r[4 + j] = _mm512_shuffle_i32x4(t[4 + j], t[12 + j], 0x88);
    r[12 + j] = _mm512_shuffle_i32x4(t[4 + j], t[12 + j], 0xdd);
  }
}

// Panel p of row-major B (columns contiguous): per unit row p, rows 2p and 2p+1 converted and
// interleaved column by column (vpermt2w), 16 columns per zmm.
TL_BF16 void pack_panel_rows(int64_t K, int64_t nv, const float* B, int64_t rsb, uint32_t* dst) {
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                       21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const int64_t Kp = (K + 1) / 2;
  for (int h = 0; h < 2; ++h) {
    const int64_t r = std::max<int64_t>(0, std::min<int64_t>(16, nv - 16 * h));
    const __mmask16 m = (__mmask16)((1u << r) - 1);
    for (int64_t p = 0; p < Kp; ++p) {
      const float* b0 = B + 2 * p * rsb + 16 * h;
      const __m512 lo = _mm512_maskz_loadu_ps(m, b0);
      const __m512 hi = 2 * p + 1 < K ? _mm512_maskz_loadu_ps(m, b0 + rsb) : _mm512_setzero_ps();
      const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);  // [lo 0..15, hi 0..15]
      _mm512_storeu_si512(dst + p * NR + 16 * h, _mm512_permutexvar_epi16(idx, both));
    }
  }
}

// Panel of B = wᵀ (B's columns contiguous, w rows csb apart): the 32 rows of w as unit rows, then
// 16×16 transposes of units.
TL_BF16 void pack_panel_cols(int64_t K, int64_t nv, const float* B, int64_t csb, uint32_t* dst,
                             std::vector<uint32_t>& rows) {
  const int64_t Kp = (K + 1) / 2, ld = (Kp + 15) / 16 * 16;
  if (rows.size() < (size_t)(NR * ld)) rows.resize((size_t)(NR * ld));
  for (int64_t j = 0; j < nv; ++j) row_units(K, B + j * csb, rows.data() + j * ld);
  std::fill(rows.begin() + nv * ld, rows.begin() + NR * ld, 0u);  // columns past N
  for (int64_t p0 = 0; p0 < Kp; p0 += 16) {
    const int pp = (int)std::min<int64_t>(16, Kp - p0);
    for (int j0 = 0; j0 < NR; j0 += 16) {
      __m512i v[16];
      for (int j = 0; j < 16; ++j) v[j] = _mm512_loadu_si512(rows.data() + (j0 + j) * ld + p0);
      transpose16(v);
      for (int p = 0; p < pp; ++p) _mm512_storeu_si512(dst + (p0 + p) * NR + j0, v[p]);
    }
  }
}

// ---- micro-kernel --------------------------------------------------------------------------

// c += a_lo·b_lo + a_hi·b_hi per lane, in place. Through asm: GCC 12 copies the tied accumulator
// of _mm512_dpbf16_ps between registers and the stack in this kernel.
#define TL_DPBF16(c, a, b) __asm__("vdpbf16ps %2, %1, %0" : "+v"(c) : "v"(a), "v"(b))
#define DECL(i) [[maybe_unused]] __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define STEP(i)                                                        \
  if constexpr (R > i) {                                               \
    const __m512bh a = (__m512bh)_mm512_set1_ps(Af[i * lda + p]); \
    TL_DPBF16(c##i##0, a, b0);                                         \
    TL_DPBF16(c##i##1, a, b1);                                         \
  }
#define STORE(i)                                                                                  \
  if constexpr (R > i) {                                                                          \
    float* ci = C + i * ldc;                                                                      \
    if (acc) {                                                                                    \
      c##i##0 = _mm512_add_ps(c##i##0, _mm512_maskz_loadu_ps(m0, ci));                            \
      c##i##1 = _mm512_add_ps(c##i##1, _mm512_maskz_loadu_ps(m1, ci + 16));                       \
    }                                                                                             \
    _mm512_mask_storeu_ps(ci, m0, c##i##0);                                                       \
    _mm512_mask_storeu_ps(ci + 16, m1, c##i##1);                                                  \
  }

// C[R×nv] (rows ldc apart) = (acc ? C : 0) + A·B over kp units; A units (i, p) at A[i*lda + p],
// B panel units (p, j) at Bp[p*32 + j].
template <int R>
TL_BF16 void ukr(int64_t kp, const uint32_t* __restrict A, int64_t lda, const uint32_t* __restrict Bp,
                 float* __restrict C, int64_t ldc, int nv, bool acc) {
  TL_REP14(DECL)
  // Broadcast A's units as floats: vbroadcastss is a pure load, vpbroadcastd also takes a vector
  // ALU slot from the dot products (measured: int8 45 % → see gemm_select notes).
  const float* Af = reinterpret_cast<const float*>(A);
#pragma GCC unroll 1
  for (int64_t p = 0; p < kp; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(Bp + p * NR);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512(Bp + p * NR + 16);
    TL_REP14(STEP)
  }
  const __mmask16 m0 = (__mmask16)(nv >= 16 ? 0xffff : (1u << nv) - 1);
  const __mmask16 m1 = (__mmask16)(nv >= 32 ? 0xffff : nv <= 16 ? 0 : (1u << (nv - 16)) - 1);
  TL_REP14(STORE)
}

using UkrBf16 = void (*)(int64_t, const uint32_t*, int64_t, const uint32_t*, float*, int64_t, int, bool);
template <int... R>
constexpr std::array<UkrBf16, sizeof...(R) + 1> ukr_table(std::integer_sequence<int, R...>) {
  return {nullptr, ukr<R + 1>...};
}

// ---- fallback --------------------------------------------------------------------------------

// bf16(A) and the packed B as float32 values, then the float32 GEMM.
void gemm_bf16_fallback(int64_t M, const float* A, int64_t rsa, int64_t csa, const PackedBF16& B, float* C,
                        int64_t ldc, int nthreads) {
  const int64_t K = B.K, N = B.N;
  std::vector<float> a((size_t)(M * K)), b((size_t)(K * N));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k) a[i * K + k] = float_from_bf16(bf16_from_float(A[i * rsa + k * csa]));
  for (int64_t j = 0; j < N; ++j) {
    const uint32_t* pan = B.panel(j / NR);
    for (int64_t k = 0; k < K; ++k) {
      const uint32_t u = pan[(k / 2) * NR + j % NR];
      b[k * N + j] = float_from_bf16((uint16_t)(k % 2 ? u >> 16 : u & 0xffff));
    }
  }
  gemm_f32(M, N, K, 1.f, a.data(), K, 1, b.data(), N, 1, 0.f, C, ldc, 1, nthreads);
}

}  // namespace

bool bf16_native() { return simd_level() == SimdLevel::AVX512 && cpu_info().avx512_bf16; }

void pack_bf16(PackedBF16& P, int64_t K, int64_t N, const float* B, int64_t rsb, int64_t csb) {
  P.K = K, P.N = N, P.Kp = (K + 1) / 2;
  const int64_t np = (N + NR - 1) / NR;
  if (P.panels.size() < (size_t)(np * P.Kp * NR)) P.panels.resize((size_t)(np * P.Kp * NR));
  const bool native = bf16_native();
  static thread_local std::vector<uint32_t> rows, col;
  for (int64_t p = 0; p < np; ++p) {
    const int64_t j0 = p * NR, nv = std::min<int64_t>(NR, N - j0);
    uint32_t* dst = P.panels.data() + p * P.Kp * NR;
    if (native && csb == 1) {
      pack_panel_rows(K, nv, B + j0, rsb, dst);
    } else if (native && rsb == 1) {
      pack_panel_cols(K, nv, B + j0 * csb, csb, dst, rows);
    } else {
      std::fill(dst, dst + P.Kp * NR, 0u);
      col.resize((size_t)P.Kp);
      for (int64_t j = 0; j < nv; ++j) {
        row_units_scalar(K, B + (j0 + j) * csb, rsb, col.data());
        for (int64_t q = 0; q < P.Kp; ++q) dst[q * NR + j] = col[(size_t)q];
      }
    }
  }
}

void gemm_bf16(int64_t M, const float* A, int64_t rsa, int64_t csa, const PackedBF16& B, float* C, int64_t ldc,
               int nthreads) {
  const int64_t N = B.N, Kp = B.Kp;
  if (M <= 0 || N <= 0) return;
  if (Kp == 0) {
    for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.f);
    return;
  }
  if (!bf16_native()) return gemm_bf16_fallback(M, A, rsa, csa, B, C, ldc, nthreads);
  // A as unit rows, stride padded to a multiple of 16 units plus one cache line (the MR rows the
  // micro-kernel reads in parallel fall in different L1 sets).
  const int64_t lda = (Kp + 15) / 16 * 16 + 16;
  uint32_t* a = lowp_scratch<uint32_t, 0>((size_t)(M * lda));
  for (int64_t i = 0; i < M; ++i) {
    if (csa == 1) row_units(B.K, A + i * rsa, a + i * lda);
    else row_units_scalar(B.K, A + i * rsa, csa, a + i * lda);
  }
  static constexpr auto table = ukr_table(std::make_integer_sequence<int, MR>{});
  // Blocks: KC units (2048 k: B panel 128 KiB and A block in L2, as the float32 kernel's KC),
  // MC rows; threads take ranges of panels.
  const int64_t KC = 1024, MC = 8 * MR;
  const int64_t np = (N + NR - 1) / NR;
  const int nt = (M * N * 2 * Kp >= (int64_t(1) << 20)) ? std::max(1, nthreads) : 1;
  const int64_t chunks = std::min<int64_t>(np, nt > 1 ? 4 * nt : 1);
  gemm_parallel_chunks(nt, chunks, [&](int64_t c) {
    const int64_t p0 = np * c / chunks, p1 = np * (c + 1) / chunks;
    for (int64_t pc = 0; pc < Kp; pc += KC) {
      const int64_t kc = std::min(KC, Kp - pc);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        for (int64_t jr = p0; jr < p1; ++jr) {
          const uint32_t* bp = B.panel(jr) + pc * NR;
          const int nv = (int)std::min<int64_t>(NR, N - jr * NR);
          for (int64_t i = 0; i < mc; i += MR) {
            const int r = (int)std::min<int64_t>(MR, mc - i);
            table[r](kc, a + (ic + i) * lda + pc, lda, bp, C + (ic + i) * ldc + jr * NR, ldc, nv, pc > 0);
          }
        }
      }
    }
  });
}

}  // namespace tl
