"""tinygrad_lite.datasets: IDX reading, md5-checked mirror downloads (file:// mirrors, no
network), the offline-missing message, Digits, and the real MNIST test files when present."""
import gzip
import hashlib
import pathlib

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite import datasets
from tinygrad_lite.datasets import _common, mnist
from tinygrad_lite.utils.data import DataLoader

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = [REPO.parent / "shared" / "data" / "mnist"]
MNIST_DIR = next((d for d in SHARED if (d / "t10k-images-idx3-ubyte.gz").exists()), None)
needs_mnist = pytest.mark.skipif(MNIST_DIR is None, reason="MNIST test files not present")


def write_idx(path, arr, compress):
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, dtype=">i4").tobytes()
    data = header + arr.tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx(tmp_path, compress):
    arr = np.random.RandomState(0).randint(0, 256, size=(3, 4, 5))
    p = tmp_path / "x-idx3-ubyte"
    write_idx(p, arr, compress)
    np.testing.assert_array_equal(_common.read_idx(str(p)), arr)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError):
        _common.read_idx(str(tmp_path / "bad"))


def fake_split(d, prefix, n, compress=True):
    rs = np.random.RandomState(1)
    imgs = rs.randint(0, 256, size=(n, 28, 28))
    labels = rs.randint(0, 10, size=n)
    ext = ".gz" if compress else ""
    write_idx(d / f"{prefix}-images-idx3-ubyte{ext}", imgs, compress)
    write_idx(d / f"{prefix}-labels-idx1-ubyte{ext}", labels, compress)
    return imgs, labels


def test_mnist_from_raw_files_in_torchvision_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    imgs, labels = fake_split(raw, "train", 6, compress=False)  # uncompressed: no md5 to check
    ds = datasets.MNIST(str(tmp_path), train=True, download=False)
    assert len(ds) == 6
    assert ds.data.shape == (6, 28, 28) and ds.data.dtype == tl.float32
    np.testing.assert_array_equal(ds.data.numpy(), imgs)
    assert ds.targets.dtype == tl.int64 and ds.targets.tolist() == labels.tolist()
    img, target = ds[2]
    assert img.shape == (1, 28, 28) and img.dtype == tl.float32 and isinstance(target, int)
    np.testing.assert_allclose(img.numpy()[0], imgs[2] / 255.0, rtol=1e-6)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.tolist() == labels[:4].tolist()
    assert float(xb.numpy().max()) <= 1.0 and float(xb.numpy().min()) >= 0.0
    flipped = datasets.MNIST(str(tmp_path), download=False, transform=lambda x: x * -1.0,
                             target_transform=lambda y: y + 100)
    xb, yb = next(iter(DataLoader(flipped, batch_size=2)))
    assert float(xb.numpy().max()) <= 0 and yb.tolist() == (labels[:2] + 100).tolist()


def test_mnist_offline_missing_message(tmp_path):
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(str(tmp_path), train=False, download=False)
    msg = str(e.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path) in msg and "9fb629c4189551a2d022fa330f9573f3" in msg


def test_mnist_download_failure_is_clear(tmp_path, monkeypatch):
    # unreachable mirrors (file:// of an empty directory): the message names the files and the folder
    empty = tmp_path / "nowhere"
    empty.mkdir()
    monkeypatch.setattr(datasets.MNIST, "mirrors", [empty.as_uri() + "/"])
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(str(tmp_path / "root"), train=False, download=True)
    assert "t10k-images-idx3-ubyte.gz" in str(e.value) and "download failed" in str(e.value)
    assert not list((tmp_path / "root").rglob("*.gz"))  # nothing half-written left behind


def test_download_tries_mirrors_and_checks_md5(tmp_path):
    src = tmp_path / "mirror2"
    src.mkdir()
    (src / "f.bin").write_bytes(b"hello mnist")
    good_md5 = hashlib.md5(b"hello mnist").hexdigest()
    mirrors = [(tmp_path / "mirror1").as_uri() + "/", src.as_uri() + "/"]
    path = _common.download("f.bin", str(tmp_path / "dest"), mirrors, good_md5)
    assert pathlib.Path(path).read_bytes() == b"hello mnist"
    with pytest.raises(OSError, match="md5"):
        _common.download("f.bin", str(tmp_path / "dest2"), mirrors, "0" * 32)
    assert not (tmp_path / "dest2" / "f.bin").exists()


def test_corrupt_gz_is_rejected(tmp_path):
    fake_split(tmp_path, "t10k", 3, compress=True)  # valid IDX, but not the official bytes
    with pytest.raises(RuntimeError, match="md5"):
        datasets.MNIST(str(tmp_path), train=False, download=False)


def test_digits():
    tr, te = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(tr) + len(te) == 1797 and len(te) == 359
    assert tr.data.shape == (len(tr), 8, 8) and tr.targets.dtype == tl.int64
    img, label = tr[0]
    assert img.shape == (1, 8, 8) and img.dtype == tl.float32 and 0 <= label <= 9
    xb, yb = next(iter(DataLoader(tr, batch_size=len(tr))))
    assert xb.shape == (len(tr), 1, 8, 8)
    assert float(xb.numpy().min()) == 0.0 and float(xb.numpy().max()) == 1.0  # divided by 16
    assert sorted(set(yb.tolist())) == list(range(10))
    again = datasets.Digits(train=True)
    np.testing.assert_array_equal(again.data.numpy(), tr.data.numpy())  # deterministic split
    # train and test do not overlap
    tr_rows = {r.tobytes() for r in tr.data.numpy().reshape(len(tr), -1)}
    dup = sum(r.tobytes() in tr_rows for r in te.data.numpy().reshape(len(te), -1))
    assert dup <= 2  # (the raw digits set has a couple of identical images)


@needs_mnist
def test_real_mnist_test_set():
    assert mnist.available(str(MNIST_DIR), train=False)
    ds = datasets.MNIST(str(MNIST_DIR), train=False, download=False)
    assert len(ds) == 10000 and ds.data.shape == (10000, 28, 28)
    assert ds.targets.tolist()[:5] == [7, 2, 1, 0, 4]  # the well-known first test labels
    assert np.bincount(ds.targets.numpy(), minlength=10).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028,
                                                                      974, 1009]
    img, _ = ds[0]
    assert img.shape == (1, 28, 28) and 0.0 <= float(img.numpy().min()) and float(img.numpy().max()) <= 1.0
    # md5 sums agree with the MD5SUMS file next to the data
    sums = dict(line.split()[::-1] for line in (MNIST_DIR / "MD5SUMS").read_text().splitlines() if line.strip())
    for name, md5 in sums.items():  # .gz files: the official md5s; uncompressed ones: their own
        assert (mnist.RESOURCES[name[:-3]] if name.endswith(".gz") else mnist.RAW_MD5[name]) == md5
    assert not list(REPO.rglob("t10k-images-idx3-ubyte*"))  # never copied into the repository
