"""tinygrad_lite.datasets: MNIST (IDX files, downloaded when online) and Digits (scikit-learn's
bundled 8×8 digits, offline), both yielding (float32 image (1, H, W) in [0, 1], int label)."""
from .digits import Digits
from .mnist import MNIST

__all__ = ["MNIST", "Digits"]
