"""datasets.Digits: scikit-learn's bundled 8×8 handwritten digits (1,797 images, 16 grey
levels). Needs no network or files: an offline stand-in for MNIST behind the same interface."""
import numpy as np

from ._common import ImageClassification

TEST_FRACTION = 0.2
SPLIT_SEED = 0


def _split_indices(n):
    # fixed permutation (numpy seed 0), last 20% test: the same split on every machine
    perm = np.random.RandomState(SPLIT_SEED).permutation(n)
    n_test = int(round(n * TEST_FRACTION))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


class Digits(ImageClassification):
    """Digits(root=None, train=True, transform=None, target_transform=None, download=False).

    Train: 1,438 images, test: 359 (a fixed 80/20 split). .data: float32 (N, 8, 8) of the raw
    0..16 values; .targets: int64 (N,); ds[i] = (float32 (1, 8, 8) image in [0, 1], int label).
    `root` and `download` are accepted for interface parity and unused.
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images = np.asarray(bunch.images, dtype=np.float64)
        labels = np.asarray(bunch.target, dtype=np.int64)
        train_idx, test_idx = _split_indices(len(labels))
        idx = train_idx if train else test_idx
        self.root = root
        self.train = train
        super().__init__(images[idx], labels[idx], 16.0, transform, target_transform)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'} (scikit-learn load_digits, fixed 80/20 split)"
