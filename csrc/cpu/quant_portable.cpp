// Portable kernels of the quantised products (quant.h): plain loops GCC may auto-vectorise for the
// baseline target (SSE2). The reference the SIMD paths are tested against, and the path for CPUs
// without AVX2.
#include <cstring>

#include "quant.h"

namespace tl {
namespace quant {
namespace {

inline float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
}

inline float f32_at(const uint8_t* p) {  // the buffer may be unaligned
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

inline float bf16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  uint32_t bits = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Σ_j q_j·x_j over one 32-value block of a 4-bit format (low nibbles are j < 16).
inline float dot_nibbles(const uint8_t* qs, const float* x) {
  float s = 0;
  for (int j = 0; j < 16; ++j) s += (float)(qs[j] & 15) * x[j] + (float)(qs[j] >> 4) * x[j + 16];
  return s;
}

float dot_row(QType t, const uint8_t* w, int64_t K, const float* x, const float* xsum) {
  float s = 0;
  switch (t) {
    case QType::F32:
      for (int64_t k = 0; k < K; ++k) s += f32_at(w + 4 * k) * x[k];
      break;
    case QType::F16:
      for (int64_t k = 0; k < K; ++k) s += f16_at(w + 2 * k) * x[k];
      break;
    case QType::BF16:
      for (int64_t k = 0; k < K; ++k) s += bf16_at(w + 2 * k) * x[k];
      break;
    case QType::Q8_0:
      for (int64_t b = 0; b < K / 32; ++b, w += 34) {
        float q = 0;
        for (int j = 0; j < 32; ++j) q += (float)(int8_t)w[2 + j] * x[32 * b + j];
        s += f16_at(w) * q;
      }
      break;
    case QType::Q4_0:  // d·Σ(q − 8)·x = d·(Σ q·x − 8·Σx)
      for (int64_t b = 0; b < K / 32; ++b, w += 18) {
        float d = f16_at(w);
        s += d * dot_nibbles(w + 2, x + 32 * b) - 8.f * d * xsum[b];
      }
      break;
    case QType::Q4_1:  // Σ(d·q + m)·x = d·Σ q·x + m·Σx
      for (int64_t b = 0; b < K / 32; ++b, w += 20)
        s += f16_at(w) * dot_nibbles(w + 4, x + 32 * b) + f16_at(w + 2) * xsum[b];
      break;
  }
  return s;
}

void dot(QType t, const uint8_t* W, int64_t rb, int64_t nrows, int64_t K, const float* x, const float* xsum,
         float* y, bool accumulate) {
  for (int64_t r = 0; r < nrows; ++r) y[r] = (accumulate ? y[r] : 0.f) + dot_row(t, W + r * rb, K, x, xsum);
}

void dequant(QType t, const uint8_t* row, int64_t k0, int64_t kc, float* out) {
  switch (t) {
    case QType::F32: std::memcpy(out, row + 4 * k0, sizeof(float) * kc); return;
    case QType::F16: for (int64_t k = 0; k < kc; ++k) out[k] = f16_at(row + 2 * (k0 + k)); return;
    case QType::BF16: for (int64_t k = 0; k < kc; ++k) out[k] = bf16_at(row + 2 * (k0 + k)); return;
    default: break;
  }
  int size = t == QType::Q8_0 ? 34 : t == QType::Q4_1 ? 20 : 18;
  for (int64_t b = k0 / 32; b < (k0 + kc) / 32; ++b, out += 32) {
    const uint8_t* blk = row + b * size;
    float d = f16_at(blk);
    if (t == QType::Q8_0) {
      for (int j = 0; j < 32; ++j) out[j] = d * (float)(int8_t)blk[2 + j];
    } else {
      float m = t == QType::Q4_1 ? f16_at(blk + 2) : -8.f * d;
      const uint8_t* qs = blk + size - 16;
      for (int j = 0; j < 16; ++j) {
        out[j] = d * (float)(qs[j] & 15) + m;
        out[j + 16] = d * (float)(qs[j] >> 4) + m;
      }
    }
  }
}

constexpr int MR = 4, NP = 16;

void ukr(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool accumulate, int nr) {
  float acc[MR][NP] = {};
  for (int64_t k = 0; k < kc; ++k)
    for (int r = 0; r < MR; ++r) {
      float a = A[r * kKC + k];
      for (int i = 0; i < NP; ++i) acc[r][i] += a * B[k * NP + i];
    }
  for (int r = 0; r < nr; ++r)
    for (int i = 0; i < NP; ++i) C[r * ldc + i] = accumulate ? C[r * ldc + i] + acc[r][i] : acc[r][i];
}

}  // namespace

void kernels_portable(Kernels& k) { k = Kernels{"portable 4x16", MR, NP, dot, dequant, ukr}; }

}  // namespace quant
}  // namespace tl
