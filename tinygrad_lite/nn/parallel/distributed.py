"""nn.parallel.DistributedDataParallel: data-parallel training over tinygrad_lite.distributed.

Every rank holds the same model and trains on its own share of each global batch. After the
backward pass every parameter's gradient must be the average over ranks,
    ∂L/∂θ = (1/R) Σ_r ∂L_r/∂θ,
so each rank then takes the same optimizer step and the replicas stay identical.

How (as torch's DDP): parameters are grouped into buckets of ~bucket_cap_mb, in reverse
registration order (roughly the order backward produces their gradients). When every gradient
of a bucket has been accumulated (a post-accumulate-grad hook per parameter), the bucket is
packed into one flat buffer and its all-reduce starts, non-blocking (MPI_Iallreduce), while
backward carries on with earlier layers; at the end of the pass (an engine callback) the
remaining buckets are launched, all are waited for and the averaged gradients copied back.
`no_sync()` skips all of this for gradient accumulation; the next synchronised backward
reduces the accumulated sum.

At construction the model's parameter shapes are compared across ranks (a mismatch raises on
every rank) and rank 0's parameters and buffers are broadcast to all.
"""
import contextlib
import time

import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite import distributed as dist
from tinygrad_lite.autograd import engine

from ..module import Module


class _Bucket:
    __slots__ = ("params", "flat", "offsets", "ready", "work", "launched_at")

    def __init__(self, params):
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params])
        self.flat = np.zeros(int(self.offsets[-1]), dtype=params[0].dtype.np)
        self.ready, self.work, self.launched_at = set(), None, 0.0


class DistributedDataParallel(Module):
    """DistributedDataParallel(module, bucket_cap_mb=25, broadcast_buffers=True,
    find_unused_parameters=False): wraps `module`; call it as the module itself."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: call tinygrad_lite.distributed.init_process_group() first")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.world_size = dist.get_world_size()
        self._sync = True
        self.stats = {"comm_s": 0.0, "exposed_s": 0.0, "bytes": 0, "steps": 0}
        params = [p for p in module.parameters() if p.requires_grad]
        self._check_same_model(module)
        self._broadcast_state(module)
        self._buckets = self._make_buckets(params, bucket_cap_mb * 2 ** 20)
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._pending = False
        for p in params:
            p.register_post_accumulate_grad_hook(self._grad_ready)

    # ---- construction ------------------------------------------------------------------------
    @staticmethod
    def _check_same_model(module):
        """Every rank must hold the same architecture: compare (name, shape, dtype) lists."""
        sig = [(n, tuple(p.shape), p.dtype.name) for n, p in module.named_parameters()]
        mine = np.frombuffer(repr(sig).encode(), dtype=np.uint8)
        length = _tl.tensor([mine.size])
        lengths = [_tl.zeros(1, dtype=_tl.int64) for _ in range(dist.get_world_size())]
        dist.all_gather(lengths, length)
        width = max(int(t.item()) for t in lengths)
        padded = _tl.zeros(width, dtype=_tl.int64)
        padded.numpy()[: mine.size] = mine
        everyone = [_tl.zeros(width, dtype=_tl.int64) for _ in range(dist.get_world_size())]
        dist.all_gather(everyone, padded)
        differ = [r for r, t in enumerate(everyone) if not np.array_equal(t.numpy(), everyone[0].numpy())]
        if differ:
            raise RuntimeError(
                f"DistributedDataParallel: the model on rank(s) {differ} differs from rank 0's "
                f"(parameter names, shapes or dtypes); this is rank {dist.get_rank()} with {len(sig)} parameters")

    @staticmethod
    def _broadcast_state(module):
        with _tl.no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.detach() if t.requires_grad else t, src=0)

    @staticmethod
    def _make_buckets(params, cap_bytes):
        buckets, cur, size = [], [], 0
        for p in reversed(params):  # backward produces the last layer's gradients first
            if cur and (size + p.numel() * p.element_size() > cap_bytes or p.dtype is not cur[0].dtype):
                buckets.append(_Bucket(cur))
                cur, size = [], 0
            cur.append(p)
            size += p.numel() * p.element_size()
        if cur:
            buckets.append(_Bucket(cur))
        return buckets

    # ---- forward / backward ------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.world_size > 1:  # e.g. BatchNorm statistics: rank 0's
            with _tl.no_grad():
                for b in self.module.buffers():
                    dist.broadcast(b, src=0)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients accumulate locally inside; the first synchronised backward after reduces them."""
        prev, self._sync = self._sync, False
        try:
            yield
        finally:
            self._sync = prev

    def _grad_ready(self, p):
        if not self._sync or self.world_size == 1:
            return
        if not self._pending:  # the first gradient of this backward pass
            self._pending = True
            engine.queue_callback(self._finish)
        bucket = self._bucket_of[id(p)]
        bucket.ready.add(id(p))
        if len(bucket.ready) == len(bucket.params):
            self._launch(bucket)
        for b in self._buckets:  # give MPI a chance to progress the reductions already in flight
            if b.work is not None:
                b.work.is_completed()

    def _launch(self, bucket):
        for p, lo, hi in zip(bucket.params, bucket.offsets[:-1], bucket.offsets[1:]):
            g = p.grad
            bucket.flat[lo:hi] = 0.0 if g is None else g.numpy().reshape(-1)  # an unused parameter adds 0
        bucket.launched_at = time.perf_counter()
        bucket.work = dist.all_reduce(_tl.from_numpy(bucket.flat), dist.ReduceOp.SUM, async_op=True)

    def _finish(self):
        """End of backward: launch what is left, wait for everything, average, copy back."""
        t0 = time.perf_counter()
        for b in self._buckets:
            if b.work is None:
                if not self.find_unused_parameters and len(b.ready) != len(b.params):
                    missing = [i for i, p in enumerate(b.params) if id(p) not in b.ready]
                    raise RuntimeError(
                        f"DistributedDataParallel: {len(missing)} parameter(s) received no gradient in this "
                        f"backward pass; pass find_unused_parameters=True if parts of the model are unused")
                self._launch(b)
        for b in self._buckets:
            b.work.wait()
            done = time.perf_counter()
            self.stats["comm_s"] += done - b.launched_at
        self.stats["exposed_s"] += time.perf_counter() - t0
        n = self.world_size
        for b in self._buckets:
            b.flat /= n
            for p, lo, hi in zip(b.params, b.offsets[:-1], b.offsets[1:]):
                avg = b.flat[lo:hi].reshape(tuple(p.shape))
                if p.grad is None:
                    p.grad = _tl.tensor(avg)
                else:
                    p.grad.numpy()[...] = avg
            self.stats["bytes"] += 2 * (n - 1) * b.flat.nbytes // n  # a ring all-reduce's traffic per rank
            b.ready.clear()
            b.work = None
        self.stats["steps"] += 1
        self._pending = False
