"""Seeds and generators (torch.Generator, torch.manual_seed).

Every random kernel draws from the core's counter-based Philox generator (csrc/cpu/random.cpp):
a stream is (seed, offset), offset being the next unused block. `default_generator` is the
core's global stream, which `manual_seed` seeds and every draw without `generator=` uses; a
`Generator()` is a stream of its own, so `torch.rand(3, generator=g)` is reproducible from g's
seed whatever else the program draws.
"""
import numpy as np

from . import _C


def _fresh_seed():
    return int(np.random.SeedSequence().entropy % (2**63))


class Generator:
    """torch.Generator: `Generator().manual_seed(0)` gives a reproducible stream of its own."""

    def __init__(self, device="cpu", _native=None):
        self.device = device
        self._native = _native if _native is not None else _C.Generator()
        if _native is None:
            self._native.manual_seed(_fresh_seed())

    def manual_seed(self, seed):
        self._native.manual_seed(int(seed))
        return self

    def seed(self):
        s = _fresh_seed()
        self._native.manual_seed(s)
        return s

    def initial_seed(self):
        return self._native.initial_seed()

    def get_state(self):
        """The stream's state as an int64 tensor [seed, offset] (set_state takes it back)."""
        from .creation import tensor

        return tensor(list(self._native.get_state()))

    def set_state(self, state):
        seed, offset = (int(v) for v in np.asarray(state).reshape(-1)[:2])
        self._native.set_state(seed, offset)
        return self

    # numpy-style draws for host-side code (decoding, samplers) from the same stream
    def integers(self, low, high, size=None):
        """Uniform integers in [low, high): one Python int (size None) or an int64 numpy array."""
        shape = [] if size is None else ([size] if isinstance(size, int) else list(size))
        a = _C.randint(int(low), int(high), shape, self._native).numpy()
        return int(a) if size is None else a

    def permutation(self, n):
        """A random permutation of range(n) as an int64 numpy array."""
        return _C.randperm(int(n), self._native).numpy()

    def __repr__(self):
        return f"<tinygrad_lite.Generator object (seed={self.initial_seed()})>"


default_generator = Generator(_native=_C.default_generator())


def native(generator):
    """The core's generator behind `generator` (None: the default one), for the kernels."""
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a tinygrad_lite.Generator, got {type(generator).__name__}")
    return generator._native


def manual_seed(seed):
    """Seed the default generator (rand, randn, dropout, init, shuffling without a generator)."""
    _C.manual_seed(int(seed))
    return default_generator


def initial_seed():
    return _C.initial_seed()


def seed():
    s = _fresh_seed()
    manual_seed(s)
    return s


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def fork_rng(devices=None, enabled=True, **kwargs):
    """torch.random.fork_rng: restore the default generator's state on exit."""
    import contextlib

    @contextlib.contextmanager
    def ctx():
        state = default_generator.get_state() if enabled else None
        try:
            yield
        finally:
            if enabled:
                default_generator.set_state(state)

    return ctx()
