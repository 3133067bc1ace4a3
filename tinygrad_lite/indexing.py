"""x[index] and x[index] = v.

Basic indices (ints, slices, None, Ellipsis) make views (ops/shape.py BasicIndex). Advanced
indices (int64/bool tensors, lists, arrays) gather rows with the native index_select, whose
backward is a scatter-add — supported forms: one index tensor at any position with full
slices elsewhere, several index tensors on the leading dims (broadcast together), or a bool
mask over the leading dims.
"""
import builtins

import numpy as np

from . import dtypes as _dt
from . import memory_overlap
from .ops import index as I
from .ops import shape as S
from .ops._util import reshape_array
from .tensor import Tensor


def _is_advanced(i):
    return isinstance(i, (Tensor, list, range, np.ndarray)) and not (isinstance(i, Tensor) and i.ndim == 0 and i.dtype is _dt.int64)


def _as_index_tensor(i, like):
    if isinstance(i, Tensor):
        return i
    return Tensor(np.asarray(i), device=like.device)


def _basic_only(index):
    out = []
    for i in index:
        if isinstance(i, Tensor):  # a 0-d int tensor acts as an int
            i = i.item()
        elif isinstance(i, np.integer):
            i = builtins.int(i)
        elif not (i is None or i is Ellipsis or isinstance(i, (builtins.int, slice))):
            raise IndexError(
                f"only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are valid indices "
                f"(got {type(i).__name__})"
            )
        out.append(i)
    return tuple(out)


def _wrap_negative(idx, n):
    """Python-style negative indices: i < 0 means n + i."""
    if idx.numel() and builtins.bool((idx < 0).any()):
        idx = idx + (idx < 0).to(_dt.int64) * n
    return idx


def _scalar_bool(i):
    return isinstance(i, (builtins.bool, np.bool_)) or (isinstance(i, Tensor) and i.ndim == 0 and i.dtype is _dt.bool_)


def _bool_scalar_index(x, index):
    """torch: a bool scalar in an index is a new dim of size 1 (True) or 0 (False), where it
    stands: x[True] is x[None], x[False] is x[None][:0]. (One bool, among basic indices.)"""
    k = next(k for k, i in enumerate(index) if _scalar_bool(i))
    flag = builtins.bool(index[k].item() if isinstance(index[k], Tensor) else index[k])
    rest = index[:k] + (None,) + index[k + 1 :]
    y = getitem(x, rest)
    if flag:
        return y
    consumed = builtins.sum(1 for i in rest if i is not None and i is not Ellipsis)
    pos = 0
    for i in index[:k]:
        if i is Ellipsis:
            pos += x.ndim - consumed
        elif i is None or isinstance(i, slice):
            pos += 1
    return S.BasicIndex.apply(y, index=(slice(None),) * pos + (slice(0, 0),))


def _first_ellipsis_only(index):
    """torch accepts several Ellipses: the first stands for the dims no other index takes, the
    later ones for none (x[..., 0, ...] is x[..., 0]), so they can be dropped."""
    k = next((k for k, i in enumerate(index) if i is Ellipsis), None)
    if k is None or not builtins.any(i is Ellipsis for i in index[k + 1 :]):
        return index
    return index[: k + 1] + tuple(i for i in index[k + 1 :] if i is not Ellipsis)


def getitem(x, index):
    index = _first_ellipsis_only(index if isinstance(index, tuple) else (index,))
    if builtins.sum(1 for i in index if _scalar_bool(i)) == 1 and not builtins.any(
            _is_advanced(i) for i in index if not _scalar_bool(i)):
        return _bool_scalar_index(x, index)
    if not builtins.any(_is_advanced(i) for i in index):
        return S.BasicIndex.apply(x, index=_basic_only(index))
    _check_masks(x, index)
    adv = [k for k, i in enumerate(index) if _is_advanced(i)]
    prefix = index[: adv[0]]
    if any(i is Ellipsis for i in prefix):
        raise NotImplementedError("an Ellipsis before an index tensor is not supported")
    if any(not (isinstance(i, slice) and i == slice(None)) for i in prefix):
        # x[1, idx] == x[1][idx]: apply the basic prefix as a view, keep its surviving dims as ':'
        y = S.BasicIndex.apply(x, index=_basic_only(prefix))
        kept = tuple(slice(None) for i in prefix if isinstance(i, slice) or i is None)
        return getitem(y, kept + index[adv[0] :])
    tensors = [_as_index_tensor(index[k], x) for k in adv]
    if len(tensors) == 1 and tensors[0].dtype is _dt.bool_:
        mask = tensors[0]
        k = adv[0]
        if builtins.any(i != slice(None) for i in index[:k]):
            raise NotImplementedError("bool-mask indexing after a non-trivial index is not supported")
        nz = mask.nonzero()  # (K, mask.ndim)
        return getitem(x, index[:k] + tuple(nz[:, d] for d in range(mask.ndim)) + index[k + 1 :])
    for k, t in enumerate(tensors):
        if t.dtype in (_dt.int32, _dt.int16, _dt.int8):  # torch takes any signed integer index
            tensors[k] = t = t.to(_dt.int64)
        if t.dtype is not _dt.int64:
            raise IndexError(f"tensors used as indices must be long or bool tensors, got {t.dtype.name}")
    rest_basic = [i for k, i in enumerate(index) if k not in adv]
    if len(adv) == 1 and builtins.all(i == slice(None) for i in index[: adv[0]]):
        # one index tensor at dim p: index_select along p, then the other (basic) indices
        p, idx = adv[0], tensors[0]
        if p >= x.ndim:
            raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
        shape = list(x.shape[:p]) + list(idx.shape) + list(x.shape[p + 1 :])
        if x.numel() == 0 and x.shape[p] != 0:  # torch reads nothing, so checks no index: an empty result
            y = x.reshape(-1)[:0].reshape(shape)
        else:
            idx = _wrap_negative(idx, x.shape[p])
            y = I.IndexSelect.apply(x, axis=p, idx=idx.reshape(-1)._data).reshape(shape)
        tail = index[p + 1 :]
        if tail:
            y = getitem(y, (slice(None),) * (p + idx.ndim) + tail)
        return y
    if adv == list(range(len(adv))):
        # index tensors on the leading dims: linearise them into one index over the flattened dims
        k = len(adv)
        if k > x.ndim:
            raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
        bshape = np.broadcast_shapes(*[tuple(t.shape) for t in tensors])
        lin = None
        for d, t in enumerate(tensors):
            t = _wrap_negative(t, x.shape[d])
            if builtins.bool(((t < 0) | (t >= x.shape[d])).any()):
                raise IndexError(f"index out of range for dimension {d} with size {x.shape[d]}")
            lin = t if lin is None else lin * x.shape[d] + t
        lin = lin.expand(tuple(bshape)) if tuple(lin.shape) != tuple(bshape) else lin
        lead = 1
        for d in range(k):
            lead *= x.shape[d]
        flat_x = x.reshape(lead, *x.shape[k:])
        y = I.IndexSelect.apply(flat_x, axis=0, idx=lin.reshape(-1)._data)
        y = y.reshape(*bshape, *x.shape[k:])
        if rest_basic:
            y = getitem(y, (slice(None),) * len(bshape) + tuple(rest_basic))
        return y
    raise NotImplementedError(
        "this combination of advanced indices is not supported: use one index tensor, or index tensors on the "
        "leading dimensions"
    )


def setitem(x, index, value):
    """In place: x[index] = value (value broadcast to x[index]'s shape).

    When autograd records the write (x or value requires grad), it is the in-place form of an
    out-of-place `_index_put` (a scatter into the flattened x at the addressed positions), so
    gradients flow to x's other elements and to value. Otherwise the values are written
    directly: a view copy for basic indices, numpy's assignment for index tensors and masks."""
    from .autograd.grad_mode import is_grad_enabled

    if x.requires_grad and x.is_leaf and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    index_t = _first_ellipsis_only(index if isinstance(index, tuple) else (index,))
    _check_put(x, index_t, value)
    if builtins.sum(1 for i in index_t if _scalar_bool(i)) == 1 and not builtins.any(
            _is_advanced(i) for i in index_t if not _scalar_bool(i)):
        # a bool scalar is a new dim of size 1 (True: the rest of the index, written through a
        # None) or 0 (False: nothing is written)
        k = next(k for k, i in enumerate(index_t) if _scalar_bool(i))
        if not builtins.bool(index_t[k].item() if isinstance(index_t[k], Tensor) else index_t[k]):
            return
        index_t = index_t[:k] + (None,) + index_t[k + 1 :]
    _check_masks(x, index_t)
    advanced = builtins.any(_is_advanced(i) for i in index_t)
    if isinstance(value, Tensor) and value._data.storage_ptr == x._data.storage_ptr:
        _check_value_overlap(x, index_t, value, advanced)
        value = value.clone()  # read before any element is written (the kernels write in place)
    recording = is_grad_enabled() and (x.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if recording or (advanced and (x.device.type != "cpu" or x.dtype.np is None)):  # no numpy view: bfloat16
        x.index_put_(index_t, value)  # functional/indexing.py: a scatter, recorded by autograd
        return
    B = x.device.backend
    if isinstance(value, Tensor):
        v = value._data if value.dtype is x.dtype else value.to(x.dtype)._data
    else:
        v = B.full([], builtins.float(value), x._data.dtype) if np.isscalar(value) and not _dt.needs_exact_int(
            value, x.dtype) else Tensor(value, dtype=x.dtype, device=x.device)._data
    if not advanced:
        dst = S.basic_view(x._data, _basic_only(index_t))
        lead = v.ndim - dst.ndim
        if lead > 0 and builtins.all(n == 1 for n in v.shape[:lead]):  # torch drops a value's leading 1s
            v = reshape_array(B, v, list(v.shape[lead:]))
        B.copy_(dst, v)
        return
    from .autograd import versions

    np_index = tuple(np.asarray(i) if isinstance(i, Tensor) else i for i in index_t)
    x._data.numpy()[np_index if len(np_index) > 1 else np_index[0]] = np.asarray(Tensor._wrap(v))
    versions.note_write(x._data)


def _check_value_overlap(x, index, value, advanced):
    """A value that is a view of x, as torch judges it: index_put_ refuses any overlap; a basic
    index writes by copy_to — a 0-d value is a fill (read first: allowed), a value of the target's
    shape is copy_'s check (a partial overlap raises), a broadcast value is checked as expanded (a
    stride 0 makes it 'too hard' to judge: allowed)."""
    if advanced:
        memory_overlap.check_no_overlap(x._data, value._data, "setitem")
        return
    if value.ndim == 0:
        return
    dst = S.basic_view(x._data, _basic_only(index))
    v = value._data
    shape = list(v.shape)
    while len(shape) > len(dst.shape) and shape[0] == 1:  # torch drops a value's leading 1s
        shape.pop(0)
    if list(shape) != list(dst.shape):
        try:
            v = reshape_array(x.device.backend, v, shape).expand(list(dst.shape))
        except Exception:  # does not broadcast: the write itself raises the shape error
            return
    memory_overlap.check_no_partial_overlap(dst, v, "setitem")


def _check_put(x, index, value):
    """What torch refuses in x[index] = value: a slice step beyond int64; a Python int beyond int64
    or a number that overflows x's dtype; and with index tensors (index_put, where a 0-d bool
    tensor counts too), a value tensor of another dtype — except a 0-d value under one bool mask
    (torch's masked_fill path)."""
    for i in index:  # start/stop beyond int64 are clamped (as x[index] does, and torch); a step is not
        if isinstance(i, slice) and isinstance(i.step, builtins.int) and not -2 ** 63 <= i.step < 2 ** 63:
            raise RuntimeError(f"setitem: slice {i} has a step that does not fit in int64")
    if isinstance(value, builtins.int) and not isinstance(value, builtins.bool) and not -2 ** 63 <= value < 2 ** 63:
        raise ValueError(f"setitem: value {value} does not fit in int64 (torch: Overflow when unpacking long long)")
    if isinstance(value, (builtins.int, builtins.float)):
        _dt.check_scalar(value, x.dtype, "setitem")
    if not isinstance(value, Tensor) or value.dtype is x.dtype:
        return
    tensors = [i for i in index if isinstance(i, (Tensor, list, range, np.ndarray)) and not (
        isinstance(i, Tensor) and i.ndim == 0 and i.dtype is not _dt.bool_)]
    if not tensors:
        return
    if len(index) == 1 and isinstance(index[0], Tensor) and index[0].dtype is _dt.bool_ and index[0].ndim > 0 \
            and value.ndim == 0:
        return
    raise RuntimeError(f"setitem: index put requires the source and destination dtypes to match, got "
                       f"{x.dtype.name} for the destination and {value.dtype.name} for the source (torch raises too)")


def _check_masks(x, index):
    """A bool mask must match the shape of the dims it indexes (torch's IndexError otherwise)."""
    dim = 0
    for i in index:
        if i is None:
            continue
        if i is Ellipsis:
            dim = x.ndim - builtins.sum(1 for j in index if j is not None and j is not Ellipsis and
                                        not (isinstance(j, (Tensor, np.ndarray)) and j.dtype in (_dt.bool_, np.bool_)))
            continue
        if isinstance(i, (Tensor, np.ndarray)) and (i.dtype is _dt.bool_ or i.dtype == np.bool_):
            shape = tuple(i.shape)
            for k, n in enumerate(shape):
                if dim + k >= x.ndim or x.shape[dim + k] != n:
                    raise IndexError(f"The shape of the mask {list(shape)} at index {k} does not match the shape of "
                                     f"the indexed tensor {list(x.shape)} at index {dim + k}")
            dim += len(shape)
        else:
            dim += 1
