"""torch.nn.functional's resampling: interpolate (nearest, linear, bilinear), upsample,
pixel_shuffle, pixel_unshuffle. Kernels: csrc/cpu/resample.cpp (formulas in its header);
the pixel shuffles are reshapes and one permutation."""
import builtins
import math

from tinygrad_lite import argcheck
from tinygrad_lite.ops import resample as R

from .conv import _shape

_MODES = {"nearest": (0, 1), "linear": (1, 1), "bilinear": (1, 2)}  # mode -> (kernel mode, spatial dims)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dims of (N, C, L) or (N, C, H, W). Source coordinate of output index i (per axis):
    nearest: ⌊i·in/out⌋ (or ⌊i/scale_factor⌋); linear/bilinear: i·(in − 1)/(out − 1) with align_corners,
    else max(0, (i + ½)·in/out − ½), the value interpolated between its two neighbours."""
    name = "interpolate"
    if not isinstance(mode, str) or mode not in _MODES:
        raise NotImplementedError(f"{name}: mode {mode!r} is not supported (nearest, linear, bilinear)")
    if antialias:
        raise NotImplementedError(f"{name}: antialias is not supported")
    kmode, nd = _MODES[mode]
    if mode == "nearest":
        nd = input.dim() - 2
        if align_corners is not None:
            raise ValueError(f"{name}: align_corners option can only be set with the interpolating modes: "
                             f"linear | bilinear")
    if nd not in (1, 2) or input.dim() != nd + 2:
        raise ValueError(f"{name}: mode {mode!r} expects a {(nd if mode != 'nearest' else 1) + 2}-D input "
                         f"(nearest: 3-D or 4-D), got {_shape(input.shape)}")
    if not input.is_floating_point():
        raise TypeError(f"{name}: expected a floating input, got {input.dtype}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{name}: exactly one of size or scale_factor must be given")
    spatial = list(input.shape[2:])
    if size is not None:
        out = list(argcheck.ints(name, "size", size, nd))
        if len(out) != nd:
            raise ValueError(f"{name}: size {size!r} must have {nd} values for input {_shape(input.shape)}")
        scales = [-1.0] * nd
    else:
        sf = [scale_factor] * nd if isinstance(scale_factor, (builtins.int, builtins.float)) else list(scale_factor)
        if len(sf) != nd or builtins.any(s <= 0 for s in sf):
            raise ValueError(f"{name}: scale_factor {scale_factor!r} must be {nd} positive values")
        out = [math.floor(n * s) for n, s in zip(spatial, sf)]
        scales = [-1.0] * nd if recompute_scale_factor else [builtins.float(s) for s in sf]
    if builtins.any(o <= 0 for o in out) or builtins.any(n <= 0 for n in spatial):
        raise ValueError(f"{name}: input {_shape(input.shape)} and output size {tuple(out)} must be non-empty")
    x = input.unsqueeze(2) if nd == 1 else input
    if nd == 1:
        out, scales = [1] + out, [-1.0] + scales
    y = R.Upsample2d.apply(x, size=out, mode=kmode, align_corners=builtins.bool(align_corners), scales=scales)
    return y.squeeze(2) if nd == 1 else y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated in torch: interpolate(...)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) → (*, C, H·r, W·r):  y[…, c, h·r + i, w·r + j] = x[…, c·r² + i·r + j, h, w]."""
    r = argcheck.int64("pixel_shuffle", "upscale_factor", upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle: expected an input of at least 3 dims, got {_shape(input.shape)}")
    *lead, c, h, w = input.shape
    if r <= 0 or c % (r * r):
        raise RuntimeError(f"pixel_shuffle: the channels {c} of input {_shape(input.shape)} must be divisible by "
                           f"upscale_factor² = {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of pixel_shuffle."""
    r = builtins.int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle: expected an input of at least 3 dims, got {_shape(input.shape)}")
    *lead, c, h, w = input.shape
    if r <= 0 or h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle: the height and width of input {_shape(input.shape)} must be divisible "
                           f"by downscale_factor={r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


__all__ = ["interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle"]
