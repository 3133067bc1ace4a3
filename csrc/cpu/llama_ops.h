// Fused inference kernels of the Llama family (tinygrad_lite/models/llama.py). Model-specific and
// forward-only on purpose: the transformer issue's shared ops (rms_norm, rotary embeddings,
// scaled-dot-product attention, silu) will replace them; until then they live here, isolated.
// All arrays are contiguous float32; shapes are checked by the bindings (bind_llama_ops.cpp).
//
//   rms_norm   x (T, D), w (D) -> y (T, D):  y[t] = x[t] · 1/sqrt(mean(x[t]²) + eps) · w
//   rope_      x (T, H, hd) in place, token t at position pos0 + t; pairs (2i, 2i+1) rotate by the
//              angle θ_i·p (cos/sin tables (P, hd/2) from the caller, P > pos0 + T − 1):
//                x[2i]   ← x[2i]·cos − x[2i+1]·sin
//                x[2i+1] ← x[2i+1]·cos + x[2i]·sin
//              GGUF stores Q and K rows permuted (llama.cpp's converter interleaves the two halves
//              of each head), so the pairs that Hugging Face's rotate_half forms as (i, i + hd/2)
//              are rows (2i, 2i+1) here: rotating adjacent pairs of the file's rows is the same
//              attention, with no un-permuting of the weights.
//   attention  q (T, H, hd), k, v (T, Hkv, hd); caches (Hkv, cap, hd). Writes k, v at positions
//              [pos0, pos0 + T) of the caches, then for every query head h (kv head h / (H/Hkv)),
//              token t attends to positions s ≤ pos0 + t (causal):
//                a_s = (q·k_s)/sqrt(hd),  p = softmax(a),  out[t, h] = Σ_s p_s·v_s
//              Decoding (T < 8): row-by-row dots, each K/V row loaded once for the heads sharing it;
//              a prompt: per head two GEMMs (scores = q·Kᵀ, out = P·V) with the causal mask between.
//   silu_mul   g, u (n) -> y (n):  y = g·sigmoid(g)·u   (SwiGLU's gate)
#pragma once
#include <cstdint>

namespace tl {
namespace llama {

void rms_norm(const float* x, const float* w, float* y, int64_t T, int64_t D, float eps);
void rope_(float* x, const float* cos, const float* sin, int64_t T, int64_t H, int64_t hd, int64_t pos0);
void attention(const float* q, const float* k, const float* v, float* k_cache, float* v_cache, float* out,
               int64_t T, int64_t H, int64_t Hkv, int64_t hd, int64_t cap, int64_t pos0);
void silu_mul(const float* g, const float* u, float* y, int64_t n);

}  // namespace llama
}  // namespace tl
