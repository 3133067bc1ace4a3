"""torch.utils.data breadth: DataLoader with real worker processes (map-style and iterable
datasets, the same batches and order as num_workers=0, shuffling from a Generator, errors
re-raised with the worker's traceback, get_worker_info sharding), IterableDataset /
ChainDataset / StackDataset, WeightedRandomSampler; save/load through file objects and the
clear refusal of torch.save files; set_printoptions against torch's printing."""
import io

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.utils.data import (
    ChainDataset, DataLoader, Dataset, IterableDataset, StackDataset, TensorDataset, WeightedRandomSampler,
    get_worker_info,
)

torch = pytest.importorskip("torch")


class Squares(Dataset):
    def __len__(self):
        return 11

    def __getitem__(self, i):
        return {"x": tl.tensor([float(i), -float(i)]), "y": i * i, "name": f"s{i}"}


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def batches(loader):
    out = []
    for b in loader:
        out.append({k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in b.items()} if isinstance(b, dict) else
                   [v.tolist() if hasattr(v, "tolist") else v for v in b] if isinstance(b, (list, tuple)) else b.tolist())
    return out


def test_workers_give_the_single_process_batches():
    for kw in (dict(batch_size=3), dict(batch_size=4, drop_last=True), dict(batch_size=None)):
        assert batches(DataLoader(Squares(), num_workers=2, **kw)) == batches(DataLoader(Squares(), **kw))
    ds = TensorDataset(tl.arange(20.0).reshape(10, 2), tl.arange(10))
    for workers in (0, 2):
        got = batches(DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                                 generator=tl.Generator().manual_seed(3)))
        if workers == 0:
            want = got
    assert got == want and sorted(sum((b[1] for b in got), [])) == list(range(10))


def test_iterable_dataset_with_and_without_workers():
    assert batches(DataLoader(Stream(7), batch_size=2)) == [[0, 1], [2, 3], [4, 5], [6]]
    # two workers each stream their own shard; batches alternate between them (torch's order)
    assert batches(DataLoader(Stream(7), batch_size=2, num_workers=2)) == [[0, 2], [1, 3], [4, 6], [5]]
    assert len(DataLoader(Stream(7), batch_size=2)) == 4
    assert [int(v) for v in DataLoader(ChainDataset([Stream(2), Stream(3)]), batch_size=None)] == [0, 1, 0, 1, 2]
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)
    s = StackDataset(a=TensorDataset(tl.arange(3)), b=TensorDataset(tl.arange(3) * 2))
    assert s[1]["b"][0].item() == 2 and len(s) == 3


class Broken(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise KeyError("sample 2 is missing")
        return tl.tensor([float(i)])


def test_worker_errors_are_re_raised_with_the_worker_traceback():
    with pytest.raises(KeyError, match="worker process") as e:
        list(DataLoader(Broken(), batch_size=1, num_workers=2))
    assert "sample 2 is missing" in str(e.value)


def test_weighted_random_sampler():
    s = WeightedRandomSampler([0.1, 0.0, 0.9], 4000, generator=tl.Generator().manual_seed(0))
    counts = np.bincount(list(s), minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.9], atol=0.03)
    assert len(s) == 4000
    no_rep = list(WeightedRandomSampler([1.0, 2.0, 3.0], 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 2]
    loader = DataLoader(TensorDataset(tl.arange(3)), batch_size=2, sampler=WeightedRandomSampler([0.0, 0.0, 1.0], 4))
    assert batches(loader) == [[[2, 2]], [[2, 2]]]


def test_save_and_load_with_file_objects():
    sd = {"w": tl.randn(3, 2), "n": tl.arange(4)}
    buf = io.BytesIO()
    tl.save(sd, buf)
    buf.seek(0)
    back = tl.load(buf)
    assert list(back) == ["w", "n"] and back["w"].tolist() == sd["w"].tolist() and back["n"].dtype is tl.int64
    nested = {"state": {0: {"step": 3.0, "m": tl.ones(2)}}, "groups": [{"lr": 0.1}]}
    buf = io.BytesIO()
    tl.save(nested, buf)
    buf.seek(0)
    assert tl.load(buf)["state"][0]["step"] == 3.0
    # a safetensors file written by torch's safetensors loads here
    from safetensors.torch import save

    data = save({"t": torch.arange(3, dtype=torch.float32)})
    assert tl.load(io.BytesIO(data))["t"].tolist() == [0.0, 1.0, 2.0]


def test_torch_save_files_are_refused_clearly(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="torch.save file"):
        tl.load(path)
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="pickle"):
        tl.load(io.BytesIO(buf.getvalue()))


@pytest.mark.parametrize("opts", [dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(threshold=5, edgeitems=2),
                                  dict(profile="short")])
def test_set_printoptions_vs_torch(opts):
    vals = np.array([[0.123456789, 2.5, -3.25], [10.0, 0.5, 1.0 / 3]], np.float32)
    if "threshold" in opts:
        vals = (np.arange(12.0).reshape(3, 4) / 7).astype(np.float32)
    try:
        torch.set_printoptions(**opts)
        tl.set_printoptions(**opts)
        assert repr(tl.tensor(vals)).replace("tinygrad_lite", "torch") == repr(torch.tensor(vals, dtype=torch.float32))
    finally:
        torch.set_printoptions(profile="default")
        tl.set_printoptions(profile="default")
