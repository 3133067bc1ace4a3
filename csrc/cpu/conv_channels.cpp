// Direct convolution vectorised across output channels (the layout trick of oneDNN's direct
// kernels, on our plain NCHW arrays): a vector holds JB output channels of one output pixel.
// For layers with many output channels and few pixels per row (LeNet's second layer: 16
// channels of 10×10), where a vector along the row would be mostly empty and im2col + GEMM
// pays a copy of the input per kernel tap.
//
// Weights are packed once per call as wp[gi][ob][c][p][q][JB] (output channel o = ob·JB + lane
// of group gi, zero past Og); with xp the zero-bordered input planes of a group (as in
// conv_direct.cpp):
//   forward          acc[jj] (JB channels of pixel (i, j0 + jj)) += wp[ob][c][p][q] · xp[c, i·sh + p·dh, (j0 + jj)·sw + q·dw]
//                    for PB pixels at once: one weight load feeds PB FMAs with a broadcast input
//   backward weight  acc[q] += gT[ob][i·OW + j] · xp[c, i·sh + p·dh, j·sw + q·dw] over every pixel,
//                    gT the gradient transposed to (pixel, channel) blocks; one gradient load
//                    feeds KW FMAs. Summed over samples per thread, then over threads.
// Results go back to NCHW through a small tile (JB × PB) per block.
#include <cstring>

#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors inside the per-target entry points

#include "conv.h"
#include "elementwise.h"
#include "vec64.h"

namespace tl {
namespace conv {

namespace {

template <typename T>
constexpr int JB = 64 / (int)sizeof(T);

// Output pixels per register block: PB accumulators + one weight vector. PB is picked per call
// to divide the output width when it can (10 → 5, 28 → 7), so no block computes wasted lanes.
constexpr int PB = 8;  // the most; the slack below is sized for it
inline int pick_pb(int64_t OW) {
  for (int pb : {8, 7, 6, 5})
    if (OW % pb == 0) return pb;
  return OW < 8 ? (int)OW : 8;
}

inline int64_t blocks_of(int64_t n, int64_t b) { return (n + b - 1) / b; }

// Zero-bordered planes: the same layout as conv_direct.cpp (slack after the last plane).
inline int64_t slack_cv(const ConvGeom& g) { return PB * g.sw + 16 * g.dw + 16; }

template <typename T>
TL_INLINE void pad_planes_cv(const ConvGeom& g, int64_t Cn, const T* x, T* xp) {
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  std::fill(xp, xp + Cn * Hp * Wp + slack_cv(g), T(0));
  for (int64_t c = 0; c < Cn; ++c)
    for (int64_t i = 0; i < g.H; ++i)
      std::memcpy(xp + (c * Hp + g.ph + i) * Wp + g.pw, x + (c * g.H + i) * g.W, (size_t)g.W * sizeof(T));
}

// One sample: y (O, OH, OW) from x (C, H, W); wp packed weights, bp bias padded per group
// block (or null), xp scratch planes, tile scratch (PB·JB).
template <typename T, int P>
TL_INLINE void forward_sample(const ConvGeom& g, const T* x, const T* wp, const T* bp, T* y, T* xp) {
  constexpr int J = JB<T>;
  using V = Vec<T>;
  const int64_t Cg = g.Cg(), Og = g.Og(), L = g.L(), nob = blocks_of(Og, J);
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw, taps = Cg * g.KH * g.KW;
  alignas(64) T tile[PB * J];
  for (int64_t gi = 0; gi < g.G; ++gi) {
    pad_planes_cv(g, Cg, x + gi * Cg * g.H * g.W, xp);
    for (int64_t ob = 0; ob < nob; ++ob) {
      const T* wb = wp + (gi * nob + ob) * taps * J;
      const V bias = bp ? vload(bp + (gi * nob + ob) * J) : V{};
      const int64_t lanes = std::min<int64_t>(J, Og - ob * J);
      for (int64_t i = 0; i < g.OH; ++i)
        for (int64_t j0 = 0; j0 < g.OW; j0 += P) {
          V acc[P];
          for (int jj = 0; jj < P; ++jj) acc[jj] = bias;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t p = 0; p < g.KH; ++p) {
              const T* xr = xp + (c * Hp + i * g.sh + p * g.dh) * Wp + j0 * g.sw;
              const T* wr = wb + (c * g.KH + p) * g.KW * J;
              for (int64_t q = 0; q < g.KW; ++q) {
                const V wv = vload(wr + q * J);
                const T* xq = xr + q * g.dw;
                for (int jj = 0; jj < P; ++jj) acc[jj] += wv * xq[jj * g.sw];
              }
            }
          for (int jj = 0; jj < P; ++jj) std::memcpy(tile + jj * J, &acc[jj], sizeof(V));
          const int64_t n = std::min<int64_t>(P, g.OW - j0);
          for (int64_t l = 0; l < lanes; ++l) {
            T* yr = y + (gi * Og + ob * J + l) * L + i * g.OW + j0;
            for (int64_t jj = 0; jj < n; ++jj) yr[jj] = tile[jj * J + l];
          }
        }
    }
  }
}

// One sample's contribution to acc[gi][ob][c][p][q][J] (the weight gradient, lanes = output
// channels). gT scratch: (nob, L, J) the gradient of the group transposed; xp: planes.
template <typename T, int KW>
TL_INLINE void backward_weight_sample(const ConvGeom& g, const T* x, const T* gy, T* acc, T* xp, T* gT) {
  constexpr int J = JB<T>;
  using V = Vec<T>;
  const int64_t Cg = g.Cg(), Og = g.Og(), L = g.L(), nob = blocks_of(Og, J);
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw, taps = Cg * g.KH * KW;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    pad_planes_cv(g, Cg, x + gi * Cg * g.H * g.W, xp);
    std::fill(gT, gT + nob * L * J, T(0));
    for (int64_t o = 0; o < Og; ++o) {
      const T* src = gy + (gi * Og + o) * L;
      T* dst = gT + (o / J) * L * J + o % J;
      for (int64_t l = 0; l < L; ++l) dst[l * J] = src[l];
    }
    for (int64_t ob = 0; ob < nob; ++ob) {
      const T* gb = gT + ob * L * J;
      T* ab = acc + (gi * nob + ob) * taps * J;
      // two input channels per pass: 2·KW accumulators in flight share each gradient load
      for (int64_t c = 0; c < Cg; c += 2) {
        const bool pair = c + 1 < Cg;
        for (int64_t p = 0; p < g.KH; ++p) {
          V s0[KW], s1[KW];
          for (int q = 0; q < KW; ++q) s0[q] = s1[q] = V{};
          for (int64_t i = 0; i < g.OH; ++i) {
            const T* x0 = xp + (c * Hp + i * g.sh + p * g.dh) * Wp;
            const T* x1 = pair ? x0 + Hp * Wp : x0;
            const T* gr = gb + i * g.OW * J;
            for (int64_t j = 0; j < g.OW; ++j) {
              const V gv = vload(gr + j * J);
              const T *a = x0 + j * g.sw, *b = x1 + j * g.sw;
              for (int q = 0; q < KW; ++q) {
                s0[q] += gv * a[q * g.dw];
                s1[q] += gv * b[q * g.dw];
              }
            }
          }
          for (int h = 0; h < (pair ? 2 : 1); ++h) {
            T* a = ab + ((c + h) * g.KH + p) * KW * J;
            for (int q = 0; q < KW; ++q) {
              V v = vload(a + q * J) + (h ? s1[q] : s0[q]);
              std::memcpy(a + q * J, &v, sizeof(V));
            }
          }
        }
      }
    }
  }
}

template <typename T>
struct Channels {
  TL_EW_DEF(forward, (const ConvGeom& g, const T* x, const T* wp, const T* bp, T* y, T* xp, int64_t n0, int64_t n1), {
    const int pb = pick_pb(g.OW);
    for (int64_t n = n0; n < n1; ++n) {
      const T* xs = x + n * g.C * g.H * g.W;
      T* ys = y + n * g.O * g.L();
      switch (pb) {
        case 7: forward_sample<T, 7>(g, xs, wp, bp, ys, xp); break;
        case 6: forward_sample<T, 6>(g, xs, wp, bp, ys, xp); break;
        case 5: forward_sample<T, 5>(g, xs, wp, bp, ys, xp); break;
        case 4: forward_sample<T, 4>(g, xs, wp, bp, ys, xp); break;
        case 3: forward_sample<T, 3>(g, xs, wp, bp, ys, xp); break;
        case 2: forward_sample<T, 2>(g, xs, wp, bp, ys, xp); break;
        case 1: forward_sample<T, 1>(g, xs, wp, bp, ys, xp); break;
        default: forward_sample<T, 8>(g, xs, wp, bp, ys, xp); break;
      }
    }
  })
  TL_EW_DEF(backward_weight, (const ConvGeom& g, const T* x, const T* gy, T* acc, T* xp, T* gT, int64_t n0,
                               int64_t n1), {
    for (int64_t n = n0; n < n1; ++n) {
      const T* xs = x + n * g.C * g.H * g.W;
      const T* gs = gy + n * g.O * g.L();
      switch (g.KW) {
        case 1: backward_weight_sample<T, 1>(g, xs, gs, acc, xp, gT); break;
        case 3: backward_weight_sample<T, 3>(g, xs, gs, acc, xp, gT); break;
        case 5: backward_weight_sample<T, 5>(g, xs, gs, acc, xp, gT); break;
        default: backward_weight_sample<T, 7>(g, xs, gs, acc, xp, gT); break;  // channels_ok: KW <= 7
      }
    }
  })
};

int64_t planes_cv(const ConvGeom& g) { return g.Cg() * (g.H + 2 * g.ph) * (g.W + 2 * g.pw) + slack_cv(g); }

}  // namespace

bool channels_ok(const ConvGeom& g) { return g.KW == 1 || g.KW == 3 || g.KW == 5 || g.KW == 7; }

template <typename T>
void channels_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  constexpr int J = JB<T>;
  const int64_t Og = g.Og(), nob = blocks_of(Og, J), taps = g.Cg() * g.KH * g.KW;
  Scratch<T> wp(g.G * nob * taps * J), bp(b ? g.G * nob * J : 0);
  std::fill(wp.p, wp.p + g.G * nob * taps * J, T(0));
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t o = 0; o < Og; ++o)
      for (int64_t t = 0; t < taps; ++t)
        wp.p[((gi * nob + o / J) * taps + t) * J + o % J] = w[(gi * Og + o) * taps + t];
  if (b) {
    std::fill(bp.p, bp.p + g.G * nob * J, T(0));
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t o = 0; o < Og; ++o) bp.p[(gi * nob + o / J) * J + o % J] = b[gi * Og + o];
  }
  for_samples(g.N, 2.0 * g.N * g.O * g.L() * taps, [&](int64_t n0, int64_t n1, int) {
    Scratch<T> xp(planes_cv(g));
    TL_SIMD_DISPATCH(Channels<T>::forward, g, x, wp.p, b ? bp.p : nullptr, y, xp.p, n0, n1);
  });
}

template <typename T>
void channels_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw) {
  constexpr int J = JB<T>;
  const int64_t Og = g.Og(), nob = blocks_of(Og, J), taps = g.Cg() * g.KH * g.KW;
  const int64_t per = g.G * nob * taps * J;
  const int nt = get_num_threads();
  const int64_t chunks = (nt > 1 && g.N > 1 && 2.0 * g.N * g.O * g.L() * taps >= 2e6) ? std::min<int64_t>(g.N, nt) : 1;
  Scratch<T> acc(chunks * per);
  std::fill(acc.p, acc.p + chunks * per, T(0));
  auto run = [&](int64_t c) {
    Scratch<T> xp(planes_cv(g)), gT(nob * g.L() * J);
    TL_SIMD_DISPATCH(Channels<T>::backward_weight, g, x, gy, acc.p + c * per, xp.p, gT.p, g.N * c / chunks,
                     g.N * (c + 1) / chunks);
  };
  if (chunks == 1) run(0);
  else gemm_parallel_chunks(nt, chunks, run);
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t o = 0; o < Og; ++o)
      for (int64_t t = 0; t < taps; ++t) {
        T s = T(0);
        for (int64_t c = 0; c < chunks; ++c) s += acc.p[c * per + ((gi * nob + o / J) * taps + t) * J + o % J];
        gw[(gi * Og + o) * taps + t] = s;
      }
}

#define TL_CONV_CHANNELS(T)                                                                \
  template void channels_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*);   \
  template void channels_backward_weight<T>(const ConvGeom&, const T*, const T*, T*);
TL_CONV_CHANNELS(float)
TL_CONV_CHANNELS(double)
#undef TL_CONV_CHANNELS

}  // namespace conv
}  // namespace tl
