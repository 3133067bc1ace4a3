"""tinygrad_lite.profiler: kernel time by family and the Python overhead around it."""
import tinygrad_lite as tl
from tinygrad_lite import profiler
from tinygrad_lite.models import MLP


def test_profile_a_training_step():
    net = MLP(in_features=20, hidden=8, classes=3)
    opt = tl.optim.SGD(net.parameters(), lr=0.1)
    x, y = tl.randn(4, 20), tl.tensor([0, 1, 2, 0])
    backend = x.device.backend
    with profiler.profile() as prof:
        opt.zero_grad()
        tl.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    assert x.device.backend is backend  # restored
    fams = prof.families()
    assert prof.stats["linear"][0] == 2 and prof.stats["cross_entropy"][0] == 1
    assert fams["gemm"] > 0 and fams["optimizer"] > 0 and "python" in fams
    assert abs(sum(fams.values()) - prof.wall_ns / 1e9) < 1e-6 or fams["python"] == 0
    table = prof.table()
    assert "linear" in table and "gemm" in table and "python" in table


def test_families():
    assert profiler.family("matmul") == "gemm" and profiler.family("softmax_backward") == "nn"
    assert profiler.family("exp") == "elementwise" and profiler.family("sum") == "reduce"
    assert profiler.family("adam_step_") == "optimizer" and profiler.family("clone") == "memory"
