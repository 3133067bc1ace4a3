"""tinygrad_lite.nn: layers, losses, initialisers, with torch.nn's names and defaults."""
from . import functional, init
from .activation import GELU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Buffer, Parameter

__all__ = [
    "Module", "Parameter", "Buffer", "Linear", "Identity", "ReLU", "GELU", "Tanh", "Sigmoid", "Softmax",
    "LogSoftmax", "Sequential", "ModuleList", "ModuleDict", "Flatten", "Dropout", "CrossEntropyLoss",
    "NLLLoss", "MSELoss", "L1Loss", "functional", "init",
]
