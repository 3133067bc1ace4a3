"""Every torch-named function of tinygrad_lite, each defined once, by family:

    pointwise   arithmetic, exp/log, trigonometry, rounding, comparisons, clamp, where
    activation  relu, gelu, silu, softplus, elu, ... (torch.nn.functional's activations)
    reduction   sum, mean, var, std, max, min, argmax, ...
    shape       reshape, permute, transpose, squeeze, cat, stack, split, ...
    linalg      matmul (@), mm, bmm, dot, linear
    softmax     softmax, log_softmax
    indexing    index_select, gather
    tensor_ops  dtype/device conversions, in-place fills and arithmetic, all/any/nonzero

A function that torch also has as a Tensor method is declared one where it is defined
(`@tensor_method` in _api.py). tinygrad_lite/__init__.py re-exports what torch has at top
level; tinygrad_lite/nn/functional re-exports what torch.nn.functional has.
"""
from . import activation as _activation, indexing as _indexing, linalg as _linalg, pointwise as _pointwise
from . import reduction as _reduction, shape as _shape, softmax as _softmax, tensor_ops as _tensor_ops
from .activation import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403
from .tensor_ops import *  # noqa: F401,F403

__all__ = [n for m in (_pointwise, _activation, _reduction, _shape, _linalg, _softmax, _indexing, _tensor_ops)
           for n in m.__all__]
