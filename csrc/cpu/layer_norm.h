// Row normalisations over the trailing `normalized_shape` of x: LayerNorm and RMSNorm, forward
// and backward, fused (one read of x per pass over a row that stays in L1), SIMD and threaded
// over rows. x is viewed as (R, C), C = ∏ normalized_shape; weight and bias have
// normalized_shape (or are absent).
#pragma once
#include <optional>
#include <tuple>

#include "../core/array.h"

namespace tl {

// μ_r = (1/C) Σ_c x_rc,  σ²_r = (1/C) Σ_c (x_rc − μ_r)²,  ρ_r = 1/√(σ²_r + ε)
// y_rc = (x_rc − μ_r)·ρ_r·w_c + b_c      → (y, mean (R…), rstd (R…)), stats shaped x.shape minus
// the normalized dims, in x's dtype (computed two-pass: exact centring, no cancellation).
std::tuple<Array, Array, Array> layer_norm(const Array& x, const Shape& normalized_shape,
                                           const std::optional<Array>& weight,
                                           const std::optional<Array>& bias, double eps);

// x̂ = (x − μ)ρ, ĝ = g·w:  dx = ρ·(ĝ − mean_c ĝ − x̂·mean_c(ĝ·x̂)),  dw = Σ_r g·x̂,  db = Σ_r g
// → (dx, dw or None, db or None); dw/db only when asked for (want_weight / want_bias).
std::tuple<Array, std::optional<Array>, std::optional<Array>> layer_norm_backward(
    const Array& g, const Array& x, const Shape& normalized_shape, const Array& mean, const Array& rstd,
    const std::optional<Array>& weight, bool want_weight, bool want_bias);

// ρ_r = 1/√((1/C) Σ_c x_rc² + ε),  y_rc = x_rc·ρ_r·w_c      → (y, rstd)
std::tuple<Array, Array> rms_norm(const Array& x, const Shape& normalized_shape,
                                  const std::optional<Array>& weight, double eps);

// x̂ = xρ, ĝ = g·w:  dx = ρ·(ĝ − x̂·mean_c(ĝ·x̂)),  dw = Σ_r g·x̂      → (dx, dw or None)
std::tuple<Array, std::optional<Array>> rms_norm_backward(const Array& g, const Array& x,
                                                          const Shape& normalized_shape, const Array& rstd,
                                                          const std::optional<Array>& weight, bool want_weight);

}  // namespace tl
