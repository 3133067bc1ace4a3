// Lower-precision GEMM, opt-in (the float32 GEMM stays the default everywhere):
//
//   bf16:  C = bf16(A) · bf16(B), products and sums in float32. bf16 keeps float32's 8-bit exponent
//          and 8 bits of mantissa: each input is rounded to nearest-even (relative error ≤ 2⁻⁹),
//          a product of two bf16 values is exact in float32, so the result differs from the float32
//          GEMM by the input rounding only. AVX512-BF16 (vdpbf16ps: 16 lanes × a pair of k per
//          instruction, twice the float32 FMA rate) where the CPU has it (Zen 4/5, Cooper Lake,
//          Sapphire Rapids …); elsewhere the inputs are rounded to bf16 values held in float32 and
//          the float32 GEMM runs: the same numbers, up to summation order.
//   int8:  C = A · B with A, B int8 (A's values in [-128, 127]) and exact int32 sums. AVX512-VNNI
//          (vpdpbusd: 16 lanes × 4 k per instruction, u8·s8) with A shifted to u8 (a + 128) and the
//          shift taken back out with B's column sums: Σ a·b = Σ (a+128)·b − 128·Σ_k b. Elsewhere a
//          portable int32 loop. Sums must fit int32: K ≤ 65536 is enforced (|a·b| ≤ 2¹⁴).
//
// B is packed once into panels of 32 columns (PackedB*): a weight used for many products (the
// nn.Linear case of inference) pays the conversion once and is stored at half (bf16) or a quarter
// (int8) of float32's bytes, which is what bounds decoding. AMX tiles (Sapphire Rapids and later)
// would need permission from the OS (cpu_info.h: amx_tiles_granted); no AMX kernel is built here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tl {

// float32 → bf16 bits, round to nearest even (NaN stays NaN); and back (exact).
inline uint16_t bf16_from_float(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}
inline float float_from_bf16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}

// B (K×N) as bf16: panels of 32 columns, each [Kp = ceil(K/2)][32] units of 32 bits, a unit being
// the pair (B[2p, j], B[2p+1, j]) (low half first; B[K, j] = 0 when K is odd). Columns past N are 0.
struct PackedBF16 {
  int64_t K = 0, N = 0, Kp = 0;
  std::vector<uint32_t> panels;  // (N+31)/32 panels × Kp × 32
  const uint32_t* panel(int64_t p) const { return panels.data() + p * Kp * 32; }
};

// B (K×N) int8 for vpdpbusd: panels of 32 columns, each [Kq = ceil(K/4)][32] units of 4 bytes
// (B[4q .. 4q+3, j], zero past K), and colsum[j] = Σ_k B[k, j].
struct PackedInt8 {
  int64_t K = 0, N = 0, Kq = 0;
  std::vector<uint32_t> panels;  // (N+31)/32 panels × Kq × 32
  std::vector<int32_t> colsum;   // N
  const uint32_t* panel(int64_t p) const { return panels.data() + p * Kq * 32; }
};

// Symmetric int8 quantisation of n values v[k*stride]: s = max|v|/127 (1 when all are 0 or the max is
// not finite), q[k] = round-to-nearest-even(v/s) clamped to [-127, 127] (NaN → -127). Returns s.
float quantize_row_s8(int64_t n, const float* v, int64_t stride, int8_t* q);

// Is the native path there? (AVX512-BF16 / AVX512-VNNI on this CPU, at the current SIMD level.)
bool bf16_native();
bool int8_native();

// Pack B(k, j) at B[k*rsb + j*csb] into P (its buffers are reused: a per-call pack into a kept
// PackedBF16 takes no fresh pages, whose first touch costs more than the packing).
void pack_bf16(PackedBF16& P, int64_t K, int64_t N, const float* B, int64_t rsb, int64_t csb);
// The same for int8 values (in [-128, 127]; the caller checks).
void pack_int8(PackedInt8& P, int64_t K, int64_t N, const int8_t* B, int64_t rsb, int64_t csb);

// A grow-only buffer of n T's per thread and Slot, for the kernels' temporaries.
template <typename T, int Slot>
T* lowp_scratch(size_t n) {
  static thread_local std::vector<T> v;
  if (v.size() < n) v.resize(n);
  return v.data();
}

// C[M×N] (rows ldc apart, contiguous) = bf16(A) · B, A(i, k) at A[i*rsa + k*csa].
void gemm_bf16(int64_t M, const float* A, int64_t rsa, int64_t csa, const PackedBF16& B, float* C,
               int64_t ldc, int nthreads);
// C[M×N] (int32, rows ldc apart) = A · B exactly, A int8 row-major (rows lda apart).
void gemm_int8(int64_t M, const int8_t* A, int64_t lda, const PackedInt8& B, int32_t* C, int64_t ldc,
               int nthreads);

}  // namespace tl
