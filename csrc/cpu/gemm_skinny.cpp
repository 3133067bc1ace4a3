// Skinny products at memory bandwidth (gemm.h: gemm_skinny_f32): M ≤ 16 rows of X against a
// weight W read in place with its rows contiguous, the nn.Linear decode case
//
//   C[i, j] = alpha · Σ_k X[i, k] · W[j, k] + beta · C[i, j],   i < M ≤ 16, j < N.
//
// Every W row is streamed once from memory and meets all M rows of X at once (X, M×K, stays in
// L1/L2); the blocked GEMM instead packs W into panels first, and a transposing pack of rows
// 16 KiB apart runs at a third of DRAM bandwidth (the row jumps defeat the prefetchers).
//
// Blocks of 4 W rows × 4 X rows (AVX-512: 16 accumulators; per 16-wide step of k, 4 loads of W
// and 4 of X for 16 FMAs) or × 2 X rows (AVX2: 8 of its 16 registers); the W rows stay in L1/L2
// for the next X rows. At the end a block's accumulators fold into sums with one transpose-and-add
// tree.
#include <immintrin.h>

#include <algorithm>

#include "../core/parallel.h"
#include "gemm.h"
#include "simd.h"

namespace tl {

namespace {

#define TL_AVX512 __attribute__((target("avx512f,avx512dq,fma")))
#define TL_AVX2 __attribute__((target("avx2,fma")))

inline void store_c(float* c, float v, float alpha, float beta) {
  *c = beta == 0.0f ? alpha * v : alpha * v + beta * *c;
}

// Lane q of the result: the total of the 16 lanes of v[q] (a transpose-and-add tree: 15 adds,
// 30 shuffles for 16 totals, where 16 horizontal reductions would take ~120 instructions).
TL_AVX512 inline __m512 sum16(__m512 v[16]) {
  __m512 a[8], b[4], c[2];
  for (int q = 0; q < 8; ++q)  // per 128-bit lane: [v2q(0)+v2q(2), v2q+1(0)+.., v2q(1)+v2q(3), ..]
    a[q] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * q], v[2 * q + 1]), _mm512_unpackhi_ps(v[2 * q], v[2 * q + 1]));
  for (int q = 0; q < 4; ++q) {  // per 128-bit lane: the lane's sums of v4q … v4q+3
    __m512d x = _mm512_castps_pd(a[2 * q]), y = _mm512_castps_pd(a[2 * q + 1]);
    b[q] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
  }
  for (int q = 0; q < 2; ++q)  // lanes (0+1, 2+3) of b2q, then of b2q+1
    c[q] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * q], b[2 * q + 1], 0x88),
                         _mm512_shuffle_f32x4(b[2 * q], b[2 * q + 1], 0xdd));
  // 128-bit lane L of the result: vectors 4L … 4L+3 (order fixed up by the shuffles' pattern)
  __m512 r = _mm512_add_ps(_mm512_shuffle_f32x4(c[0], c[1], 0x88), _mm512_shuffle_f32x4(c[0], c[1], 0xdd));
  return r;
}

// Rows [j0, j1) of W against X rows [i0, i0 + IB·groups): blocks of JB W rows × IB X rows,
// IB·JB = 16 accumulators; per 16-wide step of k, JB loads of W and IB of X for 16 FMAs. The W
// rows of a block stay in L1/L2 while the next X rows pass over them. Rows past the end repeat
// the last real one (their sums are dropped). W is prefetched 2 KiB ahead: with 16 FMAs per
// step the loads alone do not run far enough ahead to keep DRAM busy (measured +8 %).
template <int IB, int JB>
TL_AVX512 void skinny_block_avx512(int64_t M, int64_t j0, int64_t j1, int64_t K, const float* X, int64_t lda,
                                   const float* W, int64_t ldw, float* C, int64_t rsc, int64_t csc, float alpha,
                                   float beta) {
  static_assert(IB * JB == 16, "16 accumulators");
  alignas(64) float sums[16];
  // With several groups of X rows, K goes in chunks of 512 so the chunk of X (≤ 16 rows, 32 KiB)
  // and of the W rows stays in L1 for all groups; each group's accumulators wait in buf between
  // chunks (at K = 4096, M = 16: 5 % faster than streaming X from L2 for every W block).
  const int64_t groups = (M + IB - 1) / IB;
  const int64_t KB = groups > 1 ? 512 : K;
  __m512 buf[16 / IB][16];
  for (int64_t j = j0; j < j1; j += JB) {
    const int jb = (int)std::min<int64_t>(JB, j1 - j);
    const float* w[JB];
    for (int b = 0; b < JB; ++b) w[b] = W + (j + std::min(b, jb - 1)) * ldw;
    for (int64_t k0 = 0; k0 < K; k0 += KB) {
    const int64_t k1 = std::min(K, k0 + KB);
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t i = g * IB;
      const int ib = (int)std::min<int64_t>(IB, M - i);
      const float* x[IB];
      for (int a = 0; a < IB; ++a) x[a] = X + (i + std::min(a, ib - 1)) * lda;
      __m512 acc[16];
      for (int q = 0; q < 16; ++q) acc[q] = k0 == 0 ? _mm512_setzero_ps() : buf[g][q];
      // acc[JB*a + b] += x_a · w_b for one 16-wide step of k (LOAD: plain or masked loads).
#define TL_SKINNY_STEP(LOAD)                                                   \
  {                                                                            \
    __m512 wv[JB], xv[IB];                                                     \
    for (int b = 0; b < JB; ++b) wv[b] = LOAD(w[b] + k);                       \
    for (int a = 0; a < IB; ++a) xv[a] = LOAD(x[a] + k);                       \
    for (int a = 0; a < IB; ++a)                                               \
      for (int b = 0; b < JB; ++b) acc[JB * a + b] = _mm512_fmadd_ps(xv[a], wv[b], acc[JB * a + b]); \
  }
#define TL_LOAD_FULL(p) _mm512_loadu_ps(p)
#define TL_LOAD_MASKED(p) _mm512_maskz_loadu_ps(m, p)
      int64_t k = k0;
      for (; k + 16 <= k1; k += 16) {
        if (g == 0)
          for (int b = 0; b < JB; ++b) _mm_prefetch((const char*)(w[b] + k + 512), _MM_HINT_T0);
        TL_SKINNY_STEP(TL_LOAD_FULL)
      }
      if (k < k1) {
        const __mmask16 m = (__mmask16)((1u << (k1 - k)) - 1);
        TL_SKINNY_STEP(TL_LOAD_MASKED)
      }
#undef TL_SKINNY_STEP
#undef TL_LOAD_FULL
#undef TL_LOAD_MASKED
      if (k1 < K) {
        for (int q = 0; q < 16; ++q) buf[g][q] = acc[q];
        continue;
      }
      _mm512_store_ps(sums, sum16(acc));
      for (int a = 0; a < ib; ++a)
        for (int b = 0; b < jb; ++b) store_c(C + (i + a) * rsc + (j + b) * csc, sums[JB * a + b], alpha, beta);
    }
    }
  }
}

// The same with 2 X rows and 8-wide vectors; sums[q = 4*i + j], i < 2.
TL_AVX2 inline void block_avx2(int64_t K, const float* const w[4], const float* X, int64_t lda, int ib,
                               float sums[8]) {
  __m256 acc[8];
  for (int q = 0; q < 8; ++q) acc[q] = _mm256_setzero_ps();
  const float* x0 = X;
  const float* x1 = X + (ib > 1 ? lda : 0);
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256 w0 = _mm256_loadu_ps(w[0] + k), w1 = _mm256_loadu_ps(w[1] + k), w2 = _mm256_loadu_ps(w[2] + k),
           w3 = _mm256_loadu_ps(w[3] + k);
    __m256 xa = _mm256_loadu_ps(x0 + k), xb = _mm256_loadu_ps(x1 + k);
    acc[0] = _mm256_fmadd_ps(xa, w0, acc[0]);
    acc[1] = _mm256_fmadd_ps(xa, w1, acc[1]);
    acc[2] = _mm256_fmadd_ps(xa, w2, acc[2]);
    acc[3] = _mm256_fmadd_ps(xa, w3, acc[3]);
    acc[4] = _mm256_fmadd_ps(xb, w0, acc[4]);
    acc[5] = _mm256_fmadd_ps(xb, w1, acc[5]);
    acc[6] = _mm256_fmadd_ps(xb, w2, acc[6]);
    acc[7] = _mm256_fmadd_ps(xb, w3, acc[7]);
  }
  alignas(32) float lanes[8];
  for (int q = 0; q < 8; ++q) {
    _mm256_store_ps(lanes, acc[q]);
    float s = 0;
    for (int l = 0; l < 8; ++l) s += lanes[l];
    const int i = q / 4;
    const float* xr = i ? x1 : x0;
    for (int64_t kk = k; kk < K; ++kk) s += xr[kk] * w[q % 4][kk];
    sums[q] = s;
  }
}

// Rows [j0, j1) of W, all of X: the work of one thread chunk.
template <int IB, typename Block>
void skinny_rows_generic(Block block, int64_t M, int64_t j0, int64_t j1, int64_t K, const float* X, int64_t lda,
                 const float* W, int64_t ldw, float* C, int64_t rsc, int64_t csc, float alpha, float beta) {
  float sums[16];
  for (int64_t j = j0; j < j1; j += 4) {
    const int jb = (int)std::min<int64_t>(4, j1 - j);
    const float* w[4];
    for (int q = 0; q < 4; ++q) w[q] = W + (j + std::min(q, jb - 1)) * ldw;
    for (int64_t i = 0; i < M; i += IB) {
      const int ib = (int)std::min<int64_t>(IB, M - i);
      block(K, w, X + i * lda, lda, ib, sums);
      for (int a = 0; a < ib; ++a)
        for (int b = 0; b < jb; ++b) store_c(C + (i + a) * rsc + (j + b) * csc, sums[4 * a + b], alpha, beta);
    }
  }
}

}  // namespace

bool gemm_skinny_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* X, int64_t lda,
                     const float* W, int64_t ldw, float beta, float* C, int64_t rsc, int64_t csc,
                     int nthreads) {
  const SimdLevel level = simd_level();
  if (level == SimdLevel::Portable || M > 16 || M < 1 || K < 1) return false;
  // Chunks of W rows, a multiple of 4, at least 256 KiB of W each: a thread's share is worth waking it.
  const int64_t rows_per = std::max<int64_t>(4, ((int64_t(256) << 10) / (4 * K) + 7) / 8 * 8);
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>((N + rows_per - 1) / rows_per, 4 * int64_t(nthreads)));
  const int64_t per = ((N + chunks - 1) / chunks + 7) / 8 * 8;
  gemm_parallel_chunks(chunks > 1 ? nthreads : 1, (N + per - 1) / per, [&](int64_t c) {
    const int64_t j0 = c * per, j1 = std::min(N, j0 + per);
    if (level == SimdLevel::AVX512 && M <= 2)
      skinny_block_avx512<2, 8>(M, j0, j1, K, X, lda, W, ldw, C, rsc, csc, alpha, beta);
    else if (level == SimdLevel::AVX512)
      skinny_block_avx512<4, 4>(M, j0, j1, K, X, lda, W, ldw, C, rsc, csc, alpha, beta);
    else
      skinny_rows_generic<2>(block_avx2, M, j0, j1, K, X, lda, W, ldw, C, rsc, csc, alpha, beta);
  });
  return true;
}

}  // namespace tl
