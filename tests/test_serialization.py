"""tinygrad_lite.save / load: safetensors files (never pickle), Module.state_dict round trips,
nested optimizer state, .npz reading, and interchange with torch's safetensors reader."""
import json

import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn as nn
import tinygrad_lite.optim as optim
from tinygrad_lite.serialization import load, save

try:
    import torch
except ImportError:
    torch = None


def net():
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))


def test_exported_at_top_level():
    # torch's spelling: tinygrad_lite.save(model.state_dict(), path) / tinygrad_lite.load(path)
    assert tl.save is save and tl.load is load


def test_state_dict_roundtrip(tmp_path):
    a, b = net(), net()
    path = tmp_path / "model.safetensors"
    save(a.state_dict(), path)
    sd = load(path)
    assert list(sd.keys()) == list(a.state_dict().keys())  # state_dict order kept
    assert all(isinstance(v, tl.Tensor) for v in sd.values())
    b.load_state_dict(sd)
    x = tl.randn(4, 6)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    # a plain safetensors file: any reader opens it
    from safetensors.numpy import load_file
    raw = load_file(str(path))
    np.testing.assert_array_equal(raw["0.weight"], a[0].weight.detach().numpy())
    with open(path, "rb") as f:
        assert b"pickle" not in f.read()


def test_dtypes_and_views(tmp_path):
    x = tl.from_numpy(np.arange(12, dtype=np.float64).reshape(3, 4))
    sd = {"f64": x, "i64": tl.tensor([1, 2, 3]), "b": tl.tensor([True, False]), "view": x.t()}
    save(sd, tmp_path / "t.safetensors")
    out = load(tmp_path / "t.safetensors")
    assert out["f64"].dtype == tl.float64 and out["i64"].dtype == tl.int64 and out["b"].dtype == tl.bool
    np.testing.assert_array_equal(out["view"].numpy(), np.arange(12.0).reshape(3, 4).T)


def test_optimizer_state_roundtrip(tmp_path):
    model = net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        model(tl.randn(3, 6)).sum().backward()
        opt.step()
    path = tmp_path / "opt.safetensors"
    save(opt.state_dict(), path)
    sd = load(path)
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999) and sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert set(sd["state"].keys()) == {0, 1, 2, 3} and sd["state"][0]["step"] == 2
    opt2 = optim.Adam(model.parameters(), lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.01
    np.testing.assert_array_equal(opt2.state[model[0].weight]["exp_avg"].numpy(),
                                  opt.state[model[0].weight]["exp_avg"].numpy())
    from safetensors import safe_open
    with safe_open(str(path), framework="numpy") as f:
        json.loads(f.metadata()["tinygrad_lite.structure"])  # the structure is plain JSON


def test_no_pickle(tmp_path):
    with pytest.raises(TypeError):
        save(net(), tmp_path / "m.safetensors")  # a Module, not a state dict
    with pytest.raises(TypeError):
        save({"f": lambda: 1}, tmp_path / "x.safetensors")
    import pickle
    with pytest.raises(TypeError):
        pickle.dumps(nn.Parameter(tl.zeros(1)))


def test_npz_fallback(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, w=np.ones((2, 2), dtype=np.float32), i=np.arange(3, dtype=np.int32))
    out = load(path)
    assert out["w"].shape == (2, 2) and out["i"].dtype == tl.int32  # numpy's int32 kept, as torch


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_interchange_with_torch(tmp_path):
    from safetensors.torch import load_file as tload
    from safetensors.torch import save_file as tsave
    a = net()
    save(a.state_dict(), tmp_path / "ours.safetensors")
    tnet = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    tnet.load_state_dict(tload(str(tmp_path / "ours.safetensors")))
    x = np.random.RandomState(0).randn(2, 6).astype(np.float32)
    np.testing.assert_allclose(a(tl.from_numpy(x)).detach().numpy(), tnet(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    tsave(tnet.state_dict(), str(tmp_path / "theirs.safetensors"))
    b = net()
    b.load_state_dict(load(tmp_path / "theirs.safetensors"))
    np.testing.assert_allclose(b(tl.from_numpy(x)).detach().numpy(), tnet(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
