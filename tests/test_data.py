"""tinygrad_lite.utils.data: datasets, samplers, DataLoader batching/shuffling, default_collate."""
from collections import namedtuple

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.utils.data import (
    BatchSampler, DataLoader, Dataset, SequentialSampler, Subset, TensorDataset, default_collate, random_split,
)

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def make(n=10):
    x = tl.from_numpy(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = tl.from_numpy(np.arange(n, dtype=np.int64))
    return TensorDataset(x, y), x, y


def test_tensor_dataset():
    ds, x, y = make()
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.tolist() == [12.0, 13.0, 14.0] and yi.item() == 4
    with pytest.raises(ValueError):
        TensorDataset(tl.zeros(3), tl.zeros(4))


def test_sequential_batches_and_len():
    ds, x, y = make(10)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 3) and batches[0][0].dtype == tl.float32 and batches[0][1].dtype == tl.int64
    np.testing.assert_array_equal(batches[2][0].numpy(), x.numpy()[8:])
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and [b[1].tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ds)) == 10  # batch_size=1 default
    inputs, labels = next(iter(DataLoader(ds)))
    assert inputs.shape == (1, 3) and labels.tolist() == [0]


def test_batches_are_taken_whole_not_sample_by_sample():
    class NoItems(TensorDataset):
        def __getitem__(self, i):
            raise AssertionError("the loader must not go sample by sample")

    x = tl.randn(100, 2)
    y = tl.from_numpy(np.arange(100, dtype=np.int64))
    calls = []
    ds = NoItems(x, y)
    for xb, yb in DataLoader(ds, batch_size=32, shuffle=True):
        calls.append(yb.shape[0])
    assert calls == [32, 32, 32, 4]
    sub = Subset(ds, list(range(50, 100)))
    got = np.concatenate([b[1].numpy() for b in DataLoader(sub, batch_size=16)])
    np.testing.assert_array_equal(got, np.arange(50, 100))


def test_shuffle_reproducible_and_complete():
    ds, x, y = make(50)

    def epoch_order(loader):
        return np.concatenate([b[1].numpy() for b in loader]).tolist()

    g = tl.Generator().manual_seed(123)
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    e1, e2 = epoch_order(loader), epoch_order(loader)
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert e1 != e2 and e1 != list(range(50))  # new permutation each epoch
    g2 = tl.Generator().manual_seed(123)
    assert epoch_order(DataLoader(ds, batch_size=8, shuffle=True, generator=g2)) == e1
    # the global seed fixes the order when no generator is given
    tl.manual_seed(7)
    a = epoch_order(DataLoader(ds, batch_size=5, shuffle=True))
    tl.manual_seed(7)
    b = epoch_order(DataLoader(ds, batch_size=5, shuffle=True))
    assert a == b
    # rows stay paired with their labels
    for xb, yb in DataLoader(ds, batch_size=7, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy() * 3)


@needs_torch
def test_batches_match_torch_loader():
    xs = np.random.RandomState(0).randn(23, 2, 2).astype(np.float32)
    ys = np.arange(23, dtype=np.int64)
    ours = DataLoader(TensorDataset(tl.from_numpy(xs), tl.from_numpy(ys)), batch_size=5)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(xs), torch.from_numpy(ys)),
                                         batch_size=5)
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.full((2,), i, dtype=np.float32), "y": i * i, "name": f"s{i}", "f": float(i)}


def test_generic_dataset_default_collate():
    batches = list(DataLoader(Squares(), batch_size=3))
    assert len(batches) == 3
    b = batches[0]
    assert b["x"].shape == (3, 2) and b["x"].dtype == tl.float32
    assert b["y"].tolist() == [0, 1, 4] and b["y"].dtype == tl.int64
    assert b["name"] == ["s0", "s1", "s2"]
    assert b["f"].dtype == tl.float64
    assert batches[2]["y"].tolist() == [36]


def test_default_collate_like_torch():
    P = namedtuple("P", "a b")
    out = default_collate([P(tl.tensor([1.0]), 2), P(tl.tensor([3.0]), 4)])
    assert isinstance(out, P) and out.a.tolist() == [[1.0], [3.0]] and out.b.tolist() == [2, 4]
    out = default_collate([(tl.zeros(2), 1), (tl.ones(2), 0)])
    assert isinstance(out, list) and out[0].shape == (2, 2) and out[1].tolist() == [1, 0]
    out = default_collate([np.int32(3), np.int32(4)])
    assert out.dtype == tl.int32 and out.tolist() == [3, 4]  # torch keeps numpy's int32
    out = default_collate([np.uint16(3), np.uint16(4)])  # no uint16 tensors here: widened
    assert out.dtype == tl.int64 and out.tolist() == [3, 4]
    out = default_collate([True, False])
    assert out.dtype == tl.bool
    with pytest.raises(RuntimeError):
        default_collate([[1, 2], [3]])


def test_collate_fn_sampler_batch_sampler():
    ds, x, y = make(10)
    loader = DataLoader(ds, batch_size=3, collate_fn=lambda items: [int(t[1].item()) for t in items])
    assert list(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    bs = BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader = DataLoader(ds, batch_sampler=[[9, 0], [5]])
    assert [b[1].tolist() for b in loader] == [[9, 0], [5]]
    loader = DataLoader(ds, sampler=[3, 1, 2], batch_size=2)
    assert [b[1].tolist() for b in loader] == [[3, 1], [2]]
    assert len(loader) == 2
    with pytest.raises(ValueError):
        DataLoader(ds, sampler=[1], shuffle=True)
    with pytest.raises(ValueError):
        DataLoader(ds, batch_sampler=[[1]], batch_size=4)
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == 10 and unbatched[3][1].item() == 3


def test_subset_and_random_split():
    ds, x, y = make(20)
    sub = Subset(ds, [5, 2, 9])
    assert len(sub) == 3 and sub[1][1].item() == 2
    a, b = random_split(ds, [15, 5], generator=tl.Generator().manual_seed(0))
    ia = [a[i][1].item() for i in range(len(a))]
    ib = [b[i][1].item() for i in range(len(b))]
    assert len(ia) == 15 and len(ib) == 5 and sorted(ia + ib) == list(range(20))
    a2, _ = random_split(ds, [15, 5], generator=tl.Generator().manual_seed(0))
    assert a2.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=tl.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [10, 6, 4]
    with pytest.raises(ValueError):
        random_split(ds, [3, 3])
    # a Subset of a TensorDataset still batches through one index per tensor
    got = np.concatenate([bb[1].numpy() for bb in DataLoader(a, batch_size=4)])
    assert got.tolist() == ia


def test_loader_feeds_training():
    import tinygrad_lite.nn as nn
    import tinygrad_lite.optim as optim
    tl.manual_seed(0)
    rs = np.random.RandomState(0)
    x = np.concatenate([rs.randn(100, 2) + 3, rs.randn(100, 2) - 3]).astype(np.float32)
    y = np.array([0] * 100 + [1] * 100, dtype=np.int64)
    loader = DataLoader(TensorDataset(tl.from_numpy(x), tl.from_numpy(y)), batch_size=16, shuffle=True)
    net = nn.Linear(2, 2)
    opt = optim.SGD(net.parameters(), lr=0.1)
    crit = nn.CrossEntropyLoss()
    for _ in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            crit(net(xb), yb).backward()
            opt.step()
    acc = (net(tl.from_numpy(x)).argmax(1) == tl.from_numpy(y)).sum().item() / 200
    assert acc > 0.95
