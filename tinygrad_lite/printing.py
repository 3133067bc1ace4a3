"""repr like torch's: tensor([[0.1000, 2.0000], ...], requires_grad=True)."""
import numpy as np

from . import dtypes as _dt


def tensor_repr(t):
    arr = np.asarray(t)
    prefix = "tensor("
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        ints = finite.size == 0 or np.all(finite == np.round(finite))
        big = finite.size and (np.abs(finite).max() >= 1e8 or (np.abs(finite[finite != 0]).min(initial=1) < 1e-4))
        if ints and not big:
            fmt = {"float_kind": lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)}
        elif big:
            fmt = {"float_kind": lambda v: f"{v:.4e}"}
        else:
            fmt = {"float_kind": lambda v: f"{v:.4f}"}
        body = np.array2string(arr, separator=", ", prefix=prefix, formatter=fmt, threshold=1000, edgeitems=3)
    else:
        body = np.array2string(arr, separator=", ", prefix=prefix, threshold=1000, edgeitems=3)
        if arr.dtype.kind == "b":
            body = body.replace("True", "True").replace("False", "False")
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.dtype not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_) or (arr.size == 0 and t.dtype is not _dt.get_default_dtype()):
        extras.append(f"dtype=tinygrad_lite.{t.dtype.name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
