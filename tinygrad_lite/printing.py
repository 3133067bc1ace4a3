"""repr like torch's: tensor([[0.1000, 2.0000], ...], requires_grad=True)."""
import numpy as np

from . import dtypes as _dt


def _body(arr, prefix):
    opts = dict(separator=", ", prefix=prefix, threshold=1000, edgeitems=3, max_line_width=80)
    if arr.dtype.kind != "f":
        return np.array2string(arr, **opts)
    finite = arr[np.isfinite(arr)]
    integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    nonzero = np.abs(finite[finite != 0]) if finite.size else finite
    sci = nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4)
    if sci:
        return np.array2string(arr, formatter={"float_kind": lambda v: f"{v:.4e}"}, **opts)
    if integral:  # torch prints 1., 2. (numpy's 'maxprec' does the same, padded)
        return np.array2string(arr, floatmode="maxprec", precision=0, **opts)
    return np.array2string(arr, floatmode="fixed", precision=4, suppress_small=False, **opts)


def tensor_repr(t):
    prefix = "tensor("
    arr = np.asarray(t)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.dtype not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_) or (arr.size == 0 and t.dtype is not _dt.get_default_dtype()):
        extras.append(f"dtype=tinygrad_lite.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + _body(arr, prefix) + "".join(", " + e for e in extras) + ")"
