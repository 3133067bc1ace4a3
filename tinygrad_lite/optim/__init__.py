"""tinygrad_lite.optim: SGD, Adam, AdamW with torch.optim's names, signatures and defaults."""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]
