// elementwise.cu — the pointwise table's ops (csrc/ops/pointwise.def, formulas in
// csrc/math/pointwise.h: the same lines the CPU kernels compile), their backward passes,
// copy/convert, where, fill, axpy and arange.
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
// coalesced. The op code (a row's position in the table) is a kernel argument: the switch
// is uniform across the grid, one predictable branch per element, and one kernel per dtype.
#include <vector>

#include "../math/pointwise.h"
#include "common.cuh"
#include "cuda_math.cuh"

namespace tlc {

using tl::pw::Args;

// ---------------------------------------------------------------- the table
enum PwCode : int {
#define TL_UNARY(name, F, dt, saves, np, doc) OP_##name,
#define TL_UNARY_PRED(name, F, dt, np, doc) OP_##name,
#define TL_BINARY(name, F, dt, grad, doc) OP_##name,
#define TL_BINARY_PRED(name, F, dt, doc) OP_##name,
#include "../ops/pointwise.def"
  OP_COUNT
};

enum Kind { UNARY, UNARY_PRED, BINARY, BINARY_PRED };
enum Dtypes { FLOAT, NUMERIC, ALL, INTEGRAL };
struct Row {
  const char* name;
  Kind kind;
  Dtypes dtypes;
  bool grad;  // has a derivative kernel
  int nparams;
};
static const Row kRows[OP_COUNT] = {
#define TL_GRAD_NONE true
#define TL_GRAD_X true
#define TL_GRAD_Y true
#define TL_GRAD_GRAD true
#define TL_GRAD_ONE false
#define TL_GRAD_NOGRAD false
#define TL_UNARY(name, F, dt, saves, np, doc) {#name, UNARY, dt, TL_GRAD_##saves, np},
#define TL_UNARY_PRED(name, F, dt, np, doc) {#name, UNARY_PRED, dt, false, np},
#define TL_BINARY(name, F, dt, grad, doc) {#name, BINARY, dt, TL_GRAD_##grad, 0},
#define TL_BINARY_PRED(name, F, dt, doc) {#name, BINARY_PRED, dt, false, 0},
#include "../ops/pointwise.def"
};

// Whether a row of dtype class D takes element type T (so no formula is instantiated for a
// type it does not support: no exp of an int64).
template <Dtypes D, typename T>
__host__ __device__ constexpr bool takes() {
  return std::is_floating_point<T>::value ? D != INTEGRAL
         : std::is_same<T, bool>::value   ? (D == ALL || D == INTEGRAL)
                                          : D != FLOAT;
}
static bool row_takes(Dtypes d, int dtype) {
  if (is_float(dtype)) return d != INTEGRAL;
  if (dtype == TL_BOOL) return d == ALL || d == INTEGRAL;
  return d != FLOAT;
}

// y = f(x; p) for a unary row
template <typename T>
__device__ __forceinline__ T unary_value(int op, T x, const Args<T>& p) {
  switch (op) {
#define TL_UNARY(name, F, dt, saves, np, doc) \
  case OP_##name:                              \
    if constexpr (takes<dt, T>()) return tl::pw::F::template f<CudaMath>(x, p); \
    break;
#include "../ops/pointwise.def"
    default: break;
  }
  return x;
}

// bool = f(x; p) for a predicate row
template <typename T>
__device__ __forceinline__ bool unary_pred(int op, T x, const Args<T>& p) {
  switch (op) {
#define TL_UNARY_PRED(name, F, dt, np, doc) \
  case OP_##name:                            \
    if constexpr (takes<dt, T>()) return tl::pw::F::template f<CudaMath>(x, p); \
    break;
#include "../ops/pointwise.def"
    default: break;
  }
  return false;
}

// g·∂y/∂x of a unary row from its saved s (x or y); floats only (gradients are)
#define TL_BWD_NONE(name, F) case OP_##name: return tl::pw::F::template df<CudaMath>(s, g, p);
#define TL_BWD_X TL_BWD_NONE
#define TL_BWD_Y TL_BWD_NONE
#define TL_BWD_ONE(name, F)
#define TL_BWD_NOGRAD(name, F)
template <typename T>
__device__ __forceinline__ T unary_derivative(int op, T s, T g, const Args<T>& p) {
  switch (op) {
#define TL_UNARY(name, F, dt, saves, np, doc) TL_BWD_##saves(name, F)
#include "../ops/pointwise.def"
    default: break;
  }
  return g;
}

template <typename T>
__device__ __forceinline__ T binary_value(int op, T a, T b) {
  switch (op) {
#define TL_BINARY(name, F, dt, grad, doc) \
  case OP_##name:                          \
    if constexpr (takes<dt, T>()) return tl::pw::F::template f<CudaMath>(a, b); \
    break;
#include "../ops/pointwise.def"
    default: break;
  }
  return a;
}

template <typename T>
__device__ __forceinline__ bool binary_pred(int op, T a, T b) {
  switch (op) {
#define TL_BINARY_PRED(name, F, dt, doc) \
  case OP_##name:                         \
    if constexpr (takes<dt, T>()) return tl::pw::F::template f<CudaMath>(a, b); \
    break;
#include "../ops/pointwise.def"
    default: break;
  }
  return false;
}

#define TL_BBWD_GRAD(name, F) case OP_##name: tl::pw::F::template df<CudaMath>(a, b, g, ga, gb); return;
#define TL_BBWD_NOGRAD(name, F)
template <typename T>
__device__ __forceinline__ void binary_derivative(int op, T a, T b, T g, T& ga, T& gb) {
  switch (op) {
#define TL_BINARY(name, F, dt, grad, doc) TL_BBWD_##grad(name, F)
#include "../ops/pointwise.def"
    default: break;
  }
  ga = gb = T(0);
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

#define TLC_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)

template <typename T>
__global__ void unary_kernel(int op, Indexer<2> ix, int64_t n, T* out, const T* x, Args<T> p) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[2];
    ix.offsets(i, off);
    out[off[0]] = unary_value<T>(op, x[off[1]], p);
  }
}

template <typename T>
__global__ void unary_pred_kernel(int op, Indexer<2> ix, int64_t n, bool* out, const T* x, Args<T> p) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[2];
    ix.offsets(i, off);
    out[off[0]] = unary_pred<T>(op, x[off[1]], p);
  }
}

template <typename T>
__global__ void unary_backward_kernel(int op, Indexer<3> ix, int64_t n, T* out, const T* s, const T* g, Args<T> p) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[3];
    ix.offsets(i, off);
    out[off[0]] = unary_derivative<T>(op, s[off[1]], g[off[2]], p);
  }
}

template <typename T>
__global__ void binary_kernel(int op, Indexer<3> ix, int64_t n, T* out, const T* a, const T* b) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[3];
    ix.offsets(i, off);
    out[off[0]] = binary_value<T>(op, a[off[1]], b[off[2]]);
  }
}

template <typename T>
__global__ void binary_pred_kernel(int op, Indexer<3> ix, int64_t n, bool* out, const T* a, const T* b) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[3];
    ix.offsets(i, off);
    out[off[0]] = binary_pred<T>(op, a[off[1]], b[off[2]]);
  }
}

// ga, gb: contiguous at the logical shape; either may be null (not wanted)
template <typename T>
__global__ void binary_backward_kernel(int op, Indexer<3> ix, int64_t n, T* ga, T* gb, const T* a, const T* b,
                                       const T* g) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[3];
    ix.offsets(i, off);
    T x, y;
    binary_derivative<T>(op, a[off[0]], b[off[1]], g[off[2]], x, y);
    if (ga) ga[i] = x;
    if (gb) gb[i] = y;
  }
}

// out = s (fill), out += alpha·b (axpy)
template <typename T>
__global__ void fill_kernel(Indexer<1> ix, int64_t n, T* out, T v) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[1];
    ix.offsets(i, off);
    out[off[0]] = v;
  }
}

template <typename T>
__global__ void axpy_kernel(Indexer<2> ix, int64_t n, T* a, const T* b, T alpha) {
  TLC_GRID_LOOP(i, n) {
    int64_t off[2];
    ix.offsets(i, off);
    a[off[0]] = a[off[0]] + alpha * b[off[1]];
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
using tl::pw::args_from;
using tl::pw::from_double;

static const Row& row_of(int op, Kind k1, Kind k2, const char* what) {
  TLC_CHECK(op >= 0 && op < OP_COUNT, TL_ERR_VALUE, what << ": unknown op code " << op);
  const Row& r = kRows[op];
  TLC_CHECK(r.kind == k1 || r.kind == k2, TL_ERR_VALUE, what << ": " << r.name << " is not a " << what << " op");
  return r;
}

template <typename TI>
static void launch_copy(const Indexer<2>& ix, int64_t n, void* dst, int dst_dtype, const void* src) {
  TLC_DISPATCH_ALL(dst_dtype, "copy", [&] {
    copy_kernel<TI, scalar_t><<<grid_for(n), kThreads>>>(ix, n, (scalar_t*)dst, (const TI*)src);
  });
}

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_pointwise_count(void) { return OP_COUNT; }
const char* tl_pointwise_name(int op) { return op >= 0 && op < OP_COUNT ? kRows[op].name : ""; }

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
             const int64_t* out_strides, const void* x, const int64_t* x_strides, double a, double b, double c) {
  TLC_API_BEGIN
  const Row& r = row_of(op, UNARY, UNARY_PRED, "unary");
  TLC_CHECK(row_takes(r.dtypes, dtype), TL_ERR_TYPE, r.name << ": unsupported dtype " << dtype_name(dtype));
  const bool pred = r.kind == UNARY_PRED;
  TLC_CHECK(out_dtype == (pred ? TL_BOOL : dtype), TL_ERR_TYPE, r.name << ": bad output dtype " << dtype_name(out_dtype));
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[2] = {out_strides, x_strides};
  Indexer<2> ix = make_indexer<2>(r.name, ndim, shape, st);
  TLC_DISPATCH_ALL(dtype, r.name, [&] {
    if (pred)
      unary_pred_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (bool*)out, (const scalar_t*)x,
                                                             args_from<scalar_t>(a, b, c));
    else
      unary_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (scalar_t*)out, (const scalar_t*)x,
                                                        args_from<scalar_t>(a, b, c));
  });
  TLC_LAUNCHED(r.name);
  TLC_API_END
}

int tl_unary_backward(int op, int dtype, int ndim, const int64_t* shape, void* out, const void* s,
                      const int64_t* s_strides, const void* g, const int64_t* g_strides, double a, double b, double c) {
  TLC_API_BEGIN
  const Row& r = row_of(op, UNARY, UNARY, "unary");
  TLC_CHECK(r.grad, TL_ERR_VALUE, r.name << " has no derivative kernel");
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  std::vector<int64_t> out_st(ndim);  // the output is contiguous
  int64_t acc = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    out_st[d] = acc;
    acc *= shape[d];
  }
  const int64_t* st[3] = {out_st.data(), s_strides, g_strides};
  Indexer<3> ix = make_indexer<3>(r.name, ndim, shape, st);
  TLC_DISPATCH_FLOAT(dtype, r.name, [&] {
    unary_backward_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (scalar_t*)out, (const scalar_t*)s,
                                                               (const scalar_t*)g, args_from<scalar_t>(a, b, c));
  });
  TLC_LAUNCHED(r.name);
  TLC_API_END
}

int tl_binary(int op, int dtype, int ndim, const int64_t* shape, void* out, int out_dtype,
              const int64_t* out_strides, const void* a, const int64_t* a_strides, const void* b,
              const int64_t* b_strides) {
  TLC_API_BEGIN
  const Row& r = row_of(op, BINARY, BINARY_PRED, "binary");
  TLC_CHECK(row_takes(r.dtypes, dtype), TL_ERR_TYPE, r.name << ": unsupported dtype " << dtype_name(dtype));
  const bool pred = r.kind == BINARY_PRED;
  TLC_CHECK(out_dtype == (pred ? TL_BOOL : dtype), TL_ERR_TYPE, r.name << ": bad output dtype " << dtype_name(out_dtype));
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[3] = {out_strides, a_strides, b_strides};
  Indexer<3> ix = make_indexer<3>(r.name, ndim, shape, st);
  TLC_DISPATCH_ALL(dtype, r.name, [&] {
    if (pred)
      binary_pred_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (bool*)out, (const scalar_t*)a,
                                                              (const scalar_t*)b);
    else
      binary_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (scalar_t*)out, (const scalar_t*)a,
                                                         (const scalar_t*)b);
  });
  TLC_LAUNCHED(r.name);
  TLC_API_END
}

int tl_binary_backward(int op, int dtype, int ndim, const int64_t* shape, void* ga, void* gb, const void* a,
                       const int64_t* a_strides, const void* b, const int64_t* b_strides, const void* g,
                       const int64_t* g_strides) {
  TLC_API_BEGIN
  const Row& r = row_of(op, BINARY, BINARY, "binary");
  TLC_CHECK(r.grad, TL_ERR_VALUE, r.name << " has no derivative kernel");
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  // the outputs are contiguous: the indexer covers the three inputs, outputs use i itself
  const int64_t* st[3] = {a_strides, b_strides, g_strides};
  Indexer<3> ix = make_indexer<3>(r.name, ndim, shape, st);
  TLC_DISPATCH_FLOAT(dtype, r.name, [&] {
    binary_backward_kernel<scalar_t><<<grid_for(n), kThreads>>>(op, ix, n, (scalar_t*)ga, (scalar_t*)gb,
                                                                (const scalar_t*)a, (const scalar_t*)b,
                                                                (const scalar_t*)g);
  });
  TLC_LAUNCHED(r.name);
  TLC_API_END
}

int tl_fill(int dtype, int ndim, const int64_t* shape, void* out, const int64_t* out_strides, double value) {
  TLC_API_BEGIN
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[1] = {out_strides};
  Indexer<1> ix = make_indexer<1>("fill_", ndim, shape, st);
  TLC_DISPATCH_ALL(dtype, "fill_", [&] {
    fill_kernel<scalar_t><<<grid_for(n), kThreads>>>(ix, n, (scalar_t*)out, from_double<scalar_t>(value));
  });
  TLC_LAUNCHED("fill_");
  TLC_API_END
}

int tl_axpy(int dtype, int ndim, const int64_t* shape, void* a, const int64_t* a_strides, const void* b,
            const int64_t* b_strides, double alpha) {
  TLC_API_BEGIN
  int64_t n = numel_of(ndim, shape);
  if (n == 0) return TL_OK;
  const int64_t* st[2] = {a_strides, b_strides};
  Indexer<2> ix = make_indexer<2>("axpy_", ndim, shape, st);
  TLC_DISPATCH_NUMERIC(dtype, "axpy_", [&] {
    axpy_kernel<scalar_t><<<grid_for(n), kThreads>>>(ix, n, (scalar_t*)a, (const scalar_t*)b,
                                                     from_double<scalar_t>(alpha));
  });
  TLC_LAUNCHED("axpy_");
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
