// Direct convolution register-tiled for AVX-512, float32: a tile of
// 8 output channels × RB (2) output rows × 16 output columns stays in 16 zmm accumulators
// while every tap of the kernel is applied. For layers with a few to a few dozen input
// channels (8→16 3×3, LeNet's second layer, 16→32 5×5), where im2col copies the input KH·KW
// times for a GEMM of short columns, and the 1-row, 4-channel tiles of conv_direct.cpp leave
// the FMA pipes waiting on each accumulator's latency.
//
// Per sample and group the Cg input planes are copied into a zero-bordered scratch xp of
// Hp × Wp = (H + 2·ph) × (W + 2·pw) plus a slack (a 16-wide load may run past a row's end:
// those lanes are never stored). With a stride sw > 1 along rows each padded row is stored
// split by phase, sw segments of Wq = ⌈Wp / sw⌉ with seg[f][m] = xpad[m·sw + f], so that
// the input of 16 consecutive output columns is again one unit-stride load: column j·sw + off
// lies at seg[off mod sw][j + ⌊off / sw⌋]. Weights are packed once per call as
// wp[gi][ob][t][8], t = (c·KH + p)·KW + q, channel o = ob·8 + lane of group gi, zero past Og.
// Then, with xs(c, row, off, j) the padded input at column j·sw + off of that row,
//   y[o, i + r, j0 + l] = b[o] + Σ_t wp[ob][t][o − 8·ob] · xs(c, (i + r)·sh + p·dh, q·dw, j0 + l)
// for r < RB, l < 16: per tap, RB input vectors (one per output row), 8 weight broadcasts and
// 8·RB FMAs. The columns past OW in the last block of a row are masked off at the store.
//
// ∂L/∂x of a stride-1 layer is the same kernel on the transposed geometry (conv_direct.cpp:
// transposed_geom, flip_weights).
//
// Threads: contiguous ranges of samples; when there are fewer samples than threads, each
// sample's output rows are split into bands (batch 1 uses every thread).
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv.h"
#include "elementwise.h"  // TL_TARGET_AVX512
#include "simd.h"

namespace tl {
namespace conv {

namespace {

constexpr int OB = 8;   // output channels per tile
constexpr int JW = 16;  // output columns per tile (one zmm)

// The scratch layout: row pitch Wr = sw·Wq (Wq = Wp when sw = 1), planes Hp·Wr apart.
inline int64_t seg_width(const ConvGeom& g) { return (g.W + 2 * g.pw + g.sw - 1) / g.sw; }
inline int64_t slack_t() { return 2 * JW; }

// One tile: acc[a][r] = output channel a, row r, columns [j0, j0 + 16). x0: xp at (c = 0,
// row i·sh, segment 0, column j0); rs = sh·Wr between output rows; cs = Hp·Wr between planes;
// ps = dh·Wr between kernel rows; qoff[q]: where tap q's columns start in a row. Stores `na`
// channels (planes L apart) × R rows (OW apart), mask m.
// KW: the kernel width when fixed at compile time (the tap loop unrolled), else 0 and kw.
template <int R, int KW>
TL_TARGET_AVX512 TL_INLINE void tile(const float* x0, int64_t rs, int64_t cs, int64_t ps, const int64_t* qoff,
                                     int64_t Cg, int64_t KH, int64_t kw, const float* wt, const float* b8, float* y,
                                     int64_t L, int64_t OW, int na, __mmask16 m) {
  const int64_t nq = KW ? KW : kw;
  __m512 acc[OB][R];
#pragma GCC unroll 8
  for (int a = 0; a < OB; ++a) {
    const __m512 v = b8 ? _mm512_set1_ps(b8[a]) : _mm512_setzero_ps();
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[a][r] = v;
  }
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t p = 0; p < KH; ++p) {
      const float* xr = x0 + c * cs + p * ps;
#pragma GCC unroll 7
      for (int64_t q = 0; q < nq; ++q, wt += OB) {
        __m512 xv[R];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) xv[r] = _mm512_loadu_ps(xr + r * rs + qoff[q]);
#pragma GCC unroll 8
        for (int a = 0; a < OB; ++a) {
          const __m512 wv = _mm512_set1_ps(wt[a]);
#pragma GCC unroll 4
          for (int r = 0; r < R; ++r) acc[a][r] = _mm512_fmadd_ps(wv, xv[r], acc[a][r]);
        }
      }
    }
#pragma GCC unroll 8
  for (int a = 0; a < OB; ++a)
    if (a < na)
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) _mm512_mask_storeu_ps(y + a * L + r * OW, m, acc[a][r]);
}

// Columns [j0, j0 + 16) of output rows [i0, i1): 2-row tiles, then a 1-row one.
template <int KW>
TL_TARGET_AVX512 TL_INLINE void band(const ConvGeom& g, const float* xp, int64_t rs, int64_t cs, int64_t ps,
                                     const int64_t* qoff, const float* wt, const float* b8, float* yb, int na,
                                     __mmask16 m, int64_t j0, int64_t i0, int64_t i1) {
  const int64_t L = g.L();
  int64_t i = i0;
  for (; i + 2 <= i1; i += 2)
    tile<2, KW>(xp + i * rs + j0, rs, cs, ps, qoff, g.Cg(), g.KH, g.KW, wt, b8, yb + i * g.OW + j0, L, g.OW, na, m);
  if (i < i1)
    tile<1, KW>(xp + i * rs + j0, rs, cs, ps, qoff, g.Cg(), g.KH, g.KW, wt, b8, yb + i * g.OW + j0, L, g.OW, na, m);
}

// Output rows [i0, i1) of one sample, every group and channel. xp: scratch of padded planes
// for one group; wp, bp packed (bp null without bias); qoff (KW): tap q's column offset.
TL_TARGET_AVX512 void rows(const ConvGeom& g, const float* x, const float* wp, const float* bp, float* y, float* xp,
                           const int64_t* qoff, int64_t i0, int64_t i1) {
  const int64_t Cg = g.Cg(), Og = g.Og(), L = g.L(), nob = (Og + OB - 1) / OB, taps = g.K();
  const int64_t Hp = g.H + 2 * g.ph, Wq = seg_width(g), Wr = g.sw * Wq;
  const int64_t cs = Hp * Wr, rs = g.sh * Wr, ps = g.dh * Wr;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    // zero border and slack; the band's input rows copied in (rows outside it are never read)
    const int64_t r0 = i0 * g.sh, r1 = std::min(Hp, (i1 - 1) * g.sh + (g.KH - 1) * g.dh + 1);
    std::fill(xp, xp + Cg * cs + slack_t(), 0.f);
    const float* xg = x + gi * Cg * g.H * g.W;
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t r = std::max(r0, g.ph); r < std::min(r1, g.ph + g.H); ++r) {
        const float* src = xg + (c * g.H + r - g.ph) * g.W;
        float* dst = xp + c * cs + r * Wr;
        if (g.sw == 1) {
          std::memcpy(dst + g.pw, src, (size_t)g.W * sizeof(float));
          continue;
        }
        for (int64_t f = 0; f < g.sw; ++f)  // segment f, index m: padded column m·sw + f = input column m·sw + f − pw
          for (int64_t m = std::max<int64_t>(0, (g.pw - f + g.sw - 1) / g.sw), k = m * g.sw + f - g.pw; k < g.W;
               ++m, k += g.sw)
            dst[f * Wq + m] = src[k];
      }
    for (int64_t ob = 0; ob < nob; ++ob) {
      const float* wt = wp + (gi * nob + ob) * taps * OB;
      const float* b8 = bp ? bp + (gi * nob + ob) * OB : nullptr;
      const int na = (int)std::min<int64_t>(OB, Og - ob * OB);
      float* yb = y + (gi * Og + ob * OB) * L;
      for (int64_t j0 = 0; j0 < g.OW; j0 += JW) {
        const int64_t n = std::min<int64_t>(JW, g.OW - j0);
        const __mmask16 m = (__mmask16)((1u << n) - 1);
        switch (g.KW) {
          case 1: band<1>(g, xp, rs, cs, ps, qoff, wt, b8, yb, na, m, j0, i0, i1); break;
          case 3: band<3>(g, xp, rs, cs, ps, qoff, wt, b8, yb, na, m, j0, i0, i1); break;
          case 5: band<5>(g, xp, rs, cs, ps, qoff, wt, b8, yb, na, m, j0, i0, i1); break;
          default: band<0>(g, xp, rs, cs, ps, qoff, wt, b8, yb, na, m, j0, i0, i1); break;
        }
      }
    }
  }
}

}  // namespace

bool tiles_ok(const ConvGeom& g, size_t elem) {
  return elem == sizeof(float) && simd_level() == SimdLevel::AVX512;
}

template <typename T>
void tiles_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  if constexpr (!std::is_same_v<T, float>) {
    direct_forward<T>(g, x, w, b, y);
  } else {
    if (!tiles_ok(g, sizeof(T))) return direct_forward<T>(g, x, w, b, y);
    const int64_t Og = g.Og(), nob = (Og + OB - 1) / OB, taps = g.K();
    Scratch<float> wp(g.G * nob * taps * OB), bp(b ? g.G * nob * OB : 0);
    std::fill(wp.p, wp.p + g.G * nob * taps * OB, 0.f);
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t t = 0; t < taps; ++t)
          wp.p[((gi * nob + o / OB) * taps + t) * OB + o % OB] = w[(gi * Og + o) * taps + t];
    if (b) {
      std::fill(bp.p, bp.p + g.G * nob * OB, 0.f);
      for (int64_t gi = 0; gi < g.G; ++gi)
        for (int64_t o = 0; o < Og; ++o) bp.p[(gi * nob + o / OB) * OB + o % OB] = b[gi * Og + o];
    }
    const float* bpp = b ? bp.p : nullptr;
    const int64_t img = g.C * g.H * g.W, out = g.O * g.L();
    const int64_t planes = g.Cg() * (g.H + 2 * g.ph) * g.sw * seg_width(g) + slack_t();
    std::vector<int64_t> qoff(g.KW);
    for (int64_t q = 0; q < g.KW; ++q) qoff[q] = (q * g.dw) % g.sw * seg_width(g) + q * g.dw / g.sw;
    const double flop = 2.0 * g.N * g.O * g.L() * taps;
    const int nt = get_num_threads();
    if (nt > 1 && g.N < nt && flop >= 2e6 && g.OH >= 4) {  // bands of output rows (even, for 2-row tiles)
      const int64_t bands = std::min<int64_t>((nt + g.N - 1) / g.N, g.OH / 2);
      gemm_parallel_chunks(nt, g.N * bands, [&](int64_t c) {
        const int64_t n = c / bands, k = c % bands, pairs = (g.OH + 1) / 2;
        const int64_t i0 = std::min(g.OH, 2 * (pairs * k / bands)), i1 = std::min(g.OH, 2 * (pairs * (k + 1) / bands));
        if (i0 >= i1) return;
        Scratch<float> xp(planes);
        rows(g, x + n * img, wp.p, bpp, y + n * out, xp.p, qoff.data(), i0, i1);
      });
      return;
    }
    for_samples(g.N, flop, [&](int64_t n0, int64_t n1, int) {
      Scratch<float> xp(planes);
      for (int64_t n = n0; n < n1; ++n) rows(g, x + n * img, wp.p, bpp, y + n * out, xp.p, qoff.data(), 0, g.OH);
    });
  }
}

template void tiles_forward<float>(const ConvGeom&, const float*, const float*, const float*, float*);
template void tiles_forward<double>(const ConvGeom&, const double*, const double*, const double*, double*);

}  // namespace conv
}  // namespace tl
