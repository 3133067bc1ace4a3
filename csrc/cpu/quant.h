// Matrix products with ggml-quantised weights (GGUF files): y = x · Wᵀ where W stays in its blocks.
//
//   W (N, K): N rows of K values, each row K/B blocks of `type_size` bytes (B values a block), rows
//   row_bytes(t, K) apart. The block formats (ggml's; see tinygrad_lite/io/quants.py for the numpy
//   reference):
//     Q4_1  {f16 d, f16 m, u8 qs[16]}   w[j] = d·(qs[j] & 15) + m,  w[j+16] = d·(qs[j] >> 4) + m
//     Q4_0  {f16 d, u8 qs[16]}          w[j] = d·((qs[j] & 15) − 8), w[j+16] = d·((qs[j] >> 4) − 8)
//     Q8_0  {f16 d, i8 qs[32]}          w[j] = d·qs[j]
//     F32 / F16 / BF16                  one value each (B = 1)
//
//   matmul: x (M, K) float32 row-major, y (M, N) float32 row-major,
//           y[m, n] = Σ_k x[m, k] · w[n, k]
//     M small (decoding): each row of W is dotted with x straight from its blocks; for the block
//       formats a block contributes d·Σ_j q_j·x_j (+ m·Σ_j x_j, the block sums of x computed once),
//       so a block costs one scale multiply on top of the integer-to-float unpacking. Memory-bound:
//       threads split the rows of W (on the GEMM's worker pool, gemm.h: the caller works too).
//       x stays float32: quantising it to 8-bit blocks for integer dot products (llama.cpp's way)
//       measured only 0–17 % faster here (AVX512-VNNI prototype, Zen 5: 19.5–23.4 GB/s against
//       20 GB/s in cache) and costs ~1e-3 relative error, which the 1e-4 logits test rules out.
//     M larger (prompt processing): computed as yᵀ = W · xᵀ, GotoBLAS-style: xᵀ is packed once into
//       panels of NP columns (NP = 32 AVX-512, 16 otherwise, zero-padded), and each thread takes
//       MR rows of W at a time, dequantises KC columns of them (MR×KC floats, 12 KiB: L1, never a
//       copy of W) and runs an MR×NP register-tiled micro-kernel over every panel of x, so each
//       dequantised value serves all M rows. yᵀ is transposed into y at the end.
//   rows:   out[i, :] = w[ids[i], :] (an embedding lookup), ids already bounds-checked.
//
// The floating-point sums run in float32 (FMA), in an order that differs from a dense
// x · dequantize(W)ᵀ only by rounding (~1e-6 relative); nothing is quantised on the x side.
// Pure compute: callers (csrc/bindings/bind_quant.cpp) validate types, sizes and ids.
#pragma once
#include <cstdint>

namespace tl {
namespace quant {

enum class QType : int { F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 8, BF16 = 30 };

// Is `code` (a ggml type number) one the kernels consume? Fills name/block/size when it is.
bool type_info(int code, const char** name, int* block_size, int* type_size);
int64_t row_bytes(QType t, int64_t K);  // K must be a multiple of the block size

// y (M, N) = x (M, K) · Wᵀ, or y += x · Wᵀ with accumulate (a residual add fused into the product);
// threads from tl::get_num_threads().
void matmul(QType t, const uint8_t* W, int64_t N, int64_t K, const float* x, int64_t M, float* y,
            bool accumulate = false);
// Several products sharing x (a layer's q, k, v; gate, up): ps[i].y (M, N_i) = x (M, K) · W_iᵀ. For
// decoding, one thread-pool job over all of their rows instead of one per matrix.
struct Product {
  QType t;
  const uint8_t* W;
  int64_t N;
  float* y;
};
void matmul_many(const Product* ps, int n, int64_t K, const float* x, int64_t M);
// out (n, K) = the dequantised rows ids[0..n) of W.
void rows(QType t, const uint8_t* W, int64_t K, const int64_t* ids, int64_t n, float* out);

// ---- per-ISA kernels (quant_avx512.cpp, quant_avx2.cpp, quant_portable.cpp) ----------------------
// The GEMM path dequantises kKC columns of mr rows of W at a time into a tile whose rows are kKC
// floats apart: a compile-time row stride lets the micro-kernel address all mr rows from one pointer.
constexpr int64_t kKC = 256;

struct Kernels {
  const char* name;
  int mr, np;  // GEMM register tile: mr rows of W × np columns of xᵀ
  // y[r] (+)= Σ_k w(r, k)·x[k] for the nrows rows starting at W (rows `rb` bytes apart); xsum[b] is
  // Σ x over block b (used by Q4_0/Q4_1). accumulate: add to y instead of overwriting it.
  void (*dot)(QType t, const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x,
              const float* xsum, float* y, bool accumulate);
  // out[j] = w(row, k0 + j) for j < kc; k0 and kc multiples of 32 (or k0 = 0, kc = K).
  void (*dequant)(QType t, const uint8_t* row, int64_t k0, int64_t kc, float* out);
  // C[r*ldc + i] (+)= Σ_{k<kc} A[r*kKC + k] · B[k*np + i] for r < nr (≤ mr), i < np; A holds mr
  // rows (rows ≥ nr may be anything finite), B is a packed panel of np columns. accumulate: add to C.
  void (*ukr)(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool accumulate, int nr);
};

bool kernels_avx512(Kernels& k);  // false when built without that path
bool kernels_avx2(Kernels& k);
void kernels_portable(Kernels& k);
const Kernels& kernels();         // the set for the current tl::simd_level()

// IEEE half -> float without F16C (portable path, tests).
float half_to_float(uint16_t h);

}  // namespace quant
}  // namespace tl
