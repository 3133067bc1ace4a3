"""DataLoader (torch.utils.data.DataLoader's signature and defaults).

With the default collate and a dataset that has a batched hook (`_get_batch`: TensorDataset,
Subset of one, MNIST, Digits), every batch is fetched with ONE fancy index per tensor
(a native index_select) from a whole-epoch index array, never sample by sample.
num_workers > 0 loads in worker processes (_worker.py); IterableDataset streams are batched
as they come (each worker iterating its own replica).
"""
import numpy as np

from .collate import default_collate, default_convert
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over `dataset` in batches.

    shuffle=True draws a new permutation every epoch from `generator` (default: the global
    generator, so tinygrad_lite.manual_seed(s) makes the order reproducible). num_workers > 0
    fetches and collates batches in that many worker processes (in order; for a batched-hook
    dataset the batches are single index_selects, so workers mostly pay off for datasets whose
    __getitem__ does real work)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        from .dataset import IterableDataset

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler/batch_sampler option")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def _index_batches(self):
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler):
            return bs._batches()  # numpy slices of one epoch-wide index array
        return (np.asarray(b, dtype=np.int64) for b in bs)

    def __iter__(self):
        if self.num_workers > 0:
            return self._worker_iter()
        return self._single_process_iter()

    def _worker_iter(self):
        from ._worker import WorkerIterator

        if self._iterable:
            return WorkerIterator(self, None, _IterableFetch(self.batch_size, self.drop_last, self.collate_fn,
                                                             self._auto_collation), True)
        # the epoch's order is drawn before the workers' seeds, so it is the one num_workers=0 gives
        if not self._auto_collation:
            return WorkerIterator(self, list(self.sampler), _MapFetch(self.dataset, self.collate_fn, False), False)
        fast = self.collate_fn is default_collate and hasattr(self.dataset, "_get_batch")
        return WorkerIterator(self, list(self._index_batches()), _MapFetch(self.dataset, self.collate_fn, True, fast),
                              False)

    def _single_process_iter(self):
        dataset = self.dataset
        if self._iterable:
            yield from _IterableFetch(self.batch_size, self.drop_last, self.collate_fn, self._auto_collation).run(
                iter(dataset))
            return
        if not self._auto_collation:
            for i in self.sampler:
                yield self.collate_fn(dataset[i])
            return
        collate = self.collate_fn
        fast = collate is default_collate and hasattr(dataset, "_get_batch")
        for idx in self._index_batches():
            if fast:
                yield dataset._get_batch(idx)
            else:
                yield collate([dataset[i] for i in idx.tolist()])

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)  # TypeError when the stream has no length, as torch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)


class _MapFetch:
    """A worker's fetch for map-style datasets: indices (a batch or one index) → collated data."""

    def __init__(self, dataset, collate, batched, fast=False):
        self.dataset, self.collate, self.batched, self.fast = dataset, collate, batched, fast

    def __call__(self, idx):
        if not self.batched:
            return self.collate(self.dataset[idx])
        if self.fast:
            return self.dataset._get_batch(idx)
        return self.collate([self.dataset[i] for i in np.asarray(idx).tolist()])


class _IterableFetch:
    """Batches of batch_size consecutive items of an iterator (the last shorter unless drop_last)."""

    def __init__(self, batch_size, drop_last, collate, batched):
        self.batch_size, self.drop_last, self.collate, self.batched = batch_size, drop_last, collate, batched

    def __call__(self, it, _worker):
        if not self.batched:
            return self.collate(next(it))
        items = []
        for x in it:
            items.append(x)
            if len(items) == self.batch_size:
                break
        if not items or (self.drop_last and len(items) < self.batch_size):
            raise StopIteration
        return self.collate(items)

    def run(self, it):
        while True:
            try:
                yield self(it, None)
            except StopIteration:
                return
