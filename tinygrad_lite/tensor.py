"""Tensor: a native Array plus what autograd needs (requires_grad, grad, the op that made it).

The path from a Python operator to a kernel is kept short on purpose: `a * b` is one method
call, one Function.apply, one native call. The rest of torch's Tensor methods are declared
where each function is defined, in tinygrad_lite/functional/ (`@tensor_method`).
"""
import builtins
import weakref

import numpy as np

from . import _C
from . import dtypes as _dt
from .argcheck import sizes as _sizes
from .autograd import engine
from .backend import narrow
from .autograd.grad_mode import _state as _grad_state
from .device import CPU, as_device
from .ops import elementwise as E
from .ops import pointwise as P
from .ops import reduce as R
from .ops import shape as S

_OPS = P.OPS


class Size(tuple):
    """torch.Size: a tuple of dimensions."""

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self):
        return f"tinygrad_lite.Size({list(self)})"


class Tensor:
    # _dtype caches the dtype object of _data (None: not looked up yet — reading the native
    # array's dtype costs a call into _C, so the hot paths read it once)
    __slots__ = ("_data", "_dtype", "_device", "requires_grad", "grad", "_ctx", "__weakref__", "__dict__")
    __array_priority__ = 1000  # numpy defers to our reflected operators
    _post_accumulate_grad_hooks = None  # {id: hook} once register_post_accumulate_grad_hook is called
    _grad_hooks = None  # {id: hook} once register_hook is called on a leaf

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import _to_array

        arr = _to_array(data, dtype)
        self._data, self._device, self.requires_grad, self.grad, self._ctx = arr, CPU, False, None, None
        self._dtype = None
        dev = as_device(device)
        if dev is not CPU and dev != CPU:
            self._data = dev.backend.to_device(arr, dev.index)
            self._device = dev
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _wrap(arr, device=CPU, requires_grad=False):
        t = Tensor.__new__(Tensor)
        t._data, t._device, t.requires_grad, t.grad, t._ctx = arr, device, requires_grad, None, None
        t._dtype = None
        return t

    # ---- metadata ------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        s = self._data.shape
        if dim is None:
            return Size(s)
        if not -len(s) <= dim < builtins.max(len(s), 1):
            raise IndexError(f"size: dimension {dim} out of range for a tensor of {len(s)} dimension(s)")
        return s[dim]

    @property
    def dtype(self):
        d = self._dtype
        if d is None:
            d = self._dtype = _dt.BY_CODE[self._data.dtype]
        return d

    @property
    def device(self):
        return self._device

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.numel

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_contiguous(self):
        return self._data.is_contiguous()

    def stride(self, dim=None):
        s = self._data.strides
        return s if dim is None else s[dim]

    def storage_offset(self):
        return self._data.offset

    def data_ptr(self):
        return self._data.data_ptr

    def __len__(self):
        s = self._data.shape
        if not s:
            raise TypeError("len() of a 0-d tensor")
        return s[0]

    # ---- autograd --------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into each leaf's .grad (seeded with `gradient`, or 1 for a
        scalar). create_graph=True records the backward pass itself, so the gradients can be
        differentiated again; inputs=[...] accumulates into those tensors only."""
        if not self.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self._data.numel != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; this output has shape "
                    f"{tuple(self._data.shape)}: pass `gradient=` to backward()"
                )
            dev = self._device
            g = (dev._backend or dev.backend).full([1] * self._data.ndim, 1.0, self._data.dtype)
        else:
            gt = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=self.dtype)
            if gt._data.shape != self._data.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {tuple(gt._data.shape)} but the output has shape "
                    f"{tuple(self._data.shape)}"
                )
            g = gt._data
        if create_graph or inputs is not None:
            from .autograd.functional_api import backward as _backward

            _backward([self], [Tensor._wrap(g, self._device) if gradient is None else gt],
                      retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)
            return
        engine.backward(self, g, retain_graph=bool(retain_graph))

    def register_hook(self, hook):
        """hook(grad) -> None or a replacement grad, called when this tensor's gradient is
        computed (before a leaf accumulates it into .grad). Returns a handle with .remove()."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._ctx is None:
            if self._grad_hooks is None:
                self._grad_hooks = {}
            hooks = self._grad_hooks
        else:
            hooks = engine.node_hooks.get(self._ctx)
            if hooks is None:
                hooks = engine.node_hooks[self._ctx] = {}
        return _HookHandle(hooks, hook)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self._ctx is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in .grad after backward (leaves always keep it)."""
        if self._ctx is not None:
            engine.retained[self._ctx] = weakref.ref(self)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs each time a gradient has been accumulated into this leaf's .grad
        (DistributedDataParallel starts its all-reduce there). Returns a handle with remove()."""
        if self._ctx is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        return _HookHandle(self._post_accumulate_grad_hooks, hook)

    @property
    def retains_grad(self):
        r = engine.retained.get(self._ctx) if self._ctx is not None else None
        return r is not None and r() is self

    def detach(self):
        """The same data, cut from the graph: no grad flows through the result."""
        return Tensor._wrap(self._data, self._device)

    def detach_(self):
        self._ctx = None
        self.requires_grad = False
        return self

    @property
    def data(self):
        return Tensor._wrap(self._data, self._device)

    @data.setter
    def data(self, other):
        self._data, self._dtype = other._data, other._dtype
        self._device = other._device

    # ---- conversion ------------------------------------------------------------------------
    def numpy(self, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data.numpy()

    def __array__(self, dtype=None, copy=None):
        a = self._device.backend.to_host(self._data).numpy() if self._device.type != "cpu" else self._data.numpy()
        return a.astype(dtype) if dtype is not None else a

    def _values(self):
        """The values as a numpy array on the host; bfloat16 as float32 (numpy has no bfloat16, so
        numpy()/__array__ raise for it, as torch's do, but item/tolist/repr work)."""
        arr = self._device.backend.to_host(self._data) if self._device.type != "cpu" else self._data
        if self.dtype.np is None:
            arr = _C.astype(arr, _dt.float32.code)
        return arr.numpy()

    def item(self):
        if self._data.numel != 1:
            raise RuntimeError(f"a Tensor with {self._data.numel} elements cannot be converted to Scalar")
        return self._values().reshape(()).item()

    def tolist(self):
        return self._values().tolist()

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __bool__(self):
        if self._data.numel != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype is _dt.bool_ or self._data.numel != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return self.item()

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from .printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    # ---- arithmetic (hot path) ----------------------------------------------------------
    def __add__(self, other):
        return _binary(self, other, _add, _OPS["add_scalar"])

    __radd__ = __add__

    def __sub__(self, other):
        _check_sub(self, other)
        if type(other) in (builtins.int, builtins.float) and (
                (self._dtype or self.dtype).is_floating_point or type(other) is builtins.float):  # x − s = x + (−s)
            return _binary(self, -other, _sub, _OPS["add_scalar"])
        return _binary(self, other, _sub, None)

    def __rsub__(self, other):
        _check_sub(self, other)
        return _binary(self, other, None, _OPS["rsub_scalar"], reflected=_sub)

    def __mul__(self, other):
        return _binary(self, other, _mul, _OPS["mul_scalar"])

    __rmul__ = __mul__

    def __truediv__(self, other):
        return _binary(_float(self, other), other, _div, _OPS["div_scalar"])

    def __rtruediv__(self, other):
        if isinstance(other, Tensor):  # torch: other / x is x.reciprocal() * other (1/x rounded first)
            return _binary(P.Unary.apply(_float(self), _OPS["reciprocal"]), other, _mul, _OPS["mul_scalar"])
        return _binary(_float(self, other), other, None, _OPS["rdiv_scalar"], reflected=_div)

    def __pow__(self, other):
        if type(other) in (builtins.int, builtins.float) and other == 2 and (
                type(other) is builtins.int and self.dtype is not _dt.bool_ or self.dtype.is_floating_point):
            return P.Unary.apply(self, _OPS["square"])  # x² exactly, also for int tensors
        if _integer_pow(self, other):
            from .int_pow import int_pow

            return int_pow(self, other)
        return _binary(_float(self, other), other, _pow, _OPS["pow_scalar"])

    def __rpow__(self, other):
        if _integer_pow(other, self):
            from .int_pow import int_pow

            return int_pow(other, self)
        return _binary(_float(self, other), other, None, _OPS["rpow_scalar"], reflected=_pow)

    def __mod__(self, other):
        if isinstance(other, (builtins.int, builtins.float)) and self.dtype.is_floating_point:
            return P.Unary.apply(self, _OPS["remainder_scalar"], (builtins.float(other),))
        return _binary(self, other, _remainder, None)

    def __rmod__(self, other):
        return _binary(self, other, None, None, reflected=_remainder)

    def __floordiv__(self, other):
        return _binary(self, other, _floor_divide, None)

    def __rfloordiv__(self, other):
        return _binary(self, other, None, None, reflected=_floor_divide)

    def __neg__(self):
        if self.dtype is _dt.bool_:
            raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; use `~` or "
                            "logical_not() to invert a mask (torch raises too)")
        return P.Unary.apply(self, _OPS["neg"])

    def __pos__(self):
        return self

    def __abs__(self):
        return P.Unary.apply(self, _OPS["abs"])

    # x op= y is in place (as torch), except on a non-leaf that records a graph: there it
    # rebinds x to a new node, since in-place ops are not recorded here.
    def _inplace_or_new(self, other, method, op):
        if type(other) is builtins.complex:  # a number torch's in-place op refuses (no complex dtype here)
            raise TypeError(f"{method}: complex numbers are not supported (there is no complex dtype; torch: the "
                            f"complex result can't be cast to {self.dtype.name})")
        if not isinstance(other, (Tensor, builtins.int, builtins.float, builtins.bool, np.ndarray, np.generic, list,
                                  tuple)):
            return NotImplemented  # torch's x.__iadd__('a'): Python then raises its TypeError
        if isinstance(other, (list, tuple)):
            try:
                other = Tensor(other, device=self._device)
            except (TypeError, ValueError):  # ragged or non-numeric: torch's operator declines too
                return NotImplemented
        if self.requires_grad and self._ctx is not None and _grad_state.enabled:
            return op(self, other)
        return getattr(self, method)(other)

    def __iadd__(self, other):
        return self._inplace_or_new(other, "add_", Tensor.__add__)

    def __isub__(self, other):
        return self._inplace_or_new(other, "sub_", Tensor.__sub__)

    def __imul__(self, other):
        return self._inplace_or_new(other, "mul_", Tensor.__mul__)

    def __itruediv__(self, other):
        return self._inplace_or_new(other, "div_", Tensor.__truediv__)

    # comparisons: not differentiable, → bool tensors
    def _compare(self, other, name):
        B = self._device.backend
        if isinstance(other, Tensor):
            a, b = _promote(self, other)
            return Tensor._wrap(_kernel(B, name, a._data, b._data), self._device)
        if isinstance(other, (np.ndarray, list, tuple)):
            try:
                other = Tensor(other, device=self._device)
            except (TypeError, ValueError):  # not numeric data: torch's operator declines
                return NotImplemented
            return self._compare(other, name)
        if type(other) is builtins.complex:
            raise TypeError(f"{name}: complex numbers are not supported (there is no complex dtype)")
        if type(other) is builtins.int:
            int_scalar(other, self._dtype or self.dtype, name)  # torch's range and uint64 checks
            d = self.dtype
            if not d.is_floating_point and d is not _dt.bool_:
                lo, hi = _dt.iinfo(d).min, _dt.iinfo(d).max
                if not lo <= other <= hi or abs(other) > 2 ** 53:
                    # torch casts the number to the tensor's dtype, wrapping (uint8 < -1 is < 255; an
                    # int in [2**63, 2**64) is a uint64 that wraps to int64), and compares exactly,
                    # not through the scalar kernel's double
                    other = (other - lo) % (hi - lo + 1) + lo
                    return self._compare(Tensor(other, dtype=d, device=self._device), name)
        if not isinstance(other, (builtins.int, builtins.float, builtins.bool, np.number)):
            return NotImplemented
        return Tensor._wrap(_kernel(B, name + "_scalar", self._data, builtins.float(other)), self._device)

    def __eq__(self, other):
        return self._compare(other, "eq")

    def __ne__(self, other):
        return self._compare(other, "ne")

    def __lt__(self, other):
        return self._compare(other, "lt")

    def __le__(self, other):
        return self._compare(other, "le")

    def __gt__(self, other):
        return self._compare(other, "gt")

    def __ge__(self, other):
        return self._compare(other, "ge")

    # bitwise on integers and bools (logical on bools), as torch: not differentiable
    def _bitwise(self, other, name):
        if type(other) is builtins.complex:
            raise TypeError(f"{name}: complex numbers are not supported (there is no complex dtype)")
        if self.dtype.is_floating_point and isinstance(other, (builtins.int, builtins.float)):
            # refused before the number is converted: a float tensor has no bits to combine, whatever the number
            raise TypeError(f"{name}: bitwise operations need integer or bool tensors, got {self.dtype.name}")
        if type(other) is builtins.int:  # torch's range and uint64 rules (a number, not "other data")
            other = int_scalar(other, self._dtype or self.dtype, name)
        try:
            other = _as_tensor(other, self)
        except (TypeError, ValueError):  # not numeric data: torch's operator declines
            return NotImplemented
        a, b = _promote(self, other)
        if a.dtype.is_floating_point:
            raise TypeError(f"{name}: bitwise operations need integer or bool tensors, got {a.dtype.name}")
        return Tensor._wrap(_kernel(self._device.backend, name, a._data, b._data), self._device)

    def __and__(self, other):
        return self._bitwise(other, "bitwise_and")

    __rand__ = __and__

    def __or__(self, other):
        return self._bitwise(other, "bitwise_or")

    __ror__ = __or__

    def __xor__(self, other):
        return self._bitwise(other, "bitwise_xor")

    __rxor__ = __xor__

    def __invert__(self):
        B = self._device.backend
        if self.dtype is _dt.bool_:
            return Tensor._wrap(B.logical_not(self._data), self._device)
        if not self.dtype.is_floating_point:  # ~x = x ^ −1 (all ones at the dtype's width)
            return Tensor._wrap(_kernel(B, "bitwise_xor", self._data, B.full([], -1.0, self._data.dtype)), self._device)
        raise TypeError(f"~ (bitwise not) needs an integer or bool tensor, got {self.dtype.name}")

    # ---- hot reductions / views ----------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        if not isinstance(keepdim, (builtins.bool, np.bool_)):
            raise TypeError(f"sum(): argument 'keepdim' must be bool, not {type(keepdim).__name__}")
        x = self if dtype is None else self.to(dtype)
        if not x.dtype.is_floating_point and x.dtype is not _dt.int64:  # bool, int32, ... sum to int64 (torch)
            x = x.to(_dt.int64)
        axes = list(range(x._data.ndim)) if dim is None else _axes(dim, x._data.ndim, "sum")
        return R.Sum.apply(x, axes=axes, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        if not isinstance(keepdim, (builtins.bool, np.bool_)):
            raise TypeError(f"mean(): argument 'keepdim' must be bool, not {type(keepdim).__name__}")
        x = self if dtype is None else self.to(dtype)
        if not x.dtype.is_floating_point:
            raise TypeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                f"dtype. Got: {x.dtype.name}"
            )
        axes = list(range(x._data.ndim)) if dim is None else _axes(dim, x._data.ndim, "mean")
        return R.Mean.apply(x, axes=axes, keepdim=keepdim)

    def reshape(self, *shape):
        shape = _shape_arg(shape)
        return S.Reshape.apply(self, shape=shape)

    def view(self, *shape):
        shape = _shape_arg(shape)
        if isinstance(shape, _dt.dtype):
            raise NotImplementedError("view(dtype) is not supported")
        return S.Reshape.apply(self, shape=shape, strict=True)

    def t(self):
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
        return self if self._data.ndim < 2 else S.Permute.apply(self, dims=[1, 0])

    @property
    def T(self):
        n = self._data.ndim
        return S.Permute.apply(self, dims=list(range(n - 1, -1, -1))) if n >= 2 else self

    @property
    def mT(self):
        if self._data.ndim == 0:  # torch: the identity on a 0-d tensor (deprecated there, still accepted)
            return self
        if self._data.ndim == 1:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return self.transpose(-2, -1)

    def __getitem__(self, index):
        from .indexing import getitem

        return getitem(self, index)

    def __setitem__(self, index, value):
        from .indexing import setitem

        setitem(self, index, value)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def to(self, *args, **kwargs):
        """to(dtype) / to(device) / to(device, dtype) / to(other_tensor), as torch."""
        dev, dtype = kwargs.get("device"), kwargs.get("dtype")
        for a in args:
            if isinstance(a, _dt.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dev, dtype = a._device, a.dtype
            elif a is not None:
                dev = a
        out = self
        if dtype is not None and dtype is not out.dtype:
            # an integer or bool result carries no gradient (torch: x.long().requires_grad is False)
            out = E.Cast.apply(out if dtype.is_floating_point else out.detach(), code=dtype.code)
        if dev is not None:
            dev = as_device(dev)
            if dev != out._device:
                from .ops.device import ToDevice

                out = ToDevice.apply(out, dev=dev)
        return out


Tensor._tensor_cls = Tensor  # what Function.apply makes its outputs with (autograd/function.py)


class _HookHandle:
    """What register_*_hook returns: remove() unregisters the hook."""

    _next = 0

    def __init__(self, hooks, hook):
        _HookHandle._next += 1
        self.hooks, self.id = hooks, _HookHandle._next
        hooks[self.id] = hook

    def remove(self):
        self.hooks.pop(self.id, None)


def _kernel(B, name, *args):
    """B.name(*args); a storage dtype (float16, int32, ...) computed widened (backend/narrow.py)."""
    try:
        return getattr(B, name)(*args)
    except TypeError:
        return narrow.call(B, name, *args)


def _float(x, other=None):
    """x itself if floating, else x converted to the default float dtype (true division, pow) —
    unless `other` is a floating tensor, whose dtype promotion then picks (int16 / float16 is
    float16, as torch)."""
    if (x._dtype or x.dtype).is_floating_point or (isinstance(other, Tensor) and other.dtype.is_floating_point):
        return x
    return x.to(_dt.get_default_dtype())


# What `a op b` applies to two tensors: a table row (Binary) or a Function class (Add, Sub)
_add, _sub = P.Add, P.Sub
_mul, _div, _pow, _remainder, _floor_divide = (_OPS[n] for n in ("mul", "div", "pow", "remainder", "floor_divide"))


def _apply2(fn, a, b):
    return P.Binary.apply(a, b, fn) if type(fn) is P.PointwiseOp else fn.apply(a, b)


def _as_tensor(x, like):
    if isinstance(x, Tensor):
        return x
    return Tensor(x, device=like._device)


def _is_int(x):
    """x is an integer/bool tensor or a Python int/bool."""
    if isinstance(x, Tensor):
        return not (x._dtype or x.dtype).is_floating_point
    return type(x) in (builtins.int, builtins.bool)


def _integer_pow(base, exponent):
    """torch computes int ** int exactly in integers (bool ** int too); a float anywhere → float pow."""
    return _is_int(base) and _is_int(exponent) and (isinstance(base, Tensor) or isinstance(exponent, Tensor))


def _check_sub(a, b):
    if (a._dtype or a.dtype) is _dt.bool_ or type(b) is builtins.bool or (
            isinstance(b, Tensor) and b.dtype is _dt.bool_):
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not supported; use `^` or "
                        "logical_xor() to invert a mask (torch raises too)")


def int_scalar(value, dtype, op):
    """A Python int operand as torch reads it: beyond [-2**63, 2**64) an OverflowError; in
    [2**63, 2**64) a uint64 — with an integer tensor it wraps to int64 (2**63 → -2**63), with a
    bool tensor torch refuses the promotion, with a float tensor it is just a big number."""
    if value < -2 ** 63 or value >= 2 ** 64:
        raise OverflowError(f"{op}: Python int {value} is too big to convert (torch takes ints in [-2**63, 2**64))")
    if value >= 2 ** 63 and not dtype.is_floating_point:
        if dtype is _dt.bool_:
            raise RuntimeError(f"{op}: a Python int >= 2**63 is a uint64 scalar, and bool with uint64 has no "
                               "promotion (torch raises too)")
        return value - 2 ** 64
    return value


def _promote(a, b):
    da, db = a._dtype or a.dtype, b._dtype or b.dtype
    if da is db:
        return a, b
    target = _dt.result_type(da, a.ndim == 0, db, b.ndim == 0)
    return a.to(target), b.to(target)


def _binary(a, b, fn, scalar_op, reflected=None):
    """a (Tensor) op b (Tensor, number or array), promoting dtypes as torch does. fn is what
    applies to two tensors (a table row or Add/Sub); scalar_op is the table row for
    `a op number` (None: fn with the number as a 0-d tensor); reflected=fn marks `b op a`."""
    if isinstance(b, Tensor):
        if fn is None:  # a reflected op called with a tensor (x.__rsub__(t)): t op x
            a, b, fn = b, a, reflected
        if (a._dtype or a.dtype) is not (b._dtype or b.dtype):
            a, b = _promote(a, b)
        return P.Binary.apply(a, b, fn) if type(fn) is P.PointwiseOp else fn.apply(a, b)
    if type(b) is builtins.complex:
        raise TypeError(f"{getattr(fn or reflected, '__name__', 'binary op')}: complex numbers are not supported "
                        "(there is no complex dtype)")
    if type(b) is builtins.int:
        b = int_scalar(b, a._dtype or a.dtype, "binary op")
        if abs(b) > 2 ** 53 and not (a._dtype or a.dtype).is_floating_point:
            scalar_op = None  # not exact as a float parameter: an int64 0-d tensor, below
    if isinstance(b, (builtins.int, builtins.float, builtins.bool)) and scalar_op is not None:
        da = a._dtype or a.dtype
        dt = _dt.result_type_of_scalar(da, b)
        if dt is not da:
            a = a.to(dt)
        return P.Unary.apply(a, scalar_op, (builtins.float(b),))
    if isinstance(b, (builtins.int, builtins.float, builtins.bool, np.ndarray, np.generic, list, tuple)):
        if isinstance(b, (builtins.int, builtins.float, builtins.bool)):
            bt = Tensor(b, dtype=_dt.result_type_of_scalar(a._dtype or a.dtype, b), device=a._device)
        else:
            try:
                bt = Tensor(b, device=a._device)
            except (TypeError, ValueError):  # not numeric data ([1, 'x'], ragged): torch's operator declines
                return NotImplemented
        x, y = _promote(bt, a) if reflected is not None else _promote(a, bt)
        return _apply2(reflected or fn, x, y)
    return NotImplemented


def _axes(dim, ndim, op):
    from .ops._util import normalize_axes

    return normalize_axes(dim, ndim, op)


def _shape_arg(shape, op="shape"):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(Size): a list of ints in int64 (argcheck.sizes)."""
    return _sizes(op, shape)
