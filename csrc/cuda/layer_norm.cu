// layer_norm.cu — LayerNorm and RMSNorm over the trailing C elements of each row, forward and
// backward (csrc/cpu/layer_norm.h has the math).
//
// x, y, g, dx contiguous (R, C); weight, bias (C,) or null; mean, rstd (R,).
// Thread mappings:
//   rows (forward, dx) — one warp per row, lanes stride over C; the statistics are two-pass
//                        (mean, then the centred sum of squares), reduced with warp shuffles.
//   columns (dw, db)   — one thread per column c, a loop over the rows (adjacent threads read
//                        adjacent columns: coalesced).
#include "common.cuh"

namespace tlc {

template <typename T>
__global__ void norm_fwd_kernel(int ln, int64_t R, int64_t C, const T* x, const T* w, const T* b, T* y, T* mean,
                                T* rstd, T eps) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < R; r += warps) {
    const T* xr = x + r * C;
    T mu = 0;
    if (ln) {
      T s = 0;
      for (int64_t c = lane; c < C; c += 32) s += xr[c];
      mu = warp_sum(s) / T(C);
    }
    T ss = 0;
    for (int64_t c = lane; c < C; c += 32) {
      const T d = xr[c] - mu;
      ss += d * d;
    }
    const T rs = T(1) / tl_sqrt(warp_sum(ss) / T(C) + eps);
    if (lane == 0) {
      if (ln) mean[r] = mu;
      rstd[r] = rs;
    }
    for (int64_t c = lane; c < C; c += 32) {
      T h = (xr[c] - mu) * rs;
      if (w) h *= w[c];
      if (b) h += b[c];
      y[r * C + c] = h;
    }
  }
}

// dx = ρ·(ĝ − mean(ĝ)·[ln] − x̂·mean(ĝ·x̂)),  x̂ = (x − μ)ρ, ĝ = g·w
template <typename T>
__global__ void norm_bwd_dx_kernel(int ln, int64_t R, int64_t C, const T* g, const T* x, const T* mean,
                                   const T* rstd, const T* w, T* dx) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < R; r += warps) {
    const T* xr = x + r * C;
    const T* gr = g + r * C;
    const T mu = ln ? mean[r] : T(0), rs = rstd[r];
    T sg = 0, sgx = 0;
    for (int64_t c = lane; c < C; c += 32) {
      const T gh = w ? gr[c] * w[c] : gr[c];
      sg += gh;
      sgx += gh * (xr[c] - mu) * rs;
    }
    const T mg = ln ? warp_sum(sg) / T(C) : T(0), mgx = warp_sum(sgx) / T(C);
    for (int64_t c = lane; c < C; c += 32) {
      const T gh = w ? gr[c] * w[c] : gr[c];
      dx[r * C + c] = rs * (gh - mg - (xr[c] - mu) * rs * mgx);
    }
  }
}

// dw[c] = Σ_r g[r,c]·x̂[r,c],  db[c] = Σ_r g[r,c]   (either may be null)
template <typename T>
__global__ void norm_bwd_param_kernel(int ln, int64_t R, int64_t C, const T* g, const T* x, const T* mean,
                                      const T* rstd, T* dw, T* db) {
  for (int64_t c = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; c < C; c += (int64_t)gridDim.x * blockDim.x) {
    T sw = 0, sb = 0;
    for (int64_t r = 0; r < R; ++r) {
      const T gv = g[r * C + c];
      sw += gv * (x[r * C + c] - (ln ? mean[r] : T(0))) * rstd[r];
      sb += gv;
    }
    if (dw) dw[c] = sw;
    if (db) db[c] = sb;
  }
}

static unsigned row_blocks(int64_t R) { return (unsigned)std::max<int64_t>(1, std::min<int64_t>((R + 7) / 8, 1 << 20)); }

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_norm(int ln, int dtype, int64_t R, int64_t C, const void* x, const void* w, const void* b, void* y, void* mean,
            void* rstd, double eps) {
  TLC_API_BEGIN
  if (R == 0 || C == 0) return TL_OK;
  const char* op = ln ? "layer_norm" : "rms_norm";
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    norm_fwd_kernel<T><<<row_blocks(R), 256>>>(ln, R, C, (const T*)x, (const T*)w, (const T*)b, (T*)y, (T*)mean,
                                               (T*)rstd, (T)eps);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_norm_backward(int ln, int dtype, int64_t R, int64_t C, const void* g, const void* x, const void* mean,
                     const void* rstd, const void* w, void* dx, void* dw, void* db) {
  TLC_API_BEGIN
  if (R == 0 || C == 0) return TL_OK;
  const char* op = ln ? "layer_norm_backward" : "rms_norm_backward";
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    norm_bwd_dx_kernel<T><<<row_blocks(R), 256>>>(ln, R, C, (const T*)g, (const T*)x, (const T*)mean,
                                                  (const T*)rstd, (const T*)w, (T*)dx);
    if (dw || db)
      norm_bwd_param_kernel<T><<<grid_for(C), kThreads>>>(ln, R, C, (const T*)g, (const T*)x, (const T*)mean,
                                                          (const T*)rstd, (T*)dw, (T*)db);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

}  // extern "C"
