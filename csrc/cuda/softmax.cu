// softmax.cu — softmax / log_softmax along one axis and their backward passes.
//
// Shapes: x, y, g, dx are contiguous and viewed as (outer, C, inner): the reduced axis has
// length C and stride `inner`; a "row" is the C elements (o, ·, i). The Python side makes
// the input contiguous; the output has the same (contiguous) layout.
// Math (max-subtracted, stable), per row with m = max_c x_c, s = Σ_c exp(x_c − m):
//   softmax      y_c = exp(x_c − m) / s
//   log_softmax  y_c = x_c − m − log s
//   softmax_backward(y, g)      dx_c = y_c·(g_c − Σ_j g_j·y_j)
//   log_softmax_backward(y, g)  dx_c = g_c − exp(y_c)·Σ_j g_j
// Thread mappings (host picks):
//   inner == 1, C <= 1024 — one warp per row, 8 rows per 256-thread block; lanes stride over
//                           C (coalesced), reductions with warp shuffles only.
//   inner == 1, C > 1024  — one 512-thread block per row, block-wide shuffle+shared reduce.
//   inner > 1             — one thread per (o, i) row, sequential loops over C; adjacent
//                           threads take adjacent i, so every access is coalesced.
#include "common.cuh"

namespace tlc {

enum { SM_FWD = 0, LSM_FWD = 1, SM_BWD = 2, LSM_BWD = 3 };

// The per-row algorithm, shared by the three mappings. `Red` supplies the cross-thread
// reductions (warp, block, or none), `lane`/`step` the thread's stride over the row.
template <typename T, typename Red>
__device__ __forceinline__ void softmax_row(int kind, const T* x, const T* g, T* y, int64_t C,
                                            int64_t stride, int lane, int step, Red red) {
  if (kind == SM_FWD || kind == LSM_FWD) {
    T m = neg_inf<T>();
    for (int64_t c = lane; c < C; c += step) {
      T v = x[c * stride];
      m = (v > m || is_nan(v)) ? v : m;
    }
    m = red.max(m);
    T s = T(0);
    for (int64_t c = lane; c < C; c += step) s += tl_exp(x[c * stride] - m);
    s = red.sum(s);
    if (kind == SM_FWD) {
      T inv = T(1) / s;
      for (int64_t c = lane; c < C; c += step) y[c * stride] = tl_exp(x[c * stride] - m) * inv;
    } else {
      T ls = m + tl_log(s);
      for (int64_t c = lane; c < C; c += step) y[c * stride] = x[c * stride] - ls;
    }
  } else {
    // here x holds y (the forward output)
    T s = T(0);
    if (kind == SM_BWD)
      for (int64_t c = lane; c < C; c += step) s += g[c * stride] * x[c * stride];
    else
      for (int64_t c = lane; c < C; c += step) s += g[c * stride];
    s = red.sum(s);
    if (kind == SM_BWD)
      for (int64_t c = lane; c < C; c += step) y[c * stride] = x[c * stride] * (g[c * stride] - s);
    else
      for (int64_t c = lane; c < C; c += step) y[c * stride] = g[c * stride] - tl_exp(x[c * stride]) * s;
  }
}

struct WarpRed {
  template <typename T> __device__ T max(T v) const { return warp_max(v); }
  template <typename T> __device__ T sum(T v) const { return warp_sum(v); }
};
template <typename T> struct BlockRed {
  T* sh;
  __device__ T max(T v) const { return block_max(v, sh); }
  __device__ T sum(T v) const { return block_sum(v, sh); }
};
struct NoRed {
  template <typename T> __device__ T max(T v) const { return v; }
  template <typename T> __device__ T sum(T v) const { return v; }
};

template <typename T>
__global__ void softmax_warp_kernel(int kind, int64_t rows, int64_t C, const T* x, const T* g, T* y) {
  int lane = threadIdx.x & 31;
  int64_t warps_per_grid = (int64_t)gridDim.x * (blockDim.x >> 5);
  for (int64_t r = blockIdx.x * (int64_t)(blockDim.x >> 5) + (threadIdx.x >> 5); r < rows;
       r += warps_per_grid) {
    int64_t base = r * C;
    softmax_row<T>(kind, x + base, g ? g + base : nullptr, y + base, C, 1, lane, 32, WarpRed{});
  }
}

template <typename T>
__global__ void softmax_block_kernel(int kind, int64_t rows, int64_t C, const T* x, const T* g, T* y) {
  __shared__ T sh[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    int64_t base = r * C;
    softmax_row<T>(kind, x + base, g ? g + base : nullptr, y + base, C, 1, threadIdx.x,
                   blockDim.x, BlockRed<T>{sh});
  }
}

template <typename T>
__global__ void softmax_col_kernel(int kind, int64_t outer, int64_t C, int64_t inner, const T* x,
                                   const T* g, T* y) {
  int64_t rows = outer * inner;
  for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < rows;
       r += (int64_t)gridDim.x * blockDim.x) {
    int64_t o = r / inner, i = r % inner;
    int64_t base = o * C * inner + i;
    softmax_row<T>(kind, x + base, g ? g + base : nullptr, y + base, C, inner, 0, 1, NoRed{});
  }
}

static void launch_softmax(int kind, int dtype, int64_t outer, int64_t C, int64_t inner,
                           const void* x, const void* g, void* y) {
  if (outer == 0 || C == 0 || inner == 0) return;
  TLC_DISPATCH_FLOAT(dtype, kind < 2 ? "softmax" : "softmax_backward", [&] {
    const scalar_t* xp = (const scalar_t*)x;
    const scalar_t* gp = (const scalar_t*)g;
    scalar_t* yp = (scalar_t*)y;
    if (inner == 1 && C <= 1024) {
      unsigned blocks = (unsigned)std::min<int64_t>((outer + 7) / 8, 1 << 20);
      softmax_warp_kernel<scalar_t><<<blocks, 256>>>(kind, outer, C, xp, gp, yp);
    } else if (inner == 1) {
      unsigned blocks = (unsigned)std::min<int64_t>(outer, 1 << 20);
      softmax_block_kernel<scalar_t><<<blocks, 512>>>(kind, outer, C, xp, gp, yp);
    } else {
      softmax_col_kernel<scalar_t><<<grid_for(outer * inner), kThreads>>>(kind, outer, C, inner, xp, gp, yp);
    }
  });
  TLC_LAUNCHED("softmax");
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_softmax(int log, int dtype, int64_t outer, int64_t C, int64_t inner, const void* x, void* y) {
  TLC_API_BEGIN
  launch_softmax(log ? LSM_FWD : SM_FWD, dtype, outer, C, inner, x, nullptr, y);
  TLC_API_END
}

int tl_softmax_backward(int log, int dtype, int64_t outer, int64_t C, int64_t inner, const void* y,
                        const void* g, void* dx) {
  TLC_API_BEGIN
  launch_softmax(log ? LSM_BWD : SM_BWD, dtype, outer, C, inner, y, g, dx);
  TLC_API_END
}

}  // extern "C"
