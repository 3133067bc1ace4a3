// norm.cu — batch_norm and group_norm, forward and backward (formulas: csrc/cpu/norm.h).
// x, g, y contiguous (N, C, L); per-channel arrays (C,); group statistics (N, G).
// Thread mappings: one 256-thread block per reduced set — a channel (batch norm: its N runs
// of L values) or a (sample, group) slab (group norm: C/G·L contiguous values). The block
// accumulates in double (two passes: mean, then squared deviations), reduces with
// block_sum, then writes its outputs; the parameter gradients of group norm take a second
// kernel, one block per channel over all samples.
#include "common.cuh"

namespace tlc {
namespace {

constexpr int kNormThreads = 256;

template <typename T>
__global__ void bn_forward_kernel(int64_t N, int64_t C, int64_t L, bool use_batch, double momentum, double eps,
                                  const T* x, const T* w, const T* b, T* rm, T* rv, T* y, T* mean, T* invstd) {
  __shared__ double sh[32];
  const int64_t c = blockIdx.x, M = N * L;
  auto at = [&](int64_t k) { return ((k / L) * C + c) * L + k % L; };
  double m, v;
  if (use_batch) {
    double s = 0;
    for (int64_t k = threadIdx.x; k < M; k += blockDim.x) s += (double)x[at(k)];
    m = M ? block_sum(s, sh) / (double)M : 0.0;
    double q = 0;
    for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
      const double d = (double)x[at(k)] - m;
      q += d * d;
    }
    v = M ? block_sum(q, sh) / (double)M : 0.0;
  } else {
    m = (double)rm[c], v = (double)rv[c];
  }
  const double inv = 1.0 / sqrt(v + eps);
  if (threadIdx.x == 0) {
    mean[c] = (T)m, invstd[c] = (T)inv;
    if (use_batch && rm && M > 0) {
      rm[c] = (T)((1.0 - momentum) * (double)rm[c] + momentum * m);
      rv[c] = (T)((1.0 - momentum) * (double)rv[c] + momentum * v * (double)M / (double)(M > 1 ? M - 1 : 1));
    }
  }
  // the mean split in two (hi + lo) so that x − μ keeps the double mean's digits (as the CPU kernel)
  const T a = (T)(inv * (w ? (double)w[c] : 1.0)), bb = b ? b[c] : T(0), hi = (T)m, lo = (T)(m - (double)hi);
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) y[at(k)] = ((x[at(k)] - hi) - lo) * a + bb;
}

template <typename T>
__global__ void bn_backward_kernel(int64_t N, int64_t C, int64_t L, bool use_batch, const T* x, const T* g,
                                   const T* w, const T* mean, const T* invstd, T* gx, T* gw, T* gb) {
  __shared__ double sh[32];
  const int64_t c = blockIdx.x, M = N * L;
  auto at = [&](int64_t k) { return ((k / L) * C + c) * L + k % L; };
  const double m = (double)mean[c], s = (double)invstd[c], wv = w ? (double)w[c] : 1.0;
  double a = 0, bsum = 0;
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
    const double gv = (double)g[at(k)];
    a += gv;
    bsum += gv * ((double)x[at(k)] - m);
  }
  const double sg = block_sum(a, sh), sgx = block_sum(bsum, sh);
  if (threadIdx.x == 0) gb[c] = (T)sg, gw[c] = (T)(sgx * s);
  const T k1 = (T)(wv * s);
  const T k2 = use_batch && M ? (T)(-wv * s * s * s * sgx / (double)M) : T(0);
  const T k3 = use_batch && M ? (T)(-wv * s * sg / (double)M) : T(0);
  const T mt = (T)m;
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) gx[at(k)] = k1 * g[at(k)] + k2 * (x[at(k)] - mt) + k3;
}

template <typename T>
__global__ void gn_forward_kernel(int64_t C, int64_t L, int64_t G, double eps, const T* x, const T* w, const T* b,
                                  T* y, T* mean, T* invstd) {
  __shared__ double sh[32];
  const int64_t sl = blockIdx.x, Cg = C / G, M = Cg * L, c0 = (sl % G) * Cg;
  const T* xs = x + sl * M;
  double s = 0;
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) s += (double)xs[k];
  const double m = M ? block_sum(s, sh) / (double)M : 0.0;
  double q = 0;
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
    const double d = (double)xs[k] - m;
    q += d * d;
  }
  const double inv = 1.0 / sqrt((M ? block_sum(q, sh) / (double)M : 0.0) + eps);
  if (threadIdx.x == 0) mean[sl] = (T)m, invstd[sl] = (T)inv;
  const T hi = (T)m, lo = (T)(m - (double)hi);
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
    const int64_t c = c0 + k / L;
    y[sl * M + k] = ((xs[k] - hi) - lo) * (T)(inv * (w ? (double)w[c] : 1.0)) + (b ? b[c] : T(0));
  }
}

template <typename T>
__global__ void gn_backward_kernel(int64_t C, int64_t L, int64_t G, const T* x, const T* g, const T* w,
                                   const T* mean, const T* invstd, T* gx) {
  __shared__ double sh[32];
  const int64_t sl = blockIdx.x, Cg = C / G, M = Cg * L, c0 = (sl % G) * Cg;
  const double m = (double)mean[sl], s = (double)invstd[sl];
  double a = 0, bsum = 0;
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
    const double d = (double)g[sl * M + k] * (w ? (double)w[c0 + k / L] : 1.0);
    a += d;
    bsum += d * ((double)x[sl * M + k] - m) * s;
  }
  const double sd = block_sum(a, sh), sdx = block_sum(bsum, sh);
  const T k2 = M ? (T)(-s * s * sdx / (double)M) : T(0), k3 = M ? (T)(-s * sd / (double)M) : T(0);
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
    const int64_t i = sl * M + k;
    const T k1 = (T)(s * (w ? (double)w[c0 + k / L] : 1.0));
    gx[i] = k1 * g[i] + k2 * (x[i] - (T)m) + k3;
  }
}

template <typename T>
__global__ void gn_param_kernel(int64_t N, int64_t C, int64_t L, int64_t G, const T* x, const T* g, const T* mean,
                                const T* invstd, T* gw, T* gb) {
  __shared__ double sh[32];
  const int64_t c = blockIdx.x, grp = c / (C / G), M = N * L;
  double a = 0, bsum = 0;
  for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
    const int64_t n = k / L, i = (n * C + c) * L + k % L;
    const double gv = (double)g[i];
    bsum += gv;
    a += gv * ((double)x[i] - (double)mean[n * G + grp]) * (double)invstd[n * G + grp];
  }
  const double sw = block_sum(a, sh), sb = block_sum(bsum, sh);
  if (threadIdx.x == 0) gw[c] = (T)sw, gb[c] = (T)sb;
}

}  // namespace
}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_batch_norm(int dtype, int64_t N, int64_t C, int64_t L, const void* x, const void* weight, const void* bias,
                  void* running_mean, void* running_var, int use_batch_stats, double momentum, double eps, void* y,
                  void* mean, void* invstd) {
  TLC_API_BEGIN
  const char* op = "batch_norm";
  TLC_CHECK(N >= 0 && C > 0 && L >= 0, TL_ERR_VALUE, op << ": invalid shape");
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    bn_forward_kernel<T><<<(unsigned)C, kNormThreads>>>(N, C, L, use_batch_stats != 0, momentum, eps, (const T*)x,
                                                         (const T*)weight, (const T*)bias, (T*)running_mean,
                                                         (T*)running_var, (T*)y, (T*)mean, (T*)invstd);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_batch_norm_backward(int dtype, int64_t N, int64_t C, int64_t L, const void* x, const void* g,
                           const void* weight, const void* mean, const void* invstd, int use_batch_stats, void* gx,
                           void* gw, void* gb) {
  TLC_API_BEGIN
  const char* op = "batch_norm_backward";
  TLC_CHECK(N >= 0 && C > 0 && L >= 0, TL_ERR_VALUE, op << ": invalid shape");
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    bn_backward_kernel<T><<<(unsigned)C, kNormThreads>>>(N, C, L, use_batch_stats != 0, (const T*)x, (const T*)g,
                                                          (const T*)weight, (const T*)mean, (const T*)invstd,
                                                          (T*)gx, (T*)gw, (T*)gb);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_group_norm(int dtype, int64_t N, int64_t C, int64_t L, int64_t G, const void* x, const void* weight,
                  const void* bias, double eps, void* y, void* mean, void* invstd) {
  TLC_API_BEGIN
  const char* op = "group_norm";
  TLC_CHECK(N >= 0 && G > 0 && C % G == 0 && L >= 0, TL_ERR_VALUE, op << ": invalid shape");
  if (N == 0) return TL_OK;
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    gn_forward_kernel<T><<<(unsigned)(N * G), kNormThreads>>>(C, L, G, eps, (const T*)x, (const T*)weight,
                                                               (const T*)bias, (T*)y, (T*)mean, (T*)invstd);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_group_norm_backward(int dtype, int64_t N, int64_t C, int64_t L, int64_t G, const void* x, const void* g,
                           const void* weight, const void* mean, const void* invstd, void* gx, void* gw, void* gb) {
  TLC_API_BEGIN
  const char* op = "group_norm_backward";
  TLC_CHECK(N >= 0 && G > 0 && C % G == 0 && L >= 0, TL_ERR_VALUE, op << ": invalid shape");
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    using T = scalar_t;
    if (N > 0)
      gn_backward_kernel<T><<<(unsigned)(N * G), kNormThreads>>>(C, L, G, (const T*)x, (const T*)g, (const T*)weight,
                                                                  (const T*)mean, (const T*)invstd, (T*)gx);
    gn_param_kernel<T><<<(unsigned)C, kNormThreads>>>(N, C, L, G, (const T*)x, (const T*)g, (const T*)mean,
                                                       (const T*)invstd, (T*)gw, (T*)gb);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

}  // extern "C"
