"""Finding and loading libtl_cuda.so with cffi (ABI mode), the dtype codes of its C ABI, and
the mapping of its error codes to Python exceptions."""
from __future__ import annotations

import os
import threading

FLOAT32, FLOAT64, INT64, BOOL = 0, 1, 2, 3
FLOAT16, BFLOAT16, INT32, INT16, INT8, UINT8 = 4, 5, 6, 7, 8, 9  # storage only: moved, not computed on
_ITEMSIZE = {FLOAT32: 4, FLOAT64: 8, INT64: 8, BOOL: 1, FLOAT16: 2, BFLOAT16: 2, INT32: 4, INT16: 2, INT8: 1, UINT8: 1}
_DTYPE_NAME = {FLOAT32: "float32", FLOAT64: "float64", INT64: "int64", BOOL: "bool", FLOAT16: "float16",
               BFLOAT16: "bfloat16", INT32: "int32", INT16: "int16", INT8: "int8", UINT8: "uint8"}
_FLOATS = (FLOAT32, FLOAT64)
_NUMERIC = (FLOAT32, FLOAT64, INT64)

# ----------------------------------------------------------------------------- loading

_lock = threading.Lock()
_state = {"ffi": None, "lib": None, "error": None, "loaded": False}
_HERE = os.path.dirname(os.path.abspath(__file__))
_PKG = os.path.dirname(os.path.dirname(_HERE))
_REPO = os.path.dirname(_PKG)


def _candidates():
    env = os.environ.get("TL_CUDA_LIB")
    if env:
        yield env
    yield os.path.join(_PKG, "libtl_cuda.so")
    yield os.path.join(_REPO, "build", "tl_cuda", "libtl_cuda.so")


def _cdef_text(lib_path):
    for h in (os.path.join(os.path.dirname(lib_path), "tl_cuda.h"),
              os.path.join(_REPO, "csrc", "cuda", "tl_cuda.h")):
        if os.path.exists(h):
            text = open(h).read()
            return text.split("/* CDEF-BEGIN */", 1)[1].split("/* CDEF-END */", 1)[0]
    raise RuntimeError(f"tl_cuda.h not found next to {lib_path}")


def _load():
    """Load libtl_cuda.so once; remember why it failed. Returns (ffi, lib) or (None, None)."""
    if _state["loaded"]:
        return _state["ffi"], _state["lib"]
    with _lock:
        if _state["loaded"]:
            return _state["ffi"], _state["lib"]
        try:
            if os.environ.get("TL_CUDA", "").strip() == "0":
                raise RuntimeError("the CUDA backend is disabled (TL_CUDA=0)")
            try:
                import cffi
            except ImportError as e:  # pragma: no cover
                raise RuntimeError("the CUDA backend needs cffi (pip install cffi)") from e
            path = next((p for p in _candidates() if os.path.exists(p)), None)
            if path is None:
                raise RuntimeError("libtl_cuda.so was not built (install with nvcc on PATH, or run "
                                   "`python csrc/cuda/build_cuda.py`)")
            ffi = cffi.FFI()
            ffi.cdef(_cdef_text(path))
            lib = ffi.dlopen(path)
            _state.update(ffi=ffi, lib=lib, path=path)
        except Exception as e:  # noqa: BLE001
            _state["error"] = str(e)
        _state["loaded"] = True
    return _state["ffi"], _state["lib"]


def library_path():
    _load()
    return _state.get("path")


def load_error():
    """Why the backend is unavailable (None when the library loaded)."""
    _load()
    return _state["error"]


def device_count() -> int:
    ffi, lib = _load()
    if lib is None:
        return 0
    n = ffi.new("int*")
    if lib.tl_cuda_device_count(n) != 0:
        return 0
    return int(n[0])


def is_available() -> bool:
    return device_count() > 0


def _lib():
    ffi, lib = _load()
    if lib is None:
        raise RuntimeError(f"CUDA backend unavailable: {_state['error']}")
    return ffi, lib


_EXC = {1: RuntimeError, 2: ValueError, 3: IndexError, 4: TypeError}


def _check(rc, op):
    if rc != 0:
        ffi, lib = _lib()
        msg = ffi.string(lib.tl_cuda_last_error()).decode(errors="replace")
        if not msg.startswith(op):
            msg = f"{op}: {msg}"
        raise _EXC.get(rc, RuntimeError)(msg)
