"""Fused neural-network ops: softmax, log-softmax, cross-entropy, dropout, and the torch
functional API built on them (imported by tinygrad_lite.nn.functional)."""
from ..autograd.function import Function


class Softmax(Function):
    """y_i = e^(x_i − m) / Σ_j e^(x_j − m), m = max_j x_j (stable);
    ∂L/∂x_i = y_i (g_i − Σ_j g_j y_j)"""

    __slots__ = ("axis",)

    def forward(self, x, axis):
        self.axis = axis
        y = self.B.softmax(x, axis)
        self.save(y)
        return y

    def backward(self, g):
        return self.B.softmax_backward(self.saved[0], g, self.axis)

    def backward_graph(self, g):
        y = Softmax.apply(self.parents[0], axis=self.axis)
        return y * (g - (g * y).sum(self.axis, keepdim=True))


class LogSoftmax(Function):
    """y_i = x_i − m − ln Σ_j e^(x_j − m);  ∂L/∂x_i = g_i − e^(y_i) Σ_j g_j"""

    __slots__ = ("axis",)

    def forward(self, x, axis):
        self.axis = axis
        y = self.B.log_softmax(x, axis)
        self.save(y)
        return y

    def backward(self, g):
        return self.B.log_softmax_backward(self.saved[0], g, self.axis)

    def backward_graph(self, g):
        p = Softmax.apply(self.parents[0], axis=self.axis)
        return g - p * g.sum(self.axis, keepdim=True)


REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


class CrossEntropy(Function):
    """Fused log-softmax + negative log-likelihood, logits x: (N, C), targets t: (N,).
    lse_n = ln Σ_c e^(x_nc);  ℓ_n = (1−ε)(lse_n − x_{n,t_n}) + (ε/C) Σ_c (lse_n − x_nc)
    L = mean over rows whose target ≠ ignore_index (or sum, or none)
    ∂ℓ_n/∂x_nc = softmax(x_n)_c − ((1−ε)[c = t_n] + ε/C)"""

    __slots__ = ("target", "ignore_index", "smoothing", "reduction")

    def forward(self, x, target, ignore_index=-100, label_smoothing=0.0, reduction=1):
        self.target, self.ignore_index = target, ignore_index
        self.smoothing, self.reduction = label_smoothing, reduction
        loss, lse = self.B.cross_entropy(x, target, ignore_index, label_smoothing, reduction)
        self.save(x, lse)
        return loss

    def backward(self, g):
        x, lse = self.saved
        return self.B.cross_entropy_backward(
            x, self.target, lse, g, self.ignore_index, self.smoothing, self.reduction
        )

    def backward_graph(self, g):
        """(softmax(x) − q)·keep·g' with q = (1−ε)·onehot(t) + ε/C, g' = g per row (none),
        g/#kept (mean) or g (sum)."""
        x, target = self.parents
        B, T = self.B, type(x)
        N, C = x.shape
        t = target._data
        keep = B.ne_scalar(t, float(self.ignore_index))
        safe = B.where(keep, t, B.full([], 0.0, t.dtype))
        q = B.scatter_add([N, C], 1, safe.view([N, 1]),
                          B.full([N, 1], 1.0 - self.smoothing, x._data.dtype))
        q = B.add_scalar(q, self.smoothing / C)
        keepf = T._wrap(B.astype(keep, x._data.dtype), x.device).reshape(N, 1)
        d = (Softmax.apply(x, axis=1) - T._wrap(q, x.device)) * keepf
        if self.reduction == 0:
            return d * g.reshape(N, 1), None
        if self.reduction == 1:
            return d * (g / keepf.sum()), None
        return d * g, None


class Dropout(Function):
    """y = x·m/(1−p), m_i ~ Bernoulli(1−p);  ∂y/∂x = m/(1−p)"""

    __slots__ = ("scale",)

    def forward(self, x, p):
        y, mask = self.B.dropout(x, p)
        self.save(mask)
        self.scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
        return y

    def backward(self, g):
        B = self.B
        return B.mul_scalar(B.mul(g, B.astype(self.saved[0], g.dtype)), self.scale)

    def backward_graph(self, g):
        mask = type(g)._wrap(self.B.astype(self.saved[0], g._data.dtype), g.device)
        return g * mask * self.scale
