// conv.cu — im2col and col2im, the two data movements of a convolution on the GPU; the
// products themselves go through tl_matmul (matmul.cu): backend/cuda/_conv.py composes
//   conv2d:          y[n, g] = W_g · im2col(x)[n, g]                       (batched over n, g)
//   backward input:  gx = col2im(W_gᵀ · g[n, g])
//   backward weight: gw_g = Σ_n g[n, g] · im2col(x)[n, g]ᵀ
// Geometry (int64 geom[14]): N, C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw.
//   cols (N, C·KH·KW, OH·OW):  cols[n, (c,u,v), (i,j)] = x[n, c, i·sh − ph + u·dh, j·sw − pw + v·dw]  (0 outside)
// Thread mappings: im2col one thread per column entry (coalesced writes along j);
// col2im one thread per image pixel, gathering the entries that read it (no atomics, so
// the sum order is fixed): tap u contributes when (h + ph − u·dh) is a multiple of sh whose
// quotient is an output row, likewise for columns.
#include "common.cuh"

namespace tlc {
namespace {

struct ConvG {
  int64_t N, C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw;
};

ConvG conv_geom(const char* op, const int64_t* g) {
  ConvG c{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]};
  TLC_CHECK(c.N >= 0 && c.C > 0 && c.H > 0 && c.W > 0 && c.KH > 0 && c.KW > 0 && c.OH > 0 && c.OW > 0 && c.sh > 0 &&
                c.sw > 0 && c.ph >= 0 && c.pw >= 0 && c.dh > 0 && c.dw > 0,
            TL_ERR_VALUE, op << ": invalid geometry");
  return c;
}

template <typename T>
__global__ void im2col_kernel(ConvG g, const T* x, T* cols, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t t = i;
    const int64_t oj = t % g.OW; t /= g.OW;
    const int64_t oi = t % g.OH; t /= g.OH;
    const int64_t v = t % g.KW; t /= g.KW;
    const int64_t u = t % g.KH; t /= g.KH;  // t = n·C + c
    const int64_t h = oi * g.sh - g.ph + u * g.dh, w = oj * g.sw - g.pw + v * g.dw;
    cols[i] = (h >= 0 && h < g.H && w >= 0 && w < g.W) ? x[(t * g.H + h) * g.W + w] : T(0);
  }
}

template <typename T>
__global__ void col2im_kernel(ConvG g, const T* cols, T* x, int64_t n) {
  const int64_t L = g.OH * g.OW;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t w = i % g.W, h = (i / g.W) % g.H, t = i / (g.W * g.H);  // t = n·C + c
    T s = T(0);
    for (int64_t u = 0; u < g.KH; ++u) {
      const int64_t hh = h + g.ph - u * g.dh;
      if (hh < 0) break;
      if (hh % g.sh) continue;
      const int64_t oi = hh / g.sh;
      if (oi >= g.OH) continue;
      for (int64_t v = 0; v < g.KW; ++v) {
        const int64_t ww = w + g.pw - v * g.dw;
        if (ww < 0) break;
        if (ww % g.sw) continue;
        const int64_t oj = ww / g.sw;
        if (oj >= g.OW) continue;
        s += cols[((t * g.KH + u) * g.KW + v) * L + oi * g.OW + oj];
      }
    }
    x[i] = s;
  }
}

}  // namespace
}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_im2col(int dtype, const int64_t* geom, const void* x, void* cols) {
  TLC_API_BEGIN
  const char* op = "im2col";
  ConvG g = conv_geom(op, geom);
  const int64_t n = g.N * g.C * g.KH * g.KW * g.OH * g.OW;
  if (n == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    im2col_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, (const scalar_t*)x, (scalar_t*)cols, n);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_col2im(int dtype, const int64_t* geom, const void* cols, void* x) {
  TLC_API_BEGIN
  const char* op = "col2im";
  ConvG g = conv_geom(op, geom);
  const int64_t n = g.N * g.C * g.H * g.W;
  if (n == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    col2im_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, (const scalar_t*)cols, (scalar_t*)x, n);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

}  // extern "C"
