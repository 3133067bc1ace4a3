"""Batch and group normalisation, forward and backward side by side (kernels: csrc/cpu/norm.cpp).

x (N, C, *); statistics in double, two passes."""
from ..autograd.function import Function


class BatchNorm(Function):
    """y = (x − μ_c)·s_c·w_c + b_c,  s_c = 1/√(σ²_c + ε); μ, σ² over (N, *) of the batch
    (use_batch_stats) or the running statistics. With x̂ = (x − μ)·s, M = N·Π*:
    ∂L/∂b = Σ g,  ∂L/∂w = Σ g·x̂,
    ∂L/∂x = w·s·(g − Σg/M − x̂·Σ(g·x̂)/M) (batch statistics) or w·s·g (running statistics).
    Running statistics, when given and use_batch_stats, are updated in place by the kernel."""

    __slots__ = ("stats", "use_batch", "has_weight", "has_bias")

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None, use_batch_stats=True,
                momentum=0.1, eps=1e-5):
        y, mean, invstd = self.B.batch_norm(x, weight, bias, running_mean, running_var, use_batch_stats, momentum,
                                            eps)
        self.stats, self.use_batch = (mean, invstd), use_batch_stats
        self.has_weight, self.has_bias = weight is not None, bias is not None
        self.save(x, weight)
        return y

    def backward(self, g):
        x, w = self.saved
        gx, gw, gb = self.B.batch_norm_backward(x, g, w, *self.stats, self.use_batch)
        out = [gx if self.needs_grad(0) else None]
        if self.has_weight:
            out.append(gw)
        if self.has_bias:
            out.append(gb)
        return tuple(out)


class GroupNorm(Function):
    """Per sample n and group of C/G channels: y = (x − μ_ng)·s_ng·w_c + b_c. With d = g·w_c,
    x̂ = (x − μ)·s and M = C/G·Π*: ∂L/∂x = s·(d − Σd/M − x̂·Σ(d·x̂)/M),
    ∂L/∂w_c = Σ_{n,*} g·x̂,  ∂L/∂b_c = Σ_{n,*} g."""

    __slots__ = ("stats", "groups", "has_weight", "has_bias")

    def forward(self, x, weight=None, bias=None, groups=1, eps=1e-5):
        y, mean, invstd = self.B.group_norm(x, weight, bias, groups, eps)
        self.stats, self.groups = (mean, invstd), groups
        self.has_weight, self.has_bias = weight is not None, bias is not None
        self.save(x, weight)
        return y

    def backward(self, g):
        x, w = self.saved
        gx, gw, gb = self.B.group_norm_backward(x, g, w, *self.stats, self.groups)
        out = [gx if self.needs_grad(0) else None]
        if self.has_weight:
            out.append(gw)
        if self.has_bias:
            out.append(gb)
        return tuple(out)
