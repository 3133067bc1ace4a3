"""Elementwise ops that are not rows of the pointwise table (ops/pointwise.py has those):
where, dtype casts and copies."""
from ..autograd.function import Function
from ._util import unbroadcast, unbroadcast_t


class Where(Function):
    """z = cond ? x : y;  ∂z/∂x = [cond], ∂z/∂y = [¬cond]; cond gets no gradient"""

    __slots__ = ("cond", "sx", "sy")

    def forward(self, cond, x, y):
        self.cond, self.sx, self.sy = cond, x.shape, y.shape
        return self.B.where(cond, x, y)

    def backward(self, g):
        B = self.B
        zero = B.full([], 0.0, g.dtype)
        gx = unbroadcast(B, B.where(self.cond, g, zero), self.sx)
        gy = unbroadcast(B, B.where(self.cond, zero, g), self.sy)
        return None, gx, gy

    def backward_graph(self, g):
        cond = self.parents[0]
        zero = g * 0.0
        return None, unbroadcast_t(Where.apply(cond, g, zero), self.sx), unbroadcast_t(Where.apply(cond, zero, g), self.sy)


class Cast(Function):
    """z = x converted to another dtype;  ∂z/∂x = 1 (the gradient converted back)"""

    __slots__ = ("src",)

    def forward(self, x, code):
        self.src = x.dtype
        return self.B.astype(x, code)

    def backward(self, g):
        return self.B.astype(g, self.src)

    def backward_graph(self, g):
        return Cast.apply(g, code=self.src) if g._data.dtype != self.src else g


class Clone(Function):
    """z = copy of x (contiguous);  ∂z/∂x = 1"""

    def forward(self, x, contiguous_only=False):
        return self.B.contiguous(x) if contiguous_only else self.B.clone(x)

    def backward(self, g):
        return g

    def backward_graph(self, g):
        return g
