"""tinygrad_lite: a from-scratch deep-learning engine — a C++ tensor core (tinygrad_lite._C)
with a Python reverse-mode autograd on top, and PyTorch's API so torch code ports by
changing the import."""
from . import _C, cuda
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like,
    rand, rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .device import device
from .dtypes import bool_ as bool  # noqa: A001  (torch.bool)
from .dtypes import dtype, finfo, float32, float64, get_default_dtype, iinfo, int64, promote_types, set_default_dtype
from .functional import *  # noqa: F401,F403  (torch's top-level functions, each defined once there)
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .serialization import load, save
from .tensor import Size, Tensor
from . import nn, optim, utils  # noqa: E402  (torch.nn is there after `import torch`)

float = float32  # noqa: A001
double = float64
long = int64
int = int64  # noqa: A001

set_num_threads = _C.set_num_threads
get_num_threads = _C.get_num_threads


def is_tensor(obj):
    return isinstance(obj, Tensor)


__version__ = "0.1.0"
