"""torch.nn.functional.pad: constant, reflect, replicate and circular padding (kernel:
csrc/cpu/resample.cpp; formulas in tinygrad_lite/ops/resample.py)."""
import builtins

from tinygrad_lite import argcheck
from tinygrad_lite.ops import resample as R

from .conv import _shape


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad)/2 dims: pad = (left, right) of the last dim, then of the one before, ...
    Output index o along a padded dim of size n reads input index i = o − left, mapped by `mode`:
    constant → value outside [0, n) (negative pads crop); reflect → −i or 2(n − 1) − i;
    replicate → clamp to [0, n − 1]; circular → i mod n. The gradient is summed back accordingly."""
    name = "pad"
    if not isinstance(pad, (builtins.list, builtins.tuple)):
        raise TypeError(f"{name}(): argument 'pad' must be tuple of ints, not {argcheck.describe(pad)}")
    pads = [argcheck.int64(name, "pad", p) for p in pad]
    if len(pads) % 2 or not pads:
        raise ValueError(f"{name}: padding length must be divisible by 2 and non-zero, got {len(pads)}")
    if len(pads) // 2 > input.dim():
        raise ValueError(f"{name}: padding length {len(pads)} is too large for an input of shape "
                         f"{_shape(input.shape)} (at most {2 * input.dim()})")
    if not isinstance(mode, str) or mode not in R.PAD_MODES:
        raise NotImplementedError(f"{name}: unsupported padding mode {mode!r} (constant, reflect, replicate, circular)")
    if mode != "constant":
        if value not in (None, 0, 0.0):
            raise ValueError(f"{name}: padding mode {mode!r} does not take a value")
        k = len(pads) // 2
        if k > 3 or input.dim() not in (k + 1, k + 2):  # torch's rule: a batch and/or channel dim in front
            raise NotImplementedError(
                f"{name}: {mode} padding of {k} dim(s) needs a {k + 1}-D or {k + 2}-D input, got input of shape "
                f"{_shape(input.shape)}")
        if builtins.any(p < 0 for p in pads):
            raise ValueError(f"{name}: {mode} padding must be non-negative, got {tuple(pads)}")
        for d in range(len(pads) // 2):
            n = input.shape[input.dim() - 1 - d]
            left, right = pads[2 * d], pads[2 * d + 1]
            if mode == "reflect" and (left >= n or right >= n):
                raise ValueError(f"{name}: reflect padding ({left}, {right}) should be less than the dimension "
                                 f"{input.dim() - 1 - d} of size {n} (input {_shape(input.shape)})")
            if mode == "circular" and (left > n or right > n):
                raise ValueError(f"{name}: circular padding ({left}, {right}) should be at most the dimension "
                                 f"{input.dim() - 1 - d} of size {n} (input {_shape(input.shape)})")
            if n == 0:
                raise ValueError(f"{name}: {mode} padding of an empty dimension (input {_shape(input.shape)})")
    else:
        for d in range(len(pads) // 2):
            n = input.shape[input.dim() - 1 - d]
            if n + pads[2 * d] + pads[2 * d + 1] < 0:
                raise ValueError(f"{name}: padding ({pads[2 * d]}, {pads[2 * d + 1]}) of dimension "
                                 f"{input.dim() - 1 - d} of size {n} gives a negative size")
    return R.Pad.apply(input, pads=pads, mode=R.PAD_MODES[mode], value=0.0 if value is None else builtins.float(value))


__all__ = ["pad"]
