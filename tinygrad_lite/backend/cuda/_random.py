"""Counter-based (Philox) random numbers, per device: rand / randn / uniform_ / normal_,
randint, randperm and dropout."""
from __future__ import annotations

from ._loader import _DTYPE_NAME, _FLOATS, BOOL, FLOAT32, INT64, _check, _lib
from ._memory import _like, contiguous, empty
from ._util import _dev_index, _device, _i64, _iptr, _need, _ptr

# ----------------------------------------------------------------------------- random
# Per-device Philox state: (seed, offset). Each call uses the current offset as the high half of
# the counter and bumps it by one, so results depend only on the seed and the call sequence.
_rng = {"seed": 0, "offsets": {}}


def manual_seed(seed):
    _rng["seed"] = int(seed) & 0xFFFFFFFFFFFFFFFF
    _rng["offsets"] = {}


def initial_seed():
    return _rng["seed"]


def _next(index, gen=None):
    if gen is not None:  # a Generator object (tinygrad_lite.Generator's native state): its own stream
        seed, off = gen.get_state()
        gen.set_state(seed, off + 1)
        return seed & 0xFFFFFFFFFFFFFFFF, off
    off = _rng["offsets"].get(index, 0)
    _rng["offsets"][index] = off + 1
    return _rng["seed"], off


def _random_into(op, out, dist, a, b, gen=None):
    _need(op, out, _FLOATS, "floating")
    idx = _dev_index(out)
    seed, off = _next(idx, gen)
    shape = list(out.shape)
    _check(_lib()[1].tl_random(dist, out.dtype, len(shape), _i64(shape), _ptr(out), _i64(out.strides),
                               float(a), float(b), seed, off), op)
    return out


def rand(shape, dtype=FLOAT32, device_index=0):
    if dtype not in _FLOATS:
        raise TypeError(f"rand: expected a floating dtype, got {_DTYPE_NAME.get(dtype, dtype)}")
    return _random_into("rand", empty(shape, dtype, device_index), 0, 0.0, 1.0)


def randn(shape, dtype=FLOAT32, device_index=0):
    if dtype not in _FLOATS:
        raise TypeError(f"randn: expected a floating dtype, got {_DTYPE_NAME.get(dtype, dtype)}")
    return _random_into("randn", empty(shape, dtype, device_index), 1, 0.0, 1.0)


def uniform_(x, lo=0.0, hi=1.0, gen=None):
    _device("uniform_", x)
    return _random_into("uniform_", x, 0, lo, hi, gen)


def normal_(x, mean=0.0, std=1.0, gen=None):
    _device("normal_", x)
    return _random_into("normal_", x, 1, mean, std, gen)


def multinomial(probs, num_samples, replacement, gen=None):
    """int64 (num_samples,) or (R, num_samples) category indices drawn from rows of weights."""
    op = "multinomial"
    _device(op, probs)
    _need(op, probs, _FLOATS, "floating")
    if probs.ndim not in (1, 2):
        raise ValueError(f"{op}: prob_dist must be 1 or 2 dim, got {probs.ndim} dims")
    R, C = (probs.shape[0] if probs.ndim == 2 else 1), probs.shape[-1]
    if C == 0:
        raise ValueError(f"{op}: number of categories cannot be zero")
    if num_samples <= 0:
        raise ValueError(f"{op}: cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and num_samples > C:
        raise ValueError(f"{op}: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                         f"({num_samples} > {C})")
    pc = contiguous(probs)
    out = empty([R, num_samples] if probs.ndim == 2 else [num_samples], INT64, _dev_index(probs))
    seed, off = _next(_dev_index(probs), gen)
    _check(_lib()[1].tl_multinomial(pc.dtype, R, C, _ptr(pc), int(num_samples), int(bool(replacement)),
                                    _iptr(out), seed, off), op)
    return out


def randint(low, high, shape, device_index=0):
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    out = empty(shape, INT64, device_index)
    seed, off = _next(device_index)
    _check(_lib()[1].tl_randint(out.numel, int(low), int(high), _iptr(out), seed, off), "randint")
    return out


def randperm(n, device_index=0):
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    out = empty([n], INT64, device_index)
    seed, off = _next(device_index)
    _check(_lib()[1].tl_randperm(int(n), _iptr(out), seed, off), "randperm")
    return out


def dropout(x, p):
    """(y, mask): mask (bool) keeps each element with probability 1 − p; y = x·mask/(1 − p)."""
    _device("dropout", x)
    _need("dropout", x, _FLOATS, "floating")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    xc = contiguous(x)
    y = _like(xc)
    mask = _like(xc, dtype=BOOL)
    seed, off = _next(_dev_index(x))
    _check(_lib()[1].tl_dropout(x.dtype, xc.numel, _ptr(xc), _ptr(y), _ptr(mask), float(p), seed, off),
           "dropout")
    return y, mask
