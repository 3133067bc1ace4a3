// resample.cu — F.pad (constant, reflect, replicate, circular) and F.interpolate (nearest,
// bilinear) with their backward passes (formulas: csrc/cpu/resample.h).
// pad: x contiguous, seen as (outer, A, B, C) with the last three dims padded (size-1 dims
// in front when fewer are), geom[10] = outer, A, B, C, OA, OB, OC, leftA, leftB, leftC.
// upsample: x contiguous (P, H, W) planes.
// Thread mappings: one thread per output element; each maps its index back to the source
// (per axis: pad mode, or the two interpolation neighbours). Backward passes scatter into a
// zeroed gradient with atomicAdd (reflect/replicate/circular and interpolation read some
// sources more than once), so float sums may differ in the last bits between runs.
#include "common.cuh"

namespace tlc {
namespace {

struct PadG {
  int64_t outer, in[3], out[3], left[3];
  int mode;
};

__device__ __forceinline__ int64_t pad_src(int64_t o, int64_t left, int64_t n, int mode) {
  int64_t i = o - left;
  switch (mode) {
    case 0: return (i >= 0 && i < n) ? i : -1;
    case 1: return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
    case 2: return i < 0 ? 0 : (i >= n ? n - 1 : i);
    default: return ((i % n) + n) % n;
  }
}

// The source offset of output element i, or −1 (the fill value).
__device__ __forceinline__ int64_t pad_offset(const PadG& g, int64_t i) {
  const int64_t c = i % g.out[2], b = (i / g.out[2]) % g.out[1], a = (i / (g.out[2] * g.out[1])) % g.out[0];
  const int64_t o = i / (g.out[2] * g.out[1] * g.out[0]);
  const int64_t sa = pad_src(a, g.left[0], g.in[0], g.mode), sb = pad_src(b, g.left[1], g.in[1], g.mode),
                sc = pad_src(c, g.left[2], g.in[2], g.mode);
  if (sa < 0 || sb < 0 || sc < 0) return -1;
  return ((o * g.in[0] + sa) * g.in[1] + sb) * g.in[2] + sc;
}

template <typename T>
__global__ void pad_kernel(PadG g, const T* x, T* y, T fill, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t s = pad_offset(g, i);
    y[i] = s < 0 ? fill : x[s];
  }
}

template <typename T>
__global__ void pad_backward_kernel(PadG g, const T* gy, T* gx, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t s = pad_offset(g, i);
    if (s >= 0) atomicAdd(gx + s, gy[i]);
  }
}

// Source neighbours of output index o along an axis and the weight of the second one;
// T: the arithmetic torch uses for the coordinate (float for float32, double for float64).
template <typename T>
__device__ __forceinline__ void src_of(int64_t o, int64_t in, int64_t out, int mode, bool ac, double scale, int64_t& i0,
                                       int64_t& i1, T& lam) {
  if (mode == 0) {
    const float s = scale > 0 ? (float)(1.0 / scale) : (float)in / (float)out;
    i0 = i1 = min((int64_t)floorf((float)o * s), in - 1);
    lam = T(0);
    return;
  }
  T src;
  if (ac) {
    src = out > 1 ? (T)(in - 1) / (T)(out - 1) * (T)o : T(0);
  } else {
    const T s = scale > 0 ? (T)(1.0 / scale) : (T)in / (T)out;
    src = s * ((T)o + T(0.5)) - T(0.5);
    if (src < T(0)) src = T(0);
  }
  i0 = min((int64_t)src, in - 1);
  i1 = i0 + (i0 < in - 1 ? 1 : 0);
  lam = min(src - (T)i0, T(1));
}

struct UpG {
  int64_t P, H, W, OH, OW;
  int mode;
  bool ac;
  double sh, sw;
};

template <typename T>
__global__ void upsample_kernel(UpG g, const T* x, T* y, bool backward, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t oj = i % g.OW, oi = (i / g.OW) % g.OH, pl = i / (g.OW * g.OH);
    int64_t h0, h1, w0, w1;
    T lh, lw;
    src_of<T>(oi, g.H, g.OH, g.mode, g.ac, g.sh, h0, h1, lh);
    src_of<T>(oj, g.W, g.OW, g.mode, g.ac, g.sw, w0, w1, lw);
    const T a0 = T(1) - lh, b0 = T(1) - lw;
    const int64_t base = pl * g.H * g.W;
    if (backward) {  // here x is the gradient of y and y the gradient of x
      const T v = x[i];
      atomicAdd(y + base + h0 * g.W + w0, a0 * b0 * v);
      if (g.mode) {
        atomicAdd(y + base + h0 * g.W + w1, a0 * lw * v);
        atomicAdd(y + base + h1 * g.W + w0, lh * b0 * v);
        atomicAdd(y + base + h1 * g.W + w1, lh * lw * v);
      }
      continue;
    }
    const T* r0 = x + base + h0 * g.W;
    const T* r1 = x + base + h1 * g.W;
    y[i] = g.mode ? a0 * (b0 * r0[w0] + lw * r0[w1]) + lh * (b0 * r1[w0] + lw * r1[w1]) : r0[w0];
  }
}

PadG pad_geom(const char* op, const int64_t* geom, int mode) {
  PadG g{geom[0], {geom[1], geom[2], geom[3]}, {geom[4], geom[5], geom[6]}, {geom[7], geom[8], geom[9]}, mode};
  TLC_CHECK(mode >= 0 && mode <= 3, TL_ERR_VALUE, op << ": unknown mode " << mode);
  return g;
}

}  // namespace
}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_pad(int dtype, const int64_t* geom, int mode, double value, const void* x, void* y) {
  TLC_API_BEGIN
  const char* op = "pad";
  PadG g = pad_geom(op, geom, mode);
  const int64_t n = g.outer * g.out[0] * g.out[1] * g.out[2];
  if (n == 0) return TL_OK;
  TLC_DISPATCH_ALL(dtype, op, [&] {
    pad_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, (const scalar_t*)x, (scalar_t*)y, (scalar_t)value, n);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_pad_backward(int dtype, const int64_t* geom, int mode, const void* g_, void* gx) {
  TLC_API_BEGIN
  const char* op = "pad_backward";
  PadG g = pad_geom(op, geom, mode);
  const int64_t n = g.outer * g.out[0] * g.out[1] * g.out[2], nin = g.outer * g.in[0] * g.in[1] * g.in[2];
  if (nin) TLC_CUDA(op, cudaMemsetAsync(gx, 0, nin * dtype_size(dtype), 0));
  if (n == 0 || nin == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    pad_backward_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, (const scalar_t*)g_, (scalar_t*)gx, n);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_upsample2d(int dtype, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW, int mode, int align_corners,
                  double scale_h, double scale_w, const void* x, void* y) {
  TLC_API_BEGIN
  const char* op = "upsample2d";
  TLC_CHECK(H > 0 && W > 0 && OH > 0 && OW > 0 && (mode == 0 || mode == 1), TL_ERR_VALUE, op << ": invalid arguments");
  UpG g{P, H, W, OH, OW, mode, align_corners != 0, scale_h, scale_w};
  const int64_t n = P * OH * OW;
  if (n == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    upsample_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, (const scalar_t*)x, (scalar_t*)y, false, n);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_upsample2d_backward(int dtype, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW, int mode,
                           int align_corners, double scale_h, double scale_w, const void* g_, void* gx) {
  TLC_API_BEGIN
  const char* op = "upsample2d_backward";
  TLC_CHECK(H > 0 && W > 0 && OH > 0 && OW > 0 && (mode == 0 || mode == 1), TL_ERR_VALUE, op << ": invalid arguments");
  UpG g{P, H, W, OH, OW, mode, align_corners != 0, scale_h, scale_w};
  if (P) TLC_CUDA(op, cudaMemsetAsync(gx, 0, P * H * W * dtype_size(dtype), 0));
  const int64_t n = P * OH * OW;
  if (n == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    upsample_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, (const scalar_t*)g_, (scalar_t*)gx, true, n);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

}  // extern "C"
