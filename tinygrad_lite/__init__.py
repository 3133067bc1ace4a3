"""tinygrad_lite: a from-scratch deep-learning engine — a C++ tensor core (tinygrad_lite._C)
with a Python reverse-mode autograd on top, and PyTorch's API so torch code ports by
changing the import."""
import os as _os

# OpenMP threads that finish a parallel region wait for the next one. libgomp's default makes them
# spin for a while first; on a machine where other processes share the cores, a spinning thread
# takes the core from the thread everyone waits for, and a LeNet step at 2 threads measured 2x-13x
# slower than with passive waiting (README, "Threads and SIMD"). The benchmarks always ran
# passive; a user who sets OMP_WAIT_POLICY keeps theirs. (Read when libgomp loads: before _C.)
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import _C, cuda  # noqa: E402
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, get_default_device, linspace, logspace,
    normal, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm, set_default_device,
    tensor, tril_indices, triu_indices, zeros, zeros_like,
)
from .device import device
from .dtypes import bool_ as bool  # noqa: A001  (torch.bool)
from .dtypes import (
    bfloat16, dtype, finfo, float16, float32, float64, get_default_dtype, iinfo, int8, int16, int32, int64, promote_types,
    set_default_dtype, uint8,
)
from .functional import *  # noqa: F401,F403  (torch's top-level functions, each defined once there)
from .printing import get_printoptions, set_printoptions
from .random import Generator, default_generator, fork_rng, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load, save
from .tensor import Size, Tensor
from . import accelerator, autograd, backends, cpu, linalg, nn, optim, profiler, utils  # noqa: E402  (torch.nn is there after `import torch`)
from . import amp  # noqa: E402
from .amp import autocast  # noqa: E402

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001  (torch.int is int32)
short = int16

set_num_threads = _C.set_num_threads
get_num_threads = _C.get_num_threads


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def is_nonzero(input):
    return input.is_nonzero()


def typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


__version__ = "0.1.0"
