"""torch.nn.functional's pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_{avg,max}_pool1d/2d,
max_unpool1d/2d. Formulas: tinygrad_lite/ops/pool.py; kernels: csrc/cpu/pool.cpp.

Inputs are (N, C, H, W) or unbatched (C, H, W) (1-D forms: (N, C, L) or (C, L), pooled as a
height-1 image). Argument errors raise torch's exception types naming the op (or the layer,
when a module passes `name`) and the shapes.
"""
import builtins

import tinygrad_lite as tl
from tinygrad_lite.ops import pool as P

from .conv import _shape, _tuple  # noqa: F401  (_tuple: also used by nn/pooling.py)


def _check_input(name, input, nd):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got input of "
                           f"shape {_shape(input.shape)}")
    if not input.is_floating_point():
        raise TypeError(f"{name}: expected a floating input, got {input.dtype}")
    if builtins.any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(f"{name}: input of shape {_shape(input.shape)} has an empty non-batch dimension")


def _to2d(input, nd):
    return input.unsqueeze(-2) if nd == 1 else input


def _from2d(y, nd):
    return y.squeeze(-2) if nd == 1 else y


def _pool_output_size(size, k, s, p, d, ceil_mode):
    """⌊(size + 2p − d(k − 1) − 1 + (ceil_mode ? s − 1 : 0)) / s⌋ + 1, less one if ceil_mode starts the last
    window in the right padding."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _window_args(name, nd, kernel_size, stride, padding, dilation, input):
    k = _tuple(kernel_size, nd, "kernel_size", name)
    s = k if stride is None or (not isinstance(stride, builtins.int) and len(stride) == 0) else \
        _tuple(stride, nd, "stride", name)
    p = _tuple(padding, nd, "padding", name)
    d = _tuple(dilation, nd, "dilation", name)
    if nd == 2 and builtins.any(not -2**31 <= v < 2**31 for v in k + s + p + d):
        # torch's 2-d pools hold these as C ints (safe_downcast<int>), and raise this
        raise RuntimeError(f"{name}: value cannot be converted to type int without overflow (kernel_size {k}, "
                           f"stride {s}, padding {p}, dilation {d})")
    if builtins.any(v <= 0 for v in k + s + d):
        raise ValueError(f"{name}: kernel_size {k}, stride {s} and dilation {d} must be positive")
    if builtins.any(pp < 0 or pp > kk // 2 for pp, kk in zip(p, k)):
        raise ValueError(f"{name}: padding {p} must be non-negative and at most half of kernel_size {k}")
    return k, s, p, d


def _checked_sizes(name, input, nd, k, s, p, d, ceil_mode):
    sizes = [_pool_output_size(h, kk, ss, pp, dd, ceil_mode) for h, kk, ss, pp, dd in
             zip(input.shape[-nd:], k, s, p, d)]
    if builtins.any(o <= 0 for o in sizes):
        raise RuntimeError(f"{name}: input of shape {_shape(input.shape)} is too small for kernel_size {k} "
                           f"(dilation {d}, padding {p}): the output size would be {tuple(sizes)}")
    return sizes


def _max_poolnd(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, name):
    _check_input(name, input, nd)
    k, s, p, d = _window_args(name, nd, kernel_size, stride, padding, dilation, input)
    _checked_sizes(name, input, nd, k, s, p, d, ceil_mode)
    if nd == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    x = _to2d(input, nd)
    y = P.MaxPool2d.apply(x, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
    return _with_indices(y, nd, return_indices)


def _with_indices(y, nd, return_indices):
    """y (and the int64 indices its Function kept, as a tensor) back in the caller's rank."""
    if not return_indices:
        return _from2d(y, nd)
    idx = _indices_of(y)
    return _from2d(y, nd), _from2d(idx, nd)


def _indices_of(y):
    """The int64 indices the pooling node of y kept (the node always exists here: see
    _pooled_with_indices)."""
    from tinygrad_lite.tensor import Tensor
    return Tensor._wrap(y._ctx.indices, y.device)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[n,c,j] = max_{u<k} x[n, c, j·s − p + u·d] (inside the input); indices: positions along L."""
    return _max_pool_any(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[n,c,i,j] = max_{u,v<k} x[n, c, i·s_h − p_h + u·d_h, j·s_w − p_w + v·d_w] (inside the input);
    indices: h·W + w of the first maximum in row-major window order. The gradient goes to that element."""
    return _max_pool_any(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def _max_pool_any(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, name):
    if not return_indices:
        return _max_poolnd(nd, input, kernel_size, stride, padding, dilation, ceil_mode, False, name)
    # the indices live on the op's node: build one even when no input needs grad
    return _pooled_with_indices(lambda x: _max_poolnd(nd, x, kernel_size, stride, padding, dilation, ceil_mode,
                                                      True, name), input)


def _pooled_with_indices(run, input):
    """run(x) -> (y, indices) reads the indices off y's node; when no graph would be recorded
    (no_grad, or an input without requires_grad), run it on a detached alias that records one."""
    import tinygrad_lite as _tl
    if input.requires_grad and _tl.is_grad_enabled():
        return run(input)
    with _tl.enable_grad():
        y, idx = run(input.detach().requires_grad_(True))
    return y.detach(), idx


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """y[n,c,j] = Σ_{u<k} x[n, c, j·s − p + u] / D (D: the window size, with the padding if count_include_pad)."""
    return _avg_poolnd(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """y[n,c,i,j] = Σ_{u,v<k} x[n, c, i·s_h − p_h + u, j·s_w − p_w + v] / D, D = divisor_override, or the
    window's size counting the padding (count_include_pad) or not."""
    return _avg_poolnd(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                       "avg_pool2d")


def _avg_poolnd(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, name):
    _check_input(name, input, nd)
    k, s, p, _ = _window_args(name, nd, kernel_size, stride, padding, 1, input)
    if divisor_override is not None and (not isinstance(divisor_override, builtins.int) or divisor_override <= 0):
        raise ValueError(f"{name}: divisor_override must be a positive int, got {divisor_override!r}")
    _checked_sizes(name, input, nd, k, s, p, (1,) * nd, ceil_mode)
    if nd == 1:
        k, s, p = (1,) + k, (1,) + s, (0,) + p
    y = P.AvgPool2d.apply(_to2d(input, nd), kernel_size=k, stride=s, padding=p, ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)
    return _from2d(y, nd)


def _adaptive_size(name, output_size, input, nd):
    out = _tuple(output_size, nd, "output_size", name) if not isinstance(output_size, (builtins.list, builtins.tuple)) \
        or None not in output_size else tuple(output_size)
    if len(out) != nd:
        raise ValueError(f"{name}: expected output_size of {nd} values, got {output_size!r}")
    out = tuple(input.shape[-nd + i] if o is None else o for i, o in enumerate(out))
    if builtins.any(not isinstance(o, builtins.int) or o < 0 for o in out):
        raise ValueError(f"{name}: elements of output_size must be greater than or equal to 0, got {output_size!r}")
    return out


def _empty_pool(input, nd, out):
    """torch: an output size of 0 gives an empty result (no window to pool)."""
    return input.reshape(-1)[:0].reshape(tuple(input.shape[:-nd]) + out)


def adaptive_avg_pool1d(input, output_size):
    """y[n,c,j] = mean of x[n, c, ⌊j·L/OL⌋ : ⌈(j+1)·L/OL⌉]."""
    return _adaptive_avg(1, input, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """y[n,c,i,j] = mean of x[n, c, ⌊i·H/OH⌋ : ⌈(i+1)·H/OH⌉, ⌊j·W/OW⌋ : ⌈(j+1)·W/OW⌉]; None keeps a size."""
    return _adaptive_avg(2, input, output_size, "adaptive_avg_pool2d")


def _adaptive_avg(nd, input, output_size, name):
    _check_input(name, input, nd)
    out = _adaptive_size(name, output_size, input, nd)
    if 0 in out:
        return _empty_pool(input, nd, out)
    y = P.AdaptiveAvgPool2d.apply(_to2d(input, nd), output_size=((1,) + out) if nd == 1 else out)
    return _from2d(y, nd)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """y[n,c,j] = max of x[n, c, ⌊j·L/OL⌋ : ⌈(j+1)·L/OL⌉] (indices as max_pool1d)."""
    return _adaptive_max(1, input, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """y[n,c,i,j] = max over the adaptive window (indices as max_pool2d)."""
    return _adaptive_max(2, input, output_size, return_indices, "adaptive_max_pool2d")


def _adaptive_max(nd, input, output_size, return_indices, name):
    _check_input(name, input, nd)
    out = _adaptive_size(name, output_size, input, nd)
    if 0 in out:
        y = _empty_pool(input, nd, out)
        return (y, tl.zeros(tuple(y.shape), dtype=tl.int64)) if return_indices else y
    size = ((1,) + out) if nd == 1 else out

    def run(x):
        return _with_indices(P.AdaptiveMaxPool2d.apply(_to2d(x, nd), output_size=size), nd, return_indices)
    return _pooled_with_indices(run, input) if return_indices else run(input)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d: zeros of the pooled input's length with y[indices] = x."""
    return _max_unpoolnd(1, input, indices, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d: zeros (N, C, H, W) with y[n, c, idx // W, idx % W] = x; H, W from
    output_size or (in − 1)·s − 2p + k."""
    return _max_unpoolnd(2, input, indices, kernel_size, stride, padding, output_size, "max_unpool2d")


def _max_unpoolnd(nd, input, indices, kernel_size, stride, padding, output_size, name):
    _check_input(name, input, nd)
    k = _tuple(kernel_size, nd, "kernel_size", name)
    s = k if stride is None else _tuple(stride, nd, "stride", name)
    p = _tuple(padding, nd, "padding", name)
    if tuple(indices.shape) != tuple(input.shape) or indices.dtype.name != "int64":
        raise RuntimeError(f"{name}: expected int64 indices of the input's shape {_shape(input.shape)}, got "
                           f"{indices.dtype} {_shape(indices.shape)}")
    default = [(i - 1) * ss - 2 * pp + kk for i, ss, pp, kk in zip(input.shape[-nd:], s, p, k)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)[-nd:]
        if len(size) != nd or builtins.any(not (dd - ss < o < dd + ss) for o, dd, ss in zip(size, default, s)):
            raise ValueError(f"{name}: output_size {tuple(output_size)} must be within a stride of the default "
                             f"{tuple(default)}")
    if nd == 1:
        size = [1] + size
    y = P.MaxUnpool2d.apply(_to2d(input, nd), indices=_to2d(indices, nd)._data, output_size=size)
    return _from2d(y, nd)


__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d"]
