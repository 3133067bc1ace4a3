"""Datasets: Dataset, TensorDataset, Subset, ConcatDataset, random_split (torch.utils.data's).

Batched access: a dataset may define `_get_batch(indices)` (indices: 1-D int64 numpy array)
returning an already collated batch. DataLoader uses it with the default collate, so a
TensorDataset batch is one fancy-index (one native index_select) per tensor instead of
batch_size Python __getitem__ calls and a stack.
"""
import math

import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite.tensor import Tensor

from .sampler import randperm


class Dataset:
    """An indexable collection of samples: subclasses define __getitem__ (and usually __len__)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define __iter__. With DataLoader workers each worker
    iterates its own replica (shard it with utils.data.get_worker_info())."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class StackDataset(Dataset):
    """ds[i] = (d0[i], d1[i], ...) (or a dict with keyword datasets)."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, "
                             "but both types are given.")
        self._args, self._kwargs = args, kwargs
        lengths = {len(d) for d in (args or kwargs.values())}
        if len(lengths) != 1:
            raise ValueError("Size mismatch between datasets")
        self._length = lengths.pop()

    def __getitem__(self, i):
        if self._kwargs:
            return {k: d[i] for k, d in self._kwargs.items()}
        return tuple(d[i] for d in self._args)

    def __len__(self):
        return self._length


class TensorDataset(Dataset):
    """Samples are slices along dim 0 of equally long tensors: ds[i] = (t0[i], t1[i], ...)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _get_batch(self, indices):
        # one fancy index (a native index_select) per tensor; a list, as torch's default_collate gives
        idx = _tl.from_numpy(np.ascontiguousarray(indices, dtype=np.int64))
        return [t[idx] for t in self.tensors]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        self._index_array = None

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)

    def __getattr__(self, name):
        # only the batched hook is forwarded, and only when the wrapped dataset has one
        if name == "_get_batch" and hasattr(self.__dict__.get("dataset"), "_get_batch"):
            return self._subset_get_batch
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _subset_get_batch(self, indices):
        if self._index_array is None:
            ind = self.indices
            if isinstance(ind, Tensor):
                ind = ind.numpy()
            self._index_array = np.asarray(ind, dtype=np.int64)
        return self.dataset._get_batch(self._index_array[indices])


class ConcatDataset(Dataset):
    """Datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self):
        return int(self.cumulative_sizes[-1]) if self.cumulative_sizes else 0

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        d = int(np.searchsorted(self.cumulative_sizes, idx, side="right"))
        prev = 0 if d == 0 else int(self.cumulative_sizes[d - 1])
        return self.datasets[d][idx - prev]


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping random Subsets of the given lengths (or fractions summing to
    1, the remainder distributed round-robin as torch does). Deterministic for a given generator
    (default: the global generator, so tinygrad_lite.manual_seed fixes it)."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(int(math.floor(n * frac)))
        remainder = n - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = randperm(n, generator).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out
