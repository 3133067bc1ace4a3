"""What every functional module shares: `tensor_method`, which declares a function a Tensor
method where the function is defined; `unary` / `binary`, the two ways to apply a row of the
pointwise table; and `inplace`, the one implementation of torch's trailing-underscore
methods (x.add_(y), x.exp_(), ...)."""
import builtins

from .. import dtypes as _dt
from ..autograd import versions
from ..memory_overlap import check_no_partial_overlap
from ..autograd.grad_mode import _state as _grad_state
from ..ops import pointwise as P
from ..tensor import Tensor, _as_tensor, _float, _promote, _shape_arg  # noqa: F401  (re-exported helpers)

OPS = P.OPS


def tensor_method(fn=None, *, names=None, inplace=False):
    """Declare fn a Tensor method too: `@tensor_method` (x.fn()), `@tensor_method(names=(...))`
    for other or extra names, `inplace=True` to also declare x.fn_(...) = inplace(x, fn)."""

    def declare(f):
        for n in names or (f.__name__,):
            setattr(Tensor, n, f)
        if inplace:
            def method_(self, *args, **kwargs):
                return _inplace(self, f, *args, **kwargs)

            method_.__name__ = f.__name__ + "_"
            method_.__doc__ = f"In place: x ← {f.__name__}(x, ...). {f.__doc__ or ''}"
            setattr(Tensor, method_.__name__, method_)
        return f

    return declare(fn) if fn is not None else declare


def unary(x, name, *params):
    """Apply the table row `name` to x with its scalar parameters: y = f(x; params)."""
    return P.Unary.apply(x, OPS[name], params)


def binary(a, b, name):
    """Apply the binary table row `name`; a or b may be a number or an array (converted and
    promoted as torch does)."""
    if not isinstance(a, Tensor):
        a = _as_tensor(a, b) if not isinstance(a, (builtins.int, builtins.float, builtins.bool)) else \
            Tensor(a, dtype=_dt.result_type_of_scalar(b.dtype, a), device=b.device)
    if not isinstance(b, Tensor):
        b = _as_tensor(b, a) if not isinstance(b, (builtins.int, builtins.float, builtins.bool)) else \
            Tensor(b, dtype=_dt.result_type_of_scalar(a.dtype, b), device=a.device)
    if a.dtype is not b.dtype:
        a, b = _promote(a, b)
    return P.Binary.apply(a, b, OPS[name])


def float_input(x):
    """x as a floating tensor (int and bool inputs of float math become the default dtype)."""
    return _float(x)


def _check_writable(x, op):
    """In-place writes need every element of x at its own address (torch refuses otherwise)."""
    arr = x._data
    dims = sorted((st, n) for n, st in zip(arr.shape, arr.strides) if n > 1)
    reach = 0  # the furthest element offset the smaller-stride dims span
    for st, n in dims:
        if st <= reach:
            raise RuntimeError(
                f"{op}: unsupported operation: more than one element of the written-to tensor (shape "
                f"{tuple(x.shape)}, strides {tuple(arr.strides)}) refers to a single memory location. Please clone() "
                f"the tensor before performing the operation."
            )
        reach += st * (n - 1)


def _castable(src, dst):
    """torch's rule for writing a result of dtype src into a tensor of dtype dst."""
    if dst is _dt.bool_:
        return src is _dt.bool_
    if not dst.is_floating_point:
        return not src.is_floating_point
    return True


def inplace(x, fn, *args, **kwargs):
    """x ← fn(x, *args, **kwargs), in place, returning x: torch's trailing-underscore methods.

    A tensor argument that shares only some of x's elements (x.add_(x[0]), x.copy_(x.T)) raises
    as in torch (memory_overlap.py). The result is computed out of place and written into x's
    memory (so views of x see the change). When autograd is on and x or a tensor argument
    requires grad, the write is recorded: x gets the op's node (its old
    node stays with what was computed from it before), and the op reads a copy of x, which
    the write would otherwise overwrite under its saved inputs. On a leaf that requires grad
    it raises, as torch.
    """
    op = fn.__name__ + "_"
    recording = _grad_state.enabled
    if recording and x.requires_grad and x._ctx is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    _check_writable(x, op)
    for v in (*args, *kwargs.values()):  # a source sharing some of x's elements: torch refuses
        if isinstance(v, Tensor):
            check_no_partial_overlap(x._data, v._data, op)
    B = x._device.backend
    others = builtins.any(isinstance(v, Tensor) and v.requires_grad for v in (*args, *kwargs.values()))
    if recording and (x.requires_grad or others):
        old = Tensor._wrap(B.clone(x._data), x._device, x.requires_grad)
        old._ctx = x._ctx
        r = fn(old, *args, **kwargs)
    else:
        recording = False
        r = fn(x, *args, **kwargs)
    if not _castable(r.dtype, x.dtype):
        raise RuntimeError(f"{op}: result type {r.dtype.name} can't be cast to the desired output type {x.dtype.name}")
    if tuple(r.shape) != tuple(x.shape):
        raise RuntimeError(f"{op}: output with shape {tuple(x.shape)} doesn't match the broadcast shape {tuple(r.shape)}")
    src = r._data
    if src.storage_ptr == x._data.storage_ptr:  # r is a view of x itself (copy_ of x.T): read it before writing
        src = B.clone(src)
    B.copy_(x._data, src)
    versions.note_write(x._data, recorded=recording and r.requires_grad)
    if recording:  # x now holds r: its node, or none if r no longer depends on anything that needs grad
        x._ctx, x.requires_grad = r._ctx, r.requires_grad
        if r._ctx is not None:  # the node describes x as written: it is no older than the write
            r._ctx.epoch = versions.epoch
    return x


_inplace = inplace
