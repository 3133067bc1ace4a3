"""Pointwise ops through the op table (csrc/ops/pointwise.def; formulas and derivatives in
csrc/math/pointwise.h).

Two Functions serve every row:
    Unary   y = f(x; p)      ∂L/∂x = g·f′(x; p)   — the backend's `name_backward(s, g, *p)`,
                                                   s being x or y as the row saves
    Binary  y = f(a, b)      ∂L/∂a, ∂L/∂b from one fused `name_backward(a, b, g)`, each summed
                             back over the axes it was broadcast along (unbroadcast)
so adding a pointwise op needs no new Function. Add and Sub keep tiny Functions of their own:
their derivatives are ±g, which needs no kernel at all.
"""
from .. import _C
from ..autograd.function import Function
from ._util import unbroadcast


class PointwiseOp:
    """One row of the table: name, kind, dtypes class, what its backward saves, #params."""

    __slots__ = ("code", "name", "kind", "dtypes", "saves", "nparams", "doc", "backward", "title")

    def __init__(self, code, name, kind, dtypes, saves, nparams, doc):
        self.code, self.name, self.kind, self.dtypes = code, name, kind, dtypes
        self.saves, self.nparams, self.doc = saves, nparams, doc
        self.backward = name + "_backward"
        self.title = "".join(w.capitalize() for w in name.split("_"))

    def __repr__(self):
        return f"<pointwise {self.name}: {self.doc}>"


OPS = {row[0]: PointwiseOp(i, *row) for i, row in enumerate(_C.pointwise_ops())}


class Unary(Function):
    """y = f(x; p) for one table row;  ∂L/∂x = g·f′(x; p) (the row's derivative kernel).
    Rows that save NONE get the kernel (g, g); ONE rows (∂y/∂x = 1) return g itself;
    NOGRAD rows (floor, sign, ...) are piecewise constant: ∂L/∂x = 0."""

    __slots__ = ("op", "params")

    def forward(self, x, op, params=()):
        self.op, self.params = op, params
        y = getattr(self.B, op.name)(x, *params)
        saves = op.saves
        if saves == "X":
            self.saved = (x,)
        elif saves == "Y":
            self.saved = (y,)
        return y

    def backward(self, g):
        op, B = self.op, self.B
        saves = op.saves
        if saves == "ONE":
            return g
        if saves == "NOGRAD":
            return B.full(list(g.shape), 0.0, g.dtype)
        s = g if saves == "NONE" else self.saved[0]
        return getattr(B, op.backward)(s, g, *self.params)

    @property
    def name(self):
        return self.op.title + "Backward"


class Binary(Function):
    """y = f(a, b) for one table row, broadcasting;  ∂L/∂a and ∂L/∂b from the row's fused
    derivative kernel, each summed back over its broadcast axes."""

    __slots__ = ("op",)

    def forward(self, a, b, op):
        self.op = op
        self.saved = (a, b)
        return getattr(self.B, op.name)(a, b)

    def backward(self, g):
        a, b = self.saved
        B, op = self.B, self.op
        if op.saves == "NOGRAD":
            zero = B.full([], 0.0, g.dtype)
            return unbroadcast(B, B.mul(g, zero), a.shape), unbroadcast(B, B.mul(g, zero), b.shape)
        ga, gb = getattr(B, op.backward)(a, b, g, self.needs_grad(0), self.needs_grad(1))
        return (None if ga is None else unbroadcast(B, ga, a.shape),
                None if gb is None else unbroadcast(B, gb, b.shape))

    @property
    def name(self):
        return self.op.title + "Backward"


class Add(Function):
    """z = x + y;  ∂z/∂x = 1, ∂z/∂y = 1 (summed over broadcast axes)"""

    __slots__ = ("sx", "sy")

    def forward(self, x, y):
        self.sx, self.sy = x.shape, y.shape
        return self.B.add(x, y)

    def backward(self, g):
        return unbroadcast(self.B, g, self.sx), unbroadcast(self.B, g, self.sy)


class Sub(Function):
    """z = x − y;  ∂z/∂x = 1, ∂z/∂y = −1"""

    __slots__ = ("sx", "sy")

    def forward(self, x, y):
        self.sx, self.sy = x.shape, y.shape
        return self.B.sub(x, y)

    def backward(self, g):
        gy = self.B.neg(g) if self.needs_grad(1) else None
        return unbroadcast(self.B, g, self.sx), None if gy is None else unbroadcast(self.B, gy, self.sy)
