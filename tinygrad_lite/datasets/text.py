"""Character-level text corpora (e.g. ../shared/data/tinyshakespeare/input.txt), as nanoGPT's
shakespeare_char: the vocabulary is the sorted set of characters, ids are positions in it, the
first 90 % of the text trains and the last 10 % validates. Reads a local file; never downloads.

    corpus = CharCorpus("input.txt")
    x, y = corpus.get_batch("train", batch_size=12, block_size=64)   # (12, 64) int64 each, y = x shifted by one
"""
import json
import os

import numpy as np

import tinygrad_lite as _tl


class CharVocab:
    """id ↔ character. itos: the character of each id (sorted, unique)."""

    def __init__(self, itos):
        self.itos = list(itos)
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("CharVocab: the characters must be unique")

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        """str → list of ids; a character outside the vocabulary raises ValueError."""
        try:
            return [self.stoi[c] for c in text]
        except KeyError as e:
            raise ValueError(f"CharVocab.encode: character {e.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids):
        """ids (ints or a 1-D tensor) → str; an id outside [0, vocab) raises IndexError."""
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        out = []
        for i in ids:
            if not 0 <= int(i) < len(self.itos):
                raise IndexError(f"CharVocab.decode: id {i} is out of range for a vocabulary of {len(self.itos)}")
            out.append(self.itos[int(i)])
        return "".join(out)

    def to_json(self):
        return {"type": "char", "itos": self.itos}

    def save(self, path):
        with open(path, "w") as f:
            json.dump(self.to_json(), f, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            d = json.load(f)
        if d.get("type", "char") != "char":
            raise ValueError(f"CharVocab.load: {path!r} is a {d.get('type')!r} vocabulary, not 'char'")
        return cls(d["itos"])


class CharCorpus:
    """A text file as a sequence of character ids, split into train (first `train_fraction`) and
    val (the rest). get_batch draws random windows, as nanoGPT's train.py does."""

    def __init__(self, path, train_fraction=0.9, vocab=None, seed=None):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"CharCorpus: no text file at {path!r}")
        if not 0.0 < train_fraction <= 1.0:
            raise ValueError(f"CharCorpus: train_fraction must be in (0, 1], got {train_fraction}")
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        if not self.text:
            raise ValueError(f"CharCorpus: {path!r} is empty")
        self.vocab = vocab if vocab is not None else CharVocab(sorted(set(self.text)))
        data = np.array(self.vocab.encode(self.text), dtype=np.int64)
        n = int(train_fraction * len(data))
        self.train_data, self.val_data = data[:n], data[n:]
        self.rng = np.random.default_rng(seed)

    @property
    def vocab_size(self):
        return len(self.vocab)

    def split(self, name):
        if name not in ("train", "val"):
            raise ValueError(f"CharCorpus: split must be 'train' or 'val', got {name!r}")
        return self.train_data if name == "train" else self.val_data

    def get_batch(self, split, batch_size, block_size):
        """(x, y): int64 tensors (batch_size, block_size); y[b, t] = x[b, t + 1] in the text."""
        data = self.split(split)
        if len(data) <= block_size:
            raise ValueError(f"CharCorpus: the {split} split has {len(data)} characters, fewer than block_size + 1 "
                             f"= {block_size + 1}")
        ix = self.rng.integers(0, len(data) - block_size, size=batch_size)
        win = ix[:, None] + np.arange(block_size + 1)[None, :]
        w = data[win]
        return _tl.tensor(np.ascontiguousarray(w[:, :-1])), _tl.tensor(np.ascontiguousarray(w[:, 1:]))
