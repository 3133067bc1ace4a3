"""tinygrad_lite.nn.functional: torch.nn.functional's names. What torch keeps only here —
losses, linear, embedding, dropout (and, as they come, convolution, pooling, normalisation,
attention) — is defined in this package; the activations and math it shares with torch.*
are re-exported from tinygrad_lite.functional, where each is defined once."""
from tinygrad_lite.functional.activation import (  # noqa: F401
    celu, celu_, elu, elu_, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, hardtanh_, leaky_relu,
    leaky_relu_, logsigmoid, mish, relu, relu6, relu_, selu, selu_, silu, softplus, softshrink, softsign,
    tanhshrink, threshold, threshold_,
)
from tinygrad_lite.functional.pointwise import sigmoid, tanh  # noqa: F401

from .basic import dropout, embedding, flatten, linear, log_softmax, softmax  # noqa: F401
from .loss import cross_entropy, l1_loss, mse_loss, nll_loss  # noqa: F401
