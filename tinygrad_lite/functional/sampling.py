"""Random sampling with torch's names: multinomial (a native kernel), bernoulli, poisson-free
draws on top of the core's Philox streams (rand/randn), and the in-place draws bernoulli_,
exponential_, geometric_, cauchy_, log_normal_, random_. Every one takes `generator=`
(tinygrad_lite.Generator; default: the global stream)."""
import builtins
import math

from .. import dtypes as _dt
from ..random import native
from ._api import Tensor, tensor_method
from .tensor_ops import _plain_write, _wrote


def _gen_kw(generator):
    g = native(generator)
    return {} if g is None else {"gen": g}


@tensor_method
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """num_samples category indices (int64) per row of non-negative weights (C,) or (R, C), not
    necessarily normalised. Without replacement no index repeats within a row (it is the law of
    drawing one at a time and renormalising)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype.name}")
    B = input.device.backend
    r = Tensor._wrap(B.multinomial(input.detach()._data, builtins.int(num_samples), bool(replacement),
                                   **_gen_kw(generator)), input.device)
    if out is not None:
        out._data = r._data
        return out
    return r


@tensor_method
def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability p (input's values, or the number p), else 0; input's dtype"""
    prob = input if p is None else Tensor(builtins.float(p), dtype=input.dtype, device=input.device)
    r = (_rand_on(input, generator) < prob.detach()).to(input.dtype)
    if out is not None:
        out._data = r._data
        return out
    return r


def _rand_on(like, generator):
    from ..creation import rand

    dt = like.dtype if like.dtype.is_floating_point else _dt.get_default_dtype()
    return rand(tuple(like.shape), generator=generator, dtype=dt).to(like.device)


def _uniform(self, generator):
    """U[0, 1) of self's shape, floating, on self's device."""
    return _rand_on(self, generator)


def _fill(self, values, op):
    _plain_write(self, op)
    self._device.backend.copy_(self._data, values.to(self.dtype)._data)
    return _wrote(self)


@tensor_method
def bernoulli_(self, p=0.5, *, generator=None):
    """Every element ← 1 with probability p (a number or a tensor), else 0"""
    prob = p if isinstance(p, Tensor) else builtins.float(p)
    return _fill(self, (_uniform(self, generator) < prob), "bernoulli_")


@tensor_method
def exponential_(self, lambd=1.0, *, generator=None):
    """Every element ← −ln(1 − U)/λ"""
    return _fill(self, -(1 - _uniform(self, generator)).log() / lambd, "exponential_")


@tensor_method
def geometric_(self, p, *, generator=None):
    """Every element ← the number of Bernoulli(p) trials up to the first success: ⌈ln(1 − U)/ln(1 − p)⌉"""
    u = _uniform(self, generator)
    return _fill(self, ((1 - u).log() / math.log1p(-p)).ceil().clamp(min=1), "geometric_")


@tensor_method
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Every element ← median + σ·tan(π(U − ½))"""
    return _fill(self, ((_uniform(self, generator) - 0.5) * math.pi).tan() * sigma + median, "cauchy_")


@tensor_method
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Every element ← e^(mean + std·N(0, 1))"""
    from ..creation import randn

    z = randn(tuple(self.shape), generator=generator, dtype=self.dtype).to(self.device)
    return _fill(self, (z * std + mean).exp(), "log_normal_")


@tensor_method
def random_(self, low=0, high=None, *, generator=None, **kw):
    """Every element ← an integer in [low, high) (random_(n): [0, n); random_(): [0, 2²⁴] for
    float32, [0, 2⁵³] for float64, [0, 2⁶³) for int64)"""
    from ..creation import randint

    low, high = kw.get("from", low), kw.get("to", high)
    if high is None:
        if low:
            low, high = 0, low
        else:
            high = {"float32": 2 ** 24 + 1, "float64": 2 ** 53 + 1, "bool": 2}.get(self.dtype.name, 2 ** 63 - 1)
    return _fill(self, randint(builtins.int(low), builtins.int(high), tuple(self.shape), generator=generator)
                 .to(self.device), "random_")


def poisson(input, generator=None):
    """Poisson(λ) draws for rates λ = input, by counting exponential arrivals before time 1
    (fine for small rates)"""
    lam = input.detach()
    count = lam * 0
    t = lam * 0
    active = lam > 0
    for _ in range(builtins.int(lam.max().item() * 4 + 20) if lam.numel() else 0):
        t = t - (1 - _uniform(lam, generator)).log() / lam.where(active, 1.0)
        arrived = active & (t <= 1)
        if not builtins.bool(arrived.any()):
            break
        count = count + arrived.to(lam.dtype)
        active = arrived
    return count


__all__ = ["multinomial", "bernoulli", "poisson"]
