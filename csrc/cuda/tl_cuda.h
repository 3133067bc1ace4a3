/* tl_cuda.h — the plain C ABI of libtl_cuda.so, the CUDA backend of tinygrad_lite.
 *
 * Python loads the library with cffi in ABI mode: tinygrad_lite/backend/cuda.py reads the
 * text between the CDEF markers below, hands it to ffi.cdef() and ffi.dlopen()s the .so.
 * No Python headers and no pybind11 are involved, so the library is built by nvcc alone
 * (csrc/cuda/build_cuda.py) and a CPU-only install never needs the CUDA toolkit.
 *
 * Conventions (every function):
 *   - Arrays are raw device pointers to element [0,0,...] (storage pointer + offset) with
 *     int64 shapes and strides counted in ELEMENTS (as tl::Array). Up to TL_MAX_DIMS dims
 *     after the library merges dims that are contiguous for every operand.
 *   - dtype codes: 0 float32, 1 float64, 2 int64, 3 bool (same as tinygrad_lite._C).
 *   - Return value: 0 ok, else one of TL_ERR_* (the Python exception to raise) and
 *     tl_cuda_last_error() holds a message naming the op. The Python side validates shapes
 *     and dtypes before calling, so errors here are mostly CUDA failures or bad indices.
 *   - Every kernel runs on the default stream of the current device; calls are asynchronous
 *     except the memcpy to host, tl_cuda_synchronize and ops that must read back a count or
 *     an index-error flag (nonzero, index/gather/cross_entropy bounds checks).
 *   - Outputs named `out` are written through `out_strides` when given (in-place ops on
 *     strided views); otherwise they are contiguous.
 */
#ifndef TL_CUDA_H_
#define TL_CUDA_H_
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CDEF-BEGIN */
#define TL_MAX_DIMS 8

enum tl_err { TL_OK = 0, TL_ERR_RUNTIME = 1, TL_ERR_VALUE = 2, TL_ERR_INDEX = 3, TL_ERR_TYPE = 4 };

enum tl_dtype { TL_FLOAT32 = 0, TL_FLOAT64 = 1, TL_INT64 = 2, TL_BOOL = 3 };

/* Pointwise ops (tl_unary, tl_binary and their _backward): `op` is the row's position in
 * csrc/ops/pointwise.def, the table both this library and tinygrad_lite._C are built from;
 * Python reads the codes from `_C.pointwise_ops()` and checks them against
 * tl_pointwise_count / tl_pointwise_name. Scalar parameters a, b, c as the row says. */

enum tl_reduce_op { TL_R_SUM = 0, TL_R_MEAN = 1, TL_R_MAX = 2, TL_R_MIN = 3, TL_R_VAR = 4,
                    TL_R_ARGMAX = 5, TL_R_ARGMIN = 6 };

/* ---- memory.cu: device, memory, errors ---- */
const char* tl_cuda_last_error(void);
int tl_cuda_device_count(int* count);
int tl_cuda_set_device(int index);
int tl_cuda_get_device(int* index);
int tl_cuda_synchronize(void);
int tl_cuda_mem_info(size_t* free_bytes, size_t* total_bytes);
int tl_cuda_malloc(size_t nbytes, void** out);      /* stream-ordered pool allocation */
void tl_cuda_free(void* ptr, size_t nbytes);        /* the Storage deleter */
int tl_cuda_memcpy_h2d(void* dst, const void* src, size_t nbytes);
int tl_cuda_memcpy_d2h(void* dst, const void* src, size_t nbytes);  /* synchronous */
int tl_cuda_memcpy_d2d(void* dst, const void* src, size_t nbytes);
int tl_cuda_memset(void* dst, int value, size_t nbytes);

/* ---- elementwise.cu ---- */
/* dst[i] = convert(src[i]) over `shape`; src may be broadcast (stride 0); covers contiguous,
 * clone, astype, copy_. */
int tl_copy(int ndim, const int64_t* shape, void* dst, int dst_dtype, const int64_t* dst_strides,
            const void* src, int src_dtype, const int64_t* src_strides);
int tl_pointwise_count(void);
const char* tl_pointwise_name(int op);
/* y = f(x; a, b, c) of a unary or predicate row (out bool for predicates) */
int tl_unary(int op, int dtype, int ndim, const int64_t* shape, void* out, int out_dtype,
             const int64_t* out_strides, const void* x, const int64_t* x_strides, double a, double b,
             double c);
/* out (contiguous) = g·dy/dx of a unary row, from its saved s (x or y) and g */
int tl_unary_backward(int op, int dtype, int ndim, const int64_t* shape, void* out, const void* s,
                      const int64_t* s_strides, const void* g, const int64_t* g_strides, double a,
                      double b, double c);
/* y = f(a, b) of a binary or comparison row, a and b broadcast to `shape` */
int tl_binary(int op, int dtype, int ndim, const int64_t* shape, void* out, int out_dtype,
              const int64_t* out_strides, const void* a, const int64_t* a_strides, const void* b,
              const int64_t* b_strides);
/* ga, gb (contiguous at `shape`, either may be NULL) = g·dy/da, g·dy/db of a binary row */
int tl_binary_backward(int op, int dtype, int ndim, const int64_t* shape, void* ga, void* gb,
                       const void* a, const int64_t* a_strides, const void* b,
                       const int64_t* b_strides, const void* g, const int64_t* g_strides);
/* out[...] = value (any strided view) */
int tl_fill(int dtype, int ndim, const int64_t* shape, void* out, const int64_t* out_strides,
            double value);
/* a += alpha·b in place, b broadcast to a */
int tl_axpy(int dtype, int ndim, const int64_t* shape, void* a, const int64_t* a_strides,
            const void* b, const int64_t* b_strides, double alpha);
/* out = cond ? a : b; cond is bool */
int tl_where(int dtype, int ndim, const int64_t* shape, void* out, const int64_t* out_strides,
             const void* cond, const int64_t* cond_strides, const void* a, const int64_t* a_strides,
             const void* b, const int64_t* b_strides);
/* out[i] = start + i*step, i < n, contiguous */
int tl_arange(int dtype, int64_t n, double start, double step, void* out);

/* ---- reduce.cu ---- */
/* out[o] = R_{i in inner} x[o, i]; o runs over `outer` dims (row-major, out contiguous),
 * i over `inner` dims. ARGMAX/ARGMIN write the row-major position inside `inner` (int64). */
int tl_reduce(int op, int in_dtype, int out_dtype, int outer_ndim, const int64_t* outer_shape,
              const int64_t* outer_strides, int inner_ndim, const int64_t* inner_shape,
              const int64_t* inner_strides, const void* x, void* out, double correction);

/* ---- matmul.cu ---- */
/* C[z, m, n] = sum_k A[z, m, k] B[z, k, n] (+ bias[n]); z runs over batch dims (row-major);
 * A[z,m,k] = a[off_a(z) + m*a_rs + k*a_cs] (any strides: transposed views are read in
 * place), likewise B; C is contiguous (batch..., M, N). version: 0 auto, 1 tiled, 2 blocked. */
int tl_matmul(int dtype, int version, int64_t M, int64_t N, int64_t K, int batch_ndim,
              const int64_t* batch_shape, const void* a, const int64_t* a_batch_strides,
              int64_t a_rs, int64_t a_cs, const void* b, const int64_t* b_batch_strides,
              int64_t b_rs, int64_t b_cs, void* c, const void* bias, int64_t bias_stride);

/* ---- softmax.cu ---- x, y, g contiguous, viewed as (outer, C, inner), reduced over C ---- */
int tl_softmax(int log, int dtype, int64_t outer, int64_t C, int64_t inner, const void* x, void* y);
int tl_softmax_backward(int log, int dtype, int64_t outer, int64_t C, int64_t inner, const void* y,
                        const void* g, void* dx);

/* ---- cross_entropy.cu ---- logits (N, C) contiguous, target (N,) int64 contiguous ---- */
int tl_cross_entropy(int dtype, int64_t N, int64_t C, const void* logits, const int64_t* target,
                     int64_t ignore_index, double label_smoothing, int reduction, void* loss,
                     void* lse);
int tl_cross_entropy_backward(int dtype, int64_t N, int64_t C, const void* logits,
                              const int64_t* target, const void* lse, const void* grad_loss,
                              int64_t ignore_index, double label_smoothing, int reduction,
                              void* dlogits);

/* ---- index.cu ---- out (and the zeroed accumulators) contiguous ---- */
int tl_index_select(int dtype, int ndim, const int64_t* out_shape, int axis, const void* x,
                    const int64_t* x_strides, int64_t x_axis_size, const int64_t* idx,
                    int64_t idx_stride, void* out);
int tl_index_add(int dtype, int ndim, const int64_t* src_shape, int axis, const void* src,
                 const int64_t* src_strides, const int64_t* idx, int64_t idx_stride, void* out,
                 const int64_t* out_shape);
int tl_gather(int dtype, int ndim, const int64_t* idx_shape, int axis, const void* x,
              const int64_t* x_shape, const int64_t* x_strides, const int64_t* idx,
              const int64_t* idx_strides, void* out);
int tl_scatter_add(int dtype, int ndim, const int64_t* idx_shape, int axis, const void* src,
                   const int64_t* src_strides, const int64_t* idx, const int64_t* idx_strides,
                   void* out, const int64_t* out_shape);
int tl_nonzero_count(int dtype, int ndim, const int64_t* shape, const void* x,
                     const int64_t* strides, int64_t* count);
/* out: (count, ndim) int64 contiguous, row-major order of the non-zero elements */
int tl_nonzero(int dtype, int ndim, const int64_t* shape, const void* x, const int64_t* strides,
               int64_t* out, int64_t count);

/* ---- random.cu ---- Philox4x32-10, key = seed, counter = (element/4, offset) ---- */
/* dist 0: out = a + (b-a)*U[0,1);  dist 1: out = a + b*N(0,1). out strided (uniform_). */
int tl_random(int dist, int dtype, int ndim, const int64_t* shape, void* out,
              const int64_t* out_strides, double a, double b, uint64_t seed, uint64_t offset);
int tl_randint(int64_t n, int64_t low, int64_t high, int64_t* out, uint64_t seed, uint64_t offset);
int tl_randperm(int64_t n, int64_t* out, uint64_t seed, uint64_t offset);
/* x, y contiguous (n,), mask bool: keep with probability 1-p; y = x*mask/(1-p) */
int tl_dropout(int dtype, int64_t n, const void* x, void* y, void* mask, double p, uint64_t seed,
               uint64_t offset);

/* ---- optim.cu ---- contiguous float arrays of n elements, updated in place ---- */
int tl_sgd_step(int dtype, int64_t n, void* param, const void* grad, void* momentum_buf,
                double lr, double momentum, double dampening, double weight_decay, int nesterov,
                int maximize, int first_step);
int tl_adam_step(int dtype, int64_t n, void* param, const void* grad, void* exp_avg,
                 void* exp_avg_sq, double lr, double beta1, double beta2, double eps,
                 double weight_decay, int decoupled_weight_decay, int64_t step, int maximize);
/* CDEF-END */

#ifdef __cplusplus
}
#endif
#endif /* TL_CUDA_H_ */
