// reduce.cu — sum, mean, max, min, var (two-pass), argmax, argmin over any set of axes.
//
// Math: out[o] = R_{i < n_in} x[o, i], where the Python side permutes the reduced axes to
// the end: `outer` are the kept dims (o, row-major, out is contiguous of n_out elements)
// and `inner` the reduced dims (i, row-major). Both come with the input's strides, so a
// strided or transposed input is read in place.
//   sum: Σx (bool/int64 -> int64) · mean: Σx / n_in · max/min: NaN-propagating
//   var: Σ(x − mean)² / (n_in − correction), two passes over the data (numerically stable)
//   argmax/argmin: position i (row-major inside `inner`) of the first extreme; NaN counts as
//   the extreme (torch).
//
// Two thread mappings, chosen on the host:
//   row mode    — one block per output (grid-stride over outputs); the block's threads
//                 stride over the n_in reduced elements (coalesced when the reduced dims are
//                 the contiguous ones), then a warp-shuffle + shared-memory tree reduction.
//   column mode — one thread per output, a sequential loop over n_in; used when there are
//                 many outputs and the reduced elements are not contiguous (e.g. summing over
//                 axis 0 of a (B, H) array: adjacent threads read adjacent columns, coalesced).
#include "common.cuh"

namespace tlc {

template <typename T> struct RAcc { using type = T; };
template <> struct RAcc<bool> { using type = int64_t; };

template <typename A>
__device__ __forceinline__ bool arg_better(bool want_max, A v1, int64_t i1, A v2, int64_t i2) {
  bool n1 = is_nan(v1), n2 = is_nan(v2);
  if (n1 || n2) return n1 && (!n2 || i1 < i2);
  if (v1 == v2) return i1 < i2;
  return want_max ? v1 > v2 : v1 < v2;
}

template <typename A> __device__ __forceinline__ A combine_minmax(bool want_max, A a, A b) {
  if (is_nan(a)) return a;
  if (is_nan(b)) return b;
  return want_max ? (a > b ? a : b) : (a < b ? a : b);
}

template <typename T>
__device__ __forceinline__ int64_t inner_off(const Indexer<1>& in, int64_t i) {
  if (in.ndim == 1) return i * in.strides[0][0];
  int64_t off[1];
  in.offsets(i, off);
  return off[0];
}

// ------------------------------------------------------------------ row mode
template <typename T, typename TO>
__global__ void reduce_row_kernel(int op, Indexer<1> outer, Indexer<1> inner, int64_t n_out,
                                  int64_t n_in, const T* x, TO* out, double correction) {
  using A = typename RAcc<T>::type;
  __shared__ A sh[32];
  __shared__ int64_t shi[32];
  const bool want_max = (op == TL_R_MAX || op == TL_R_ARGMAX);
  for (int64_t o = blockIdx.x; o < n_out; o += gridDim.x) {
    int64_t base[1];
    outer.offsets(o, base);
    const T* xr = x + base[0];
    if (op == TL_R_SUM || op == TL_R_MEAN || op == TL_R_VAR) {
      A s = A(0);
      for (int64_t i = threadIdx.x; i < n_in; i += blockDim.x) s += (A)xr[inner_off<T>(inner, i)];
      s = block_sum(s, sh);
      if (op == TL_R_SUM) {
        if (threadIdx.x == 0) out[o] = (TO)s;
        continue;
      }
      A mean = s / (A)n_in;
      if (op == TL_R_MEAN) {
        if (threadIdx.x == 0) out[o] = (TO)mean;
        continue;
      }
      A q = A(0);
      for (int64_t i = threadIdx.x; i < n_in; i += blockDim.x) {
        A d = (A)xr[inner_off<T>(inner, i)] - mean;
        q += d * d;
      }
      q = block_sum(q, sh);
      if (threadIdx.x == 0) out[o] = (TO)(q / (A)((double)n_in - correction));
    } else if (op == TL_R_MAX || op == TL_R_MIN) {
      A m = want_max ? neg_inf<A>() : pos_inf<A>();
      for (int64_t i = threadIdx.x; i < n_in; i += blockDim.x)
        m = combine_minmax(want_max, m, (A)xr[inner_off<T>(inner, i)]);
      // tree over (value) with NaN propagation
      int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
#pragma unroll
      for (int s = 16; s > 0; s >>= 1) m = combine_minmax(want_max, m, __shfl_xor_sync(0xffffffffu, m, s));
      if (lane == 0) sh[wid] = m;
      __syncthreads();
      if (threadIdx.x == 0) {
        A r = sh[0];
        for (int w = 1; w < nw; ++w) r = combine_minmax(want_max, r, sh[w]);
        out[o] = (TO)r;
      }
      __syncthreads();
    } else {  // ARGMAX / ARGMIN
      A bv = want_max ? neg_inf<A>() : pos_inf<A>();
      int64_t bi = INT64_MAX;
      for (int64_t i = threadIdx.x; i < n_in; i += blockDim.x) {
        A v = (A)xr[inner_off<T>(inner, i)];
        if (bi == INT64_MAX || arg_better(want_max, v, i, bv, bi)) { bv = v; bi = i; }
      }
      int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
#pragma unroll
      for (int s = 16; s > 0; s >>= 1) {
        A v = __shfl_xor_sync(0xffffffffu, bv, s);
        int64_t j = __shfl_xor_sync(0xffffffffu, bi, s);
        if (j != INT64_MAX && (bi == INT64_MAX || arg_better(want_max, v, j, bv, bi))) { bv = v; bi = j; }
      }
      if (lane == 0) { sh[wid] = bv; shi[wid] = bi; }
      __syncthreads();
      if (threadIdx.x == 0) {
        for (int w = 1; w < nw; ++w)
          if (shi[w] != INT64_MAX && (bi == INT64_MAX || arg_better(want_max, sh[w], shi[w], bv, bi))) {
            bv = sh[w]; bi = shi[w];
          }
        out[o] = (TO)bi;
      }
      __syncthreads();
    }
  }
}

// ------------------------------------------------------------------ column mode
template <typename T, typename TO>
__global__ void reduce_col_kernel(int op, Indexer<1> outer, Indexer<1> inner, int64_t n_out,
                                  int64_t n_in, const T* x, TO* out, double correction) {
  using A0 = typename RAcc<T>::type;
  // sequential sums of float32 accumulate in double
  using A = typename std::conditional<std::is_same<A0, float>::value, double, A0>::type;
  const bool want_max = (op == TL_R_MAX || op == TL_R_ARGMAX);
  for (int64_t o = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; o < n_out;
       o += (int64_t)gridDim.x * blockDim.x) {
    int64_t base[1];
    outer.offsets(o, base);
    const T* xr = x + base[0];
    if (op == TL_R_SUM || op == TL_R_MEAN || op == TL_R_VAR) {
      A s = A(0);
      for (int64_t i = 0; i < n_in; ++i) s += (A)xr[inner_off<T>(inner, i)];
      if (op == TL_R_SUM) { out[o] = (TO)s; continue; }
      A mean = s / (A)n_in;
      if (op == TL_R_MEAN) { out[o] = (TO)mean; continue; }
      A q = A(0);
      for (int64_t i = 0; i < n_in; ++i) {
        A d = (A)xr[inner_off<T>(inner, i)] - mean;
        q += d * d;
      }
      out[o] = (TO)(q / (A)((double)n_in - correction));
    } else if (op == TL_R_MAX || op == TL_R_MIN) {
      A0 m = want_max ? neg_inf<A0>() : pos_inf<A0>();
      for (int64_t i = 0; i < n_in; ++i) m = combine_minmax(want_max, m, (A0)xr[inner_off<T>(inner, i)]);
      out[o] = (TO)m;
    } else {
      A0 bv = A0(0);
      int64_t bi = -1;
      for (int64_t i = 0; i < n_in; ++i) {
        A0 v = (A0)xr[inner_off<T>(inner, i)];
        if (bi < 0 || arg_better(want_max, v, i, bv, bi)) { bv = v; bi = i; }
      }
      out[o] = (TO)bi;
    }
  }
}

template <typename T, typename TO>
static void launch_reduce(int op, const Indexer<1>& outer, const Indexer<1>& inner, int64_t n_out,
                          int64_t n_in, const void* x, void* out, double correction) {
  bool inner_contig = inner.ndim == 1 && (inner.strides[0][0] == 1 || inner.shape[0] == 1);
  bool col = n_out >= 2048 && (n_in <= 64 || !inner_contig);
  if (col) {
    reduce_col_kernel<T, TO><<<grid_for(n_out), kThreads>>>(op, outer, inner, n_out, n_in,
                                                            (const T*)x, (TO*)out, correction);
  } else {
    int threads = 32;
    while (threads < 256 && threads < n_in) threads <<= 1;
    unsigned blocks = (unsigned)std::min<int64_t>(n_out, 1 << 20);
    reduce_row_kernel<T, TO><<<blocks, threads>>>(op, outer, inner, n_out, n_in, (const T*)x,
                                                  (TO*)out, correction);
  }
}

}  // namespace tlc

using namespace tlc;

extern "C" int tl_reduce(int op, int in_dtype, int out_dtype, int outer_ndim,
                         const int64_t* outer_shape, const int64_t* outer_strides, int inner_ndim,
                         const int64_t* inner_shape, const int64_t* inner_strides, const void* x,
                         void* out, double correction) {
  TLC_API_BEGIN
  TLC_CHECK(op >= TL_R_SUM && op <= TL_R_ARGMIN, TL_ERR_VALUE, "reduce: unknown op " << op);
  int64_t n_out = numel_of(outer_ndim, outer_shape);
  int64_t n_in = numel_of(inner_ndim, inner_shape);
  if (n_out == 0) return TL_OK;
  const int64_t* so[1] = {outer_strides};
  const int64_t* si[1] = {inner_strides};
  Indexer<1> outer = make_indexer<1>("reduce", outer_ndim, outer_shape, so);
  Indexer<1> inner = make_indexer<1>("reduce", inner_ndim, inner_shape, si);
  const char* name = "reduce";
  if (op == TL_R_ARGMAX || op == TL_R_ARGMIN) {
    TLC_CHECK(out_dtype == TL_INT64, TL_ERR_TYPE, "argmax/argmin: output must be int64");
    TLC_CHECK(n_in > 0, TL_ERR_VALUE, "argmax/argmin: empty reduction");
    TLC_DISPATCH_NUMERIC(in_dtype, name, [&] {
      launch_reduce<scalar_t, int64_t>(op, outer, inner, n_out, n_in, x, out, correction);
    });
  } else if (op == TL_R_MEAN || op == TL_R_VAR) {
    TLC_CHECK(out_dtype == in_dtype, TL_ERR_TYPE, "mean/var: output dtype must match");
    TLC_DISPATCH_FLOAT(in_dtype, name, [&] {
      launch_reduce<scalar_t, scalar_t>(op, outer, inner, n_out, n_in, x, out, correction);
    });
  } else if (op == TL_R_SUM && (in_dtype == TL_BOOL || in_dtype == TL_INT64)) {
    TLC_CHECK(out_dtype == TL_INT64, TL_ERR_TYPE, "sum: integer sums are int64");
    if (in_dtype == TL_BOOL)
      launch_reduce<bool, int64_t>(op, outer, inner, n_out, n_in, x, out, correction);
    else
      launch_reduce<int64_t, int64_t>(op, outer, inner, n_out, n_in, x, out, correction);
  } else {
    TLC_CHECK(out_dtype == in_dtype, TL_ERR_TYPE, "reduce: output dtype must match");
    TLC_CHECK(op == TL_R_SUM || n_in > 0, TL_ERR_VALUE, "max/min: empty reduction");
    TLC_DISPATCH_NUMERIC(in_dtype, name, [&] {
      launch_reduce<scalar_t, scalar_t>(op, outer, inner, n_out, n_in, x, out, correction);
    });
  }
  TLC_LAUNCHED("reduce");
  TLC_API_END
}
