"""tinygrad_lite.nn: layers, losses, initialisers, with torch.nn's names and defaults."""
from . import functional, init, parallel
from .activation import (
    CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax,
    Mish, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold,
)
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Buffer, Parameter

__all__ = [
    "Module", "Parameter", "Buffer", "Linear", "Identity", "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU",
    "GELU", "SiLU", "Mish", "Softplus", "LogSigmoid", "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish",
    "Softsign", "Tanhshrink", "Hardshrink", "Softshrink", "Threshold", "GLU", "Softmax", "LogSoftmax", "Sequential", "ModuleList", "ModuleDict", "Flatten", "Dropout", "CrossEntropyLoss",
    "NLLLoss", "MSELoss", "L1Loss", "functional", "init", "parallel",
]
