"""Devices and the backend behind each.

A backend is a module with the kernel names of tinygrad_lite/backend/interface.py: `tinygrad_lite._C` for the
CPU, `tinygrad_lite.backend.cuda` for CUDA (loaded on first use). Ops look up
`tensor._device.backend` and call the same name whatever the device.
"""
import os

from . import _C


if os.environ.get("TL_BACKEND") == "numpy":  # run everything on the numpy reference
    from .backend import numpy_ref as _CPU_BACKEND
else:
    _CPU_BACKEND = _C


class device:
    __slots__ = ("type", "index", "_backend")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        type = str(type)
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type = type
        self.index = index if index is not None else (0 if type == "cuda" else None)
        self._backend = _CPU_BACKEND if type == "cpu" else None

    @property
    def backend(self):
        if self._backend is None:
            from .backend import cuda

            if not cuda.is_available():
                raise RuntimeError(
                    "CUDA is not available: tinygrad_lite was built without the CUDA library or no GPU "
                    "is present (build with TL_CUDA=1 on a machine with nvcc)"
                )
            self._backend = cuda
        return self._backend

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.type == "cpu" else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")


CPU = device("cpu")
_cache = {"cpu": CPU}


def as_device(d):
    """A device object for 'cpu', 'cuda', 'cuda:1', a device, or None (-> cpu)."""
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    key = str(d)
    dev = _cache.get(key)
    if dev is None:
        dev = _cache[key] = device(key)
    return dev


def device_of_array(arr):
    return CPU if arr.device == "cpu" else as_device(arr.device)
