"""default_collate: merge a list of samples into a batch, as torch.utils.data.default_collate.

Tensors are stacked along a new dim 0; numpy arrays and numpy scalars become stacked tensors;
Python floats → float64 tensor, ints → int64, bools → bool; strings stay a list; dicts,
namedtuples and sequences are collated field by field (a tuple sample gives a list batch).
"""
import collections.abc

import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite.tensor import Tensor

# numpy dtypes we have no tensor type for (uint16/32/64, float128, ...) map to the nearest supported one
_NP_SUPPORTED = {np.dtype(d) for d in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                                       np.uint8, np.bool_)}


def _np_to_tensor(arr):
    arr = np.asarray(arr)
    if arr.dtype.kind in "SaUO":
        raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {arr.dtype}")
    if arr.dtype not in _NP_SUPPORTED:
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "b":
            arr = arr.astype(np.bool_)
    return _tl.from_numpy(np.ascontiguousarray(arr))


def default_convert(data):
    """What a DataLoader with batch_size=None yields: numpy arrays → tensors, recursively."""
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return _np_to_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _tl.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        return _np_to_tensor(np.stack(batch, 0))
    if isinstance(elem, np.generic):
        return _np_to_tensor(np.array(batch))
    if isinstance(elem, bool):
        return _tl.tensor(list(batch), dtype=_tl.bool)
    if isinstance(elem, float):
        return _tl.tensor(list(batch), dtype=_tl.float64)
    if isinstance(elem, int):
        return _tl.tensor(list(batch), dtype=_tl.int64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        collated = [default_collate(samples) for samples in transposed]
        if isinstance(elem, tuple):
            return collated
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}")
