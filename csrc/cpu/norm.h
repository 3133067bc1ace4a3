// Batch and group normalisation, forward and backward, fused (one kernel per pass).
// Statistics are accumulated in double, two passes (mean, then squared deviations), so a
// channel with a large mean and a small spread keeps its digits.
//
// batch_norm: x (N, C, *) seen as (N, C, L); statistics per channel c over M = N·L values.
//   use_batch_stats: μ_c = mean, σ²_c = biased variance of the batch; running stats, when given,
//     are updated in place: r_μ ← (1 − m)·r_μ + m·μ,  r_σ² ← (1 − m)·r_σ² + m·σ²·M/(M − 1)
//   otherwise: μ_c, σ²_c = the running statistics.
//   y = (x − μ_c)·s_c·w_c + b_c,  s_c = 1/√(σ²_c + ε)   (w = 1, b = 0 when absent)
//   returns (y, μ, s) — μ and s are what the backward needs.
// batch_norm_backward, from g = ∂L/∂y (x̂ = (x − μ)·s):
//   ∂L/∂b_c = Σ g,  ∂L/∂w_c = Σ g·x̂
//   batch stats: ∂L/∂x = w_c·s_c·(g − Σg/M − x̂·Σ(g·x̂)/M);  running stats: ∂L/∂x = w_c·s_c·g
//
// group_norm: x (N, C, *) seen as (N, G, C/G·L); statistics per (n, group) over M = C/G·L values:
//   y = (x − μ_ng)·s_ng·w_c + b_c; returns (y, μ (N, G), s (N, G)).
// group_norm_backward: with d = g·w_c over the group,
//   ∂L/∂x = s_ng·(d − Σd/M − x̂·Σ(d·x̂)/M),  ∂L/∂w_c = Σ_{n,l} g·x̂,  ∂L/∂b_c = Σ_{n,l} g
#pragma once
#include <optional>
#include <tuple>

#include "../core/array.h"

namespace tl {

using OptArray = std::optional<Array>;

std::tuple<Array, Array, Array> batch_norm(const Array& x, const OptArray& weight, const OptArray& bias,
                                           const OptArray& running_mean, const OptArray& running_var,
                                           bool use_batch_stats, double momentum, double eps);
// (gx, gw, gb); gw and gb are computed whether or not there is a weight.
std::tuple<Array, Array, Array> batch_norm_backward(const Array& x, const Array& g, const OptArray& weight,
                                                    const Array& mean, const Array& invstd, bool use_batch_stats);

std::tuple<Array, Array, Array> group_norm(const Array& x, const OptArray& weight, const OptArray& bias,
                                           int64_t groups, double eps);
std::tuple<Array, Array, Array> group_norm_backward(const Array& x, const Array& g, const OptArray& weight,
                                                    const Array& mean, const Array& invstd, int64_t groups);

}  // namespace tl
