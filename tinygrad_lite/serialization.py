"""tinygrad_lite.save / tinygrad_lite.load: state dicts as safetensors files. Never pickle.

A flat {name: tensor} dict (a Module.state_dict()) is written as a plain safetensors file that
any safetensors reader (e.g. safetensors.torch.load_file) opens. Nested containers (an
optimizer's state_dict: dicts, lists, numbers, strings, None) are also supported: tensors are
stored under generated keys and the structure goes, as JSON, into the file's metadata.
load() returns tensors; it also reads .npz files (allow_pickle=False).
"""
import json
import os

import numpy as np

from . import _C
from .tensor import Tensor

_STRUCTURE_KEY = "tinygrad_lite.structure"
_ORDER_KEY = "tinygrad_lite.order"  # safetensors sorts names; this keeps state_dict order


def _to_numpy(t):
    arr = t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()
    return np.ascontiguousarray(arr)


def _encode(obj, tensors, path):
    """JSON-able tree with each tensor replaced by {"__tensor__": key} (key stored in `tensors`)."""
    if isinstance(obj, Tensor):
        key = path or "tensor"
        while key in tensors:  # a dotted dict key may spell the same path as a nested one
            key += "_"
        tensors[key] = _to_numpy(obj)
        return {"__tensor__": key}
    if isinstance(obj, dict):
        items = {}
        for k, v in obj.items():
            if not isinstance(k, (str, int)):
                raise TypeError(f"tinygrad_lite.save: dict keys must be str or int, got {type(k).__name__}")
            # JSON object keys are strings: remember int keys (optimizer state uses them)
            items[("i:" if isinstance(k, int) else "s:") + str(k)] = _encode(v, tensors, f"{path}.{k}" if path else str(k))
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        enc = [_encode(v, tensors, f"{path}.{i}" if path else str(i)) for i, v in enumerate(obj)]
        return {"__tuple__": enc} if isinstance(obj, tuple) else enc
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"tinygrad_lite.save cannot store a {type(obj).__name__} (no pickle): use tensors, numbers, "
                    "strings, None, and dicts/lists/tuples of them")


def _decode(obj, tensors):
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return _from_numpy(tensors[obj["__tensor__"]])
        if "__tuple__" in obj:
            return tuple(_decode(v, tensors) for v in obj["__tuple__"])
        out = {}
        for k, v in obj["__dict__"].items():
            out[int(k[2:]) if k.startswith("i:") else k[2:]] = _decode(v, tensors)
        return out
    if isinstance(obj, list):
        return [_decode(v, tensors) for v in obj]
    return obj


def _from_numpy(arr):
    arr = np.asarray(arr)
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 4:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    # own writable memory (safetensors may hand out read-only buffers)
    return Tensor._wrap(_C.from_numpy(np.array(arr, copy=True)))


def save(obj, f, metadata=None):
    """Save a state dict (or a nested container of tensors) to the path `f` as safetensors.

    `metadata`: optional {str: str} stored in the file header."""
    from safetensors.numpy import save_file

    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        raise TypeError("tinygrad_lite.save stores state dicts, not modules: save(model.state_dict(), path)")
    meta = dict(metadata or {})
    flat = isinstance(obj, dict) and obj and all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items())
    if flat:
        tensors = {k: _to_numpy(v) for k, v in obj.items()}
        meta[_ORDER_KEY] = json.dumps(list(obj.keys()))
    else:
        tensors = {}
        meta[_STRUCTURE_KEY] = json.dumps(_encode(obj, tensors, ""))
    save_file(tensors, os.fspath(f), metadata=meta or None)


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load what save() wrote (a dict of tensors, or the saved nested structure); also reads
    safetensors files written by other tools and numpy .npz archives. map_location moves
    the tensors to a device (e.g. 'cpu')."""
    path = os.fspath(f)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head[:2] == b"PK":  # a zip archive: numpy .npz
        with np.load(path, allow_pickle=False) as z:
            out = {k: _from_numpy(z[k]) for k in z.files}
    else:
        from safetensors import safe_open

        with safe_open(path, framework="numpy") as sf:
            meta = sf.metadata() or {}
            arrays = {k: sf.get_tensor(k) for k in sf.keys()}
        if _STRUCTURE_KEY in meta:
            out = _decode(json.loads(meta[_STRUCTURE_KEY]), arrays)
        else:
            order = json.loads(meta[_ORDER_KEY]) if _ORDER_KEY in meta else []
            names = [k for k in order if k in arrays] + [k for k in arrays if k not in set(order)]
            out = {k: _from_numpy(arrays[k]) for k in names}
    if map_location is not None:
        out = _map(out, map_location)
    return out


def _map(obj, device):
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: _map(v, device) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_map(v, device) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_map(v, device) for v in obj)
    return obj
