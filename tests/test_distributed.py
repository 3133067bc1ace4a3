"""Data-parallel training over MPI: two ranks under mpiexec (skipped where mpi4py or mpiexec
is absent). 2 ranks × batch 32 with DistributedDataParallel give the parameters of 1 rank ×
batch 64; collectives; no_sync; a failing or stalled rank ends the job with a clear error."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("mpi4py")
MPIEXEC = shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found (pip install mpich)")
RANKS = pathlib.Path(__file__).resolve().parent / "distributed" / "ranks.py"

sys.path.insert(0, str(RANKS.parent))


def mpirun(name, out, n=2, timeout=120):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([MPIEXEC, "-n", str(n), sys.executable, str(RANKS), name, str(out)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_two_ranks_of_32_equal_one_rank_of_64(tmp_path):
    r = mpirun("equivalence", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads((tmp_path / "ddp.json").read_text())
    import ranks
    import tinygrad_lite as tl

    x, y = ranks.data()
    net = ranks.model()
    losses = ranks.train(net, [(x[s * 64:(s + 1) * 64], y[s * 64:(s + 1) * 64]) for s in range(ranks.STEPS)])
    for k, v in net.state_dict().items():  # float32 sums in another order: reassociation only
        np.testing.assert_allclose(np.array(got["state"][k]), v.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    np.testing.assert_allclose(got["losses"], losses, rtol=1e-4, atol=1e-5)
    assert got["stats"]["steps"] == ranks.STEPS and got["stats"]["bytes"] > 0
    assert isinstance(tl.distributed.is_initialized(), bool)


def test_collectives(tmp_path):
    r = mpirun("collectives", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    for rank in (0, 1):
        res = json.loads((tmp_path / f"collectives{rank}.json").read_text())
        assert res["sum"] == [3.0, 10.0] and res["avg"] == [1.5, 5.0] and res["max"] == [2, 0]
        assert res["broadcast"] == [7.0, 8.0, 9.0] and res["all_gather"] == [[0.0, 0.0], [1.0, 1.0]]


def test_no_sync_accumulates_then_reduces(tmp_path):
    r = mpirun("no_sync", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads((tmp_path / "nosync.json").read_text())
    import ranks
    import tinygrad_lite as tl
    import tinygrad_lite.nn as nn

    x, y = ranks.data()
    net = ranks.model()
    for part in ((0, 8), (8, 16), (16, 24), (24, 32)):  # rank r's micro-batches, summed, then averaged
        loss = nn.functional.cross_entropy(net(tl.tensor(x[part[0]:part[1]])), tl.tensor(y[part[0]:part[1]]))
        (loss * 0.5).backward()
    for k, p in net.named_parameters():
        np.testing.assert_allclose(np.array(got[k]), p.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_a_rank_that_raises_ends_the_job(tmp_path):
    r = mpirun("raises", tmp_path, timeout=90)
    assert r.returncode != 0
    assert "rank 1 fails on purpose" in r.stderr and "should not happen" not in r.stdout


def test_a_rank_that_stalls_times_out_the_others(tmp_path):
    r = mpirun("stalls", tmp_path, timeout=90)
    assert r.returncode != 0 and "timed out" in r.stderr


def test_mismatched_models_are_detected_at_start(tmp_path):
    r = mpirun("mismatched", tmp_path, timeout=90)
    assert r.returncode != 0 and "differs from rank 0" in r.stderr


@pytest.mark.parametrize("model", ["mlp", "lenet"])
def test_train_cli_runs_data_parallel_on_two_ranks(tmp_path, model):
    """`tinygrad-lite train --ranks 2` re-launches itself under mpiexec; rank 0 alone prints and
    writes; the ranks' shards together cover the epoch."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(RANKS.parents[2]))
    data = ["--dataset", "digits"] if model == "mlp" else ["--dataset", "mnist"]
    shared = RANKS.parents[3] / "shared" / "data" / "mnist"
    if model == "lenet" and not (shared / "train-images-idx3-ubyte").exists() and \
            not (shared / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("LeNet needs 28x28 MNIST (../shared/data/mnist absent)")
    extra = ["--batch-size", "256", "--epochs", "1"] if model == "lenet" else ["--epochs", "3"]
    r = subprocess.run([sys.executable, "-m", "tinygrad_lite", "train", "--model", model, *data, *extra,
                        "--ranks", "2", "--threads", "1", "--quiet", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=600, env=env, cwd=str(RANKS.parents[2]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("data-parallel: 2 MPI ranks") == 1  # printed by rank 0 only
    m = json.loads((tmp_path / "metrics.json").read_text())
    floor = 0.8 if model == "mlp" else 0.9
    assert m["final_test_accuracy"] > floor, m
