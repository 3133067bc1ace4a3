// index.cu — index_select / index_add (embedding lookup and its backward), gather /
// scatter_add (torch.gather semantics), nonzero.
//
// Shapes and math (d = axis, all indices int64, bounds-checked, never wrapped):
//   index_select: out[..., j, ...] = x[..., idx[j], ...]         out shape = x with dim d = len(idx)
//   index_add:    out = zeros(shape); out[..., idx[j], ...] += src[..., j, ...]
//   gather:       out[p] = x[p with p_d := idx[p]]                out shape = idx shape
//   scatter_add:  out = zeros(shape); out[p with p_d := idx[p]] += src[p]   for p over idx shape
//   scatter:      out (a copy of the input) [p with p_d := idx[p]] = src[p]   for p over idx shape
//   nonzero:      (K, ndim) coordinates of the non-zero elements, row-major order
// Thread mapping: one thread per element of the iterated shape (out for index_select and
// gather, src / idx for the scatters), 1-D grid-stride; the thread unravels its linear
// index into coordinates (row-major) and combines them with each operand's strides, so
// strided inputs are read in place. Scatters accumulate with atomicAdd (float32, float64,
// int64), so the summation order — and the last bits of float results — may vary run to run.
// A bad index is recorded in a device flag and reported by the host after one sync
// (IndexError naming the op, the index and the size).
// nonzero: a counting kernel (atomicAdd) gives K, then a single 1024-thread block walks the
// input in chunks of 1024, ranks the non-zeros with warp ballots + a shared-memory scan of
// warp totals, and writes coordinates in order.
#include "common.cuh"

namespace tlc {

struct Dims {
  int ndim;
  int64_t shape[TL_MAX_DIMS];
};
struct Strides {
  int64_t s[TL_MAX_DIMS];
};

static Dims make_dims(const char* op, int ndim, const int64_t* shape) {
  TLC_CHECK(ndim >= 0 && ndim <= TL_MAX_DIMS, TL_ERR_VALUE,
            op << ": the CUDA backend supports up to " << TL_MAX_DIMS << " dims, got " << ndim);
  Dims d{};
  d.ndim = ndim;
  for (int i = 0; i < ndim; ++i) d.shape[i] = shape[i];
  return d;
}
static Strides make_strides(int ndim, const int64_t* st) {
  Strides s{};
  for (int i = 0; i < ndim; ++i) s.s[i] = st ? st[i] : 0;
  return s;
}
static Strides contiguous(const Dims& d) {
  Strides s{};
  int64_t acc = 1;
  for (int i = d.ndim - 1; i >= 0; --i) {
    s.s[i] = acc;
    acc *= d.shape[i];
  }
  return s;
}

__device__ __forceinline__ void unravel(int64_t i, const Dims& d, int64_t* coord) {
  for (int k = d.ndim - 1; k >= 0; --k) {
    coord[k] = i % d.shape[k];
    i /= d.shape[k];
  }
}

__device__ __forceinline__ void report(int64_t* err, int64_t bad) {
  atomicExch((unsigned long long*)err, (unsigned long long)bad);
}

template <typename T> __device__ __forceinline__ void atomic_add(T* p, T v) { atomicAdd(p, v); }
template <> __device__ __forceinline__ void atomic_add<int64_t>(int64_t* p, int64_t v) {
  atomicAdd((unsigned long long*)p, (unsigned long long)v);
}

#define TLC_GRID_LOOP(i, n)                                                   \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); \
       i += (int64_t)gridDim.x * blockDim.x)

template <typename T>
__global__ void index_select_kernel(Dims od, int axis, const T* x, Strides xs, int64_t size,
                                    const int64_t* idx, int64_t idx_stride, T* out, int64_t n,
                                    int64_t* err) {
  TLC_GRID_LOOP(i, n) {
    int64_t c[TL_MAX_DIMS];
    unravel(i, od, c);
    int64_t j = idx[c[axis] * idx_stride];
    if (j < 0 || j >= size) {
      report(err, j);
      out[i] = T(0);
      continue;
    }
    int64_t off = 0;
    for (int k = 0; k < od.ndim; ++k) off += (k == axis ? j : c[k]) * xs.s[k];
    out[i] = x[off];
  }
}

template <typename T>
__global__ void index_add_kernel(Dims sd, int axis, const T* src, Strides ss, const int64_t* idx,
                                 int64_t idx_stride, T* out, Dims od, Strides os, int64_t n,
                                 int64_t* err) {
  TLC_GRID_LOOP(i, n) {
    int64_t c[TL_MAX_DIMS];
    unravel(i, sd, c);
    int64_t j = idx[c[axis] * idx_stride];
    if (j < 0 || j >= od.shape[axis]) {
      report(err, j);
      continue;
    }
    int64_t so = 0, oo = 0;
    for (int k = 0; k < sd.ndim; ++k) {
      so += c[k] * ss.s[k];
      oo += (k == axis ? j : c[k]) * os.s[k];
    }
    atomic_add(out + oo, src[so]);
  }
}

template <typename T>
__global__ void gather_kernel(Dims id, int axis, const T* x, Dims xd, Strides xs,
                              const int64_t* idx, Strides is, T* out, int64_t n, int64_t* err) {
  TLC_GRID_LOOP(i, n) {
    int64_t c[TL_MAX_DIMS];
    unravel(i, id, c);
    int64_t io = 0;
    for (int k = 0; k < id.ndim; ++k) io += c[k] * is.s[k];
    int64_t j = idx[io];
    if (j < 0 || j >= xd.shape[axis]) {
      report(err, j);
      out[i] = T(0);
      continue;
    }
    int64_t xo = 0;
    for (int k = 0; k < id.ndim; ++k) xo += (k == axis ? j : c[k]) * xs.s[k];
    out[i] = x[xo];
  }
}

template <typename T>
__global__ void scatter_add_kernel(Dims id, int axis, const T* src, Strides ss, const int64_t* idx,
                                   Strides is, T* out, Dims od, Strides os, int64_t n, int64_t* err) {
  TLC_GRID_LOOP(i, n) {
    int64_t c[TL_MAX_DIMS];
    unravel(i, id, c);
    int64_t io = 0, so = 0;
    for (int k = 0; k < id.ndim; ++k) {
      io += c[k] * is.s[k];
      so += c[k] * ss.s[k];
    }
    int64_t j = idx[io];
    if (j < 0 || j >= od.shape[axis]) {
      report(err, j);
      continue;
    }
    int64_t oo = 0;
    for (int k = 0; k < id.ndim; ++k) oo += (k == axis ? j : c[k]) * os.s[k];
    atomic_add(out + oo, src[so]);
  }
}

// out[p with p_axis := idx[p]] = src[p]; colliding indices: one of them wins (as torch on CUDA)
template <typename T>
__global__ void scatter_kernel(Dims id, int axis, const T* src, Strides ss, const int64_t* idx, Strides is,
                               T* out, Dims od, Strides os, int64_t n, int64_t* err) {
  TLC_GRID_LOOP(i, n) {
    int64_t c[TL_MAX_DIMS];
    unravel(i, id, c);
    int64_t io = 0, so = 0;
    for (int k = 0; k < id.ndim; ++k) {
      io += c[k] * is.s[k];
      so += c[k] * ss.s[k];
    }
    int64_t j = idx[io];
    if (j < 0 || j >= od.shape[axis]) {
      report(err, j);
      continue;
    }
    int64_t oo = 0;
    for (int k = 0; k < id.ndim; ++k) oo += (k == axis ? j : c[k]) * os.s[k];
    out[oo] = src[so];
  }
}

template <typename T>
__global__ void nonzero_count_kernel(Indexer<1> ix, int64_t n, const T* x, unsigned long long* count) {
  unsigned long long local = 0;
  TLC_GRID_LOOP(i, n) {
    int64_t off[1];
    ix.offsets(i, off);
    local += x[off[0]] != T(0);
  }
  local = warp_sum(local);
  if ((threadIdx.x & 31) == 0 && local) atomicAdd(count, local);
}

// One block of 1024 threads. Chunk step: flag = x[i] != 0; rank = number of flagged
// elements before i in the chunk (ballot/popc inside the warp + exclusive scan of the 32
// warp totals by warp 0); coordinates go to row base + rank; base += chunk total.
template <typename T>
__global__ void nonzero_kernel(Indexer<1> ix, Dims d, int64_t n, const T* x, int64_t* out, int64_t K) {
  __shared__ int warp_tot[32];
  __shared__ int warp_off[32];
  __shared__ int chunk_tot;
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
  int64_t base = 0;
  for (int64_t start = 0; start < n; start += blockDim.x) {
    int64_t i = start + threadIdx.x;
    bool f = false;
    if (i < n) {
      int64_t off[1];
      ix.offsets(i, off);
      f = x[off[0]] != T(0);
    }
    unsigned bal = __ballot_sync(0xffffffffu, f);
    int rank_in_warp = __popc(bal & ((1u << lane) - 1u));
    if (lane == 0) warp_tot[wid] = __popc(bal);
    __syncthreads();
    if (wid == 0) {
      int v = lane < (int)(blockDim.x >> 5) ? warp_tot[lane] : 0, incl = v;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        int w = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += w;
      }
      warp_off[lane] = incl - v;
      if (lane == 31) chunk_tot = incl;
    }
    __syncthreads();
    if (f) {
      int64_t row = base + warp_off[wid] + rank_in_warp;
      if (row < K) {
        int64_t c[TL_MAX_DIMS];
        unravel(i, d, c);
        for (int k = 0; k < d.ndim; ++k) out[row * d.ndim + k] = c[k];
      }
    }
    base += chunk_tot;
    __syncthreads();
  }
}

static void check_flag(const char* op, int64_t size) {
  long long bad = read_index_error(op);
  TLC_CHECK(bad == -1, TL_ERR_INDEX,
            op << ": index " << bad << " is out of bounds for dimension with size " << size);
}

#define TLC_DISPATCH_ACCUM(DT, OP, ...)                                                     \
  switch (DT) {                                                                             \
    TLC_CASE_(TL_FLOAT32, float, __VA_ARGS__)                                               \
    TLC_CASE_(TL_FLOAT64, double, __VA_ARGS__)                                              \
    TLC_CASE_(TL_INT64, int64_t, __VA_ARGS__)                                               \
    default: TLC_FAIL(TL_ERR_TYPE, (OP) << ": unsupported dtype " << dtype_name(DT));       \
  }

}  // namespace tlc

using namespace tlc;

extern "C" {

int tl_index_select(int dtype, int ndim, const int64_t* out_shape, int axis, const void* x,
                    const int64_t* x_strides, int64_t x_axis_size, const int64_t* idx,
                    int64_t idx_stride, void* out) {
  TLC_API_BEGIN
  const char* op = "index_select";
  Dims od = make_dims(op, ndim, out_shape);
  TLC_CHECK(axis >= 0 && axis < ndim, TL_ERR_INDEX, op << ": bad axis " << axis);
  int64_t n = numel_of(ndim, out_shape);
  if (n == 0) return TL_OK;
  reset_index_error(op);
  TLC_DISPATCH_ALL(dtype, op, [&] {
    index_select_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        od, axis, (const scalar_t*)x, make_strides(ndim, x_strides), x_axis_size, idx, idx_stride,
        (scalar_t*)out, n, index_error_flag());
  });
  TLC_LAUNCHED(op);
  check_flag(op, x_axis_size);
  TLC_API_END
}

int tl_index_add(int dtype, int ndim, const int64_t* src_shape, int axis, const void* src,
                 const int64_t* src_strides, const int64_t* idx, int64_t idx_stride, void* out,
                 const int64_t* out_shape) {
  TLC_API_BEGIN
  const char* op = "index_add";
  Dims sd = make_dims(op, ndim, src_shape), od = make_dims(op, ndim, out_shape);
  TLC_CHECK(axis >= 0 && axis < ndim, TL_ERR_INDEX, op << ": bad axis " << axis);
  int64_t n_out = numel_of(ndim, out_shape), n = numel_of(ndim, src_shape);
  if (n_out) TLC_CUDA(op, cudaMemsetAsync(out, 0, n_out * dtype_size(dtype), 0));
  if (n == 0) return TL_OK;
  reset_index_error(op);
  TLC_DISPATCH_ACCUM(dtype, op, [&] {
    index_add_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        sd, axis, (const scalar_t*)src, make_strides(ndim, src_strides), idx, idx_stride,
        (scalar_t*)out, od, contiguous(od), n, index_error_flag());
  });
  TLC_LAUNCHED(op);
  check_flag(op, out_shape[axis]);
  TLC_API_END
}

int tl_gather(int dtype, int ndim, const int64_t* idx_shape, int axis, const void* x,
              const int64_t* x_shape, const int64_t* x_strides, const int64_t* idx,
              const int64_t* idx_strides, void* out) {
  TLC_API_BEGIN
  const char* op = "gather";
  Dims id = make_dims(op, ndim, idx_shape), xd = make_dims(op, ndim, x_shape);
  TLC_CHECK(axis >= 0 && axis < ndim, TL_ERR_INDEX, op << ": bad axis " << axis);
  int64_t n = numel_of(ndim, idx_shape);
  if (n == 0) return TL_OK;
  reset_index_error(op);
  TLC_DISPATCH_ALL(dtype, op, [&] {
    gather_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        id, axis, (const scalar_t*)x, xd, make_strides(ndim, x_strides), idx,
        make_strides(ndim, idx_strides), (scalar_t*)out, n, index_error_flag());
  });
  TLC_LAUNCHED(op);
  check_flag(op, x_shape[axis]);
  TLC_API_END
}

int tl_scatter_add(int dtype, int ndim, const int64_t* idx_shape, int axis, const void* src,
                   const int64_t* src_strides, const int64_t* idx, const int64_t* idx_strides,
                   void* out, const int64_t* out_shape) {
  TLC_API_BEGIN
  const char* op = "scatter_add";
  Dims id = make_dims(op, ndim, idx_shape), od = make_dims(op, ndim, out_shape);
  TLC_CHECK(axis >= 0 && axis < ndim, TL_ERR_INDEX, op << ": bad axis " << axis);
  int64_t n_out = numel_of(ndim, out_shape), n = numel_of(ndim, idx_shape);
  if (n_out) TLC_CUDA(op, cudaMemsetAsync(out, 0, n_out * dtype_size(dtype), 0));
  if (n == 0) return TL_OK;
  reset_index_error(op);
  TLC_DISPATCH_ACCUM(dtype, op, [&] {
    scatter_add_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        id, axis, (const scalar_t*)src, make_strides(ndim, src_strides), idx,
        make_strides(ndim, idx_strides), (scalar_t*)out, od, contiguous(od), n, index_error_flag());
  });
  TLC_LAUNCHED(op);
  check_flag(op, out_shape[axis]);
  TLC_API_END
}

int tl_scatter(int dtype, int ndim, const int64_t* idx_shape, int axis, const void* src,
               const int64_t* src_strides, const int64_t* idx, const int64_t* idx_strides,
               void* out, const int64_t* out_shape) {
  TLC_API_BEGIN
  const char* op = "scatter";
  Dims id = make_dims(op, ndim, idx_shape), od = make_dims(op, ndim, out_shape);
  TLC_CHECK(axis >= 0 && axis < ndim, TL_ERR_INDEX, op << ": bad axis " << axis);
  int64_t n = numel_of(ndim, idx_shape);
  if (n == 0) return TL_OK;
  reset_index_error(op);
  TLC_DISPATCH_ALL(dtype, op, [&] {
    scatter_kernel<scalar_t><<<grid_for(n), kThreads>>>(
        id, axis, (const scalar_t*)src, make_strides(ndim, src_strides), idx,
        make_strides(ndim, idx_strides), (scalar_t*)out, od, contiguous(od), n, index_error_flag());
  });
  TLC_LAUNCHED(op);
  check_flag(op, out_shape[axis]);
  TLC_API_END
}

int tl_nonzero_count(int dtype, int ndim, const int64_t* shape, const void* x,
                     const int64_t* strides, int64_t* count) {
  TLC_API_BEGIN
  const char* op = "nonzero";
  int64_t n = numel_of(ndim, shape);
  *count = 0;
  if (n == 0) return TL_OK;
  const int64_t* st[1] = {strides};
  Indexer<1> ix = make_indexer<1>(op, ndim, shape, st);
  unsigned long long* dcount = nullptr;
  TLC_CUDA(op, cudaMallocAsync((void**)&dcount, sizeof(unsigned long long), 0));
  TLC_CUDA(op, cudaMemsetAsync(dcount, 0, sizeof(unsigned long long), 0));
  TLC_DISPATCH_ALL(dtype, op, [&] {
    nonzero_count_kernel<scalar_t><<<grid_for(n), kThreads>>>(ix, n, (const scalar_t*)x, dcount);
  });
  TLC_LAUNCHED(op);
  unsigned long long h = 0;
  cudaError_t e = cudaMemcpy(&h, dcount, sizeof(h), cudaMemcpyDeviceToHost);
  cudaFreeAsync(dcount, 0);
  TLC_CUDA(op, e);
  *count = (int64_t)h;
  TLC_API_END
}

int tl_nonzero(int dtype, int ndim, const int64_t* shape, const void* x, const int64_t* strides,
               int64_t* out, int64_t count) {
  TLC_API_BEGIN
  const char* op = "nonzero";
  Dims d = make_dims(op, ndim, shape);
  int64_t n = numel_of(ndim, shape);
  if (n == 0 || count == 0 || ndim == 0) return TL_OK;
  const int64_t* st[1] = {strides};
  Indexer<1> ix = make_indexer<1>(op, ndim, shape, st);
  TLC_DISPATCH_ALL(dtype, op, [&] {
    nonzero_kernel<scalar_t><<<1, 1024>>>(ix, d, n, (const scalar_t*)x, out, count);
  });
  TLC_LAUNCHED(op);
  TLC_API_END
}

}  // extern "C"
