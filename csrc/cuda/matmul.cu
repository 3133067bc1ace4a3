// matmul.cu — batched GEMM C[z] = A[z]·B[z] (+ bias), two kernels kept side by side.
//
// Math: C[z, m, n] = Σ_k A[z, m, k]·B[z, k, n] + bias[n],  A: (M, K), B: (K, N), C: (M, N)
// contiguous, z over the (broadcast) batch dims. Every operand is addressed through strides:
// A[z, m, k] = a[off_a(z) + m·a_rs + k·a_cs], B likewise, so a transposed operand (a view with
// strides (1, ld)) and a broadcast batch dim (stride 0) are read in place, never copied.
// Batches run on gridDim.z (grid-stride over z when batch > 65535); off_a(z), off_b(z) come
// from unravelling z over the batch shape with each operand's batch strides.
// Accumulation is in the operand dtype (float32 FMA or float64).
//
// v1 — shared-memory tiling (16×16). Block = 16×16 threads computes a 16×16 tile of C;
//      thread (tx, ty) owns C[m0+ty, n0+tx]. Each of the K/16 steps loads a 16×16 tile of A
//      and of B into shared memory (one element per thread, zero-filled past the edges),
//      syncs, and does 16 FMAs from shared memory. Global traffic drops 16× versus the
//      naive kernel. Used for small or skinny problems (M or N < 64).
// v2 — register blocking (128×128 block tile, BK = 8, 8×8 outputs per thread). 256 threads;
//      thread t has tr = t/16, tc = t%16 and owns C rows m0 + tr + 16·i and columns
//      n0 + tc + 16·j (i, j < 8): the strided ownership makes a warp's shared-memory reads
//      conflict-free (16 consecutive columns; rows broadcast) and its stores to C
//      coalesced. Per BK step: the 128×8 A tile is stored k-major (As[k][m]) and the 8×128
//      B tile as Bs[k][n]; then for each k, 8 values of A and 8 of B go into registers and
//      feed 64 FMAs (an outer product): 16 shared loads per 64 FMAs, against 2 per 1 in v1.
//      The tile loads pick a thread mapping by which stride is 1, so both row-major and
//      transposed operands load coalesced.
#include "common.cuh"

namespace tlc {

struct BatchOffsets {
  Indexer<2> ix;  // operand 0: A batch strides, operand 1: B batch strides
  int64_t count;
};

__device__ __forceinline__ void batch_offsets(const BatchOffsets& bo, int64_t z, int64_t& oa,
                                              int64_t& ob) {
  int64_t off[2];
  bo.ix.offsets(z, off);
  oa = off[0];
  ob = off[1];
}

// ------------------------------------------------------------------ v1
constexpr int T1 = 16;

template <typename T>
__global__ void matmul_v1_kernel(BatchOffsets bo, int64_t M, int64_t N, int64_t K, const T* a,
                                 int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs,
                                 int64_t b_cs, T* c, const T* bias, int64_t bias_stride) {
  __shared__ T As[T1][T1 + 1];
  __shared__ T Bs[T1][T1 + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t m = (int64_t)blockIdx.x * T1 + ty;  // row tiles on x (no 65535 limit)
  const int64_t n = (int64_t)blockIdx.y * T1 + tx;
  for (int64_t z = blockIdx.z; z < bo.count; z += gridDim.z) {
    int64_t oa, ob;
    batch_offsets(bo, z, oa, ob);
    const T* A = a + oa;
    const T* B = b + ob;
    T acc = T(0);
    for (int64_t k0 = 0; k0 < K; k0 += T1) {
      // thread (tx, ty) loads A[m, k0+tx] and B[k0+ty, n]
      int64_t ka = k0 + tx, kb = k0 + ty;
      As[ty][tx] = (m < M && ka < K) ? A[m * a_rs + ka * a_cs] : T(0);
      Bs[ty][tx] = (kb < K && n < N) ? B[kb * b_rs + n * b_cs] : T(0);
      __syncthreads();
#pragma unroll
      for (int k = 0; k < T1; ++k) acc += As[ty][k] * Bs[k][tx];
      __syncthreads();
    }
    if (m < M && n < N) {
      if (bias) acc += bias[n * bias_stride];
      c[z * M * N + m * N + n] = acc;
    }
  }
}

// ------------------------------------------------------------------ v2
constexpr int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8, V2_THREADS = 256;

template <typename T>
__global__ void __launch_bounds__(V2_THREADS)
    matmul_v2_kernel(BatchOffsets bo, int64_t M, int64_t N, int64_t K, const T* a, int64_t a_rs,
                     int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs, T* c, const T* bias,
                     int64_t bias_stride) {
  __shared__ T As[BK][BM];  // As[k][m]
  __shared__ T Bs[BK][BN];  // Bs[k][n]
  const int tid = threadIdx.x;
  const int tr = tid / 16, tc = tid % 16;
  const int64_t m0 = (int64_t)blockIdx.x * BM, n0 = (int64_t)blockIdx.y * BN;
  // Tile-load mapping, fixed for the whole kernel: element e = tid + 256·l (l < 4) of the
  // A tile is (row ar, k ak) and of the B tile (k bk, column bc). Row-major A (a_cs == 1):
  // 8 consecutive threads read one row's 8 consecutive k; transposed A: a warp reads 32
  // consecutive m. Row-major B (b_cs == 1): a warp reads 32 consecutive n; transposed B
  // (e.g. a Linear weight): 8 consecutive threads read one column's 8 consecutive k.
  const bool a_k_contig = (a_cs == 1), b_n_contig = (b_cs == 1);
  const int ar = a_k_contig ? tid / BK : tid % BM;       // + (a_k_contig ? 32·l : 0)
  const int ak = a_k_contig ? tid % BK : tid / BM;       // + (a_k_contig ? 0 : 2·l)
  const int bk = b_n_contig ? tid / BN : tid % BK;
  const int bc = b_n_contig ? tid % BN : tid / BK;
  const int a_dr = a_k_contig ? V2_THREADS / BK : 0, a_dk = a_k_contig ? 0 : V2_THREADS / BM;
  const int b_dk = b_n_contig ? V2_THREADS / BN : 0, b_dc = b_n_contig ? 0 : V2_THREADS / BK;

  for (int64_t z = blockIdx.z; z < bo.count; z += gridDim.z) {
    int64_t oa, ob;
    batch_offsets(bo, z, oa, ob);
    const T* A = a + oa + (m0 + ar) * a_rs + ak * a_cs;  // this thread's first A element
    const T* B = b + ob + bk * b_rs + (n0 + bc) * b_cs;  // and B element
    T acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; ++i)
#pragma unroll
      for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

    for (int64_t k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
      for (int l = 0; l < 4; ++l) {
        int r = ar + l * a_dr, kk = ak + l * a_dk;
        bool ok = (m0 + r < M) && (k0 + kk < K);
        As[kk][r] = ok ? A[(int64_t)(l * a_dr) * a_rs + (int64_t)(l * a_dk) * a_cs] : T(0);
      }
#pragma unroll
      for (int l = 0; l < 4; ++l) {
        int kk = bk + l * b_dk, cc = bc + l * b_dc;
        bool ok = (k0 + kk < K) && (n0 + cc < N);
        Bs[kk][cc] = ok ? B[(int64_t)(l * b_dk) * b_rs + (int64_t)(l * b_dc) * b_cs] : T(0);
      }
      A += BK * a_cs;
      B += BK * b_rs;
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < BK; ++kk) {
        T ra[TM], rb[TN];
#pragma unroll
        for (int i = 0; i < TM; ++i) ra[i] = As[kk][tr + 16 * i];
#pragma unroll
        for (int j = 0; j < TN; ++j) rb[j] = Bs[kk][tc + 16 * j];
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
          for (int j = 0; j < TN; ++j) acc[i][j] += ra[i] * rb[j];
      }
      __syncthreads();
    }
    T* C = c + z * M * N;
#pragma unroll
    for (int i = 0; i < TM; ++i) {
      int64_t gm = m0 + tr + 16 * i;
      if (gm >= M) continue;
#pragma unroll
      for (int j = 0; j < TN; ++j) {
        int64_t gn = n0 + tc + 16 * j;
        if (gn < N) C[gm * N + gn] = acc[i][j] + (bias ? bias[gn * bias_stride] : T(0));
      }
    }
  }
}

}  // namespace tlc

using namespace tlc;

extern "C" int tl_matmul(int dtype, int version, int64_t M, int64_t N, int64_t K, int batch_ndim,
                         const int64_t* batch_shape, const void* a, const int64_t* a_batch_strides,
                         int64_t a_rs, int64_t a_cs, const void* b, const int64_t* b_batch_strides,
                         int64_t b_rs, int64_t b_cs, void* c, const void* bias,
                         int64_t bias_stride) {
  TLC_API_BEGIN
  TLC_CHECK(M >= 0 && N >= 0 && K >= 0, TL_ERR_VALUE, "matmul: negative size");
  TLC_CHECK(version >= 0 && version <= 2, TL_ERR_VALUE, "matmul: unknown kernel version " << version);
  BatchOffsets bo;
  const int64_t* st[2] = {a_batch_strides, b_batch_strides};
  bo.ix = make_indexer<2>("matmul", batch_ndim, batch_shape, st);
  bo.count = numel_of(batch_ndim, batch_shape);
  if (bo.count == 0 || M == 0 || N == 0) return TL_OK;
  if (version == 0) version = (M >= 64 && N >= 64) ? 2 : 1;
  unsigned gz = (unsigned)std::min<int64_t>(bo.count, 65535);
  TLC_DISPATCH_FLOAT(dtype, "matmul", [&] {
    if (version == 1) {
      int64_t gy = (N + T1 - 1) / T1;
      TLC_CHECK(gy <= 65535, TL_ERR_VALUE, "matmul: N = " << N << " too large for kernel v1");
      dim3 grid((unsigned)((M + T1 - 1) / T1), (unsigned)gy, gz);
      matmul_v1_kernel<scalar_t><<<grid, dim3(T1, T1)>>>(
          bo, M, N, K, (const scalar_t*)a, a_rs, a_cs, (const scalar_t*)b, b_rs, b_cs,
          (scalar_t*)c, (const scalar_t*)bias, bias_stride);
    } else {
      int64_t gy = (N + BN - 1) / BN;
      TLC_CHECK(gy <= 65535, TL_ERR_VALUE, "matmul: N = " << N << " too large for kernel v2");
      dim3 grid((unsigned)((M + BM - 1) / BM), (unsigned)gy, gz);
      matmul_v2_kernel<scalar_t><<<grid, V2_THREADS>>>(
          bo, M, N, K, (const scalar_t*)a, a_rs, a_cs, (const scalar_t*)b, b_rs, b_cs,
          (scalar_t*)c, (const scalar_t*)bias, bias_stride);
    }
  });
  TLC_LAUNCHED("matmul");
  TLC_API_END
}
