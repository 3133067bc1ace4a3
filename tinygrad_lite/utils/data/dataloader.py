"""DataLoader (torch.utils.data.DataLoader's signature and defaults), single process.

With the default collate and a dataset that has a batched hook (`_get_batch`: TensorDataset,
Subset of one, MNIST, Digits), every batch is fetched with ONE fancy index per tensor
(a native index_select) from a whole-epoch index array, never sample by sample.
"""
import numpy as np

from .collate import default_collate, default_convert
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class DataLoader:
    """Iterate over `dataset` in batches.

    shuffle=True draws a new permutation every epoch from `generator` (default: the global
    generator, so tinygrad_lite.manual_seed(s) makes the order reproducible). num_workers is
    accepted for compatibility; loading always runs in the calling process (batches are cheap
    index_selects, so worker processes would add cost, not remove it)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
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
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def _index_batches(self):
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler):
            return bs._batches()  # numpy slices of one epoch-wide index array
        return (np.asarray(b, dtype=np.int64) for b in bs)

    def __iter__(self):
        dataset = self.dataset
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
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)
