"""torch.nn.utils: gradient clipping, parameter vectors, and the rnn helpers (nn.utils.rnn)."""
from . import rnn
from .clip_grad import (
    clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm, parameters_to_vector,
    vector_to_parameters,
)

clip_grad_norm = clip_grad_norm_  # torch's deprecated name

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters", "rnn"]
