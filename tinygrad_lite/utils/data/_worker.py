"""DataLoader worker processes (num_workers > 0), as torch's: each worker is a process of its
own (multiprocessing, 'fork' by default), gets batches of indices on its index queue, fetches
and collates them, and sends the batch back on one shared result queue.

Tensors never cross the process boundary as objects: a batch is sent as its structure with
every tensor replaced by its numpy array (pickled by the queue; no model weights are ever
involved), and the main process turns them back into tensors sharing those arrays' memory.
Batches are yielded in order (map-style) or round-robin over the workers (iterable-style,
each worker iterating its own replica of the dataset, which can shard itself with
get_worker_info()). An exception in a worker is re-raised in the main process with the
worker's traceback.
"""
import collections
import queue
import traceback

import numpy as np

WorkerInfo = collections.namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])
_worker_info = None


def get_worker_info():
    """In a worker: (id, num_workers, seed, dataset); in the main process: None."""
    return _worker_info


class _Wire:
    """A tensor on its way between processes: its numpy array and whether it was a Parameter."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array


def to_wire(obj):
    from ...tensor import Tensor

    if isinstance(obj, Tensor):
        return _Wire(np.ascontiguousarray(obj.detach().cpu().numpy()))
    if isinstance(obj, dict):
        return type(obj)((k, to_wire(v)) for k, v in obj.items()) if type(obj) is not dict else \
            {k: to_wire(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_wire(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_wire(v) for v in obj)
    return obj


def from_wire(obj):
    import tinygrad_lite as _tl

    if isinstance(obj, _Wire):
        return _tl.from_numpy(obj.array) if obj.array.dtype in (np.float32, np.float64, np.int64, np.bool_) else \
            _tl.tensor(obj.array)
    if isinstance(obj, dict):
        return {k: from_wire(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(from_wire(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_wire(v) for v in obj)
    return obj


class _Failure:
    def __init__(self, worker_id, exc):
        self.worker_id = worker_id
        self.exc_type = type(exc)
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} in DataLoader worker process {self.worker_id}.\nOriginal " + self.text
        try:
            err = self.exc_type(msg)
        except Exception:
            err = RuntimeError(msg)
        raise err


_END = "__end__"  # an iterable-style worker ran out


def _loop(worker_id, num_workers, seed, dataset, fetch, index_queue, result_queue, init_fn, iterable):
    """The worker's main loop: one thread, its own seed, fetch what the index queue asks for."""
    global _worker_info
    import tinygrad_lite as _tl

    _tl.set_num_threads(1)  # one process per core: no thread teams inside a worker (and no OpenMP after fork)
    _tl.manual_seed(seed)
    import random

    random.seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    try:
        if init_fn is not None:
            init_fn(worker_id)
        it = iter(dataset) if iterable else None
    except Exception as e:  # noqa: BLE001
        result_queue.put((None, _Failure(worker_id, e)))
        return
    while True:
        task = index_queue.get()
        if task is None:
            return
        key, payload = task
        try:
            data = fetch(it, payload) if iterable else fetch(payload)
            result_queue.put((key, to_wire(data)))
        except StopIteration:
            result_queue.put((key, _END))
        except Exception as e:  # noqa: BLE001
            result_queue.put((key, _Failure(worker_id, e)))


class WorkerIterator:
    """Runs `num_workers` processes for one pass over the data and yields the batches."""

    def __init__(self, loader, tasks, fetch, iterable):
        import multiprocessing as mp

        import tinygrad_lite as _tl

        self.done = True  # until the workers exist
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        elif isinstance(ctx, str):
            ctx = mp.get_context(ctx)
        self.n = loader.num_workers
        self.timeout = loader.timeout or None
        self.iterable = iterable
        base_seed = int(_tl.randint(0, 2 ** 62, (1,), generator=loader.generator).item())
        self.result_queue = ctx.Queue()
        self.index_queues = [ctx.Queue() for _ in range(self.n)]
        self.workers = []
        self.done = False
        for w in range(self.n):
            p = ctx.Process(target=_loop, args=(w, self.n, base_seed + w, loader.dataset, fetch, self.index_queues[w],
                                                self.result_queue, loader.worker_init_fn, iterable), daemon=True)
            p.start()
            self.workers.append(p)
        self.tasks = iter(tasks) if tasks is not None else None
        self.prefetch = (loader.prefetch_factor or 2) * self.n
        self.sent = self.received = 0
        self.buffer = {}
        self.alive = list(range(self.n))  # iterable-style: workers not yet exhausted
        self.owner = {}  # iterable-style: task key → the worker asked
        self.rr = 0
        for _ in range(self.prefetch):
            if not self._send():
                break

    def _send(self):
        if self.iterable:
            if not self.alive:
                return False
            w = self.alive[self.rr % len(self.alive)]
            self.rr += 1
            self.owner[self.sent] = w
            self.index_queues[w].put((self.sent, w))
            self.sent += 1
            return True
        try:
            payload = next(self.tasks)
        except StopIteration:
            return False
        self.index_queues[self.sent % self.n].put((self.sent, payload))
        self.sent += 1
        return True

    def _get(self):
        while True:
            try:
                return self.result_queue.get(timeout=self.timeout if self.timeout else 5.0)
            except queue.Empty:
                if self.timeout:
                    self.close()
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                dead = [w for w, p in enumerate(self.workers) if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    self.close()
                    raise RuntimeError(f"DataLoader worker (pid(s) {[self.workers[w].pid for w in dead]}) exited "
                                       f"unexpectedly") from None

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.received == self.sent:
                self.close()
                raise StopIteration
            want = self.received
            while want not in self.buffer:
                key, data = self._get()
                if isinstance(data, _Failure):
                    self.close()
                    data.reraise()
                self.buffer[key] = data
            data = self.buffer.pop(want)
            self.received += 1
            w = self.owner.pop(want, None)
            if self.iterable and isinstance(data, str) and data == _END:
                if w in self.alive:  # that worker's replica is exhausted
                    self.alive.remove(w)
                self._send()
                continue
            self._send()
            return from_wire(data)

    def close(self):
        if self.done:
            return
        self.done = True
        for q in self.index_queues:
            try:
                q.put(None)
            except Exception:  # noqa: BLE001
                pass
        for p in self.workers:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
        self.result_queue.close()
        for q in self.index_queues:
            q.close()

    def __del__(self):
        self.close()
