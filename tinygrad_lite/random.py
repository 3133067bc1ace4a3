"""Seeds and generators. Kernels draw from the native counter-based generator, seeded by
`manual_seed`; a `Generator` object (for DataLoader shuffling) is a seeded numpy PCG64."""
import numpy as np

from . import _C

_DEFAULT_SEED = 67280421310721  # torch's default_generator seed, so initial_seed() looks familiar


class Generator:
    """torch.Generator: `Generator().manual_seed(0)` gives a reproducible stream."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))._seed

    def initial_seed(self):
        return self._seed

    def permutation(self, n):
        return self._rng.permutation(n)

    def integers(self, low, high, size=None):
        return self._rng.integers(low, high, size=size)

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state


default_generator = Generator().manual_seed(_DEFAULT_SEED)


def manual_seed(seed):
    """Seed every generator: the native kernels' (rand, randn, dropout, init) and the default Generator."""
    seed = int(seed)
    _C.manual_seed(seed)
    default_generator.manual_seed(seed)
    return default_generator


def initial_seed():
    return _C.initial_seed()


def seed():
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s
