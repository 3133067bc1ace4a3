"""Every torch-named function of tinygrad_lite, each defined once, by family:

    pointwise   arithmetic, exp/log, trigonometry, rounding, comparisons, clamp, where
    activation  relu, gelu, silu, softplus, elu, ... (torch.nn.functional's activations)
    reduction   sum, mean, var, std, max, min, argmax, ...
    shape       reshape, permute, transpose, squeeze, cat, stack, split, ...
    linalg      matmul (@), mm, bmm, dot, einsum, addmm, outer, kron, norms, linear
    distance    dist, cdist, pairwise_distance, cosine_similarity
    softmax     softmax, log_softmax
    indexing    index_select, gather, scatter, index_add, masked_select, bincount, ...
    sorting     sort, argsort, topk, kthvalue, median, quantile, unique, searchsorted
    scan        cumsum, cumprod, logcumsumexp, cummax, cummin, diff
    rearrange   repeat, tile, roll, flip, repeat_interleave, diag, diagonal, tril, triu, trace
    sampling    multinomial, bernoulli, the in-place draws (exponential_, random_, ...)
    tensor_ops  dtype/device conversions, in-place fills and arithmetic, all/any/nonzero, new_*

A function that torch also has as a Tensor method is declared one where it is defined
(`@tensor_method` in _api.py). tinygrad_lite/__init__.py re-exports what torch has at top
level; tinygrad_lite/nn/functional re-exports what torch.nn.functional has.
"""
from . import activation as _activation
from . import distance as _distance
from . import indexing as _indexing
from . import linalg as _linalg
from . import pointwise as _pointwise
from . import rearrange as _rearrange
from . import reduction as _reduction
from . import sampling as _sampling
from . import scan as _scan
from . import shape as _shape
from . import softmax as _softmax
from . import sorting as _sorting
from . import tensor_ops as _tensor_ops
from .activation import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .rearrange import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .scan import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403
from .tensor_ops import *  # noqa: F401,F403

__all__ = [n for m in (_pointwise, _activation, _reduction, _shape, _linalg, _softmax, _indexing, _tensor_ops,
                       _sorting, _scan, _rearrange, _sampling, _distance) for n in m.__all__]
