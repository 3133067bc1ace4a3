// quant.cu — products with ggml-quantised weights, the CUDA twin of csrc/cpu/quant.cpp.
//
// W (N, K): N rows of K values in ggml blocks (Q4_0 = 2, Q4_1 = 3, Q8_0 = 8: 32 values a block with
// an f16 scale d (and min m); F32 = 0, F16 = 1, BF16 = 30: one value each), rows row_bytes apart:
//   Q4_1  {f16 d, f16 m, u8 qs[16]}  w[j] = d·(qs[j] & 15) + m,  w[j+16] = d·(qs[j] >> 4) + m
//   Q4_0  {f16 d, u8 qs[16]}         w[j] = d·((qs[j] & 15) − 8), w[j+16] = d·((qs[j] >> 4) − 8)
//   Q8_0  {f16 d, i8 qs[32]}         w[j] = d·qs[j]
// Every kernel reads weights through w_at(row, k), which dequantises one value in registers; W is
// never expanded in device memory.
//
//   tl_quant_matmul  y (M, N) = x (M, K) · Wᵀ, x and y contiguous float32.
//     M ≤ 8  (decoding): one warp per row of W; lane l takes k = l, l+32, … (a block's 32 values are
//            the warp's 32 lanes, so x and the block bytes are read coalesced), keeps M partial
//            sums in registers, and a shuffle reduction finishes each y[m, n].
//     M > 8  (prompt): 64×64 output tiles, 256 threads with 4×4 outputs each; per step of 16 along
//            K, the x tile (64×16) and the dequantised W tile (64×16) go through shared memory.
//   tl_quant_rows    out (n, K) = rows ids[0..n) of W (an embedding lookup); ids are device int64,
//                    checked by the caller (tinygrad_lite/backend/cuda/_quant.py) on the host.
#include <cuda_fp16.h>

#include "common.cuh"

namespace tlc {
namespace {

enum { Q_F32 = 0, Q_F16 = 1, Q_Q4_0 = 2, Q_Q4_1 = 3, Q_Q8_0 = 8, Q_BF16 = 30 };

bool known_type(int t) {
  return t == Q_F32 || t == Q_F16 || t == Q_Q4_0 || t == Q_Q4_1 || t == Q_Q8_0 || t == Q_BF16;
}
int block_of(int t) { return (t == Q_Q4_0 || t == Q_Q4_1 || t == Q_Q8_0) ? 32 : 1; }
int64_t row_bytes(int t, int64_t K) {
  switch (t) {
    case Q_F32: return 4 * K;
    case Q_F16: case Q_BF16: return 2 * K;
    case Q_Q4_0: return K / 32 * 18;
    case Q_Q4_1: return K / 32 * 20;
    default: return K / 32 * 34;  // Q8_0
  }
}

__device__ __forceinline__ uint16_t u16_at(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
__device__ __forceinline__ float f16_at(const uint8_t* p) { return __half2float(__ushort_as_half(u16_at(p))); }

// w(row, k): one value dequantised in registers.
__device__ __forceinline__ float w_at(int t, const uint8_t* row, int64_t k) {
  switch (t) {
    case Q_F32: {
      uint32_t b = (uint32_t)u16_at(row + 4 * k) | ((uint32_t)u16_at(row + 4 * k + 2) << 16);
      return __uint_as_float(b);
    }
    case Q_F16: return f16_at(row + 2 * k);
    case Q_BF16: return __uint_as_float((uint32_t)u16_at(row + 2 * k) << 16);
    case Q_Q8_0: {
      const uint8_t* blk = row + (k >> 5) * 34;
      return f16_at(blk) * (float)(int8_t)blk[2 + (k & 31)];
    }
    default: {  // Q4_0, Q4_1
      const int j = (int)(k & 31);
      const int size = t == Q_Q4_1 ? 20 : 18;
      const uint8_t* blk = row + (k >> 5) * size;
      const uint8_t byte = blk[size - 16 + (j & 15)];
      const float q = (float)(j < 16 ? (byte & 15) : (byte >> 4));
      const float d = f16_at(blk);
      return t == Q_Q4_1 ? d * q + f16_at(blk + 2) : d * (q - 8.f);
    }
  }
}

constexpr int kMaxWarpM = 8;

template <int MM>
__global__ void matvec_kernel(int t, const uint8_t* __restrict__ W, int64_t rb, int64_t N, int64_t K,
                              const float* __restrict__ x, int64_t M, float* __restrict__ y) {
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x / 32);
  const int lane = threadIdx.x & 31;
  for (int64_t n = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; n < N; n += warps) {
    const uint8_t* row = W + n * rb;
    float acc[MM];
#pragma unroll
    for (int m = 0; m < MM; ++m) acc[m] = 0.f;
    for (int64_t k = lane; k < K; k += 32) {
      const float w = w_at(t, row, k);
#pragma unroll
      for (int m = 0; m < MM; ++m)
        if (m < M) acc[m] += w * x[m * K + k];
    }
#pragma unroll
    for (int m = 0; m < MM; ++m) {
      float v = acc[m];
      for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
      if (lane == 0 && m < M) y[m * N + n] = v;
    }
  }
}

constexpr int TM = 64, TN = 64, TK = 16;

// y tile [m0, m0+64) × [n0, n0+64); thread (ty, tx) of 16×16 owns rows m0 + ty + 16i, cols n0 + tx + 16j.
__global__ void gemm_kernel(int t, const uint8_t* __restrict__ W, int64_t rb, int64_t N, int64_t K,
                            const float* __restrict__ x, int64_t M, float* __restrict__ y) {
  __shared__ float xs[TK][TM + 1];
  __shared__ float ws[TK][TN + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int64_t m0 = (int64_t)blockIdx.y * TM, n0 = (int64_t)blockIdx.x * TN;
  float acc[4][4] = {};
  for (int64_t k0 = 0; k0 < K; k0 += TK) {
    for (int e = threadIdx.x; e < TM * TK; e += blockDim.x) {  // k fastest: coalesced along rows
      const int r = e / TK, c = e % TK;
      const int64_t m = m0 + r, n = n0 + r, k = k0 + c;
      xs[c][r] = (m < M && k < K) ? x[m * K + k] : 0.f;
      ws[c][r] = (n < N && k < K) ? w_at(t, W + n * rb, k) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int c = 0; c < TK; ++c) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = xs[c][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = ws[c][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
      if (m < M && n < N) y[m * N + n] = acc[i][j];
    }
}

__global__ void rows_kernel(int t, const uint8_t* __restrict__ W, int64_t rb, int64_t K,
                            const int64_t* __restrict__ ids, int64_t n, float* __restrict__ out) {
  const int64_t total = n * K;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = e / K, k = e % K;
    out[e] = w_at(t, W + ids[i] * rb, k);
  }
}

void check_shape(const char* op, int t, int64_t N, int64_t K) {
  TLC_CHECK(known_type(t), TL_ERR_VALUE, op << ": unsupported ggml type " << t);
  TLC_CHECK(N >= 0 && K >= 0, TL_ERR_VALUE, op << ": negative shape (" << N << ", " << K << ")");
  TLC_CHECK(K % block_of(t) == 0, TL_ERR_VALUE,
            op << ": K = " << K << " is not a multiple of the block size " << block_of(t));
}

}  // namespace
}  // namespace tlc

using namespace tlc;

int tl_quant_matmul(int qtype, const void* w, int64_t N, int64_t K, const float* x, int64_t M, float* y) {
  TLC_API_BEGIN
  const char* op = "QuantMatrix.matmul";
  check_shape(op, qtype, N, K);
  if (M <= 0 || N <= 0) return TL_OK;
  if (K == 0) {
    TLC_CUDA(op, cudaMemsetAsync(y, 0, (size_t)(M * N) * sizeof(float), 0));
    return TL_OK;
  }
  const int64_t rb = row_bytes(qtype, K);
  const uint8_t* W = (const uint8_t*)w;
  if (M <= kMaxWarpM) {
    const int warps_per_block = kThreads / 32;
    const unsigned grid = (unsigned)std::min<int64_t>((N + warps_per_block - 1) / warps_per_block, 65535);
    if (M == 1) matvec_kernel<1><<<grid, kThreads>>>(qtype, W, rb, N, K, x, M, y);
    else matvec_kernel<kMaxWarpM><<<grid, kThreads>>>(qtype, W, rb, N, K, x, M, y);
  } else {
    TLC_CHECK((M + TM - 1) / TM <= 65535, TL_ERR_VALUE, op << ": M = " << M << " rows is too many for one launch");
    dim3 grid((unsigned)((N + TN - 1) / TN), (unsigned)((M + TM - 1) / TM));
    gemm_kernel<<<grid, 256>>>(qtype, W, rb, N, K, x, M, y);
  }
  TLC_LAUNCHED(op);
  TLC_API_END
}

int tl_quant_rows(int qtype, const void* w, int64_t N, int64_t K, const int64_t* ids, int64_t n, float* out) {
  TLC_API_BEGIN
  const char* op = "QuantMatrix.rows";
  check_shape(op, qtype, N, K);
  if (n <= 0 || K == 0) return TL_OK;
  rows_kernel<<<grid_for(n * K), kThreads>>>(qtype, (const uint8_t*)w, row_bytes(qtype, K), K, ids, n, out);
  TLC_LAUNCHED(op);
  TLC_API_END
}
