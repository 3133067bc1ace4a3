"""Samplers (torch.utils.data's): which indices a DataLoader visits, in which order.

Each sampler also offers `_index_array()`: the whole epoch's indices as one int64 numpy array,
so the DataLoader can cut batches by slicing instead of iterating index by index.
"""
import numpy as np

import tinygrad_lite as _tl


def randperm(n, generator=None):
    """A random permutation of range(n) as an int64 numpy array, drawn from `generator`
    (default: the global generator), so tinygrad_lite.manual_seed(s) makes it reproducible."""
    if hasattr(_tl, "randperm"):
        t = _tl.randperm(n, generator=generator) if generator is not None else _tl.randperm(n)
        return np.ascontiguousarray(t.numpy(), dtype=np.int64)
    return np.random.default_rng(_draw_seed(generator)).permutation(n).astype(np.int64)


def _draw_seed(generator=None):
    # one 62-bit draw from our generator seeds numpy's for the operations we lack natively
    kw = {} if generator is None else {"generator": generator}
    return int(_tl.randint(0, 2 ** 62, (1,), **kw).item())


class Sampler:
    """Base class: iterate over indices of a dataset."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def _index_array(self):
        return None


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) − 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _index_array(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation each epoch (or num_samples draws with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self):
        n = len(self.data_source)
        if self.replacement:
            kw = {} if self.generator is None else {"generator": self.generator}
            return np.ascontiguousarray(_tl.randint(0, n, (self.num_samples,), **kw).numpy(), dtype=np.int64)
        # ⌊num_samples/n⌋ whole permutations and the first num_samples % n of one more, drawn even
        # when that remainder is 0: the draws torch's RandomSampler makes, in the same order
        full, rest = divmod(self.num_samples, n)
        reps = [randperm(n, self.generator) for _ in range(full)] + [randperm(n, self.generator)[:rest]]
        return np.concatenate(reps)

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _index_array(self):
        return np.asarray(self.indices, dtype=np.int64)[randperm(len(self.indices), self.generator)]

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size (the last one shorter unless
    drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batches(self):
        """Batches as int64 numpy arrays: slices of the sampler's whole-epoch index array."""
        arr = self.sampler._index_array() if hasattr(self.sampler, "_index_array") else None
        if arr is None:
            yield from (np.asarray(b, dtype=np.int64) for b in self._iter_lists())
            return
        n, bs = len(arr), self.batch_size
        stop = n - n % bs if self.drop_last else n
        for i in range(0, stop, bs):
            yield arr[i:i + bs]

    def _iter_lists(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self):
        for b in self._batches():
            yield b.tolist()

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probability ∝ weights (with replacement by default), from
    `generator` (default: the global one)"""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = weights if isinstance(weights, _tl.Tensor) else _tl.tensor(list(weights), dtype=_tl.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w.to(_tl.float64)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self):
        drawn = _tl.multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return np.ascontiguousarray(drawn.numpy(), dtype=np.int64)

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples
