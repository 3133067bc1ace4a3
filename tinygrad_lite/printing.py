"""repr like torch's: tensor([[0.1000, 2.0000], ...], requires_grad=True), with torch's print
options (set_printoptions: precision, threshold, edgeitems, linewidth, profile, sci_mode)."""
import numpy as np

from . import dtypes as _dt

_DEFAULTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
_PROFILES = {"default": _DEFAULTS, "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)}
_opts = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: digits after the point, the element count above which a tensor
    is summarised, items kept at each edge of a summary, the line width, a profile ('default',
    'short', 'full') and scientific notation (None: automatic)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}")
        _opts.update(_PROFILES[profile])
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


def get_printoptions():
    return dict(_opts)


def _body(arr, prefix):
    threshold = _opts["threshold"]
    opts = dict(separator=", ", prefix=prefix, threshold=int(min(threshold, 2 ** 62)), edgeitems=_opts["edgeitems"],
                max_line_width=_opts["linewidth"])
    if arr.dtype.kind == "b":  # torch pads to the widest shown value: True alone needs no space
        width = 5 if not bool((_summarized(arr) if arr.size > threshold else arr).all()) else 4
        return np.array2string(arr, formatter={"bool": lambda v: str(bool(v)).rjust(width)}, **opts)
    if arr.dtype.kind != "f":
        return np.array2string(arr, **opts)
    prec = _opts["precision"]
    shown = _summarized(arr) if arr.size > threshold else arr  # torch decides the format on what it shows
    finite = shown[np.isfinite(shown)]
    integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    nonzero = np.abs(finite[finite != 0]) if finite.size else finite
    sci = _opts["sci_mode"]
    if sci is None:
        sci = bool(nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4))
    if sci:  # torch right-aligns every element to the widest one
        width = max((len(f"{v:.{prec}e}") for v in shown.flat), default=0)
        return np.array2string(arr, formatter={"float_kind": lambda v: f"{v:.{prec}e}".rjust(width)}, **opts)
    if integral:  # torch prints 1., 2. (numpy's 'maxprec' does the same, padded)
        return np.array2string(arr, floatmode="maxprec", precision=0, **opts)
    return np.array2string(arr, floatmode="fixed", precision=prec, suppress_small=False, **opts)


def _summarized(arr):
    """The elements a summarised print shows: edgeitems at each end of every long dim."""
    e = _opts["edgeitems"]
    for d in range(arr.ndim):
        if arr.shape[d] > 2 * e:
            arr = np.concatenate([np.take(arr, range(e), d), np.take(arr, range(arr.shape[d] - e, arr.shape[d]), d)], d)
    return arr


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
