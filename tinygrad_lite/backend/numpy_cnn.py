"""The numpy reference of the convolutional-network kernels (conv, pooling, normalisation,
padding, interpolation), written the obvious way: windows as slices, sums with einsum,
scatters with np.add.at. Re-exported by numpy_ref.py; names and arguments as interface.py."""
import numpy as np

from .. import _C

_NP = {0: np.float32, 1: np.float64, 2: np.int64, 3: np.bool_}


def _n(a):
    return None if a is None else a.numpy()


def _a(x, dtype=None):
    x = np.asarray(x)
    if dtype is not None:
        x = x.astype(_NP[dtype], copy=False)
    return _C.from_numpy(np.array(x, copy=True, order="C"))


def _check_float(op, *arrays):
    for a in arrays:
        if a is not None and a.dtype not in (0, 1):
            raise TypeError(f"{op}: expected a floating dtype")


# ----------------------------------------------------------------------------- convolution
def _out(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _cols(x, kh, kw, s, p, d):
    """x (N, C, H, W) → (N, C, KH, KW, OH, OW): cols[..., u, v, i, j] = x[..., i·s − p + u·d, j·s − p + v·d]."""
    N, C, H, W = x.shape
    oh, ow = _out(H, kh, s[0], p[0], d[0]), _out(W, kw, s[1], p[1], d[1])
    if oh <= 0 or ow <= 0:
        raise ValueError(f"conv: kernel ({kh}, {kw}) is larger than the padded input of shape {x.shape}")
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    out = np.empty((N, C, kh, kw, oh, ow), x.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, u, v] = xp[:, :, u * d[0]:u * d[0] + s[0] * (oh - 1) + 1:s[0],
                                 v * d[1]:v * d[1] + s[1] * (ow - 1) + 1:s[1]]
    return out


def _uncols(cols, H, W, s, p, d):
    """The adjoint of _cols: every entry added back to the pixel it came from."""
    N, C, kh, kw, oh, ow = cols.shape
    xp = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), cols.dtype)
    for u in range(kh):
        for v in range(kw):
            xp[:, :, u * d[0]:u * d[0] + s[0] * (oh - 1) + 1:s[0],
               v * d[1]:v * d[1] + s[1] * (ow - 1) + 1:s[1]] += cols[:, :, u, v]
    return xp[:, :, p[0]:p[0] + H, p[1]:p[1] + W]


def conv2d(x, w, bias, stride, padding, dilation, groups):
    _check_float("conv2d", x, w, bias)
    xv, wv = _n(x), _n(w)
    O, Cg, kh, kw = wv.shape
    N, C = xv.shape[:2]
    if C != Cg * groups or O % groups:
        raise ValueError(f"conv2d: input {xv.shape} and weight {wv.shape} do not match for groups={groups}")
    cols = _cols(xv, kh, kw, stride, padding, dilation)
    oh, ow = cols.shape[-2:]
    cols = cols.reshape(N, groups, Cg * kh * kw, oh * ow)
    y = np.einsum("gok,ngkl->ngol", wv.reshape(groups, O // groups, -1), cols).reshape(N, O, oh, ow)
    if bias is not None:
        y = y + _n(bias).reshape(1, O, 1, 1)
    return _a(y, x.dtype)


def conv2d_backward_input(g, w, input_size, stride, padding, dilation, groups):
    gv, wv = _n(g), _n(w)
    O, Cg, kh, kw = wv.shape
    N, _, oh, ow = gv.shape
    gcols = np.einsum("gok,ngol->ngkl", wv.reshape(groups, O // groups, -1), gv.reshape(N, groups, O // groups, -1))
    gcols = gcols.reshape(N, groups * Cg, kh, kw, oh, ow)
    return _a(_uncols(gcols, input_size[0], input_size[1], stride, padding, dilation), g.dtype)


def conv2d_backward_weight(x, g, kernel_size, stride, padding, dilation, groups):
    xv, gv = _n(x), _n(g)
    N, C = xv.shape[:2]
    O = gv.shape[1]
    cols = _cols(xv, kernel_size[0], kernel_size[1], stride, padding, dilation).reshape(N, groups, C // groups *
                                                                                         kernel_size[0] *
                                                                                         kernel_size[1], -1)
    gw = np.einsum("ngol,ngkl->gok", gv.reshape(N, groups, O // groups, -1), cols)
    return _a(gw.reshape(O, C // groups, kernel_size[0], kernel_size[1]), x.dtype)


def im2col(x, kernel_size, dilation, padding, stride):
    xv = _n(x)
    cols = _cols(xv, kernel_size[0], kernel_size[1], stride, padding, dilation)
    N, C = xv.shape[:2]
    return _a(cols.reshape(N, C * kernel_size[0] * kernel_size[1], -1), x.dtype)


def col2im(cols, output_size, kernel_size, dilation, padding, stride):
    cv = _n(cols)
    kh, kw = kernel_size
    H, W = output_size
    oh, ow = _out(H, kh, stride[0], padding[0], dilation[0]), _out(W, kw, stride[1], padding[1], dilation[1])
    N, K, L = cv.shape
    if K % (kh * kw) or L != oh * ow:
        raise ValueError(f"fold: input {cv.shape} does not match output_size {output_size} and kernel {kernel_size}")
    c6 = cv.reshape(N, K // (kh * kw), kh, kw, oh, ow)
    return _a(_uncols(c6, H, W, stride, padding, dilation), cols.dtype)


# ----------------------------------------------------------------------------- pooling
def _pool_out(n, k, s, p, d, ceil_mode):
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _windows(n, out, k, s, p, d):
    """Per output index: (the input indices of its window inside [0, n), the padded window size)."""
    res = []
    for i in range(out):
        start = i * s - p
        idx = [start + u * d for u in range(k) if 0 <= start + u * d < n]
        res.append((idx, min(start + k, n + p) - start))
    return res


def _adaptive(n, out):
    return [(list(range(i * n // out, -(-(i + 1) * n // out))), None) for i in range(out)]


def _planes(a):
    v = _n(a)
    return v.reshape(-1, v.shape[-2], v.shape[-1]), v.shape[:-2]


def _max(x, wh, ww):
    xv, lead = _planes(x)
    W = xv.shape[2]
    y = np.empty((xv.shape[0], len(wh), len(ww)), xv.dtype)
    idx = np.empty(y.shape, np.int64)
    for i, (rows, _) in enumerate(wh):
        for j, (cols, _) in enumerate(ww):
            flat = np.array([r * W + c for r in rows for c in cols])
            vals = xv.reshape(xv.shape[0], -1)[:, flat]
            nan = np.isnan(vals)
            pick = np.where(nan.any(1), vals.shape[1] - 1 - np.argmax(nan[:, ::-1], 1), np.argmax(vals, 1))
            y[:, i, j] = vals[np.arange(len(vals)), pick]
            idx[:, i, j] = flat[pick]
    shape = tuple(lead) + y.shape[1:]
    return _a(y.reshape(shape), x.dtype), _a(idx.reshape(shape), 2)


def max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode):
    _check_float("max_pool2d", x)
    H, W = x.shape[-2:]
    oh = _pool_out(H, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = _pool_out(W, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode)
    return _max(x, _windows(H, oh, kernel_size[0], stride[0], padding[0], dilation[0]),
                _windows(W, ow, kernel_size[1], stride[1], padding[1], dilation[1]))


def adaptive_max_pool2d(x, output_size):
    _check_float("adaptive_max_pool2d", x)
    H, W = x.shape[-2:]
    return _max(x, _adaptive(H, output_size[0]), _adaptive(W, output_size[1]))


def _scatter(v, idx, hw, add):
    vv, lead = _planes(v)
    iv = _n(idx).reshape(vv.shape[0], -1)
    if iv.size and (iv.min() < 0 or iv.max() >= hw[0] * hw[1]):
        raise IndexError("max_pool2d_backward / max_unpool2d: index out of range")
    out = np.zeros((vv.shape[0], hw[0] * hw[1]), vv.dtype)
    for p in range(vv.shape[0]):
        if add:
            np.add.at(out[p], iv[p], vv[p].reshape(-1))
        else:
            out[p, iv[p]] = vv[p].reshape(-1)
    return _a(out.reshape(tuple(lead) + (hw[0], hw[1])), v.dtype)


def max_pool2d_backward(g, idx, input_size):
    return _scatter(g, idx, input_size, True)


def max_unpool2d(x, idx, output_size):
    return _scatter(x, idx, output_size, False)


def _avg(x, wh, ww, count_include_pad, divisor, backward_hw=None):
    v, lead = _planes(x)
    P = v.shape[0]
    if backward_hw is None:
        out = np.zeros((P, len(wh), len(ww)), v.dtype)
    else:
        out = np.zeros((P,) + tuple(backward_hw), v.dtype)
    for i, (rows, ph) in enumerate(wh):
        for j, (cols, pw) in enumerate(ww):
            n = len(rows) * len(cols)
            if n == 0:
                continue
            D = divisor if divisor else (ph * pw if count_include_pad and ph is not None else n)
            if backward_hw is None:
                out[:, i, j] = v[:, rows][:, :, cols].sum((1, 2)) / D
            else:
                out[:, np.ix_(rows, cols)[0], np.ix_(rows, cols)[1]] += (v[:, i, j] / D)[:, None, None]
    return _a(out.reshape(tuple(lead) + out.shape[1:]), x.dtype)


def avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _check_float("avg_pool2d", x)
    H, W = x.shape[-2:]
    oh = _pool_out(H, kernel_size[0], stride[0], padding[0], 1, ceil_mode)
    ow = _pool_out(W, kernel_size[1], stride[1], padding[1], 1, ceil_mode)
    return _avg(x, _windows(H, oh, kernel_size[0], stride[0], padding[0], 1),
                _windows(W, ow, kernel_size[1], stride[1], padding[1], 1), count_include_pad, divisor_override)


def avg_pool2d_backward(g, input_size, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    H, W = input_size
    oh, ow = g.shape[-2:]
    return _avg(g, _windows(H, oh, kernel_size[0], stride[0], padding[0], 1),
                _windows(W, ow, kernel_size[1], stride[1], padding[1], 1), count_include_pad, divisor_override,
                backward_hw=(H, W))


def adaptive_avg_pool2d(x, output_size):
    _check_float("adaptive_avg_pool2d", x)
    H, W = x.shape[-2:]
    return _avg(x, _adaptive(H, output_size[0]), _adaptive(W, output_size[1]), False, 0)


def adaptive_avg_pool2d_backward(g, input_size):
    oh, ow = g.shape[-2:]
    return _avg(g, _adaptive(input_size[0], oh), _adaptive(input_size[1], ow), False, 0, backward_hw=input_size)


# ----------------------------------------------------------------------------- normalisation
def _ncl(v):
    return v.reshape(v.shape[0], v.shape[1], -1).astype(np.float64)


def batch_norm(x, weight, bias, running_mean, running_var, use_batch_stats, momentum, eps):
    _check_float("batch_norm", x)
    v = _ncl(_n(x))
    C = v.shape[1]
    M = v.shape[0] * v.shape[2]
    if use_batch_stats:
        mean, var = v.mean((0, 2)), v.var((0, 2))
        if running_mean is not None and M > 0:
            rm, rv = _n(running_mean), _n(running_var)
            rm[...] = (1 - momentum) * rm + momentum * mean
            rv[...] = (1 - momentum) * rv + momentum * var * M / max(M - 1, 1)
    else:
        mean, var = _n(running_mean).astype(np.float64), _n(running_var).astype(np.float64)
    inv = 1.0 / np.sqrt(var + eps)
    w = np.ones(C) if weight is None else _n(weight)
    b = np.zeros(C) if bias is None else _n(bias)
    y = (v - mean[None, :, None]) * (inv * w)[None, :, None] + b[None, :, None]
    return _a(y.reshape(x.shape), x.dtype), _a(mean, x.dtype), _a(inv, x.dtype)


def batch_norm_backward(x, g, weight, mean, invstd, use_batch_stats):
    v, gv = _ncl(_n(x)), _ncl(_n(g))
    C = v.shape[1]
    M = v.shape[0] * v.shape[2]
    mu, s = _n(mean).astype(np.float64), _n(invstd).astype(np.float64)
    w = np.ones(C) if weight is None else _n(weight).astype(np.float64)
    xhat = (v - mu[None, :, None]) * s[None, :, None]
    sg, sgx = gv.sum((0, 2)), (gv * xhat).sum((0, 2))
    if use_batch_stats:
        gx = (w * s)[None, :, None] * (gv - sg[None, :, None] / M - xhat * sgx[None, :, None] / M)
    else:
        gx = (w * s)[None, :, None] * gv
    return _a(gx.reshape(x.shape), x.dtype), _a(sgx, x.dtype), _a(sg, x.dtype)


def group_norm(x, weight, bias, groups, eps):
    _check_float("group_norm", x)
    xv = _n(x)
    N, C = xv.shape[:2]
    if C % groups:
        raise ValueError(f"group_norm: {C} channels are not divisible by {groups} groups")
    v = xv.reshape(N, groups, -1).astype(np.float64)
    mean, var = v.mean(2), v.var(2)
    inv = 1.0 / np.sqrt(var + eps)
    y = ((v - mean[..., None]) * inv[..., None]).reshape(N, C, -1)
    if weight is not None:
        y = y * _n(weight)[None, :, None]
    if bias is not None:
        y = y + _n(bias)[None, :, None]
    return _a(y.reshape(xv.shape), x.dtype), _a(mean, x.dtype), _a(inv, x.dtype)


def group_norm_backward(x, g, weight, mean, invstd, groups):
    xv, gv = _n(x).astype(np.float64), _n(g).astype(np.float64)
    N, C = xv.shape[:2]
    w = np.ones(C) if weight is None else _n(weight).astype(np.float64)
    mu, s = _n(mean).astype(np.float64), _n(invstd).astype(np.float64)
    xg = xv.reshape(N, groups, -1)
    xhat = ((xg - mu[..., None]) * s[..., None]).reshape(N, C, -1)
    g3 = gv.reshape(N, C, -1)
    gw, gb = (g3 * xhat).sum((0, 2)), g3.sum((0, 2))
    d = (g3 * w[None, :, None]).reshape(N, groups, -1)
    xh = xhat.reshape(N, groups, -1)
    M = d.shape[2]
    gx = s[..., None] * (d - d.sum(2, keepdims=True) / M - xh * (d * xh).sum(2, keepdims=True) / M)
    return _a(gx.reshape(xv.shape), x.dtype), _a(gw, x.dtype), _a(gb, x.dtype)


# ----------------------------------------------------------------------------- resampling
_PAD_NP = {1: "reflect", 2: "edge", 3: "wrap"}


def _pad_index(shape, pads, mode):
    """The flat input index each padded element reads (−1: the constant fill)."""
    idx = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    nd = len(shape)
    for d in range(len(pads) // 2):
        axis = nd - 1 - d
        left, right = pads[2 * d], pads[2 * d + 1]
        if left < 0:
            idx = np.take(idx, range(-left, idx.shape[axis]), axis=axis)
            left = 0
        if right < 0:
            idx = np.take(idx, range(0, idx.shape[axis] + right), axis=axis)
            right = 0
        width = [(0, 0)] * nd
        width[axis] = (left, right)
        if mode == 0:
            idx = np.pad(idx, width, constant_values=-1)
        else:
            idx = np.pad(idx, width, mode=_PAD_NP[mode])
    return idx


def pad(x, pads, mode, value):
    xv = _n(x)
    idx = _pad_index(xv.shape, list(pads), mode)
    flat = xv.reshape(-1)
    y = np.where(idx >= 0, flat[np.maximum(idx, 0)] if flat.size else 0, value)
    return _a(y, x.dtype)


def pad_backward(g, input_shape, pads, mode):
    idx = _pad_index(tuple(input_shape), list(pads), mode)
    out = np.zeros(int(np.prod(input_shape)), _n(g).dtype)
    keep = idx >= 0
    np.add.at(out, idx[keep], _n(g)[keep])
    return _a(out.reshape(input_shape), g.dtype)


def _axis(n_in, n_out, mode, align_corners, scale, dt):
    o = np.arange(n_out)
    if mode == 0:
        s = np.float32(1.0 / scale) if scale > 0 else np.float32(n_in) / np.float32(n_out)
        i = np.minimum(np.floor(o.astype(np.float32) * s).astype(np.int64), n_in - 1)
        return i, i, np.zeros(n_out, dt)
    if align_corners:
        src = (o * (dt(n_in - 1) / dt(n_out - 1))).astype(dt) if n_out > 1 else np.zeros(n_out, dt)
    else:
        s = dt(1.0 / scale) if scale > 0 else dt(n_in) / dt(n_out)
        src = np.maximum(s * (o.astype(dt) + dt(0.5)) - dt(0.5), 0).astype(dt)
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
    return i0, i1, np.minimum(src - i0, 1).astype(dt)


def upsample2d(x, out_h, out_w, mode, align_corners, scale_h, scale_w):
    _check_float("upsample2d", x)
    xv = _n(x)
    dt = xv.dtype.type
    h0, h1, lh = _axis(xv.shape[2], out_h, mode, align_corners, scale_h, dt)
    w0, w1, lw = _axis(xv.shape[3], out_w, mode, align_corners, scale_w, dt)
    lh, lw = lh[:, None], lw[None, :]
    r0, r1 = xv[:, :, h0], xv[:, :, h1]
    y = (1 - lh) * ((1 - lw) * r0[..., w0] + lw * r0[..., w1]) + lh * ((1 - lw) * r1[..., w0] + lw * r1[..., w1])
    return _a(y, x.dtype)


def upsample2d_backward(g, in_h, in_w, mode, align_corners, scale_h, scale_w):
    gv = _n(g)
    dt = gv.dtype.type
    N, C, oh, ow = gv.shape
    h0, h1, lh = _axis(in_h, oh, mode, align_corners, scale_h, dt)
    w0, w1, lw = _axis(in_w, ow, mode, align_corners, scale_w, dt)
    out = np.zeros((N, C, in_h, in_w), gv.dtype)
    for hi, wh in ((h0, 1 - lh), (h1, lh)):
        for wi, ww in ((w0, 1 - lw), (w1, lw)):
            np.add.at(out, (slice(None), slice(None), hi[:, None], wi[None, :]), gv * (wh[:, None] * ww[None, :]))
    return _a(out, g.dtype)


__all__ = ["conv2d", "conv2d_backward_input", "conv2d_backward_weight", "im2col", "col2im", "max_pool2d",
           "max_pool2d_backward", "max_unpool2d", "avg_pool2d", "avg_pool2d_backward", "adaptive_avg_pool2d",
           "adaptive_avg_pool2d_backward", "adaptive_max_pool2d", "batch_norm", "batch_norm_backward", "group_norm",
           "group_norm_backward", "pad", "pad_backward", "upsample2d", "upsample2d_backward"]
