"""tinygrad_lite.datasets: MNIST (IDX files, downloaded when online) and Digits (scikit-learn's
bundled 8×8 digits, offline), both yielding (float32 image (1, H, W) in [0, 1], int label);
CharCorpus: a character-level text file split 90/10, with nanoGPT's get_batch."""
from .digits import Digits
from .mnist import MNIST
from .text import CharCorpus, CharVocab

__all__ = ["MNIST", "Digits", "CharCorpus", "CharVocab"]
