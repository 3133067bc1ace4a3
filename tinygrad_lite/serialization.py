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
    return np.require(arr, requirements="C")  # not ascontiguousarray: it turns a 0-d tensor into shape (1,)


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


def save(obj, f, metadata=None, **kwargs):
    """Save a state dict (or a nested container of tensors) as safetensors to `f`: a path, or a
    writable binary file object (io.BytesIO, an open file).

    `metadata`: optional {str: str} stored in the file header."""
    from safetensors.numpy import save as save_bytes
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
    if hasattr(f, "write"):
        f.write(save_bytes(tensors, metadata=meta or None))
        return
    save_file(tensors, os.fspath(f), metadata=meta or None)


def _not_supported(kind):
    return RuntimeError(f"tinygrad_lite.load: this is a {kind}, which tinygrad_lite does not read (it never "
                        "unpickles). Save tensors with safetensors instead: in torch, "
                        "safetensors.torch.save_file(state_dict, path); here, tinygrad_lite.save(state_dict, path).")


def _read_bytes(data):
    """(metadata, {name: array}) of a safetensors file held in memory."""
    from safetensors.numpy import load as load_bytes

    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    return header.get("__metadata__") or {}, load_bytes(data)


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load what save() wrote (a dict of tensors, or the saved nested structure) from a path or a
    readable binary file object; also reads safetensors files written by other tools and numpy
    .npz archives. torch.save / pickle files are refused with a clear error (never unpickled).
    map_location moves the tensors to a device (e.g. 'cpu')."""
    import io
    import zipfile

    if hasattr(f, "read"):
        data = f.read()
        src, head = io.BytesIO(data), data[:9]
    else:
        path = os.fspath(f)
        with open(path, "rb") as fh:
            head = fh.read(9)
        src, data = path, None
    safetensors_file = len(head) == 9 and head[8:9] == b"{"  # an 8-byte header length, then the JSON header
    if not safetensors_file and head[:1] == b"\x80":
        raise _not_supported("pickle file (torch.save's legacy format)")
    if head[:2] == b"PK":  # a zip archive: numpy .npz, or torch.save's format (data.pkl inside)
        with zipfile.ZipFile(src) as zf:
            if any(n.endswith("data.pkl") for n in zf.namelist()):
                raise _not_supported("torch.save file (a zip of pickles)")
        if data is not None:
            src.seek(0)
        with np.load(src, allow_pickle=False) as z:
            out = {k: _from_numpy(z[k]) for k in z.files}
    else:
        if data is not None:
            meta, arrays = _read_bytes(data)
        else:
            from safetensors import safe_open

            with safe_open(src, framework="numpy") as sf:
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
