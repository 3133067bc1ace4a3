// Shared by every kernel family of libtl_cuda.so: error reporting for the C ABI, dtype
// dispatch, the strided indexer that lets kernels read broadcast / transposed views in
// place, launch sizes and small math helpers.
#pragma once
#include <cuda_runtime.h>
#include <stdint.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "tl_cuda.h"

namespace tlc {

// ---------------------------------------------------------------- errors
// Host code throws tlc::Error(kind, msg); TLC_API_BEGIN/END turn it into a return code and
// a thread-local message that tl_cuda_last_error() returns.
struct Error : std::runtime_error {
  int code;
  Error(int c, const std::string& m) : std::runtime_error(m), code(c) {}
};
void set_last_error(const std::string& msg);  // memory.cu

#define TLC_FAIL(code, msg)                     \
  do {                                          \
    std::ostringstream tlc_os_;                 \
    tlc_os_ << msg;                             \
    throw ::tlc::Error((code), tlc_os_.str());  \
  } while (0)
#define TLC_CHECK(cond, code, msg) \
  do {                             \
    if (!(cond)) TLC_FAIL(code, msg); \
  } while (0)
// A CUDA runtime call; on failure a RuntimeError naming the op and the CUDA error.
#define TLC_CUDA(op, call)                                                             \
  do {                                                                                 \
    cudaError_t tlc_e_ = (call);                                                       \
    if (tlc_e_ != cudaSuccess)                                                         \
      TLC_FAIL(TL_ERR_RUNTIME, op << ": CUDA error: " << cudaGetErrorString(tlc_e_)); \
  } while (0)
// After a launch: configuration errors surface here, faults at the next sync.
#define TLC_LAUNCHED(op) TLC_CUDA(op, cudaGetLastError())

#define TLC_API_BEGIN try {
#define TLC_API_END                                      \
  return TL_OK;                                          \
  }                                                      \
  catch (const ::tlc::Error& e) {                        \
    ::tlc::set_last_error(e.what());                     \
    return e.code;                                       \
  }                                                      \
  catch (const std::exception& e) {                      \
    ::tlc::set_last_error(e.what());                     \
    return TL_ERR_RUNTIME;                               \
  }

inline const char* dtype_name(int d) {
  switch (d) {
    case TL_FLOAT32: return "float32";
    case TL_FLOAT64: return "float64";
    case TL_INT64: return "int64";
    case TL_BOOL: return "bool";
    case TL_FLOAT16: return "float16";
    case TL_BFLOAT16: return "bfloat16";
    case TL_INT32: return "int32";
    case TL_INT16: return "int16";
    case TL_INT8: return "int8";
    case TL_UINT8: return "uint8";
  }
  return "?";
}
inline bool is_float(int d) { return d == TL_FLOAT32 || d == TL_FLOAT64; }
inline size_t dtype_size(int d) {
  switch (d) {
    case TL_BOOL: case TL_INT8: case TL_UINT8: return 1;
    case TL_FLOAT16: case TL_BFLOAT16: case TL_INT16: return 2;
    case TL_FLOAT32: case TL_INT32: return 4;
  }
  return 8;
}

// Dtype dispatch: the body sees `scalar_t`.
#define TLC_CASE_(CODE, TYPE, ...) \
  case CODE: {                     \
    using scalar_t = TYPE;         \
    __VA_ARGS__();                 \
    break;                         \
  }
#define TLC_DISPATCH_FLOAT(DT, OP, ...)                                                   \
  switch (DT) {                                                                           \
    TLC_CASE_(TL_FLOAT32, float, __VA_ARGS__)                                             \
    TLC_CASE_(TL_FLOAT64, double, __VA_ARGS__)                                            \
    default:                                                                              \
      TLC_FAIL(TL_ERR_TYPE, (OP) << ": expected a floating dtype, got " << dtype_name(DT)); \
  }
#define TLC_DISPATCH_NUMERIC(DT, OP, ...)                                                \
  switch (DT) {                                                                          \
    TLC_CASE_(TL_FLOAT32, float, __VA_ARGS__)                                            \
    TLC_CASE_(TL_FLOAT64, double, __VA_ARGS__)                                           \
    TLC_CASE_(TL_INT64, int64_t, __VA_ARGS__)                                            \
    default:                                                                             \
      TLC_FAIL(TL_ERR_TYPE, (OP) << ": expected a numeric dtype, got " << dtype_name(DT)); \
  }
#define TLC_DISPATCH_ALL(DT, OP, ...)                                \
  switch (DT) {                                                      \
    TLC_CASE_(TL_FLOAT32, float, __VA_ARGS__)                        \
    TLC_CASE_(TL_FLOAT64, double, __VA_ARGS__)                       \
    TLC_CASE_(TL_INT64, int64_t, __VA_ARGS__)                        \
    TLC_CASE_(TL_BOOL, bool, __VA_ARGS__)                            \
    default: TLC_FAIL(TL_ERR_TYPE, (OP) << ": not implemented on CUDA for " << dtype_name(DT)); \
  }

// ---------------------------------------------------------------- strided indexing
// Indexer<N>: N operands over one logical shape. Passed BY VALUE as a kernel argument
// (N=4: 8 + 8*8 + 4*8*8 bytes, well under the 4 KiB parameter limit). Operand k's element
// for linear (row-major) index i is base_k + sum_d coord_d(i) * strides[k][d]; a stride of
// 0 is a broadcast dim, a transposed view just has permuted strides: nothing is copied.
template <int N>
struct Indexer {
  int ndim;
  int64_t shape[TL_MAX_DIMS];
  int64_t strides[N][TL_MAX_DIMS];

  // offsets of linear index i for every operand. ndim == 1 with unit strides is the
  // common contiguous case after dim merging; the loop then runs once.
  __device__ __forceinline__ void offsets(int64_t i, int64_t* off) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t s = shape[d];
      int64_t c = (d == 0) ? i : i % s;
      i = (d == 0) ? 0 : i / s;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += c * strides[k][d];
    }
  }
};

// Build an Indexer from a shape and N stride arrays: drop size-1 dims, then merge adjacent
// dims (d, d+1) when stride[d] == stride[d+1]*shape[d+1] for every operand. A contiguous
// (or uniformly broadcast) problem collapses to one dim. Fails past TL_MAX_DIMS dims.
template <int N>
Indexer<N> make_indexer(const char* op, int ndim, const int64_t* shape,
                        const int64_t* const* strides) {
  int64_t sh[64], st[N][64];
  int n = 0;
  TLC_CHECK(ndim >= 0 && ndim <= 64, TL_ERR_VALUE, op << ": too many dims (" << ndim << ")");
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] == 1) continue;
    bool merge = n > 0;
    for (int k = 0; k < N && merge; ++k) merge = st[k][n - 1] == strides[k][d] * shape[d];
    if (merge) {
      sh[n - 1] *= shape[d];
      for (int k = 0; k < N; ++k) st[k][n - 1] = strides[k][d];
    } else {
      sh[n] = shape[d];
      for (int k = 0; k < N; ++k) st[k][n] = strides[k][d];
      ++n;
    }
  }
  TLC_CHECK(n <= TL_MAX_DIMS, TL_ERR_VALUE,
            op << ": the CUDA backend supports up to " << TL_MAX_DIMS
               << " non-mergeable dims, got " << n << "; make the input contiguous first");
  Indexer<N> ix{};
  if (n == 0) {  // a scalar (or all dims of size 1)
    ix.ndim = 1;
    ix.shape[0] = 1;
    for (int k = 0; k < N; ++k) ix.strides[k][0] = 0;
    return ix;
  }
  ix.ndim = n;
  for (int d = 0; d < n; ++d) {
    ix.shape[d] = sh[d];
    for (int k = 0; k < N; ++k) ix.strides[k][d] = st[k][d];
  }
  return ix;
}

inline int64_t numel_of(int ndim, const int64_t* shape) {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= shape[d];
  return n;
}

// ---------------------------------------------------------------- launch sizes
constexpr int kThreads = 256;
// Grid for a grid-stride loop over n items: enough blocks to fill the GPU, capped.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  return (unsigned)std::max<int64_t>(1, std::min<int64_t>(b, 65536));
}

// ---------------------------------------------------------------- math helpers
template <typename T> struct Acc { using type = T; };
template <> struct Acc<bool> { using type = int64_t; };

__device__ __forceinline__ float tl_exp(float x) { return expf(x); }
__device__ __forceinline__ double tl_exp(double x) { return exp(x); }
__device__ __forceinline__ float tl_log(float x) { return logf(x); }
__device__ __forceinline__ double tl_log(double x) { return log(x); }
__device__ __forceinline__ float tl_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double tl_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float tl_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double tl_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float tl_erf(float x) { return erff(x); }
__device__ __forceinline__ double tl_erf(double x) { return erf(x); }
__device__ __forceinline__ float tl_sin(float x) { return sinf(x); }
__device__ __forceinline__ double tl_sin(double x) { return sin(x); }
__device__ __forceinline__ float tl_cos(float x) { return cosf(x); }
__device__ __forceinline__ double tl_cos(double x) { return cos(x); }
__device__ __forceinline__ float tl_pow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double tl_pow(double x, double y) { return pow(x, y); }

template <typename T> __device__ __forceinline__ T neg_inf() { return -INFINITY; }
template <> __device__ __forceinline__ int64_t neg_inf<int64_t>() { return INT64_MIN; }
template <typename T> __device__ __forceinline__ T pos_inf() { return INFINITY; }
template <> __device__ __forceinline__ int64_t pos_inf<int64_t>() { return INT64_MAX; }

template <typename T> __device__ __forceinline__ bool is_nan(T x) { return x != x; }

// Warp-level reductions (all 32 lanes take part).
template <typename T> __device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
template <typename T> __device__ __forceinline__ T warp_max(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    T w = __shfl_xor_sync(0xffffffffu, v, o);
    v = (w > v || is_nan(w)) ? w : v;
  }
  return v;
}

// Block-wide sum / max for blockDim.x a multiple of 32 (<= 1024). Every thread gets the
// result. `sh` is 32 elements of shared scratch; the trailing barrier makes it reusable.
template <typename T> __device__ T block_sum(T v, T* sh) {
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_sum(v);
  if (lane == 0) sh[wid] = v;
  __syncthreads();
  T r = (lane < nw) ? sh[lane] : T(0);
  r = warp_sum(r);
  __syncthreads();
  return r;
}
template <typename T> __device__ T block_max(T v, T* sh) {
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_max(v);
  if (lane == 0) sh[wid] = v;
  __syncthreads();
  T r = (lane < nw) ? sh[lane] : neg_inf<T>();
  r = warp_max(r);
  __syncthreads();
  return r;
}

// Device-side error flag for bounds checks: kernels atomicExch the first bad index in,
// the host reads it back (one sync) and raises IndexError. Lives in memory.cu.
int64_t* index_error_flag();          // device pointer, reset to -1 by reset_index_error()
void reset_index_error(const char* op);
// Returns the recorded bad index (or -1): synchronizes the default stream.
long long read_index_error(const char* op);

}  // namespace tlc
