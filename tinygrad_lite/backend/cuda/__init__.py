"""The CUDA backend: the kernel names of tinygrad_lite._C (tinygrad_lite/backend/interface.py) for Arrays whose
storage lives on a CUDA device.

The kernels are in libtl_cuda.so, built by nvcc alone from csrc/cuda (build_cuda.py) and
exposing a plain C ABI (csrc/cuda/tl_cuda.h). This module loads it with cffi in ABI mode:
`ffi.cdef(<the header's CDEF section>)` + `ffi.dlopen(libtl_cuda.so)`. No compiler runs at
import time and no Python extension has to be linked against CUDA, so a CPU-only install
never needs the toolkit and `import tinygrad_lite` works everywhere; `is_available()` says
whether this backend can run.

Device memory is allocated by the library (tl_cuda_malloc, a stream-ordered pool) and handed
to the core with `_C.from_external(ptr, nbytes, shape, dtype, device_index, deleter)`, where
the deleter is the C function tl_cuda_free: the core's reference counting frees device
memory exactly like host memory. Views (reshape of contiguous, permute, expand, slice, ...)
are Array methods that only touch metadata and work on CUDA Arrays unchanged; every kernel
here takes arbitrary strides (broadcast and transposed views are read in place).

Every function validates devices, dtypes and shapes in Python BEFORE calling into C and
raises the same exception types as the CPU kernels (ValueError / IndexError / TypeError /
RuntimeError) with a message naming the op and the shapes. All work is queued on the default
stream; to_host() (and ops that need a count or an index check) synchronize.

Layout: _loader (loading libtl_cuda.so, dtype codes, error codes -> exceptions), _util (shared
checks and cffi argument packing), _memory (allocation, transfers, copies, layout),
_elementwise (elementwise ops, full, arange), _reduce, _matmul (matmul, linear), _nn (softmax,
cross-entropy), _layer_norm, _attention (attention, embedding backward), _index, _random, _sort, _optim,
and for convolutional networks _conv (im2col/col2im + matmul), _pool, _norm, _resample. This package
re-exports their public names.
"""
from __future__ import annotations

# math, os and threading were module attributes of the former single-file backend; kept so the
# public name set of `tinygrad_lite.backend.cuda` is unchanged.
import math  # noqa: F401
import os  # noqa: F401
import threading  # noqa: F401

from ._attention import (embedding_backward, scaled_dot_product_attention,  # noqa: F401
                         scaled_dot_product_attention_backward)
from ._elementwise import POINTWISE as _POINTWISE  # every pointwise-table row and its backward
from ._elementwise import add_, add_scalar_, arange, axpy_, fill_, full, mul_, mul_scalar_, sub_, where  # noqa: F401
from ._index import cat, gather, index_add, index_select, nonzero, scatter, scatter_add  # noqa: F401
from ._loader import (BOOL, FLOAT32, FLOAT64, INT64, _lib, device_count, is_available,  # noqa: F401
                   library_path, load_error)
from ._layer_norm import layer_norm, layer_norm_backward, rms_norm, rms_norm_backward  # noqa: F401
from ._matmul import linear, matmul, set_matmul_version  # noqa: F401
from ._memory import (astype, clone, contiguous, copy_, empty, empty_cache, reshape, set_device,  # noqa: F401
                      synchronize, to_device, to_host)
from ._nn import (cross_entropy, cross_entropy_backward, log_softmax,  # noqa: F401
                  log_softmax_backward, softmax, softmax_backward)
from ._optim import adam_step_, sgd_step_  # noqa: F401
from ._random import (dropout, initial_seed, manual_seed, multinomial, normal_, rand,  # noqa: F401
                      randint, randn, randperm, uniform_)
from ._sort import cumprod, cumprod_backward, cumsum, kthvalue, sort, topk  # noqa: F401
from ._reduce import argmax, argmin, max, mean, min, sum, var  # noqa: F401,A004
from ._conv import col2im, conv2d, conv2d_backward_input, conv2d_backward_weight, im2col  # noqa: F401
from ._norm import batch_norm, batch_norm_backward, group_norm, group_norm_backward  # noqa: F401
from ._pool import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_max_pool2d,  # noqa: F401
                    avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward, max_unpool2d)
from ._resample import pad, pad_backward, upsample2d, upsample2d_backward  # noqa: F401

globals().update(_POINTWISE)
