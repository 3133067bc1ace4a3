"""datasets.MNIST: the handwritten digits (60,000 train / 10,000 test, 28×28 grey), read from
the standard IDX files, gzip-compressed or not, downloaded from mirrors when missing."""
import os

from ._common import ImageClassification, md5sum, read_idx
from ._common import download as _download_file

# The official files and their md5s (of the .gz files), as torchvision lists them.
RESOURCES = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}

# md5s of the uncompressed files (the official ones, as gunzip gives them)
RAW_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

RAW_SIZE = {"train-images-idx3-ubyte": 47040016, "train-labels-idx1-ubyte": 60008,
            "t10k-images-idx3-ubyte": 7840016, "t10k-labels-idx1-ubyte": 10008}

# https only (the original site, yann.lecun.com, serves plain http); every file is md5-checked too
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]


def split_files(train):
    prefix = "train" if train else "t10k"
    return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]


def search_dirs(root):
    """Where MNIST files may live under root: root itself, torchvision's root/MNIST/raw, and
    root/MNIST, root/mnist."""
    root = os.path.expanduser(str(root))
    return [root, os.path.join(root, "MNIST", "raw"), os.path.join(root, "MNIST"), os.path.join(root, "mnist")]


def find_file(root, name):
    """Path of `name`.gz or `name` under one of search_dirs(root), or None."""
    for d in search_dirs(root):
        for candidate in (name + ".gz", name):
            path = os.path.join(d, candidate)
            if os.path.isfile(path):
                return path
    return None


def available(root, train):
    """True when the split's two files are present under root (no download attempted)."""
    return all(find_file(root, name) is not None for name in split_files(train))


def _check(path, name):
    """A .gz file must have the official md5. An uncompressed file of the official size must have
    the official file's md5 (a flipped byte is caught); one of another size is MNIST-format data of
    one's own, checked by its IDX header (read_idx) as torchvision does."""
    if path.endswith(".gz"):
        want = RESOURCES[name]
    elif os.path.getsize(path) == RAW_SIZE[name]:
        want = RAW_MD5[name]
    else:
        return
    got = md5sum(path)
    if got != want:
        raise RuntimeError(f"{path} is corrupt: md5 {got}, expected {want}. Delete it and download it again.")


class MNIST(ImageClassification):
    """MNIST(root, train=True, download=True, transform=None, target_transform=None).

    Looks for the split's IDX files (see `search_dirs`); missing ones are downloaded into
    root/MNIST/raw when download=True (several mirrors, md5-checked). Offline with files
    missing, raises RuntimeError naming the exact files to place and where.
    .data: float32 (N, 28, 28) of the raw 0..255 values; .targets: int64 (N,);
    ds[i] = (float32 (1, 28, 28) image in [0, 1], int label).
    """

    resources = RESOURCES
    mirrors = MIRRORS
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, download=True, transform=None, target_transform=None,
                 download_timeout=15.0):
        self.root = os.path.expanduser(str(root))
        self.train = train
        paths = {}
        missing = []
        for name in split_files(train):
            path = find_file(self.root, name)
            if path is None:
                missing.append(name)
            else:
                paths[name] = path
        if missing and download:
            for name in list(missing):
                try:
                    paths[name] = _download_file(name + ".gz", self.raw_folder, self.mirrors, RESOURCES[name],
                                           timeout=download_timeout)
                except OSError as e:  # every mirror failed: offline, so don't wait on the next file too
                    raise RuntimeError(self._missing_message(missing, f"download failed (offline?): {e}")) from None
                missing.remove(name)
        elif missing:
            raise RuntimeError(self._missing_message(missing, "download=False"))
        for name, path in paths.items():
            _check(path, name)
        images = read_idx(paths[split_files(train)[0]])
        labels = read_idx(paths[split_files(train)[1]])
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise RuntimeError(f"MNIST files disagree: images {images.shape}, labels {labels.shape}")
        super().__init__(images, labels, 255.0, transform, target_transform)

    @property
    def raw_folder(self):
        return os.path.join(self.root, "MNIST", "raw")

    def _missing_message(self, missing, why):
        files = "\n".join(f"    {n}.gz   (md5 {RESOURCES[n]})" for n in missing)
        return (
            f"MNIST ({'train' if self.train else 'test'} split) not found under {self.root!r} ({why}).\n"
            f"Place these files (gzip-compressed, or uncompressed without .gz) in {self.raw_folder!r} "
            f"or directly in {self.root!r}:\n{files}\n"
            f"They are served by e.g. {self.mirrors[0]}<file>. "
            "Without network, tinygrad_lite.datasets.Digits() needs no files.")

    def extra_repr(self):
        return f"Root location: {self.root}\nSplit: {'Train' if self.train else 'Test'}"
