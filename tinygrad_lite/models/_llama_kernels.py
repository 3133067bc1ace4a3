"""Stand-ins for ops the engine does not have yet, used by models/llama.py — TEMPORARY.

rms_norm, rotary embeddings, causal grouped-query attention over a KV cache and SwiGLU's gate are
fused native kernels (csrc/cpu/llama_ops.cpp), forward-only and CPU-only, on the core's Arrays. The
transformer issue's shared ops will replace them (functional.rms_norm, scaled_dot_product_attention,
silu); this file is the one place that then changes.
"""
from .. import _C


def rms_norm(x, weight, eps):
    """y = x · 1/sqrt(mean(x², -1) + eps) · weight;  x (..., D), weight (D,)."""
    return _C.llama_rms_norm(x, weight, eps)


def apply_rotary_(x, cos, sin, pos0):
    """Rotate x (T, heads, head_dim) in place: pairs (2i, 2i+1) of token t by angle θ_i·(pos0 + t), with the
    tables cos, sin (positions, head_dim/2)."""
    _C.llama_rope_(x, cos, sin, pos0)


def attention_with_cache(q, k, v, k_cache, v_cache, pos0):
    """Append k, v (T, kv_heads, hd) to the caches (kv_heads, capacity, hd) at pos0, then causal attention:
    out[t, h] = softmax(q[t, h]·K[:pos0+t+1]ᵀ/sqrt(hd)) · V[:pos0+t+1], kv head h // (heads/kv_heads).
    q (T, heads, hd) -> out (T, heads, hd)."""
    return _C.llama_attention(q, k, v, k_cache, v_cache, pos0)


def silu_mul(gate, up):
    """silu(gate) · up = gate·sigmoid(gate)·up (SwiGLU)."""
    return _C.llama_silu_mul(gate, up)
