"""tinygrad_lite.distributed: torch.distributed's process-group API over MPI (mpi4py).

Launch N processes with `mpiexec -n N python train.py` (or `tinygrad-lite train --ranks N`);
each calls `init_process_group(backend="mpi")`. Collectives hand MPI the tensors' own memory
(the native storage, seen through a numpy view): nothing is copied on the way in or out.

    init_process_group(backend="mpi", timeout=timedelta(minutes=5))
    get_rank(), get_world_size(), is_initialized(), barrier(), destroy_process_group()
    all_reduce(t, op=ReduceOp.SUM, async_op=False)   # in place; SUM, AVG, MAX, MIN, PRODUCT
    broadcast(t, src=0), all_gather(list_of_tensors, t), reduce(t, dst, op)

A rank that fails makes the others fail too, with a clear error, instead of hanging: an
uncaught exception in one rank aborts the whole job (MPI_Abort), and every collective waits
at most `timeout` before raising (a rank that stopped without dying).
"""
import datetime
import os
import sys
import time

from .. import dtypes as _dt

__all__ = ["ReduceOp", "Work", "init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "get_rank", "get_world_size", "get_backend", "barrier", "all_reduce", "broadcast", "all_gather", "reduce"]


class ReduceOp:
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


class _State:
    comm = None
    MPI = None
    timeout = 300.0
    previous_excepthook = None


_state = _State()


def is_available():
    """Whether the MPI backend can be used (mpi4py importable)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1, **kwargs):
    """Join the job's process group. Only the "mpi" backend exists: ranks and world size come
    from the MPI launcher (mpiexec), so world_size/rank, if given, must agree with it."""
    if backend not in ("mpi", None):
        raise ValueError(f"init_process_group: backend {backend!r} is not supported here; use backend='mpi' "
                         f"(launch with mpiexec)")
    if _state.comm is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError("tinygrad_lite.distributed needs mpi4py and an MPI library: pip install "
                           "'tinygrad_lite[dist]' (mpi4py, mpich)") from e
    comm = MPI.COMM_WORLD
    if world_size not in (-1, None) and world_size != comm.Get_size():
        raise ValueError(f"init_process_group: world_size={world_size} but mpiexec started {comm.Get_size()} ranks")
    if rank not in (-1, None) and rank != comm.Get_rank():
        raise ValueError(f"init_process_group: rank={rank} but MPI says this process is rank {comm.Get_rank()}")
    _state.comm, _state.MPI = comm, MPI
    if timeout is not None:
        _state.timeout = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)
    _state.previous_excepthook = sys.excepthook
    sys.excepthook = _abort_on_uncaught_exception


def _abort_on_uncaught_exception(kind, value, tb):
    """An uncaught exception in one rank: print it, then abort every rank (else they would wait
    forever in their next collective)."""
    comm = _state.comm
    if comm is None or comm.Get_size() <= 1:
        (_state.previous_excepthook or sys.__excepthook__)(kind, value, tb)
        return
    # One write of the whole report straight to fd 2, then a pause: MPI_Abort kills this process
    # and the launcher's output forwarding at once, and a traceback still in a buffer (or written
    # line by line) arrives cut short.
    import traceback
    report = "".join(traceback.format_exception(kind, value, tb))
    report += f"[rank {comm.Get_rank()}] uncaught {kind.__name__}: aborting all ranks\n"
    try:
        sys.stderr.flush()
        os.write(2, report.encode("utf-8", "replace"))
    except OSError:
        pass
    time.sleep(0.5)
    comm.Abort(1)


def destroy_process_group(group=None):
    if _state.comm is not None:
        sys.excepthook = _state.previous_excepthook or sys.__excepthook__
    _state.comm = None


def is_initialized():
    return _state.comm is not None


def _comm():
    if _state.comm is None:
        raise RuntimeError("Default process group has not been initialized, please make sure to call "
                           "init_process_group.")
    return _state.comm


def get_rank(group=None):
    return _comm().Get_rank()


def get_world_size(group=None):
    return _comm().Get_size()


def get_backend(group=None):
    _comm()
    return "mpi"


class Work:
    """A collective in flight (async_op=True): wait() completes it, within the group's timeout."""

    def __init__(self, request, what, finish=None):
        self._request, self._what, self._finish, self._done = request, what, finish, False

    def is_completed(self):
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        if not self._done:
            _wait(self._request, self._what, timeout)
            self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()


def _wait(request, what, timeout=None):
    """Wait for a non-blocking MPI request, at most `timeout` seconds (the group's by default):
    a rank that stopped answering raises here instead of hanging the job."""
    limit = _state.timeout if timeout is None else (
        timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout))
    deadline = time.monotonic() + limit
    pause = 0.0
    while not request.Test():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: timed out after {limit:.0f} s waiting for the other ranks (one of them "
                               f"stopped or died); rank {get_rank()} of {get_world_size()}")
        time.sleep(pause)
        pause = min(0.001, pause + 1e-5)  # spin first: collectives on one machine finish in microseconds


def _buffer(t, op):
    """The tensor's own memory as a writable numpy view, for MPI (no copy)."""
    from ..tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a tensor, got {type(t).__name__}")
    if t.device.type != "cpu":
        raise RuntimeError(f"{op}: the MPI backend works on CPU tensors; got a tensor on {t.device}")
    if not t.is_contiguous():
        raise ValueError(f"{op}: the tensor must be contiguous (shape {tuple(t.shape)}, strides {t.stride()})")
    if t.dtype is _dt.bool_:
        raise TypeError(f"{op}: bool tensors cannot be reduced; convert them to an integer dtype")
    return t._data.numpy()


def _mpi_op(op, what):
    MPI = _state.MPI
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN,
             ReduceOp.PRODUCT: MPI.PROD}
    if op not in table:
        raise ValueError(f"{what}: unknown reduce op {op!r}; use tinygrad_lite.distributed.ReduceOp")
    return table[op]


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """tensor ← op over all ranks of tensor, in place (AVG divides the sum by the world size)."""
    comm = _comm()
    buf = _buffer(tensor, "all_reduce")
    mpi_op = _mpi_op(op, "all_reduce")
    if op == ReduceOp.AVG and not tensor.dtype.is_floating_point:
        raise TypeError("all_reduce: ReduceOp.AVG needs a floating tensor")
    request = comm.Iallreduce(_state.MPI.IN_PLACE, buf, op=mpi_op)

    def finish():
        if op == ReduceOp.AVG:
            buf[...] /= comm.Get_size()
        from ..autograd import versions

        versions.note_write(tensor._data)

    work = Work(request, "all_reduce", finish)
    return work if async_op else work.wait()


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """On rank dst: tensor ← op over all ranks of tensor (the others' tensors are left as they are)."""
    comm = _comm()
    _check_rank(dst, "reduce")
    buf = _buffer(tensor, "reduce")
    mpi_op = _mpi_op(op, "reduce")
    MPI = _state.MPI
    if comm.Get_rank() == dst:
        request = comm.Ireduce(MPI.IN_PLACE, buf, op=mpi_op, root=dst)
    else:
        request = comm.Ireduce(buf, None, op=mpi_op, root=dst)

    def finish():
        if op == ReduceOp.AVG and comm.Get_rank() == dst:
            buf[...] /= comm.Get_size()

    work = Work(request, "reduce", finish)
    return work if async_op else work.wait()


def broadcast(tensor, src=0, group=None, async_op=False):
    """tensor ← rank src's tensor, in place on every rank."""
    comm = _comm()
    _check_rank(src, "broadcast")
    request = comm.Ibcast(_buffer(tensor, "broadcast"), root=src)
    work = Work(request, "broadcast")
    return work if async_op else work.wait()


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] ← rank r's tensor (same shape and dtype on every rank)."""
    comm = _comm()
    n = comm.Get_size()
    if len(tensor_list) != n:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors for {n} ranks")
    src = _buffer(tensor, "all_gather")
    for t in tensor_list:
        if tuple(t.shape) != tuple(tensor.shape) or t.dtype is not tensor.dtype:
            raise ValueError(f"all_gather: every output must have the input's shape {tuple(tensor.shape)} and dtype "
                             f"{tensor.dtype.name}, got {tuple(t.shape)} {t.dtype.name}")
    import numpy as np

    gathered = np.empty((n,) + src.shape, dtype=src.dtype)
    request = comm.Iallgather(src, gathered)

    def finish():
        for r, t in enumerate(tensor_list):
            _buffer(t, "all_gather")[...] = gathered[r]

    work = Work(request, "all_gather", finish)
    return work if async_op else work.wait()


def barrier(group=None, async_op=False):
    """Wait until every rank gets here."""
    work = Work(_comm().Ibarrier(), "barrier")
    return work if async_op else work.wait()


def _check_rank(r, what):
    n = get_world_size()
    if not 0 <= r < n:
        raise ValueError(f"{what}: rank {r} is out of range for a world of {n} ranks")
