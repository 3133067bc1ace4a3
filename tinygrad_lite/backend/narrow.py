"""Ops on the storage dtypes — float16, bfloat16, int32, int16, int8, uint8 — as torch's CPU
does them: compute in float32 (the 16-bit floats) or int64 (the small ints), and round each
result back to the storage dtype (floats: to nearest even; ints: wrapping at their width).

    y = narrow(f(widen(x)))        widen: float16/bfloat16 -> float32, int8..int32/uint8 -> int64

The kernels compute in float32/float64/int64/bool only and raise TypeError for the rest, so
the op layer calls a kernel directly (no cost on the common path) and only when that raises
goes through `call` (or `backend(B)`, the backend with every kernel wrapped by `call`). A
Function whose forward fell back keeps the wrapped backend as its `B`, so its backward
computes the same way and returns gradients in the inputs' dtypes.

Which results are rounded back: those in the compute dtype of the *first* array argument's
storage dtype (x of f(x, ...), a of a + b, s of a backward(s, g)). Index results stay int64
(argmax, sort's indices, ...): for the small ints, whose compute dtype is int64 too, the
`_INDEX_OUTPUTS` table names them. Kernels ending in `_` write their arguments in place (a
parameter, an optimizer's state): the widened copies are written back.
"""
from .. import dtypes as _dt

_CODES = {d.code: d for d in _dt.BY_CODE}

# for integer storage: which outputs are int64 indices, not values (all of them: None)
_INDEX_OUTPUTS = {"argmax": None, "argmin": None, "nonzero": None, "sort": (1,), "topk": (1,), "kthvalue": (1,),
                  "max_pool2d": (1,), "adaptive_max_pool2d": (1,), "multinomial": None, "randint": None,
                  "randperm": None}


def _is_array(a):
    return hasattr(a, "dtype") and hasattr(a, "numel") and not isinstance(a, _dt.dtype)


def call(B, name, *args):
    """B.name(*args) with storage-dtype arrays widened and the results narrowed back."""
    kernel = getattr(B, name)
    first = next((a for a in args if _is_array(a)), None)
    if first is None or not any(_is_array(a) and _CODES[a.dtype].compute is not None for a in args):
        return kernel(*args)  # nothing to widen: the kernel's own error (or result) stands
    store = _CODES[first.dtype]
    wide = [B.astype(a, _CODES[a.dtype].compute.code) if _is_array(a) and _CODES[a.dtype].compute else a
            for a in args]
    try:
        out = kernel(*wide)
    except TypeError as e:
        names = sorted({_CODES[a.dtype].name for a in args if _is_array(a)})
        raise TypeError(f"{name}: not implemented for {', '.join(names)} ({e})") from None
    if name.endswith("_"):  # in place (a fill, an optimizer step and its state): write the widened arrays back
        for a, w in zip(args, wide):
            if w is not a:
                B.copy_(a, w)
        return out
    if store.compute is None:
        return out
    target = store.compute.code
    skip = _INDEX_OUTPUTS.get(name, ()) if not store.is_floating_point else ()

    def back(i, o):
        if o is None or not _is_array(o) or o.dtype != target or (skip is None or i in skip):
            return o
        return B.astype(o, store.code)

    if isinstance(out, (tuple, list)):
        return type(out)(back(i, o) for i, o in enumerate(out))
    return back(0, out)


class _Narrowing:
    """A backend whose kernels go through `call`: what a Function on storage dtypes uses."""

    def __init__(self, B):
        self._B = B

    def __getattr__(self, name):
        B = self._B
        attr = getattr(B, name)
        if not callable(attr):
            return attr

        def kernel(*args):
            return call(B, name, *args)

        kernel.__name__ = name
        setattr(self, name, kernel)
        return kernel


_BACKENDS = {}


def backend(B):
    """B with every kernel widening storage dtypes (one wrapper per backend)."""
    if isinstance(B, _Narrowing):
        return B
    w = _BACKENDS.get(id(B))
    if w is None:
        w = _BACKENDS[id(B)] = _Narrowing(B)
    return w


def involves(tensors):
    """Whether any of the tensors has a storage dtype (then a TypeError may be a fallback)."""
    return any(t.dtype.compute is not None for t in tensors)
