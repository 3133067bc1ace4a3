// Fused scaled dot-product attention (flash-attention style), forward and backward.
//
//   q (Z, Hq, L, E), k (Z, Hk, S, E), v (Z, Hk, S, Ev); Hq a multiple of Hk (grouped-query
//   attention: query head h reads key/value head h / (Hq/Hk)). Any strides, read in place
//   (a last-dimension stride other than 1 costs a copy).
//   s_ij = scale·q_i·k_j + mask_ij      (bool mask: −∞ where false; causal: −∞ where j > i,
//                                        top-left aligned as torch's is_causal)
//   p_ij = e^(s_ij − lse_i),  lse_i = ln Σ_j e^(s_ij)
//   out_i = Σ_j p_ij·d_ij·v_j,  d_ij = keep_ij/(1 − dropout_p) (1 without dropout)
// A row whose keys are all masked gives out_i = 0 (and lse_i = −∞), as torch.
//
// The (L, S) score matrix is never stored: the forward walks tiles of keys with a running
// maximum and sum per query row (online softmax) and keeps only lse; the backward recomputes
// each tile from q, k and lse. Memory is linear in L and S.
#pragma once
#include <optional>
#include <tuple>

#include "../core/array.h"

namespace tl {

// → (out (Z, Hq, L, Ev), lse (Z, Hq, L), rng (2,) int64). out is a view of (Z, L, Hq, Ev)
// memory, so out.transpose(1, 2) is contiguous. rng: the dropout draws (seed, first block),
// for the backward. mask: bool, or float of q's dtype, broadcastable to (Z, Hq, L, S).
std::tuple<Array, Array, Array> scaled_dot_product_attention(const Array& q, const Array& k, const Array& v,
                                                             const std::optional<Array>& mask, double dropout_p,
                                                             bool is_causal, double scale);

// g = ∂L/∂out (Z, Hq, L, Ev); out, lse, rng from the forward. With D_i = Σ_e g_ie·out_ie,
//   dv_j = Σ_i p_ij d_ij g_i,   ds_ij = p_ij·(d_ij·g_i·v_j − D_i),
//   dq_i = scale·Σ_j ds_ij k_j,  dk_j = scale·Σ_i ds_ij q_i     (dk, dv summed over a GQA group)
// → (dq, dk, dv) shaped as q, k, v (views of (Z, L, H, E) memory).
std::tuple<Array, Array, Array> scaled_dot_product_attention_backward(
    const Array& g, const Array& q, const Array& k, const Array& v, const Array& out, const Array& lse,
    const std::optional<Array>& mask, double dropout_p, bool is_causal, double scale, const Array& rng);

}  // namespace tl
