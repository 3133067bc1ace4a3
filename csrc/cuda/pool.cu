// pool.cu — max / average / adaptive pooling over the last two dims, their backward passes
// and max-unpooling. Planes P = N·C (any leading dims), contiguous (P, H, W) in and out.
// Geometry (int64 geom[13]): P, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw.
// Windows of output row i (columns alike), as csrc/cpu/pool.h:
//   max/avg: rows i·sh − ph + u·dh (u < kh) inside [0, H);  adaptive: [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)
//   max: first maximum in row-major window order (NaN counts as a maximum), idx = h·W + w
//   avg: Σ / D with D = divisor, or the window size counting the padding (count_include_pad,
//        clipped to [−ph, H + ph)), or not
// Thread mappings: one thread per output element. Backward passes scatter into zeroed
// planes with atomicAdd (several windows may share an input element), so float sums may
// differ in the last bits between runs; unpooling writes (last writer wins on duplicates).
// Indices are bounds-checked: a bad one is reported through the device error flag.
#include "common.cuh"

namespace tlc {
namespace {

struct PoolG {
  int64_t P, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
};

PoolG pool_geom(const char* op, const int64_t* g) {
  PoolG p{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12]};
  TLC_CHECK(p.P >= 0 && p.H > 0 && p.W > 0 && p.OH > 0 && p.OW > 0 && p.kh > 0 && p.kw > 0 && p.sh > 0 && p.sw > 0 &&
                p.ph >= 0 && p.pw >= 0 && p.dh > 0 && p.dw > 0,
            TL_ERR_VALUE, op << ": invalid geometry");
  return p;
}

// The window of output index o along an axis: elements b, b + step, ... < e.
struct Span {
  int64_t b, e, step, padded;
};

__device__ __forceinline__ Span span(bool adaptive, int64_t o, int64_t in, int64_t out, int64_t k, int64_t s,
                                     int64_t p, int64_t d) {
  if (adaptive) {
    const int64_t b = (o * in) / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, 1, e - b};
  }
  const int64_t start = o * s - p;
  int64_t b = start;
  if (b < 0) b += ((-b + d - 1) / d) * d;
  int64_t e = min(start + d * (k - 1) + 1, in);
  if (e < b) e = b;
  return {b, e, d, min(start + k, in + p) - start};
}

template <typename T>
__device__ __forceinline__ void add_to(T* p, T v) {
  atomicAdd(p, v);
}

template <typename T>
__global__ void max_kernel(PoolG g, bool adaptive, const T* x, T* y, int64_t* idx, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t oj = i % g.OW, oi = (i / g.OW) % g.OH, pl = i / (g.OW * g.OH);
    const Span a = span(adaptive, oi, g.H, g.OH, g.kh, g.sh, g.ph, g.dh);
    const Span c = span(adaptive, oj, g.W, g.OW, g.kw, g.sw, g.pw, g.dw);
    const T* xs = x + pl * g.H * g.W;
    int64_t mi = a.b * g.W + c.b;
    T mv = neg_inf<T>();
    for (int64_t h = a.b; h < a.e; h += a.step)
      for (int64_t w = c.b; w < c.e; w += c.step) {
        const T v = xs[h * g.W + w];
        if (v > mv || is_nan(v)) mv = v, mi = h * g.W + w;
      }
    y[i] = mv;
    idx[i] = mi;
  }
}

template <typename T>
__global__ void avg_kernel(PoolG g, bool adaptive, bool count_include_pad, int64_t divisor, const T* in, T* out,
                           bool backward, int64_t n) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t oj = i % g.OW, oi = (i / g.OW) % g.OH, pl = i / (g.OW * g.OH);
    const Span a = span(adaptive, oi, g.H, g.OH, g.kh, g.sh, g.ph, 1);
    const Span c = span(adaptive, oj, g.W, g.OW, g.kw, g.sw, g.pw, 1);
    const int64_t cnt = (a.e - a.b) * (c.e - c.b);
    const int64_t D = divisor > 0 ? divisor : (count_include_pad && !adaptive ? a.padded * c.padded : cnt);
    if (backward) {
      if (cnt <= 0) continue;
      const T v = in[i] / (T)D;
      for (int64_t h = a.b; h < a.e; ++h)
        for (int64_t w = c.b; w < c.e; ++w) add_to(out + (pl * g.H + h) * g.W + w, v);
      continue;
    }
    if (cnt <= 0) {
      out[i] = T(0);
      continue;
    }
    const T* xs = in + pl * g.H * g.W;
    T s = T(0);
    for (int64_t h = a.b; h < a.e; ++h)
      for (int64_t w = c.b; w < c.e; ++w) s += xs[h * g.W + w];
    out[i] = s / (T)D;
  }
}

// out planes (P, HW): out[idx] += v (ADD) or = v, v and idx planes (P, L)
template <typename T, bool ADD>
__global__ void scatter_kernel(const T* v, const int64_t* idx, T* out, int64_t L, int64_t HW, int64_t n, int64_t* err) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t k = idx[i];
    if (k < 0 || k >= HW) {
      atomicExch((unsigned long long*)err, (unsigned long long)k);
      continue;
    }
    T* p = out + (i / L) * HW + k;
    if (ADD) add_to(p, v[i]);
    else *p = v[i];
  }
}

void run_max(const char* op, const int64_t* geom, bool adaptive, int dtype, const void* x, void* y, int64_t* idx) {
  PoolG g = pool_geom(op, geom);
  const int64_t n = g.P * g.OH * g.OW;
  if (n == 0) return;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    max_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, adaptive, (const scalar_t*)x, (scalar_t*)y, idx, n);
  });
  TLC_LAUNCHED(op);
}

void run_avg(const char* op, const int64_t* geom, bool adaptive, int count_include_pad, int64_t divisor, int dtype,
             const void* in, void* out, bool backward) {
  PoolG g = pool_geom(op, geom);
  const int64_t n = g.P * g.OH * g.OW;
  if (backward && g.P) TLC_CUDA(op, cudaMemsetAsync(out, 0, g.P * g.H * g.W * dtype_size(dtype), 0));
  if (n == 0) return;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    avg_kernel<scalar_t><<<grid_for(n), kThreads>>>(g, adaptive, count_include_pad != 0, divisor,
                                                     (const scalar_t*)in, (scalar_t*)out, backward, n);
  });
  TLC_LAUNCHED(op);
}

template <bool ADD>
void run_scatter(const char* op, int dtype, int64_t P, int64_t L, int64_t HW, const void* v, const int64_t* idx,
                 void* out) {
  if (P * HW) TLC_CUDA(op, cudaMemsetAsync(out, 0, P * HW * dtype_size(dtype), 0));
  const int64_t n = P * L;
  if (n == 0) return;
  reset_index_error(op);
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    scatter_kernel<scalar_t, ADD><<<grid_for(n), kThreads>>>((const scalar_t*)v, idx, (scalar_t*)out, L, HW, n,
                                                             index_error_flag());
  });
  TLC_LAUNCHED(op);
  long long bad = read_index_error(op);
  TLC_CHECK(bad == -1, TL_ERR_INDEX, op << ": index " << bad << " is out of range for a plane of " << HW << " elements");
}

}  // namespace
}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_max_pool2d(int dtype, const int64_t* geom, const void* x, void* y, int64_t* idx) {
  TLC_API_BEGIN
  run_max("max_pool2d", geom, false, dtype, x, y, idx);
  TLC_API_END
}

int tl_adaptive_max_pool2d(int dtype, const int64_t* geom, const void* x, void* y, int64_t* idx) {
  TLC_API_BEGIN
  run_max("adaptive_max_pool2d", geom, true, dtype, x, y, idx);
  TLC_API_END
}

int tl_avg_pool2d(int dtype, const int64_t* geom, int count_include_pad, int64_t divisor, const void* x, void* y) {
  TLC_API_BEGIN
  run_avg("avg_pool2d", geom, false, count_include_pad, divisor, dtype, x, y, false);
  TLC_API_END
}

int tl_avg_pool2d_backward(int dtype, const int64_t* geom, int count_include_pad, int64_t divisor, const void* g,
                           void* gx) {
  TLC_API_BEGIN
  run_avg("avg_pool2d_backward", geom, false, count_include_pad, divisor, dtype, g, gx, true);
  TLC_API_END
}

int tl_adaptive_avg_pool2d(int dtype, const int64_t* geom, const void* x, void* y) {
  TLC_API_BEGIN
  run_avg("adaptive_avg_pool2d", geom, true, 0, 0, dtype, x, y, false);
  TLC_API_END
}

int tl_adaptive_avg_pool2d_backward(int dtype, const int64_t* geom, const void* g, void* gx) {
  TLC_API_BEGIN
  run_avg("adaptive_avg_pool2d_backward", geom, true, 0, 0, dtype, g, gx, true);
  TLC_API_END
}

int tl_max_pool2d_backward(int dtype, int64_t P, int64_t L, int64_t HW, const void* g, const int64_t* idx, void* gx) {
  TLC_API_BEGIN
  run_scatter<true>("max_pool2d_backward", dtype, P, L, HW, g, idx, gx);
  TLC_API_END
}

int tl_max_unpool2d(int dtype, int64_t P, int64_t L, int64_t HW, const void* x, const int64_t* idx, void* y) {
  TLC_API_BEGIN
  run_scatter<false>("max_unpool2d", dtype, P, L, HW, x, idx, y);
  TLC_API_END
}

}  // extern "C"
