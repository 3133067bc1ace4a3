"""Matrix products. Matmul sees operands of ≥ 2 dims (1-D operands are viewed as rows or
columns by the caller, torch.matmul's rule); batch dims broadcast."""
from ..autograd.function import Function
from ._util import reshape_array, unbroadcast, unbroadcast_t


def _mT(a):
    """The transpose of the last two dims, as a view (the GEMM reads it in place)."""
    return a.transpose(-1, -2)


class Matmul(Function):
    """C = A·B (batched);  ∂L/∂A = ∂L/∂C · Bᵀ,  ∂L/∂B = Aᵀ · ∂L/∂C (summed over broadcast batch dims)"""

    def forward(self, a, b):
        self.save(a, b)
        return self.B.matmul(a, b)

    def backward(self, g):
        a, b = self.saved
        B = self.B
        ga = unbroadcast(B, B.matmul(g, _mT(b)), a.shape) if self.needs_grad(0) else None
        gb = unbroadcast(B, B.matmul(_mT(a), g), b.shape) if self.needs_grad(1) else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self.parents
        return (unbroadcast_t(Matmul.apply(g, b.transpose(-1, -2)), a.shape),
                unbroadcast_t(Matmul.apply(a.transpose(-1, -2), g), b.shape))


class Linear(Function):
    """y = x·Wᵀ + b, x: (..., in), W: (out, in), b: (out,)
    ∂L/∂x = g·W,  ∂L/∂W = gᵀ·x (over all leading dims),  ∂L/∂b = Σ_rows g"""

    __slots__ = ("has_bias",)

    def forward(self, x, w, b=None):
        self.save(x, w)
        self.has_bias = b is not None
        return self.B.linear(x, w, b)

    def backward(self, g):
        x, w = self.saved
        B = self.B
        gx = B.matmul(g, w) if self.needs_grad(0) else None  # a data batch needs no gradient
        out_f, in_f = w.shape
        g2 = reshape_array(B, g, [-1, out_f]) if g.ndim != 2 else g
        gw = None
        if self.needs_grad(1):
            x2 = reshape_array(B, x, [-1, in_f]) if x.ndim != 2 else x
            gw = B.matmul(_mT(g2), x2)
        if not self.has_bias:
            return gx, gw
        return gx, gw, B.sum(g2, [0], False) if self.needs_grad(2) else None

    def backward_graph(self, g):
        x, w = self.parents[0], self.parents[1]
        out_f, in_f = w.shape
        g2, x2 = g.reshape(-1, out_f), x.reshape(-1, in_f)
        gx = Matmul.apply(g, w) if g.ndim >= 2 else Matmul.apply(g.reshape(1, -1), w).reshape(in_f)
        gw = Matmul.apply(g2.transpose(0, 1), x2)
        return (gx, gw) if not self.has_bias else (gx, gw, g2.sum(0))
