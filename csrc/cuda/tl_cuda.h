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
 *   - dtype codes: 0 float32, 1 float64, 2 int64, 3 bool, 4 float16, 5 bfloat16, 6 int32, 7 int16,
 *     8 int8, 9 uint8 (same as tinygrad_lite._C; 4-9 are storage only here).
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

enum tl_dtype {
  TL_FLOAT32 = 0, TL_FLOAT64 = 1, TL_INT64 = 2, TL_BOOL = 3,
  /* storage dtypes (csrc/core/dtype.h): moved as bytes; the kernels here do not compute on them */
  TL_FLOAT16 = 4, TL_BFLOAT16 = 5, TL_INT32 = 6, TL_INT16 = 7, TL_INT8 = 8, TL_UINT8 = 9
};

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
int tl_cuda_empty_cache(void);                      /* trim the pool to the live blocks */
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

/* ---- layer_norm.cu ---- x, y, g, dx contiguous (R, C); weight, bias (C,) or NULL; mean, rstd (R,).
 * ln 1: LayerNorm (mean written), ln 0: RMSNorm (mean unused). dw, db may be NULL. ---- */
int tl_norm(int ln, int dtype, int64_t R, int64_t C, const void* x, const void* w, const void* b, void* y,
            void* mean, void* rstd, double eps);
int tl_norm_backward(int ln, int dtype, int64_t R, int64_t C, const void* g, const void* x, const void* mean,
                     const void* rstd, const void* w, void* dx, void* dw, void* db);

/* ---- attention.cu ---- q (Z, Hq, L, E), k (Z, Hk, S, E), v (Z, Hk, S, Ev), out / g (Z, Hq, L, Ev),
 * lse (Z, Hq, L), dq/dk/dv like q/k/v, all contiguous; mask NULL or read through the 4 strides ms
 * over (Z, Hq, L, S); mask_kind 1 bool, 2 float (the dtype); dropout keeps with U ≥ p (Philox at
 * seed/offset). E, Ev ≤ 256. ---- */
int tl_attention(int dtype, int64_t Z, int64_t Hq, int64_t Hk, int64_t L, int64_t S, int64_t E, int64_t Ev,
                 const void* q, const void* k, const void* v, const void* mask, int mask_kind, const int64_t* ms,
                 int causal, double scale, double p, uint64_t seed, uint64_t offset, void* out, void* lse);
int tl_attention_backward(int dtype, int64_t Z, int64_t Hq, int64_t Hk, int64_t L, int64_t S, int64_t E,
                          int64_t Ev, const void* q, const void* k, const void* v, const void* mask, int mask_kind,
                          const int64_t* ms, int causal, double scale, double p, uint64_t seed, uint64_t offset,
                          const void* g, const void* out, const void* lse, void* dq, void* dk, void* dv);
/* dw (V, D) = 0, then dw[idx[n]] += g[n] (÷ count with scale_grad_by_freq), rows == padding_idx skipped */
int tl_embedding_backward(int dtype, int64_t N, int64_t D, int64_t V, const void* g, const int64_t* idx,
                          int64_t padding_idx, int scale_grad_by_freq, void* dw);

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
/* out: a contiguous copy of the input; out[p with p_axis := idx[p]] = src[p], p over idx shape */
int tl_scatter(int dtype, int ndim, const int64_t* idx_shape, int axis, const void* src,
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
/* probs contiguous (R, C) float; out (R, num_samples) int64; weights validated on the device
 * (TL_ERR_RUNTIME for negative / non-finite weights, a zero row, too few nonzero without replacement) */
int tl_multinomial(int dtype, int64_t R, int64_t C, const void* probs, int64_t num_samples, int replacement,
                   int64_t* out, uint64_t seed, uint64_t offset);
/* x, y contiguous (n,), mask bool: keep with probability 1-p; y = x*mask/(1-p) */
int tl_dropout(int dtype, int64_t n, const void* x, void* y, void* mask, double p, uint64_t seed,
               uint64_t offset);

/* ---- sort.cu ---- x, vals, idx, y, g, dx contiguous, viewed as (outer, n, inner) ---- */
int tl_sort(int dtype, int64_t outer, int64_t n, int64_t inner, const void* x, void* vals, int64_t* idx,
            int descending);
int tl_scan(int prod, int dtype, int64_t outer, int64_t n, int64_t inner, const void* x, void* y);
int tl_cumprod_backward(int dtype, int64_t outer, int64_t n, int64_t inner, const void* x, const void* g,
                        void* dx);

/* ---- optim.cu ---- contiguous float arrays of n elements, updated in place ---- */
int tl_sgd_step(int dtype, int64_t n, void* param, const void* grad, void* momentum_buf,
                double lr, double momentum, double dampening, double weight_decay, int nesterov,
                int maximize, int first_step);
int tl_adam_step(int dtype, int64_t n, void* param, const void* grad, void* exp_avg,
                 void* exp_avg_sq, double lr, double beta1, double beta2, double eps,
                 double weight_decay, int decoupled_weight_decay, int64_t step, int maximize);

/* ---- quant.cu: weights in ggml blocks (type codes: F32 0, F16 1, Q4_0 2, Q4_1 3, Q8_0 8, BF16 30) ----
 * W (N, K) row-major in its blocks (rows K/block·type_size bytes apart), in device memory as raw bytes. */
/* y (M, N) = x (M, K) · Wᵀ; x, y contiguous float32 */
int tl_quant_matmul(int qtype, const void* w, int64_t N, int64_t K, const float* x, int64_t M, float* y);
/* out (n, K) = the rows ids[0..n) of W dequantised; ids (device int64) already checked in [0, N) */
int tl_quant_rows(int qtype, const void* w, int64_t N, int64_t K, const int64_t* ids, int64_t n, float* out);

/* ---- conv.cu ---- geom[14] = N, C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw; contiguous
 * x (N, C, H, W) and cols (N, C·KH·KW, OH·OW); the products go through tl_matmul ---- */
int tl_im2col(int dtype, const int64_t* geom, const void* x, void* cols);
int tl_col2im(int dtype, const int64_t* geom, const void* cols, void* x);

/* ---- pool.cu ---- contiguous planes (P, H, W) → (P, OH, OW); geom[13] = P, H, W, OH, OW,
 * kh, kw, sh, sw, ph, pw, dh, dw (adaptive: only the first five are read); idx int64 h·W + w ---- */
int tl_max_pool2d(int dtype, const int64_t* geom, const void* x, void* y, int64_t* idx);
int tl_adaptive_max_pool2d(int dtype, const int64_t* geom, const void* x, void* y, int64_t* idx);
int tl_avg_pool2d(int dtype, const int64_t* geom, int count_include_pad, int64_t divisor, const void* x, void* y);
int tl_avg_pool2d_backward(int dtype, const int64_t* geom, int count_include_pad, int64_t divisor, const void* g,
                           void* gx);
int tl_adaptive_avg_pool2d(int dtype, const int64_t* geom, const void* x, void* y);
int tl_adaptive_avg_pool2d_backward(int dtype, const int64_t* geom, const void* g, void* gx);
/* planes of L values (g, x, idx) scattered into zeroed planes of HW values: += (backward), = (unpool) */
int tl_max_pool2d_backward(int dtype, int64_t P, int64_t L, int64_t HW, const void* g, const int64_t* idx, void* gx);
int tl_max_unpool2d(int dtype, int64_t P, int64_t L, int64_t HW, const void* x, const int64_t* idx, void* y);

/* ---- norm.cu ---- x, g, y contiguous (N, C, L); weight, bias, running stats (C,) or NULL;
 * batch norm mean/invstd (C,), group norm mean/invstd (N, G) ---- */
int tl_batch_norm(int dtype, int64_t N, int64_t C, int64_t L, const void* x, const void* weight, const void* bias,
                  void* running_mean, void* running_var, int use_batch_stats, double momentum, double eps, void* y,
                  void* mean, void* invstd);
int tl_batch_norm_backward(int dtype, int64_t N, int64_t C, int64_t L, const void* x, const void* g,
                           const void* weight, const void* mean, const void* invstd, int use_batch_stats, void* gx,
                           void* gw, void* gb);
int tl_group_norm(int dtype, int64_t N, int64_t C, int64_t L, int64_t G, const void* x, const void* weight,
                  const void* bias, double eps, void* y, void* mean, void* invstd);
int tl_group_norm_backward(int dtype, int64_t N, int64_t C, int64_t L, int64_t G, const void* x, const void* g,
                           const void* weight, const void* mean, const void* invstd, void* gx, void* gw, void* gb);

/* ---- resample.cu ---- pad: x contiguous seen as (outer, A, B, C), geom[10] = outer, A, B, C,
 * OA, OB, OC, leftA, leftB, leftC; mode 0 constant, 1 reflect, 2 replicate, 3 circular.
 * upsample: planes (P, H, W) ↔ (P, OH, OW); mode 0 nearest, 1 bilinear; scale <= 0: from sizes ---- */
int tl_pad(int dtype, const int64_t* geom, int mode, double value, const void* x, void* y);
int tl_pad_backward(int dtype, const int64_t* geom, int mode, const void* g, void* gx);
int tl_upsample2d(int dtype, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW, int mode, int align_corners,
                  double scale_h, double scale_w, const void* x, void* y);
int tl_upsample2d_backward(int dtype, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW, int mode,
                           int align_corners, double scale_h, double scale_w, const void* g, void* gx);
/* CDEF-END */

#ifdef __cplusplus
}
#endif
#endif /* TL_CUDA_H_ */
