// GEMM: C = alpha * A·B + beta * C over any strides (GotoBLAS/BLIS structure).
//
//   A is M×K, element (i, k) at A[i*rsa + k*csa]; B is K×N, (k, j) at B[k*rsb + j*csb];
//   C is M×N, (i, j) at C[i*rsc + j*csc]. Strides may be anything (transposed, sliced,
//   negative, broadcast 0): packing reads them, so a transposed operand costs no copy.
//   beta == 0 overwrites C without reading it (NaNs in C do not propagate), as BLAS does.
//
// Structure (gemm.cpp): jc (NC columns) → pc (KC depth, pack B into NR-column panels) →
// ic (MC rows, pack A into MR-row panels) → tiles (MR×NR register-tiled micro-kernel,
// gemm_avx512.cpp / gemm_avx2.cpp / gemm_portable.cpp). The kernel and its cache blocks are
// chosen per CPU family and cache sizes (gemm_select.cpp). Skinny products (M ≤ 16, the decode
// and small-batch case) with B = wᵀ read in place take a matrix–vector path at memory
// bandwidth (gemm_skinny.cpp). Threads split C into chunks (gemm_pool.h); small products stay
// on the calling thread.
#pragma once
#include <cstdint>
#include <functional>

namespace tl {

void gemm_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C,
              int64_t rsc, int64_t csc, int nthreads);

void gemm_f64(int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C,
              int64_t rsc, int64_t csc, int nthreads);

template <typename T>
inline void gemm(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
                 const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc,
                 int nthreads);
template <>
inline void gemm<float>(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
                        int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C,
                        int64_t rsc, int64_t csc, int nthreads) {
  gemm_f32(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc, nthreads);
}
template <>
inline void gemm<double>(int64_t M, int64_t N, int64_t K, double alpha, const double* A,
                         int64_t rsa, int64_t csa, const double* B, int64_t rsb, int64_t csb,
                         double beta, double* C, int64_t rsc, int64_t csc, int nthreads) {
  gemm_f64(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc, nthreads);
}

// Would gemm use more than one thread for this product? (matmul's batch loop asks, to
// parallelise over the batch instead when each product is small.)
bool gemm_wants_threads(int64_t M, int64_t N, int64_t K);

// fn(c) for c in [0, n) on the GEMM's worker pool (the caller works too and waits only for
// chunks a helper has claimed; see gemm_pool.h); serial when nthreads <= 1 or the pool is busy.
void gemm_parallel_chunks(int nthreads, int64_t n, const std::function<void(int64_t)>& fn);

// ---- micro-kernels (internal) ----
// ukr(k, Ap, Bp, ldb, C, ldc, alpha, beta): C[MR×NR] (row stride ldc, column stride 1) =
// alpha * Ap·Bp + beta * C, where Ap is an MR-row packed panel (Ap[k*MR + i]) and Bp holds
// NR contiguous columns per k, rows ldb apart (ldb = NR: a packed panel; ldb = the row
// stride of B: B read in place). beta == 0: C is not read.
template <typename T>
using UkrFn = void (*)(int64_t k, const T* Ap, const T* Bp, int64_t ldb, T* C, int64_t ldc,
                       T alpha, T beta);

// Packing of one panel, R (= MR or NR) wide, r <= R valid, zero-padded to R:
//   copy:      dst[k*R + i] = src[k*ld + i]   (the panel's rows are contiguous in memory)
//   transpose: dst[k*R + i] = src[i*ld + k]   (row-major A, or B = wᵀ read in place)
template <typename T>
using PackFn = void (*)(int R, int64_t r, int64_t kc, const T* src, int64_t ld, T* dst);

// Packing of a whole kc×nc block of row-major B (rows ld apart, columns contiguous) into
// ceil(nc/NR) panels, dst[p*NR*kc + k*NR + j] = src[k*ld + p*NR + j], zero-padded. Row by row
// across several panels: reads stream along B's rows (panel by panel, each k row is a jump of ld,
// and at ld = 4 KiB every jump lands in the same cache set: half the speed).
template <typename T>
using PackBlockFn = void (*)(int NR, int64_t kc, int64_t nc, const T* src, int64_t ld, T* dst);

// Matrix-vector, y[i*incy] = alpha * Σ_k A(i,k)·x[k] + beta * y[i*incy] (beta == 0: y not read),
// x contiguous. dot: A(i,k) = A[i*lda + k] (rows contiguous); axpy: A(i,k) = A[i + k*lda].
template <typename T>
using GemvFn = void (*)(int64_t M, int64_t K, const T* A, int64_t lda, const T* x, T* y,
                        int64_t incy, T alpha, T beta);

// The same as UkrFn with A read in place from a row-major block: A(i, k) at A[i*lda + k].
template <typename T>
using UkrSaFn = void (*)(int64_t k, const T* A, int64_t lda, const T* Bp, int64_t ldb, T* C,
                         int64_t ldc, T alpha, T beta);

template <typename T>
struct GemmKernel {
  const char* name;
  int mr, nr;      // register tile
  int mc, kc, nc;  // cache blocks (mc a multiple of mr, nc of nr); set by gemm_select.cpp
  UkrFn<T> ukr;
  PackFn<T> pack_copy = nullptr;  // null: the generic loops in gemm.cpp
  PackFn<T> pack_tr = nullptr;
  PackBlockFn<T> pack_block = nullptr;
  // Shorter tiles with the same NR (by_mr[m] computes m×NR; null where absent): the driver
  // picks one when M is small and mr pads it badly (M = 64 → 8×32 instead of 14×32).
  UkrFn<T> by_mr[17] = {};
  UkrSaFn<T> sa_by_mr[17] = {};  // A in place (short row-major A: no A packing at all)
  GemvFn<T> gemv_dot = nullptr;  // null: the generic loops in gemm.cpp
  GemvFn<T> gemv_axpy = nullptr;
  // Loop order around the micro-kernel: false, B micro-panel outer (it stays in L1/L2 while the A
  // block's panels stream from L2); true, A micro-panel outer (it stays in L1, the B block streams
  // from L2: BLIS's order for Intel server cores). Set by gemm_select.cpp.
  bool a_stationary = false;
};

// Each returns false (and leaves k alone) when its file was built without that path.
bool gemm_kernel_avx512_f32(GemmKernel<float>& k);
bool gemm_kernel_avx512_f64(GemmKernel<double>& k);
bool gemm_kernel_avx2_f32(GemmKernel<float>& k);
bool gemm_kernel_avx2_f64(GemmKernel<double>& k);
void gemm_kernel_portable_f32(GemmKernel<float>& k);
void gemm_kernel_portable_f64(GemmKernel<double>& k);

// The kernel for the current tl::simd_level() and this CPU, cache blocks filled in
// (gemm_select.cpp; cached per SIMD level, so a call costs a load).
const GemmKernel<float>& gemm_kernel_f32();
const GemmKernel<double>& gemm_kernel_f64();
template <typename T> const GemmKernel<T>& gemm_kernel();
template <> inline const GemmKernel<float>& gemm_kernel<float>() { return gemm_kernel_f32(); }
template <> inline const GemmKernel<double>& gemm_kernel<double>() { return gemm_kernel_f64(); }

// Tuning knobs: override the cache blocks (0 = the CPU's default), the threading threshold (< 0:
// unchanged) and the loop order (a_stationary: 0 or 1; < 0: the CPU's default).
void gemm_set_blocking(int mc, int kc, int nc, int64_t thread_min_work, int a_stationary = -1);
// Products with fewer multiply-adds than this stay on the calling thread.
int64_t gemm_thread_min_work();
// Skinny path (gemm_skinny.cpp): C[i, j] = alpha·Σ_k X[i, k]·W[j, k] + beta·C[i, j] for i < M ≤ 16,
// X rows lda apart and W rows ldw apart (both contiguous along k), C(i, j) at C[i*rsc + j*csc].
// Returns false (nothing done) where it has no kernel (portable SIMD level, M > 16).
bool gemm_skinny_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* X, int64_t lda,
                     const float* W, int64_t ldw, float beta, float* C, int64_t rsc, int64_t csc,
                     int nthreads);
// GF/s of the float32 micro-kernel alone on cache-resident panels, thread CPU time: the ceiling
// the driver can reach (mr = 0: the default tile).
double gemm_ukr_probe_f32(int64_t kc, int64_t reps, int mr);

}  // namespace tl
