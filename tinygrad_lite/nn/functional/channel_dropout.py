"""torch.nn.functional's channel dropouts: dropout1d, dropout2d (F.dropout itself is in basic.py; this
file is not named dropout.py, which as a submodule would shadow F.dropout). Whole channels are zeroed: the mask has one Bernoulli draw per (n, c), broadcast over the
spatial dims, so the backward is the same multiplication (by the autograd of `*`)."""
import builtins

from .conv import _shape


def _channel_dropout(input, p, training, inplace, nd, name):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got "
                           f"{_shape(input.shape)}")
    if not training or p == 0.0:
        return input
    import tinygrad_lite as _tl
    batched = input.dim() == nd + 2
    lead = list(input.shape[:2] if batched else input.shape[:1])
    shape = lead + [1] * nd
    keep = (_tl.rand(tuple(shape), dtype=input.dtype) >= p).to(input.dtype)
    mask = keep * (1.0 / (1.0 - p)) if p < 1.0 else keep
    if inplace:
        return input.mul_(mask)
    return input * mask


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of (N, C, L) with probability p and scale the rest by 1/(1 − p) (training only)."""
    return _channel_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of (N, C, H, W) with probability p and scale the rest by 1/(1 − p) (training only)."""
    return _channel_dropout(input, p, training, inplace, 2, "dropout2d")


__all__ = ["dropout1d", "dropout2d"]
