// int8 GEMM with exact int32 sums (gemm_lowp.h). AVX512-VNNI path: A (int8) is converted once into
// rows of u8 quads (a + 128; a 32-bit unit holds a[i, 4q .. 4q+3]), B is packed into 32-column
// panels of s8 quads, and a 14×32 micro-kernel does, per quad of k, 2 loads of B, 14 broadcasts of
// A and 28 vpdpbusd (each: 16 lanes += Σ of 4 u8·s8 products). The +128 comes back out through B's
// column sums: C = Σ (a+128)·b − 128·colsum(B). Elsewhere: a portable int32 loop over the panels.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "cpu_info.h"
#include "gemm.h"
#include "gemm_lowp.h"
#include "simd.h"

// GCC 12 flags the intrinsics' internal undefined-vector idiom (the masked narrowing store).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#define TL_VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))
#define TL_REP14(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

namespace tl {

namespace {

constexpr int NR = 32;
constexpr int MR = 14;

// dst[q] = bytes (a[4q] + 128, …, a[4q+3] + 128) for q < ceil(K/4); a missing k is 128 (it meets a
// zero in B). For two's complement bytes, a + 128 is a ^ 0x80 (the compiler vectorises the loop).
void row_quads(int64_t K, const int8_t* src, uint32_t* dst) {
  uint8_t* d = reinterpret_cast<uint8_t*>(dst);
  for (int64_t k = 0; k < K; ++k) d[k] = (uint8_t)src[k] ^ 0x80u;
  for (int64_t k = K; k < (K + 3) / 4 * 4; ++k) d[k] = 0x80u;
}

// Symmetric int8 quantisation of a contiguous row (quantize_row_s8 in gemm_lowp.h), 16 at a time:
// |v| max, clamp to ±127, round to nearest even (vcvtps2dq), narrow to bytes.
TL_VNNI float quantize_avx512(int64_t n, const float* v, int8_t* q) {
  __m512 amax = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) amax = _mm512_max_ps(amax, _mm512_abs_ps(_mm512_loadu_ps(v + k)));
  const __mmask16 tail = (__mmask16)((1u << (n - k)) - 1);
  amax = _mm512_max_ps(amax, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail, v + k)));
  const float m = _mm512_reduce_max_ps(amax);
  const float s = m > 0.f && m <= 3.4e38f ? m / 127.f : 1.f;
  const __m512 inv = _mm512_set1_ps(1.f / s);
  const __m512 lo = _mm512_set1_ps(-127.f), hi = _mm512_set1_ps(127.f);
  for (k = 0; k < n; k += 16) {
    const __mmask16 mk = n - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - k)) - 1);
    // maxps returns its second operand when the first is NaN: NaN → -127, ±inf → ±127.
    const __m512 r = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mk, v + k), inv), lo), hi);
    _mm_mask_storeu_epi8(q + k, mk, _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(r)));
  }
  return s;
}

}  // namespace

float quantize_row_s8(int64_t n, const float* v, int64_t stride, int8_t* q) {
  if (stride == 1 && n > 0 && int8_native()) return quantize_avx512(n, v, q);
  float amax = 0.f;
  for (int64_t k = 0; k < n; ++k) {
    const float a = v[k * stride] < 0 ? -v[k * stride] : v[k * stride];
    amax = a > amax ? a : amax;
  }
  const float s = amax > 0.f && amax <= 3.4e38f ? amax / 127.f : 1.f;
  const float inv = 1.f / s;
  for (int64_t k = 0; k < n; ++k) {
    float r = __builtin_nearbyintf(v[k * stride] * inv);
    r = r > 127.f ? 127.f : r < -127.f ? -127.f : r;
    q[k] = r == r ? (int8_t)r : (int8_t)-127;  // NaN → -127, as the vector path
  }
  return s;
}

namespace {

// c += Σ4 u8(a)·s8(b) per lane, in place. Through asm: GCC 12 copies the tied accumulator of
// _mm512_dpbusd_epi32 through the stack in this kernel (60 spills per k-step, half the speed).
#define TL_DPBUSD(c, a, b) __asm__("vpdpbusd %2, %1, %0" : "+v"(c) : "v"(a), "v"(b))
#define DECL(i) [[maybe_unused]] __m512i c##i##0 = _mm512_setzero_si512(), c##i##1 = _mm512_setzero_si512();
#define STEP(i)                                                     \
  if constexpr (R > i) {                                            \
    const __m512i a = _mm512_castps_si512(_mm512_set1_ps(Af[i * lda + q]));       \
    TL_DPBUSD(c##i##0, a, b0);                                      \
    TL_DPBUSD(c##i##1, a, b1);                                      \
  }
#define STORE(i)                                                                                       \
  if constexpr (R > i) {                                                                               \
    int32_t* ci = C + i * ldc;                                                                         \
    c##i##0 = _mm512_add_epi32(c##i##0, acc ? _mm512_maskz_loadu_epi32(m0, ci) : corr0);               \
    c##i##1 = _mm512_add_epi32(c##i##1, acc ? _mm512_maskz_loadu_epi32(m1, ci + 16) : corr1);          \
    _mm512_mask_storeu_epi32(ci, m0, c##i##0);                                                         \
    _mm512_mask_storeu_epi32(ci + 16, m1, c##i##1);                                                    \
  }

// C[R×nv] = (acc ? C : −128·colsum) + A·B over kq quads; A units (i, q) at A[i*lda + q], panel
// units (q, j) at Bp[q*32 + j], colsum: the panel's 32 column sums.
template <int R>
TL_VNNI void ukr(int64_t kq, const uint32_t* __restrict A, int64_t lda, const uint32_t* __restrict Bp,
                 int32_t* __restrict C, int64_t ldc, int nv, bool acc, const int32_t* colsum) {
  TL_REP14(DECL)
  // Broadcast A's units as floats: vbroadcastss is a pure load, vpbroadcastd also takes a vector
  // ALU slot from the dot products (measured: int8 45 % → see gemm_select notes).
  const float* Af = reinterpret_cast<const float*>(A);
#pragma GCC unroll 1
  for (int64_t q = 0; q < kq; ++q) {
    const __m512i b0 = _mm512_loadu_si512(Bp + q * NR), b1 = _mm512_loadu_si512(Bp + q * NR + 16);
    TL_REP14(STEP)
  }
  const __mmask16 m0 = (__mmask16)(nv >= 16 ? 0xffff : (1u << nv) - 1);
  const __mmask16 m1 = (__mmask16)(nv >= 32 ? 0xffff : nv <= 16 ? 0 : (1u << (nv - 16)) - 1);
  const __m512i corr0 = _mm512_mullo_epi32(_mm512_set1_epi32(-128), _mm512_maskz_loadu_epi32(m0, colsum));
  const __m512i corr1 = _mm512_mullo_epi32(_mm512_set1_epi32(-128), _mm512_maskz_loadu_epi32(m1, colsum + 16));
  TL_REP14(STORE)
}

using UkrInt8 = void (*)(int64_t, const uint32_t*, int64_t, const uint32_t*, int32_t*, int64_t, int, bool,
                         const int32_t*);
template <int... R>
constexpr std::array<UkrInt8, sizeof...(R) + 1> ukr_table(std::integer_sequence<int, R...>) {
  return {nullptr, ukr<R + 1>...};
}

// Portable: the same sums over the same packed units, one byte at a time.
void gemm_int8_portable(int64_t M, const int8_t* A, int64_t lda, const PackedInt8& B, int32_t* C, int64_t ldc) {
  const int64_t K = B.K, N = B.N;
  std::vector<int32_t> acc(NR);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t p = 0; p * NR < N; ++p) {
      const uint32_t* pan = B.panel(p);
      std::fill(acc.begin(), acc.end(), 0);
      for (int64_t k = 0; k < K; ++k) {
        const int32_t a = A[i * lda + k];
        const uint32_t* row = pan + (k / 4) * NR;
        const int shift = 8 * (int)(k % 4);
        for (int j = 0; j < NR; ++j) acc[j] += a * (int32_t)(int8_t)(uint8_t)(row[j] >> shift);
      }
      for (int64_t j = p * NR; j < std::min(N, (p + 1) * NR); ++j) C[i * ldc + j] = acc[j - p * NR];
    }
}

}  // namespace

bool int8_native() { return simd_level() == SimdLevel::AVX512 && cpu_info().avx512_vnni; }

void pack_int8(PackedInt8& P, int64_t K, int64_t N, const int8_t* B, int64_t rsb, int64_t csb) {
  P.K = K, P.N = N, P.Kq = (K + 3) / 4;
  const int64_t np = (N + NR - 1) / NR;
  if (P.panels.size() < (size_t)(np * P.Kq * NR)) P.panels.resize((size_t)(np * P.Kq * NR));
  std::fill(P.panels.begin(), P.panels.begin() + np * P.Kq * NR, 0u);
  P.colsum.assign((size_t)N, 0);
  for (int64_t j = 0; j < N; ++j) {
    uint8_t* dst = reinterpret_cast<uint8_t*>(P.panels.data() + (j / NR) * P.Kq * NR + j % NR);
    int32_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t v = B[k * rsb + j * csb];
      sum += v;
      dst[(k / 4) * NR * 4 + k % 4] = (uint8_t)v;
    }
    P.colsum[(size_t)j] = sum;
  }
}

void gemm_int8(int64_t M, const int8_t* A, int64_t lda, const PackedInt8& B, int32_t* C, int64_t ldc,
               int nthreads) {
  const int64_t N = B.N, Kq = B.Kq;
  if (M <= 0 || N <= 0) return;
  if (!int8_native()) return gemm_int8_portable(M, A, lda, B, C, ldc);
  if (Kq == 0) {
    for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0);
    return;
  }
  const int64_t ldq = (Kq + 15) / 16 * 16 + 16;  // unit rows, one cache line off a multiple of 64 B
  uint32_t* a = lowp_scratch<uint32_t, 1>((size_t)(M * ldq));
  for (int64_t i = 0; i < M; ++i) row_quads(B.K, A + i * lda, a + i * ldq);
  static constexpr auto table = ukr_table(std::make_integer_sequence<int, MR>{});
  int32_t* colsum_pad = lowp_scratch<int32_t, 2>((size_t)(((N + NR - 1) / NR) * NR));
  std::copy(B.colsum.begin(), B.colsum.end(), colsum_pad);
  std::fill(colsum_pad + N, colsum_pad + ((N + NR - 1) / NR) * NR, 0);
  const int64_t KC = 1024, MC = 8 * MR;  // KC quads: 4096 k, a 128 KiB B panel
  const int64_t np = (N + NR - 1) / NR;
  const int nt = (M * N * 4 * Kq >= (int64_t(1) << 21)) ? std::max(1, nthreads) : 1;
  const int64_t chunks = std::min<int64_t>(np, nt > 1 ? 4 * nt : 1);
  gemm_parallel_chunks(nt, chunks, [&](int64_t c) {
    const int64_t p0 = np * c / chunks, p1 = np * (c + 1) / chunks;
    for (int64_t pc = 0; pc < Kq; pc += KC) {
      const int64_t kc = std::min(KC, Kq - pc);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        for (int64_t jr = p0; jr < p1; ++jr) {
          const uint32_t* bp = B.panel(jr) + pc * NR;
          const int nv = (int)std::min<int64_t>(NR, N - jr * NR);
          for (int64_t i = 0; i < mc; i += MR) {
            const int r = (int)std::min<int64_t>(MR, mc - i);
            table[r](kc, a + (ic + i) * ldq + pc, ldq, bp, C + (ic + i) * ldc + jr * NR, ldc, nv, pc > 0,
                     colsum_pad + jr * NR);
          }
        }
      }
    }
  });
}

}  // namespace tl
