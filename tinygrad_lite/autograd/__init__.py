"""tinygrad_lite.autograd: torch.autograd's names. `Function` is the user-facing base class with
torch's convention (autograd/custom.py); the library's own ops derive from the internal
autograd.function.Function, which works on native Arrays."""
from . import functional_api as _api
from .custom import Function, FunctionCtx, once_differentiable
from .functional_api import backward, grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "FunctionCtx", "once_differentiable", "grad", "backward", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode"]
del _api
