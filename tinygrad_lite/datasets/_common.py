"""Helpers shared by the datasets: an in-memory image-classification dataset with batched
access, IDX file reading, md5 checks and mirror downloads (urllib, timeouts, checksums)."""
import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request

import numpy as np

import tinygrad_lite as _tl
from tinygrad_lite.utils.data import Dataset
from tinygrad_lite.utils.data.collate import default_collate


class ImageClassification(Dataset):
    """Images held in memory as a numpy array (N, H, W) of raw pixel values plus int labels.

    .data    → float32 tensor (N, H, W) of the raw values (0..255 for MNIST; we have no uint8)
    .targets → int64 tensor (N,)
    ds[i]    → (image float32 (1, H, W) scaled to [0, 1] (then `transform`), int label)
    Batched access (DataLoader) takes a whole batch with one index per tensor.
    """

    def __init__(self, images, labels, scale, transform=None, target_transform=None):
        self._raw = images
        self._scale = float(scale)
        self.targets = _tl.from_numpy(np.ascontiguousarray(labels, dtype=np.int64))
        self.transform = transform
        self.target_transform = target_transform
        self._data = None
        self._images = None

    @property
    def data(self):
        if self._data is None:
            self._data = _tl.from_numpy(self._raw.astype(np.float32))
        return self._data

    def images(self):
        """All images as one float32 tensor (N, 1, H, W) in [0, 1], built once."""
        if self._images is None:
            n, h, w = self._raw.shape
            arr = (self._raw.astype(np.float32) / np.float32(self._scale)).reshape(n, 1, h, w)
            self._images = _tl.from_numpy(arr)
        return self._images

    def __len__(self):
        return self._raw.shape[0]

    def __getitem__(self, index):
        img = self.images()[index]
        target = int(self.targets[index].item())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _get_batch(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return default_collate([self[int(i)] for i in indices])
        idx = _tl.from_numpy(np.ascontiguousarray(indices, dtype=np.int64))
        return [self.images()[idx], self.targets[idx]]

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        extra = self.extra_repr()
        if extra:
            lines += ["    " + line for line in extra.splitlines()]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        return "\n".join(lines)


def md5sum(path, chunk=1 << 20):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def read_idx(path):
    """Read an IDX file (gzip-compressed or raw): big-endian magic 0x0000 <type> <ndim>, then
    ndim big-endian int32 sizes, then the data. Returns a numpy array (uint8 for MNIST)."""
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    type_code, ndim = raw[2], raw[3]
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if type_code not in dtypes:
        raise ValueError(f"{path}: unknown IDX element type 0x{type_code:02x}")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=dtypes[type_code], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: expected {int(np.prod(shape))} elements for shape {shape}, found {data.size} "
                         "(truncated download?)")
    return data.reshape(shape)


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def download(filename, dest_dir, mirrors, md5, timeout=15.0):
    """Fetch `filename` from the first mirror that serves it with the right md5, into dest_dir
    (written to a temporary file and renamed, so a failed download leaves nothing behind).
    Returns the path; raises OSError listing each mirror's failure."""
    dest = os.path.join(dest_dir, filename)
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        tmp = None
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "tinygrad_lite"})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                # create the folder only once a mirror answers: offline runs leave nothing behind
                os.makedirs(dest_dir, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".download-")
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(resp, out)
            got = md5sum(tmp)
            if md5 is not None and got != md5:
                errors.append(f"{url}: md5 {got} != expected {md5}")
                continue
            os.replace(tmp, dest)
            tmp = None
            return dest
        except (urllib.error.URLError, OSError, ValueError) as e:  # offline, DNS, timeout, HTTP error
            errors.append(f"{url}: {getattr(e, 'reason', e)}")
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.remove(tmp)
    raise OSError("could not download " + filename + ":\n  " + "\n  ".join(errors))
