"""Running sums and products along an axis (native kernels csrc/cpu/sort.cpp)."""
from .. import _C
from ..autograd.function import Function


def _reversed_along(B, g, axis):
    """g with the order along axis reversed (a gather through reversed indices, as torch.flip copies)."""
    if g.ndim == 0:
        return g
    n = g.shape[axis]
    rev = B.arange(float(n - 1), -1.0, -1.0, _C.INT64) if n else B.full([0], 0.0, _C.INT64)
    return B.index_select(g, axis, rev)


class Cumsum(Function):
    """y_j = Σ_{k≤j} x_k along axis;  ∂L/∂x_i = Σ_{j≥i} ∂L/∂y_j (the cumsum of g taken from the end)"""

    __slots__ = ("axis",)

    def forward(self, x, axis):
        self.axis = axis
        return self.B.cumsum(x, axis)

    def backward(self, g):
        B = self.B
        return _reversed_along(B, B.cumsum(_reversed_along(B, g, self.axis), self.axis), self.axis)

    def backward_graph(self, g):
        return _reverse_cumsum(g, self.axis)


class Cumprod(Function):
    """y_j = Π_{k≤j} x_k along axis;  ∂L/∂x_i = Σ_{j≥i} g_j Π_{k≤j, k≠i} x_k (native, exact with zeros)"""

    __slots__ = ("axis",)

    def forward(self, x, axis):
        self.axis = axis
        self.save(x)
        return self.B.cumprod(x, axis)

    def backward(self, g):
        return self.B.cumprod_backward(self.saved[0], g, self.axis)

    def backward_graph(self, g):
        """Without zeros in x: Σ_{j≥i} g_j·y_j / x_i (a reversed cumsum of g·y, over x), in
        differentiable ops; the exact zero-aware form is native only (first order)."""
        x = self.parents[0]
        if not bool((x != 0).all()):
            raise NotImplementedError("create_graph=True through cumprod/prod of a tensor with zeros is not supported")
        y = Cumprod.apply(x, axis=self.axis)
        return _reverse_cumsum(g * y, self.axis) / x


def _reverse_cumsum(t, axis):
    """Σ_{j≥i} t_j along axis, differentiable (cumsum of the flipped tensor, flipped back)."""
    if t.ndim == 0:
        return t
    n = t.shape[axis]
    rev = type(t)._wrap(_C.arange(float(n - 1), -1.0, -1.0, _C.INT64), t.device) if n else None
    if rev is None:
        return t
    if rev.device != t.device:
        rev = rev.to(t.device)
    return Cumsum.apply(t.index_select(axis, rev), axis=axis).index_select(axis, rev)
