// elementwise.cu — copy/convert, unary, scalar, binary (broadcast), comparison, where,
// fused activation backward, axpy, fill and arange.
//
// Shapes: every op runs over one logical shape (the broadcast result shape, computed by
// the Python side) of n elements. Each operand comes with its own strides over that shape
// (0 on broadcast dims, permuted on transposed views), packed into an Indexer<N> that is
// passed BY VALUE (no device-side metadata buffers). Host code first merges dims that are
// contiguous for all operands, so the common fully-contiguous case has ndim == 1.
//
// Thread mapping: a 1-D grid-stride loop; thread t of block b handles linear indices
// i = b*256 + t, i + gridDim.x*256, ... (row-major over the logical shape). Adjacent
// threads touch adjacent output elements, so contiguous operands are read and written
// coalesced. The op code is a kernel argument: the switch is uniform across the grid, so
// it costs one predictable branch per element and keeps the number of instantiations small.
#include "common.cuh"

namespace tlc {

// ---------------------------------------------------------------- math
// gelu(x) = x·Φ(x) = x/2·(1 + erf(x/√2))
// gelu_tanh(x) = x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
template <typename T> __device__ __forceinline__ T gelu_f(T x) {
  return T(0.5) * x * (T(1) + tl_erf(x * T(0.70710678118654752440)));
}
template <typename T> __device__ __forceinline__ T gelu_tanh_f(T x) {
  const T k = T(0.79788456080286535588), c = T(0.044715);
  return T(0.5) * x * (T(1) + tl_tanh(k * (x + c * x * x * x)));
}
// d/dx gelu = Φ(x) + x·φ(x),  φ(x) = exp(−x²/2)/√(2π)
template <typename T> __device__ __forceinline__ T gelu_grad(T x) {
  T cdf = T(0.5) * (T(1) + tl_erf(x * T(0.70710678118654752440)));
  T pdf = tl_exp(T(-0.5) * x * x) * T(0.39894228040143267794);
  return cdf + x * pdf;
}
// d/dx gelu_tanh = ½(1+t) + ½x(1−t²)·k(1+3c·x²),  t = tanh(k(x + c·x³))
template <typename T> __device__ __forceinline__ T gelu_tanh_grad(T x) {
  const T k = T(0.79788456080286535588), c = T(0.044715);
  T t = tl_tanh(k * (x + c * x * x * x));
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * k * (T(1) + T(3) * c * x * x);
}
// maximum/minimum propagate NaN (torch semantics)
template <typename T> __device__ __forceinline__ T max_nan(T a, T b) {
  return is_nan(a) ? a : (is_nan(b) ? b : (a > b ? a : b));
}
template <typename T> __device__ __forceinline__ T min_nan(T a, T b) {
  return is_nan(a) ? a : (is_nan(b) ? b : (a < b ? a : b));
}

// y = f(x, s) for value-producing unary ops (dtype preserved)
template <typename T> __device__ __forceinline__ T unary_val(int op, T x, T s) {
  if constexpr (std::is_floating_point<T>::value) {
    switch (op) {
      case TL_EXP: return tl_exp(x);
      case TL_LOG: return tl_log(x);
      case TL_SQRT: return tl_sqrt(x);
      case TL_TANH: return tl_tanh(x);
      case TL_SIGMOID: return T(1) / (T(1) + tl_exp(-x));
      case TL_GELU: return gelu_f(x);
      case TL_GELU_TANH: return gelu_tanh_f(x);
      case TL_SIN: return tl_sin(x);
      case TL_COS: return tl_cos(x);
      case TL_DIV_S: return x / s;
      case TL_RDIV_S: return s / x;
      case TL_POW_S: return tl_pow(x, s);
      case TL_RPOW_S: return tl_pow(s, x);
      default: break;
    }
  }
  switch (op) {
    case TL_NEG: return -x;
    case TL_ABS: return x < T(0) ? -x : x;
    case TL_RELU: return x > T(0) ? x : (is_nan(x) ? x : T(0));
    case TL_ADD_S: return x + s;
    case TL_MUL_S: return x * s;
    case TL_RSUB_S: return s - x;
    case TL_MAX_S: return max_nan(x, s);
    case TL_MIN_S: return min_nan(x, s);
    case TL_FILL: return s;
    default: return x;
  }
}

// bool = f(x, s) for comparisons with a scalar and logical_not; compared in double
// (exact for floats and for integers below 2^53)
__device__ __forceinline__ bool unary_cmp(int op, double x, double s) {
  switch (op) {
    case TL_EQ_S: return x == s;
    case TL_NE_S: return x != s;
    case TL_LT_S: return x < s;
    case TL_LE_S: return x <= s;
    case TL_GT_S: return x > s;
    case TL_GE_S: return x >= s;
    case TL_LOGICAL_NOT: return x == 0.0;
    default: return false;
  }
}

template <typename T> __device__ __forceinline__ T binary_val(int op, T a, T b, T s) {
  if constexpr (std::is_floating_point<T>::value) {
    switch (op) {
      case TL_DIV: return a / b;
      case TL_POW: return tl_pow(a, b);
      case TL_RELU_BW: return a > T(0) ? b : T(0);          // (x, g)
      case TL_GELU_BW: return b * gelu_grad(a);              // (x, g)
      case TL_GELU_TANH_BW: return b * gelu_tanh_grad(a);    // (x, g)
      case TL_SIGMOID_BW: return b * a * (T(1) - a);         // (y, g)
      case TL_TANH_BW: return b * (T(1) - a * a);            // (y, g)
      default: break;
    }
  }
  switch (op) {
    case TL_ADD: return a + b;
    case TL_SUB: return a - b;
    case TL_MUL: return a * b;
    case TL_MAXIMUM: return max_nan(a, b);
    case TL_MINIMUM: return min_nan(a, b);
    case TL_AXPY: return a + s * b;
    default: return a;
  }
}

template <typename T> __device__ __forceinline__ bool binary_cmp(int op, T a, T b) {
  switch (op) {
    case TL_EQ: return a == b;
    case TL_NE: return a != b;
    case TL_LT: return a < b;
    case TL_LE: return a <= b;
    case TL_GT: return a > b;
    case TL_GE: return a >= b;
    default: return false;
  }
}

// ---------------------------------------------------------------- kernels
// operand 0 of every Indexer is the output.

template <typename TI, typename TO>
__global__ void copy_kernel(Indexer<2> ix, int64_t n, TO* dst, const TI* src) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    ix.offsets(i, off);
    dst[off[0]] = static_cast<TO>(src[off[1]]);
  }
}

template <typename T>
__global__ void unary_val_kernel(int op, Indexer<2> ix, int64_t n, T* out, const T* x, T s) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    ix.offsets(i, off);
    out[off[0]] = unary_val<T>(op, op == TL_FILL ? T(0) : x[off[1]], s);
  }
}

template <typename T>
__global__ void unary_cmp_kernel(int op, Indexer<2> ix, int64_t n, bool* out, const T* x, double s) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    ix.offsets(i, off);
    out[off[0]] = unary_cmp(op, (double)x[off[1]], s);
  }
}

template <typename T>
__global__ void binary_val_kernel(int op, Indexer<3> ix, int64_t n, T* out, const T* a,
                                  const T* b, T s) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    ix.offsets(i, off);
    out[off[0]] = binary_val<T>(op, a[off[1]], b[off[2]], s);
  }
}

template <typename T>
__global__ void binary_cmp_kernel(int op, Indexer<3> ix, int64_t n, bool* out, const T* a,
                                  const T* b) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    ix.offsets(i, off);
    out[off[0]] = binary_cmp<T>(op, a[off[1]], b[off[2]]);
  }
}

template <typename T>
__global__ void where_kernel(Indexer<4> ix, int64_t n, T* out, const bool* c, const T* a,
                             const T* b) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[4];
    ix.offsets(i, off);
    out[off[0]] = c[off[1]] ? a[off[2]] : b[off[3]];
  }
}

// out[i] = start + i·step (computed in double, then converted)
template <typename T>
__global__ void arange_kernel(int64_t n, double start, double step, T* out) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)gridDim.x * blockDim.x)
    out[i] = static_cast<T>(start + (double)i * step);
}

// ---------------------------------------------------------------- host helpers
static bool unary_is_float_only(int op) {
  return (op >= TL_EXP && op <= TL_COS) || (op >= TL_DIV_S && op <= TL_RPOW_S);
}
static bool unary_is_cmp(int op) { return (op >= TL_EQ_S && op <= TL_GE_S) || op == TL_LOGICAL_NOT; }
static bool binary_is_float_only(int op) {
  return op == TL_DIV || op == TL_POW || (op >= TL_RELU_BW && op <= TL_TANH_BW);
}
static bool binary_is_cmp(int op) { return op >= TL_EQ && op <= TL_GE; }

template <typename TI>
static void launch_copy(const Indexer<2>& ix, int64_t n, void* dst, int dst_dtype, const void* src) {
  TLC_DISPATCH_ALL(dst_dtype, "copy", [&] {
    copy_kernel<TI, scalar_t><<<grid_for(n), kThreads>>>(ix, n, (scalar_t*)dst, (const TI*)src);
  });
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_copy(int ndim, const int64_t* shape, void* dst, int dst_dtype, const int64_t* dst_strides,
            const void* src, int src_dtype, const int64_t* src_strides) {
  TLC_API_BEGIN
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[2] = {dst_strides, src_strides};
  Indexer<2> ix = make_indexer<2>("copy", ndim, shape, st);
  if (dst_dtype == src_dtype && ix.ndim == 1 && ix.strides[0][0] == 1 && ix.strides[1][0] == 1) {
    TLC_CUDA("copy", cudaMemcpyAsync(dst, src, n * dtype_size(dst_dtype), cudaMemcpyDeviceToDevice, 0));
    return TL_OK;
  }
  TLC_DISPATCH_ALL(src_dtype, "copy", [&] { launch_copy<scalar_t>(ix, n, dst, dst_dtype, src); });
  TLC_LAUNCHED("copy");
  TLC_API_END
}

int tl_unary(int op, int dtype, int ndim, const int64_t* shape, void* out, int out_dtype,
             const int64_t* out_strides, const void* x, const int64_t* x_strides, double s) {
  TLC_API_BEGIN
  TLC_CHECK(op >= TL_EXP && op <= TL_LOGICAL_NOT, TL_ERR_VALUE, "unary: unknown op " << op);
  if (unary_is_float_only(op))
    TLC_CHECK(is_float(dtype), TL_ERR_TYPE, "unary op " << op << ": expected a floating dtype, got " << dtype_name(dtype));
  bool cmp = unary_is_cmp(op);
  TLC_CHECK(out_dtype == (cmp ? TL_BOOL : dtype), TL_ERR_TYPE,
            "unary op " << op << ": bad output dtype " << dtype_name(out_dtype));
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[2] = {out_strides, x_strides ? x_strides : out_strides};
  Indexer<2> ix = make_indexer<2>("unary", ndim, shape, st);
  if (cmp) {
    TLC_DISPATCH_ALL(dtype, "unary", [&] {
      unary_cmp_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (bool*)out, (const scalar_t*)x, s);
    });
  } else if (dtype == TL_BOOL) {
    TLC_CHECK(op == TL_FILL, TL_ERR_TYPE, "unary op " << op << ": not supported for bool");
    unary_val_kernel<bool><<<grid_for(n), kThreads>>>(op, ix, n, (bool*)out, (const bool*)out, s != 0.0);
  } else {
    TLC_DISPATCH_NUMERIC(dtype, "unary", [&] {
      const scalar_t* xp = op == TL_FILL ? (const scalar_t*)out : (const scalar_t*)x;
      unary_val_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (scalar_t*)out, xp, (scalar_t)s);
    });
  }
  TLC_LAUNCHED("unary");
  TLC_API_END
}

int tl_binary(int op, int dtype, int ndim, const int64_t* shape, void* out, int out_dtype,
              const int64_t* out_strides, const void* a, const int64_t* a_strides, const void* b,
              const int64_t* b_strides, double s) {
  TLC_API_BEGIN
  TLC_CHECK(op >= TL_ADD && op <= TL_AXPY, TL_ERR_VALUE, "binary: unknown op " << op);
  if (binary_is_float_only(op))
    TLC_CHECK(is_float(dtype), TL_ERR_TYPE, "binary op " << op << ": expected a floating dtype, got " << dtype_name(dtype));
  bool cmp = binary_is_cmp(op);
  TLC_CHECK(out_dtype == (cmp ? TL_BOOL : dtype), TL_ERR_TYPE,
            "binary op " << op << ": bad output dtype " << dtype_name(out_dtype));
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[3] = {out_strides, a_strides, b_strides};
  Indexer<3> ix = make_indexer<3>("binary", ndim, shape, st);
  if (cmp) {
    TLC_DISPATCH_ALL(dtype, "binary", [&] {
      binary_cmp_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (bool*)out, (const scalar_t*)a,
                                                             (const scalar_t*)b);
    });
  } else {
    TLC_DISPATCH_NUMERIC(dtype, "binary", [&] {
      binary_val_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (scalar_t*)out, (const scalar_t*)a,
                                                             (const scalar_t*)b, (scalar_t)s);
    });
  }
  TLC_LAUNCHED("binary");
  TLC_API_END
}

int tl_where(int dtype, int ndim, const int64_t* shape, void* out, const int64_t* out_strides,
             const void* cond, const int64_t* cond_strides, const void* a, const int64_t* a_strides,
             const void* b, const int64_t* b_strides) {
  TLC_API_BEGIN
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[4] = {out_strides, cond_strides, a_strides, b_strides};
  Indexer<4> ix = make_indexer<4>("where", ndim, shape, st);
  TLC_DISPATCH_ALL(dtype, "where", [&] {
    where_kernel<scalar_t><<<grid_for(n), kThreads>>>(ix, n, (scalar_t*)out, (const bool*)cond,
                                                      (const scalar_t*)a, (const scalar_t*)b);
  });
  TLC_LAUNCHED("where");
  TLC_API_END
}

int tl_arange(int dtype, int64_t n, double start, double step, void* out) {
  TLC_API_BEGIN
  if (n <= 0) return TL_OK;
  TLC_DISPATCH_NUMERIC(dtype, "arange", [&] {
    arange_kernel<scalar_t><<<grid_for(n), kThreads>>>(n, start, step, (scalar_t*)out);
  });
  TLC_LAUNCHED("arange");
  TLC_API_END
}

}  // extern "C"
