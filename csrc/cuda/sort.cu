// sort.cu — sort / topk (via sort) / cumsum / cumprod / cumprod_backward along one axis, the
// twins of csrc/cpu/sort.cpp.
//
// Shapes and math: x contiguous, viewed as (outer, n, inner); line l = (o, i) is
// x[o, 0..n, i] at offset o·n·inner + i with stride inner.
//   sort:  stable order of the line (NaN largest), values and int64 indices
//   scan:  y_j = x_0 ∘ … ∘ x_j (∘ = + or ×), accumulated in double for floats
//   cumprod_backward: dx_i = Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k, zeros in x allowed (see sort.cpp)
// Thread mapping: one thread per line, 1-D grid-stride. sort is a bottom-up merge sort of
// the line's indices (stable) through a scratch buffer in global memory (2·lines·n int64).
// Lines are independent and few lines means little parallelism: this twin favours a small
// library over speed (thrust/cub would double the build time).
#include "common.cuh"

namespace tlc {

template <typename T> __device__ __forceinline__ bool nan_of(T v) { return false; }
template <> __device__ __forceinline__ bool nan_of<float>(float v) { return v != v; }
template <> __device__ __forceinline__ bool nan_of<double>(double v) { return v != v; }

// a strictly before b: ascending with NaN last, or descending with NaN first
template <typename T>
__device__ __forceinline__ bool before(T a, T b, bool desc) {
  if (desc) { T t = a; a = b; b = t; }
  return !nan_of(a) && (nan_of(b) || a < b);
}

template <typename T>
__global__ void sort_kernel(int64_t lines, int64_t n, int64_t inner, const T* x, T* vals, int64_t* idx,
                            int64_t* scratch, bool desc) {
  for (int64_t l = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; l < lines;
       l += (int64_t)gridDim.x * blockDim.x) {
    const int64_t base = (l / inner) * n * inner + l % inner;
    int64_t* a = scratch + l * 2 * n;
    int64_t* b = a + n;
    for (int64_t j = 0; j < n; ++j) a[j] = j;
    for (int64_t w = 1; w < n; w *= 2) {  // merge runs of width w from a into b
      for (int64_t s = 0; s < n; s += 2 * w) {
        int64_t m = min(s + w, n), e = min(s + 2 * w, n), p = s, q = m, k = s;
        while (p < m && q < e) {
          // take from the right run only when strictly before: equal values keep their order
          if (before(x[base + a[q] * inner], x[base + a[p] * inner], desc)) b[k++] = a[q++];
          else b[k++] = a[p++];
        }
        while (p < m) b[k++] = a[p++];
        while (q < e) b[k++] = a[q++];
      }
      int64_t* t = a; a = b; b = t;
    }
    for (int64_t j = 0; j < n; ++j) {
      vals[base + j * inner] = x[base + a[j] * inner];
      idx[base + j * inner] = a[j];
    }
  }
}

template <typename T>
__global__ void scan_kernel(int64_t lines, int64_t n, int64_t inner, const T* x, T* y, bool prod) {
  using A = typename std::conditional<std::is_floating_point<T>::value, double, int64_t>::type;
  for (int64_t l = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; l < lines;
       l += (int64_t)gridDim.x * blockDim.x) {
    const int64_t base = (l / inner) * n * inner + l % inner;
    A acc = prod ? A(1) : A(0);
    for (int64_t j = 0; j < n; ++j) {
      const A v = (A)x[base + j * inner];
      acc = prod ? acc * v : acc + v;
      y[base + j * inner] = (T)acc;
    }
  }
}

template <typename T>
__global__ void cumprod_backward_kernel(int64_t lines, int64_t n, int64_t inner, const T* x, const T* g, T* dx,
                                        double* P) {
  for (int64_t l = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; l < lines;
       l += (int64_t)gridDim.x * blockDim.x) {
    const int64_t base = (l / inner) * n * inner + l % inner;
    double* Pl = P + l * n;
    int64_t z = n;
    double run = 1.0;
    for (int64_t j = 0; j < n; ++j) {
      const double v = (double)x[base + j * inner];
      if (z == n && v == 0.0) z = j;
      run *= v;
      Pl[j] = run;
    }
    double suffix = 0.0;
    for (int64_t j = n - 1; j >= 0; --j) {
      suffix += (double)g[base + j * inner] * Pl[j];
      if (j < z) dx[base + j * inner] = (T)(suffix / (double)x[base + j * inner]);
      else if (j > z) dx[base + j * inner] = T(0);
    }
    if (z < n) {
      double acc = 0.0, q = 1.0;
      for (int64_t j = z; j < n; ++j) {
        if (j > z) q *= (double)x[base + j * inner];
        acc += (double)g[base + j * inner] * q;
      }
      dx[base + z * inner] = (T)((z > 0 ? Pl[z - 1] : 1.0) * acc);
    }
  }
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_sort(int dtype, int64_t outer, int64_t n, int64_t inner, const void* x, void* vals, int64_t* idx,
            int descending) {
  TLC_API_BEGIN
  const int64_t lines = outer * inner;
  if (lines == 0 || n == 0) return TL_OK;
  int64_t* scratch = nullptr;
  TLC_CUDA("sort", cudaMallocAsync((void**)&scratch, (size_t)lines * 2 * n * sizeof(int64_t), 0));
  TLC_DISPATCH_ALL(dtype, "sort", [&] {
    sort_kernel<scalar_t><<<grid_for(lines), kThreads>>>(lines, n, inner, (const scalar_t*)x, (scalar_t*)vals,
                                                         idx, scratch, descending != 0);
  });
  cudaError_t e = cudaGetLastError();
  cudaFreeAsync(scratch, 0);
  TLC_CUDA("sort", e);
  TLC_API_END
}

int tl_scan(int prod, int dtype, int64_t outer, int64_t n, int64_t inner, const void* x, void* y) {
  TLC_API_BEGIN
  const char* op = prod ? "cumprod" : "cumsum";
  const int64_t lines = outer * inner;
  if (lines == 0 || n == 0) return TL_OK;
  TLC_DISPATCH_NUMERIC(dtype, op, [&] {
    scan_kernel<scalar_t><<<grid_for(lines), kThreads>>>(lines, n, inner, (const scalar_t*)x, (scalar_t*)y,
                                                         prod != 0);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_cumprod_backward(int dtype, int64_t outer, int64_t n, int64_t inner, const void* x, const void* g,
                        void* dx) {
  TLC_API_BEGIN
  const char* op = "cumprod_backward";
  const int64_t lines = outer * inner;
  if (lines == 0 || n == 0) return TL_OK;
  double* P = nullptr;
  TLC_CUDA(op, cudaMallocAsync((void**)&P, (size_t)lines * n * sizeof(double), 0));
  TLC_DISPATCH_FLOAT(dtype, op, [&] {
    cumprod_backward_kernel<scalar_t><<<grid_for(lines), kThreads>>>(
        lines, n, inner, (const scalar_t*)x, (const scalar_t*)g, (scalar_t*)dx, P);
  });
  cudaError_t e = cudaGetLastError();
  cudaFreeAsync(P, 0);
  TLC_CUDA(op, e);
  TLC_API_END
}

}  // extern "C"
