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
from .. import dtypes as _dt
from ..autograd import versions
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from . import pointwise_graph as _graph
from ._util import unbroadcast, unbroadcast_t


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


def _output(x, arr, dtype):
    """A new tensor like x (class, device) holding arr, of a known dtype (or None: look it up)."""
    T = x._tensor_cls
    r = T.__new__(T)
    r._data, r._dtype, r._device, r.grad, r.requires_grad, r._ctx = arr, dtype, x._device, None, False, None
    return r


def _record(ctx, r, B, parents, inputs):
    """Make r the output of node ctx (autograd is on and an input requires grad)."""
    ctx.B, ctx.parents, ctx.inputs, ctx.freed, ctx.epoch = B, parents, inputs, False, versions.epoch
    r.requires_grad, r._ctx = True, ctx


class Unary(Function):
    """y = f(x; p) for one table row;  ∂L/∂x = g·f′(x; p) (the row's derivative kernel).
    Rows that save NONE get the kernel (g, g); ONE rows (∂y/∂x = 1) return g itself;
    NOGRAD rows (floor, sign, ...) are piecewise constant: ∂L/∂x = 0.

    `apply(x, op, params)` is written out rather than inherited: every elementwise op of a
    model goes through it, and without autograd it creates no node at all."""

    __slots__ = ("op", "params")

    @classmethod
    def apply(cls, x, op, params=()):
        dev = x._device
        B = dev._backend or dev.backend
        y = getattr(B, op.name)(x._data, *params)
        r = _output(x, y, _dt.bool_ if op.kind == "unary_pred" else x._dtype)
        if x.requires_grad and _state.enabled:
            ctx = cls.__new__(cls)
            ctx.op, ctx.params = op, params
            saves = op.saves
            ctx.saved = (x._data,) if saves == "X" else (y,) if saves == "Y" else None
            _record(ctx, r, B, (x,), (x._ctx,))
        return r

    def backward(self, g):
        op, B = self.op, self.B
        saves = op.saves
        if saves == "ONE":
            return g
        if saves == "NOGRAD":
            return B.full(list(g.shape), 0.0, g.dtype)
        s = g if saves == "NONE" else self.saved[0]
        return getattr(B, op.backward)(s, g, *self.params)

    def backward_graph(self, g):
        """g·f′(x) with Tensor ops (pointwise_graph.py), recorded for higher-order gradients."""
        op, x = self.op, self.parents[0]
        if op.saves == "ONE":
            return g
        if op.saves == "NOGRAD":
            return g * 0.0
        lin = _graph.LINEAR.get(op.name)
        if lin is not None:
            return g * lin(self.params)
        d = _graph.UNARY.get(op.name)
        if d is None:
            raise NotImplementedError(f"create_graph=True: {self.name} has no differentiable backward yet")
        return g * d(x, lambda: Unary.apply(x, op=op, params=self.params), self.params)

    @property
    def name(self):
        return self.op.title + "Backward"


class Binary(Function):
    """y = f(a, b) for one table row, broadcasting;  ∂L/∂a and ∂L/∂b from the row's fused
    derivative kernel, each summed back over its broadcast axes."""

    __slots__ = ("op", "same_shape")

    @classmethod
    def apply(cls, a, b, op):
        dev = a._device
        if b._device is not dev and b._device != dev:
            _device_error(op.name, a, b)
        B = dev._backend or dev.backend
        x, y = a._data, b._data
        r = _output(a, getattr(B, op.name)(x, y), _dt.bool_ if op.kind == "binary_pred" else a._dtype)
        if (a.requires_grad or b.requires_grad) and _state.enabled:
            ctx = cls.__new__(cls)
            ctx.op, ctx.saved, ctx.same_shape = op, (x, y), x.shape == y.shape
            _record(ctx, r, B, (a, b), (a._ctx, b._ctx))
        return r

    def backward(self, g):
        a, b = self.saved
        B, op = self.B, self.op
        if op.saves == "NOGRAD":
            zero = B.full([], 0.0, g.dtype)
            return unbroadcast(B, B.mul(g, zero), a.shape), unbroadcast(B, B.mul(g, zero), b.shape)
        pa, pb = self.parents
        ga, gb = getattr(B, op.backward)(a, b, g, pa.requires_grad, pb.requires_grad)
        if self.same_shape:  # no broadcast: the gradients have the inputs' shapes already
            return ga, gb
        return (None if ga is None else unbroadcast(B, ga, a.shape),
                None if gb is None else unbroadcast(B, gb, b.shape))

    def backward_graph(self, g):
        a, b = self.parents
        if self.op.saves == "NOGRAD":
            return unbroadcast_t(g * 0.0, a.shape), unbroadcast_t(g * 0.0, b.shape)
        d = _graph.BINARY.get(self.op.name)
        if d is None:
            raise NotImplementedError(f"create_graph=True: {self.name} has no differentiable backward yet")
        ga, gb = d(a, b, g)
        return unbroadcast_t(ga, a.shape), unbroadcast_t(gb, b.shape)

    @property
    def name(self):
        return self.op.title + "Backward"


def _device_error(name, a, b):
    raise RuntimeError(f"{name}: expected all tensors to be on the same device, but found at least two devices, "
                       f"{a._device} and {b._device}")


class _Additive(Function):
    """Add and Sub: no saved arrays, only the shapes (to sum the gradient back)."""

    __slots__ = ("sx", "sy")
    kernel = None

    @classmethod
    def apply(cls, a, b):
        dev = a._device
        if b._device is not dev and b._device != dev:
            _device_error(cls.kernel, a, b)
        B = dev._backend or dev.backend
        try:
            out = getattr(B, cls.kernel)(a._data, b._data)
        except TypeError:
            if cls.kernel != "add" or a._data.dtype != _dt.bool_.code:
                raise
            out = B.ne_scalar(B.add(B.astype(a._data, _dt.int64.code), B.astype(b._data, _dt.int64.code)), 0.0)
        r = _output(a, out, a._dtype)  # bool + bool is logical or (torch)
        if (a.requires_grad or b.requires_grad) and _state.enabled:
            ctx = cls.__new__(cls)
            ctx.sx, ctx.sy, ctx.saved = a._data.shape, b._data.shape, None
            _record(ctx, r, B, (a, b), (a._ctx, b._ctx))
        return r


class Add(_Additive):
    """z = x + y;  ∂z/∂x = 1, ∂z/∂y = 1 (summed over broadcast axes)"""

    kernel = "add"

    def backward(self, g):
        return unbroadcast(self.B, g, self.sx), unbroadcast(self.B, g, self.sy)

    def backward_graph(self, g):
        return unbroadcast_t(g, self.sx), unbroadcast_t(g, self.sy)


class Sub(_Additive):
    """z = x − y;  ∂z/∂x = 1, ∂z/∂y = −1"""

    kernel = "sub"

    def backward(self, g):
        gy = self.B.neg(g) if self.needs_grad(1) else None
        return unbroadcast(self.B, g, self.sx), None if gy is None else unbroadcast(self.B, gy, self.sy)

    def backward_graph(self, g):
        return unbroadcast_t(g, self.sx), unbroadcast_t(-g, self.sy)
