"""Row normalisations over the trailing normalized_shape: LayerNorm and RMSNorm, one fused
native kernel each way (csrc/cpu/layer_norm.cpp)."""
from ..autograd.function import Function


class LayerNorm(Function):
    """y = (x − μ)·ρ·w + b,  μ = mean(x), ρ = 1/√(var(x) + ε) over the normalized dims
    With x̂ = (x − μ)ρ and ĝ = g·w:
    ∂L/∂x = ρ·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  ∂L/∂w = Σ_rows g·x̂,  ∂L/∂b = Σ_rows g"""

    __slots__ = ("shape", "has_weight", "has_bias")

    def forward(self, x, *wb, normalized_shape, eps, has_weight, has_bias):
        w = wb[0] if has_weight else None
        b = wb[-1] if has_bias else None
        self.shape, self.has_weight, self.has_bias = normalized_shape, has_weight, has_bias
        y, mean, rstd = self.B.layer_norm(x, normalized_shape, w, b, eps)
        self.save(x, w, mean, rstd)
        return y

    def backward(self, g):
        x, w, mean, rstd = self.saved
        want_w = self.has_weight and self.needs_grad(1)
        want_b = self.has_bias and self.needs_grad(1 + self.has_weight)
        dx, dw, db = self.B.layer_norm_backward(g, x, self.shape, mean, rstd, w, want_w, want_b)
        return (dx,) + ((dw,) if self.has_weight else ()) + ((db,) if self.has_bias else ())


class RMSNorm(Function):
    """y = x·ρ·w,  ρ = 1/√(mean(x²) + ε) over the normalized dims
    With x̂ = xρ and ĝ = g·w:  ∂L/∂x = ρ·(ĝ − x̂·mean(ĝ·x̂)),  ∂L/∂w = Σ_rows g·x̂"""

    __slots__ = ("shape", "has_weight")

    def forward(self, x, *w, normalized_shape, eps):
        w = w[0] if w else None
        self.shape, self.has_weight = normalized_shape, w is not None
        y, rstd = self.B.rms_norm(x, normalized_shape, w, eps)
        self.save(x, w, rstd)
        return y

    def backward(self, g):
        x, w, rstd = self.saved
        dx, dw = self.B.rms_norm_backward(g, x, self.shape, rstd, w, self.has_weight and self.needs_grad(1))
        return (dx, dw) if self.has_weight else dx
