// Lower-precision products on Arrays (the kernels: gemm_lowp.h). The core has no bf16 or int8
// dtype, so the interfaces take what it has:
//
//   matmul_bf16(a, b)     float32 a (..., K) · b (K, N) → float32 (..., N), both inputs rounded to
//                         bf16 (nearest even), products summed in float32.
//   matmul_int8(a, b)     int64 a (..., K), b (K, N) holding int8 values (checked: [-128, 127]) →
//                         int64 (..., N), the exact sums (int32 inside; K ≤ 65536).
//   LinearBF16(w)         a weight (out, in) float32 packed once as bf16 (half the bytes);
//                         forward(x, bias) = bf16(x)·bf16(w)ᵀ + bias in float32.
//   LinearInt8(w)         a weight quantised once per output row, symmetric: s_w[j] = max_k |w[j,k]|/127,
//                         q_w = round(w/s_w) ∈ [-127, 127], stored as int8 (a quarter of the bytes).
//                         forward(x, bias): each row of x quantised the same way on the fly
//                         (s_x[i] = max_k |x[i,k]|/127), y[i, j] = s_x[i]·s_w[j]·Σ_k q_x·q_w + bias[j]
//                         (dynamic quantisation, as torch.ao's quantize_dynamic for nn.Linear).
#pragma once
#include <optional>
#include <vector>

#include "../core/array.h"
#include "gemm_lowp.h"

namespace tl {

Array matmul_bf16(const Array& a, const Array& b);
Array matmul_int8(const Array& a, const Array& b);

struct LinearBF16 {
  int64_t in_features = 0, out_features = 0;
  PackedBF16 w;  // B = wᵀ (in × out)
  explicit LinearBF16(const Array& w);
  Array forward(const Array& x, const std::optional<Array>& bias) const;
  int64_t nbytes() const { return (int64_t)(w.panels.size() * sizeof(uint32_t)); }
};

struct LinearInt8 {
  int64_t in_features = 0, out_features = 0;
  PackedInt8 w;              // B = q_wᵀ (in × out)
  std::vector<float> scale;  // s_w, out
  explicit LinearInt8(const Array& w);
  Array forward(const Array& x, const std::optional<Array>& bias) const;
  // The quantised weight back in float32, s_w[j]·q_w[j, k] (what the product multiplies by).
  Array dequantized() const;
  int64_t nbytes() const { return (int64_t)(w.panels.size() * sizeof(uint32_t) + scale.size() * sizeof(float)); }
};

}  // namespace tl
