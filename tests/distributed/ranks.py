"""Programs that tests/test_distributed.py runs under `mpiexec -n 2`: `python ranks.py NAME OUT_DIR`."""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import tinygrad_lite as tl  # noqa: E402
import tinygrad_lite.distributed as dist  # noqa: E402
import tinygrad_lite.nn as nn  # noqa: E402
from tinygrad_lite.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

STEPS, GLOBAL_BATCH = 100, 64


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS * GLOBAL_BATCH, 20)).astype(np.float32)
    w = rng.standard_normal((20, 5)).astype(np.float32)
    y = (x @ w).argmax(1).astype(np.int64)
    return x, y


def model():
    tl.manual_seed(1)
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5))


def train(net, batches, sync_every=1):
    opt = tl.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for i, (xb, yb) in enumerate(batches):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(tl.tensor(xb)), tl.tensor(yb))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def equivalence(out):
    """2 ranks × batch 32 with DDP vs (in the test) 1 rank × batch 64: same parameters."""
    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()
    x, y = data()
    per = GLOBAL_BATCH // n
    batches = [(x[s * GLOBAL_BATCH + r * per: s * GLOBAL_BATCH + (r + 1) * per],
                y[s * GLOBAL_BATCH + r * per: s * GLOBAL_BATCH + (r + 1) * per]) for s in range(STEPS)]
    net = DDP(model(), bucket_cap_mb=0.001)  # tiny buckets: several all-reduces in flight
    losses = train(net, batches)
    # the loss the single-rank run sees is the mean over both halves
    mean_losses = tl.tensor(np.array(losses))
    dist.all_reduce(mean_losses, dist.ReduceOp.AVG)
    if r == 0:
        state = {k: v.numpy().tolist() for k, v in net.module.state_dict().items()}
        json.dump({"state": state, "losses": mean_losses.numpy().tolist(), "stats": net.stats},
                  open(os.path.join(out, "ddp.json"), "w"))
    dist.destroy_process_group()


def collectives(out):
    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()
    res = {}
    t = tl.tensor([1.0 + r, 10.0 * r])
    dist.all_reduce(t)
    res["sum"] = t.tolist()
    t = tl.tensor([1.0 + r, 10.0 * r])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    res["avg"] = t.tolist()
    t = tl.tensor([1 + r, -r])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    res["max"] = t.tolist()
    t = tl.tensor([float(r)] * 3) if r == 0 else tl.zeros(3)
    t = tl.tensor([7.0, 8.0, 9.0]) if r == 0 else tl.zeros(3)
    dist.broadcast(t, src=0)
    res["broadcast"] = t.tolist()
    outs = [tl.zeros(2) for _ in range(n)]
    dist.all_gather(outs, tl.tensor([float(r), float(r * r)]))
    res["all_gather"] = [o.tolist() for o in outs]
    w = dist.all_reduce(tl.ones(4), async_op=True)
    w.wait()
    dist.barrier()
    json.dump(res, open(os.path.join(out, f"collectives{r}.json"), "w"))


def no_sync(out):
    """Two micro-batches accumulated under no_sync + one synced backward == one synced step."""
    dist.init_process_group("mpi")
    r = dist.get_rank()
    x, y = data()
    net = DDP(model())
    with net.no_sync():
        nn.functional.cross_entropy(net(tl.tensor(x[r * 8:(r + 1) * 8])), tl.tensor(y[r * 8:(r + 1) * 8])).backward()
    nn.functional.cross_entropy(net(tl.tensor(x[16 + r * 8:16 + (r + 1) * 8])),
                                tl.tensor(y[16 + r * 8:16 + (r + 1) * 8])).backward()
    if r == 0:
        json.dump({k: p.grad.numpy().tolist() for k, p in net.module.named_parameters()},
                  open(os.path.join(out, "nosync.json"), "w"))


def raises(out):
    dist.init_process_group("mpi", timeout=30)
    if dist.get_rank() == 1:
        raise ValueError("rank 1 fails on purpose")
    t = tl.ones(3)
    dist.all_reduce(t)  # rank 0 would wait forever without the abort
    print("rank 0 finished (should not happen)")


def stalls(out):
    dist.init_process_group("mpi", timeout=3)
    if dist.get_rank() == 1:
        time.sleep(20)  # alive but silent
        return
    dist.all_reduce(tl.ones(3))


def mismatched(out):
    dist.init_process_group("mpi")
    tl.manual_seed(0)
    width = 8 if dist.get_rank() == 0 else 9
    DDP(nn.Linear(4, width))


if __name__ == "__main__":
    globals()[sys.argv[1]](sys.argv[2])
