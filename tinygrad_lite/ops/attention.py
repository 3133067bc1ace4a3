"""The transformer's own ops: fused scaled dot-product attention (flash-attention style,
csrc/cpu/attention.cpp) and the embedding lookup with its scatter-add backward."""
from ..autograd.function import Function
from ._util import reshape_array


class ScaledDotProductAttention(Function):
    """q (Z, Hq, L, E), k (Z, Hk, S, E), v (Z, Hk, S, Ev), Hq a multiple of Hk (GQA):
    s_ij = scale·q_i·k_j + mask_ij,  p_ij = softmax_j(s_ij),  out_i = Σ_j p_ij·d_ij·v_j
    (d_ij: dropout's keep/(1 − p)). With D_i = Σ_e g_ie·out_ie:
    ∂L/∂v_j = Σ_i p_ij d_ij g_i,  ds_ij = p_ij·(d_ij g_i·v_j − D_i),
    ∂L/∂q_i = scale·Σ_j ds_ij k_j,  ∂L/∂k_j = scale·Σ_i ds_ij q_i
    Only the per-row log-sum-exp is saved; the backward recomputes p from q, k and it."""

    __slots__ = ("mask", "dropout_p", "is_causal", "scale", "rng")

    def forward(self, q, k, v, mask, dropout_p, is_causal, scale):
        out, lse, rng = self.B.scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal, scale)
        self.mask, self.dropout_p, self.is_causal, self.scale, self.rng = mask, dropout_p, is_causal, scale, rng
        self.save(q, k, v, out, lse)
        return out

    def backward(self, g):
        q, k, v, out, lse = self.saved
        return self.B.scaled_dot_product_attention_backward(
            g, q, k, v, out, lse, self.mask, self.dropout_p, self.is_causal, self.scale, self.rng)


class Embedding(Function):
    """y[..., :] = W[idx[...], :]
    ∂L/∂W[v] = Σ_{n: idx_n = v} ∂L/∂y_n (÷ count(v) with scale_grad_by_freq); none into padding_idx"""

    __slots__ = ("idx", "num_weights", "padding_idx", "by_freq")

    def forward(self, w, idx, padding_idx, scale_grad_by_freq):
        self.idx, self.num_weights = idx, w.shape[0]
        self.padding_idx, self.by_freq = padding_idx, scale_grad_by_freq
        rows = self.B.index_select(w, 0, reshape_array(self.B, idx, [-1]))
        return reshape_array(self.B, rows, list(idx.shape) + [w.shape[1]])

    def backward(self, g):
        return self.B.embedding_backward(g, self.idx, self.num_weights, self.padding_idx, self.by_freq)
