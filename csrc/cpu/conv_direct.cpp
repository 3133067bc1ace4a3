// Direct convolution kernels: no im2col, each tap of the kernel applied to whole output rows.
// For depthwise convolutions (one input channel per group: a GEMM of one row per group
// would be all overhead) and few input channels (im2col would copy the input KH·KW times to
// feed a GEMM of a handful of rows). Formulas and shapes: conv.h.
//
// Per sample and group, the group's Cg input planes are first copied into a zero-bordered
// scratch of (H + 2·ph) × (W + 2·pw) (skipped when there is no padding), so every tap reads a
// full row with no bounds tests. Then, with xp the padded planes:
//   forward          y[o, i, :]  = b[o] + Σ_{c,p,q} w[o,c,p,q] · xp[c, i·sh + p·dh, q·dw + :·sw]
//   backward input   gxp[c, i·sh + p·dh, q·dw + :·sw] += w[o,c,p,q] · g[o, i, :]   (then unpadded)
//   backward weight  acc[o,c,p,q, :] += g[o, i, :] · xp[c, i·sh + p·dh, q·dw + :·sw];  gw = Σ_: acc
// The innermost loops run along an output row (OW elements): axpys the compiler vectorises
// per target (AVX-512 / AVX2 / portable, picked at run time); the weight-gradient dot
// products are kept as per-lane rows (acc) and summed once at the end, so no
// floating-point reduction has to be reassociated.
#include <cstring>

#pragma GCC diagnostic ignored "-Wpsabi"  // 64-byte vectors inside the per-target entry points

#include "conv.h"
#include "elementwise.h"
#include "vec64.h"

namespace tl {
namespace conv {

namespace {

int g_algorithm = 0;  // 0 by shape, 1 always im2col + GEMM, 2 always direct

// Elements past the last padded row that a block of JB outputs may read (JB <= 16).
inline int64_t slack(const ConvGeom& g) { return 16 * g.sw + 16; }

// Copy planes [0, Cn) of x (Cn, H, W) into xp (Cn, Hp, Wp) with a zero border; the kSlack
// slack(g) elements after the last plane are zeroed too (blocks of JB outputs read past a row's end).
template <typename T>
TL_INLINE void pad_planes(const ConvGeom& g, int64_t Cn, const T* x, T* xp) {
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  for (int64_t c = 0; c < Cn; ++c) {
    T* d = xp + c * Hp * Wp;
    std::fill(d, d + g.ph * Wp, T(0));
    for (int64_t i = 0; i < g.H; ++i) {
      T* r = d + (g.ph + i) * Wp;
      std::fill(r, r + g.pw, T(0));
      std::memcpy(r + g.pw, x + (c * g.H + i) * g.W, (size_t)g.W * sizeof(T));
      std::fill(r + g.pw + g.W, r + Wp, T(0));
    }
    std::fill(d + (g.ph + g.H) * Wp, d + Hp * Wp, T(0));
  }
  std::fill(xp + Cn * Hp * Wp, xp + Cn * Hp * Wp + slack(g), T(0));
}

// Register blocks: JB output columns (one 64-byte vector, GCC's vector extension: a zmm
// register on AVX-512, two ymm on AVX2, four xmm on the portable path) of OB output
// channels, held in registers while every tap of the kernel is applied (one input load
// feeds OB FMAs).
template <typename T>
constexpr int JB = 64 / sizeof(T);
// JB elements p[0], p[s], p[2s], ... (S1: s = 1, one vector load)
template <typename T, bool S1>
TL_INLINE Vec<T> vload_s(const T* p, int64_t s) {
  if (S1) return vload(p);
  T t[JB<T>];
  for (int j = 0; j < JB<T>; ++j) t[j] = p[j * s];
  return vload(t);
}

// Output channels [o0, o0 + OB) of one sample and group: y (.., OH, OW) planes at y + o·L.
template <typename T, int OB, bool S1>
TL_INLINE void forward_block(const ConvGeom& g, const T* xp, const T* w, const T* b, T* y, int64_t o0) {
  constexpr int J = JB<T>;
  using V = Vec<T>;
  const int64_t K = g.K(), L = g.L(), Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw, sw = S1 ? 1 : g.sw;
  for (int64_t i = 0; i < g.OH; ++i)
    for (int64_t j0 = 0; j0 < g.OW; j0 += J) {
      V acc[OB];
      for (int ob = 0; ob < OB; ++ob) acc[ob] = V{} + (b ? b[o0 + ob] : T(0));
      for (int64_t c = 0; c < g.Cg(); ++c)
        for (int64_t p = 0; p < g.KH; ++p) {
          const T* xr = xp + (c * Hp + i * g.sh + p * g.dh) * Wp + j0 * sw;
          const T* wr = w + o0 * K + (c * g.KH + p) * g.KW;
          for (int64_t q = 0; q < g.KW; ++q) {
            const V xv = vload_s<T, S1>(xr + q * g.dw, sw);
            for (int ob = 0; ob < OB; ++ob) acc[ob] += wr[ob * K + q] * xv;
          }
        }
      const int64_t n = std::min<int64_t>(J, g.OW - j0);
      for (int ob = 0; ob < OB; ++ob) {
        T* yr = y + (o0 + ob) * L + i * g.OW + j0;
        if (n == J) std::memcpy(yr, &acc[ob], sizeof(V));
        else for (int64_t j = 0; j < n; ++j) yr[j] = acc[ob][j];
      }
    }
}

// One sample, every group. x (C, H, W), y (O, OH, OW); xp: scratch for Cg padded planes.
template <typename T, bool S1>
TL_INLINE void forward_sample(const ConvGeom& g, const T* x, const T* w, const T* b, T* y, T* xp) {
  const int64_t Cg = g.Cg(), Og = g.Og();
  for (int64_t gi = 0; gi < g.G; ++gi) {
    pad_planes(g, Cg, x + gi * Cg * g.H * g.W, xp);
    int64_t o = gi * Og;
    const int64_t end = o + Og;
    for (; o + 4 <= end; o += 4) forward_block<T, 4, S1>(g, xp, w, b, y, o);
    for (; o < end; ++o) forward_block<T, 1, S1>(g, xp, w, b, y, o);
  }
}

// One sample: gx (C, H, W) = Σ over taps of w · g scattered back; gp: scratch of Cg padded planes.
template <typename T>
TL_INLINE void backward_input_sample(const ConvGeom& g, const T* gy, const T* w, T* gx, T* gp) {
  const int64_t Cg = g.Cg(), Og = g.Og(), K = g.K(), L = g.L();
  const bool padded = g.ph || g.pw;
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    T* dst = gx + gi * Cg * g.H * g.W;
    T* planes = padded ? gp : dst;
    std::fill(planes, planes + Cg * Hp * Wp, T(0));
    for (int64_t ol = 0; ol < Og; ++ol) {
      const int64_t o = gi * Og + ol;
      const T* wo = w + o * K;
      for (int64_t i = 0; i < g.OH; ++i) {
        const T* gr = gy + o * L + i * g.OW;
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t p = 0; p < g.KH; ++p) {
            T* xr = planes + (c * Hp + i * g.sh + p * g.dh) * Wp;
            const T* wr = wo + (c * g.KH + p) * g.KW;
            for (int64_t q = 0; q < g.KW; ++q) {
              T* xq = xr + q * g.dw;
              const T a = wr[q];
              if (g.sw == 1)
                for (int64_t j = 0; j < g.OW; ++j) xq[j] += a * gr[j];
              else
                for (int64_t j = 0; j < g.OW; ++j) xq[j * g.sw] += a * gr[j];
            }
          }
      }
    }
    if (padded)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t i = 0; i < g.H; ++i)
          std::memcpy(dst + (c * g.H + i) * g.W, gp + (c * Hp + g.ph + i) * Wp + g.pw, (size_t)g.W * sizeof(T));
  }
}

// One sample: acc (O·K, JB) += per-lane products g · x, one JB-wide vector per tap (summed
// over lanes at the end). Per (o, c, tap), one pass over the output plane with the sum in a
// register; gr: scratch for g's plane with rows rounded up to JB (zero lanes past the end).
template <typename T, bool S1>
TL_INLINE void backward_weight_sample(const ConvGeom& g, const T* x, const T* gy, T* acc, T* xp, T* gr) {
  constexpr int J = JB<T>;
  using V = Vec<T>;
  const int64_t Cg = g.Cg(), Og = g.Og(), K = g.K(), L = g.L(), sw = S1 ? 1 : g.sw;
  const int64_t Hp = g.H + 2 * g.ph, Wp = g.W + 2 * g.pw, OWr = (g.OW + J - 1) / J * J;
  for (int64_t gi = 0; gi < g.G; ++gi) {
    pad_planes(g, Cg, x + gi * Cg * g.H * g.W, xp);
    for (int64_t o = gi * Og; o < (gi + 1) * Og; ++o) {
      for (int64_t i = 0; i < g.OH; ++i) {
        std::memcpy(gr + i * OWr, gy + o * L + i * g.OW, (size_t)g.OW * sizeof(T));
        std::fill(gr + i * OWr + g.OW, gr + (i + 1) * OWr, T(0));
      }
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t p = 0; p < g.KH; ++p)
          for (int64_t q = 0; q < g.KW; ++q) {
            V s{};
            const T* x0 = xp + (c * Hp + p * g.dh) * Wp + q * g.dw;
            for (int64_t i = 0; i < g.OH; ++i) {
              const T* xr = x0 + i * g.sh * Wp;
              for (int64_t j0 = 0; j0 < OWr; j0 += J) s += vload(gr + i * OWr + j0) * vload_s<T, S1>(xr + j0 * sw, sw);
            }
            T* a = acc + (o * K + (c * g.KH + p) * g.KW + q) * J;
            V av = vload(a) + s;
            std::memcpy(a, &av, sizeof(V));
          }
    }
  }
}

// Per-target entry points over a range of samples [n0, n1); S1: unit stride along rows.
template <typename T>
struct Direct {
  TL_EW_DEF(forward, (const ConvGeom& g, const T* x, const T* w, const T* b, T* y, T* xp, int64_t n0, int64_t n1), {
    for (int64_t n = n0; n < n1; ++n) {
      if (g.sw == 1) forward_sample<T, true>(g, x + n * g.C * g.H * g.W, w, b, y + n * g.O * g.L(), xp);
      else forward_sample<T, false>(g, x + n * g.C * g.H * g.W, w, b, y + n * g.O * g.L(), xp);
    }
  })
  TL_EW_DEF(backward_input, (const ConvGeom& g, const T* gy, const T* w, T* gx, T* gp, int64_t n0, int64_t n1), {
    for (int64_t n = n0; n < n1; ++n)
      backward_input_sample<T>(g, gy + n * g.O * g.L(), w, gx + n * g.C * g.H * g.W, gp);
  })
  TL_EW_DEF(backward_weight, (const ConvGeom& g, const T* x, const T* gy, T* acc, T* xp, T* gr, int64_t n0,
                               int64_t n1), {
    for (int64_t n = n0; n < n1; ++n) {
      if (g.sw == 1) backward_weight_sample<T, true>(g, x + n * g.C * g.H * g.W, gy + n * g.O * g.L(), acc, xp, gr);
      else backward_weight_sample<T, false>(g, x + n * g.C * g.H * g.W, gy + n * g.O * g.L(), acc, xp, gr);
    }
  })
};

// Scratch for one group's padded planes plus the slack.
int64_t padded_planes(const ConvGeom& g) { return g.Cg() * (g.H + 2 * g.ph) * (g.W + 2 * g.pw) + slack(g); }

double flop(const ConvGeom& g) { return 2.0 * g.N * g.O * g.L() * g.K(); }

}  // namespace

// With unit stride, ∂L/∂x is itself a convolution of g: "full" padding dh·(KH−1) − ph, the
// kernel flipped in both axes and its two channel axes swapped within each group:
//   gx[n, gi·Cg + c, y, x] = Σ_{o,p,q} w[gi·Og + o, c, KH−1−p, KW−1−q] · gp[n, gi·Og + o, y + p·dh, x + q·dw]
// (gp: g zero-padded by dh·(KH−1) − ph, dw·(KW−1) − pw). Returns false when it does not apply.
bool transposed_geom(const ConvGeom& g, ConvGeom& t) {
  const int64_t ph = g.dh * (g.KH - 1) - g.ph, pw = g.dw * (g.KW - 1) - g.pw;
  if (g.sh != 1 || g.sw != 1 || ph < 0 || pw < 0) return false;
  t = g;
  t.C = g.O, t.H = g.OH, t.W = g.OW, t.O = g.C, t.OH = g.H, t.OW = g.W, t.ph = ph, t.pw = pw;
  return true;
}

template <typename T>
void flip_weights(const ConvGeom& g, const T* w, T* wt) {
  const int64_t Cg = g.Cg(), Og = g.Og();
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t o = 0; o < Og; ++o)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t p = 0; p < g.KH; ++p)
          for (int64_t q = 0; q < g.KW; ++q)
            wt[(((gi * Cg + c) * Og + o) * g.KH + p) * g.KW + q] =
                w[(((gi * Og + o) * Cg + c) * g.KH + (g.KH - 1 - p)) * g.KW + (g.KW - 1 - q)];
}
template void flip_weights<float>(const ConvGeom&, const float*, float*);
template void flip_weights<double>(const ConvGeom&, const double*, double*);

void set_algorithm(int mode) {
  TL_CHECK(mode >= 0 && mode <= 4, ValueError,
           "conv2d algorithm must be 0 (auto), 1 (gemm), 2 (direct), 3 (channels) or 4 (tiles), got " << mode);
  g_algorithm = mode;
}

int get_algorithm() { return g_algorithm; }

// Measured (benchmarks/cases_cnn.py, 2-vCPU Zen 4; figures in the README):
//   Direct wins the forward pass when a group's columns are short (Cg·KH·KW <= 32: LeNet's
//     first layer, RGB stems, depthwise), and the backward passes of one-channel groups
//     (depthwise; the weight gradient of a first layer);
//   Channels wins the forward pass and the weight gradient of layers with at least 8 output
//     channels per group and short columns (Cg·KH·KW <= 256 forward, <= 512 for the weight
//     gradient: LeNet's second layer, 16→16 3×3, 16→32 5×5's ∂L/∂w; at 64→64 3×3 its broadcasts
//     come from 64 planes and the GEMM's register tiles win); for ∂L/∂x
//     (the transposed convolution, stride 1) when it fills its vectors (16 input channels per
//     group) and its columns are short (O/G·KH·KW <= 256);
//   im2col + GEMM takes the rest (strided ∂L/∂x, few channels, long columns, 2-, 4-, 6-wide
//     or wider kernels).
// Then, measured on a 2-vCPU Zen 5 (benchmarks/conv_algorithms.py and the ResNet's layers):
//   Tiles (AVX-512, float32) win every forward pass with at least 4 output channels per group,
//     rows of at least 8 outputs and a kernel larger than 1×1 — 1.3–2.2× faster than the best
//     of the other three on the benchmark layers, strided ones included — and the stride-1
//     ∂L/∂x with at least 4 input channels per group; below 8 columns most of a 16-wide vector
//     is wasted (a ResNet's 7×7 stage: channels wins there, on AVX-512 only — on AVX2 its
//     64-byte vectors are register pairs and it is 4× slower than the GEMM);
//   a strided 1×1 (a ResNet shortcut) goes to the GEMM: direct's strided loads are gathers;
//   the weight gradient of a network's first layer (one input channel, several outputs) and of
//     columns of at most 32 (an RGB stem) goes to the GEMM too (10–25 % faster than direct and
//     channels there; direct keeps the depthwise ones).
Algo choose(const ConvGeom& g, Pass pass, size_t elem) {
  const bool ch = channels_ok(g);
  ConvGeom t;
  if (g_algorithm) {
    const Algo a = (Algo)g_algorithm;
    if (a == Algo::Channels && (!ch || (pass == Pass::BackwardInput && !transposed_geom(g, t)))) return Algo::Gemm;
    if (a == Algo::Tiles && pass == Pass::BackwardWeight) return Algo::Direct;
    if (a == Algo::Tiles && pass == Pass::BackwardInput && !transposed_geom(g, t)) return Algo::Gemm;
    return a;
  }
  const bool wide = simd_level() == SimdLevel::AVX512;  // 64-byte vectors are one register, not two
  switch (pass) {
    case Pass::Forward:
      if (tiles_ok(g, elem) && g.Og() >= 4 && g.OW >= 8 && g.KH * g.KW > 1) return Algo::Tiles;
      if (g.Cg() == 1 || (g.K() <= 32 && g.sw == 1)) return Algo::Direct;
      if (g.KH * g.KW == 1 && g.sw > 1) return Algo::Gemm;  // strided 1×1 (a ResNet shortcut): im2col is a gather
      return ch && g.Og() >= 8 && (g.K() <= 256 || (g.OW < 8 && wide)) ? Algo::Channels : Algo::Gemm;
    case Pass::BackwardInput:
      if (transposed_geom(g, t) && tiles_ok(t, elem) && g.Cg() >= 4 && g.W >= 8) return Algo::Tiles;
      if (g.Cg() == 1 && g.Og() == 1) return Algo::Direct;
      return ch && g.Cg() >= 16 && (g.Og() * g.KH * g.KW <= 256 || (g.W < 8 && wide)) && transposed_geom(g, t)
                 ? Algo::Channels
                 : Algo::Gemm;
    case Pass::BackwardWeight:
      if (g.Cg() == 1 && g.Og() == 1) return Algo::Direct;
      return ch && g.Og() >= 8 && g.K() > 32 && g.K() <= 512 ? Algo::Channels : Algo::Gemm;
  }
  return Algo::Gemm;
}

template <typename T>
void direct_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  for_samples(g.N, flop(g), [&](int64_t n0, int64_t n1, int) {
    Scratch<T> xp(padded_planes(g));
    TL_SIMD_DISPATCH(Direct<T>::forward, g, x, w, b, y, xp.p, n0, n1);
  });
}

template <typename T>
void direct_backward_input(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  ConvGeom t;
  if (transposed_geom(g, t)) {
    Scratch<T> wt(g.O * g.K());  // (C, Og, KH, KW)
    flip_weights(g, w, wt.p);
    direct_forward<T>(t, gy, wt.p, nullptr, gx);
    return;
  }
  for_samples(g.N, flop(g), [&](int64_t n0, int64_t n1, int) {
    Scratch<T> gp(padded_planes(g));
    TL_SIMD_DISPATCH(Direct<T>::backward_input, g, gy, w, gx, gp.p, n0, n1);
  });
}

template <typename T>
void direct_backward_weight(const ConvGeom& g, const T* x, const T* gy, T* gw) {
  constexpr int J = JB<T>;
  const int64_t OK = g.O * g.K(), rows = OK * J;
  const int nt = get_num_threads();
  const int64_t chunks = (nt > 1 && g.N > 1 && flop(g) >= 2e6) ? std::min<int64_t>(g.N, nt) : 1;
  Scratch<T> acc(chunks * rows);
  std::fill(acc.p, acc.p + chunks * rows, T(0));
  auto run = [&](int64_t c) {
    Scratch<T> xp(padded_planes(g)), gr(g.OH * ((g.OW + J - 1) / J * J));
    TL_SIMD_DISPATCH(Direct<T>::backward_weight, g, x, gy, acc.p + c * rows, xp.p, gr.p, g.N * c / chunks,
                     g.N * (c + 1) / chunks);
  };
  if (chunks == 1) run(0);
  else gemm_parallel_chunks(nt, chunks, run);
  for (int64_t k = 0; k < OK; ++k) {
    T s = T(0);
    for (int64_t c = 0; c < chunks; ++c) {
      const T* a = acc.p + c * rows + k * J;
      for (int j = 0; j < J; ++j) s += a[j];
    }
    gw[k] = s;
  }
}

#define TL_CONV_DIRECT(T)                                                                     \
  template void direct_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*);         \
  template void direct_backward_input<T>(const ConvGeom&, const T*, const T*, T*);            \
  template void direct_backward_weight<T>(const ConvGeom&, const T*, const T*, T*);
TL_CONV_DIRECT(float)
TL_CONV_DIRECT(double)
#undef TL_CONV_DIRECT

}  // namespace conv
}  // namespace tl
