"""QuantMatrix on a CUDA device: ggml-quantised weights uploaded once as raw bytes, consumed in their
blocks by csrc/cuda/quant.cu (the twin of _C.QuantMatrix: same methods, same checks, same errors).

    qm = _C.QuantMatrix("Q4_1", rows, cols, buffer)      # on the host, holding the file's bytes
    dq = CudaQuantMatrix(qm, device_index=0)             # the bytes copied to the device, once
    y = dq.matmul(x)                                     # x (..., cols) float32 on cuda -> (..., rows)
    e = dq.rows([3, 1, 4])                               # dequantised rows (3, cols) on cuda
"""
from __future__ import annotations

import numpy as np

from ... import _C
from ._loader import BOOL, FLOAT32, INT64, _check, _lib
from ._memory import contiguous, empty, to_device, to_host
from ._util import _device, _iptr, _ptr, _shape_str


class CudaQuantMatrix:
    """W (rows, cols) in ggml blocks on cuda:device_index. The bytes live in a 1-byte-element Array
    (the core's `bool` dtype used as a byte container), so the core's reference counting frees them."""

    def __init__(self, host, device_index=0):
        if not isinstance(host, _C.QuantMatrix):
            raise TypeError(f"CudaQuantMatrix: expected a _C.QuantMatrix, got {type(host).__name__}")
        ffi, lib = _lib()
        self.type, self.type_name, self.shape, self.nbytes = host.type, host.type_name, host.shape, host.nbytes
        self.device_index = int(device_index)
        self._bytes = empty([max(self.nbytes, 1)], BOOL, self.device_index)
        if self.nbytes:
            _check(lib.tl_cuda_memcpy_h2d(_ptr(self._bytes), ffi.cast("void*", host.data_ptr), self.nbytes),
                   "CudaQuantMatrix")

    @property
    def device(self):
        return f"cuda:{self.device_index}"

    def matmul(self, x):
        """x (..., cols) float32 on this device -> x · Wᵀ (..., rows)."""
        op = "QuantMatrix.matmul"
        _device(op, x, self._bytes)
        rows, cols = self.shape
        if x.dtype != FLOAT32:
            raise TypeError(f"{op}: expected a float32 input, got dtype code {x.dtype}")
        if x.ndim < 1 or x.shape[-1] != cols:
            raise ValueError(f"{op}: input of shape {_shape_str(x.shape)} does not end in the matrix's {cols} "
                             f"columns (weight {self.type_name} ({rows}, {cols}))")
        xc = contiguous(x)
        out = empty(list(x.shape[:-1]) + [rows], FLOAT32, self.device_index)
        M = xc.numel // cols if cols else 0
        ffi, lib = _lib()
        _check(lib.tl_quant_matmul(self.type, _ptr(self._bytes), rows, cols, ffi.cast("float*", xc.data_ptr), M,
                                   ffi.cast("float*", out.data_ptr)), op)
        return out

    def rows(self, ids):
        """ids (a list, or an int64 Array on the host or this device) -> the dequantised rows (..., cols)."""
        op = "QuantMatrix.rows"
        if isinstance(ids, _C.Array):
            if ids.dtype != INT64:
                raise TypeError(f"{op}: expected int64 ids, got dtype code {ids.dtype}")
            host = to_host(ids) if ids.device != "cpu" else ids
            values = host.numpy().reshape(-1).tolist()
            shape = list(ids.shape)
        else:
            values = [int(i) for i in ids]
            shape = [len(values)]
        rows, cols = self.shape
        for i in values:
            if not 0 <= i < rows:
                raise IndexError(f"{op}: index {i} is out of range for {rows} rows")
        dev_ids = to_device(_C.from_numpy(np.asarray(values, dtype=np.int64).reshape(-1)), self.device_index)
        out = empty(shape + [cols], FLOAT32, self.device_index)
        ffi, lib = _lib()
        _check(lib.tl_quant_rows(self.type, _ptr(self._bytes), rows, cols, _iptr(dev_ids), len(values),
                                 ffi.cast("float*", out.data_ptr)), op)
        return out

    def dequantize(self):
        return self.rows(list(range(self.shape[0])))

    def __repr__(self):
        return f"CudaQuantMatrix({self.type_name}, {self.shape[0]}, {self.shape[1]}, device={self.device})"
