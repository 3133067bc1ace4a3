"""torch.nn.utils.rnn: pad_sequence, pack_padded_sequence, pad_packed_sequence, pack_sequence and
PackedSequence (time-major packed data: step t holds the batch_sizes[t] sequences still running,
longest first)."""
from collections import namedtuple

import numpy as np

import tinygrad_lite as _tl


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """data (Σ lengths, *), batch_sizes (T,) int64 on the CPU, the sort permutation and its inverse
    (None when the batch came sorted by length)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        return type(self)(self.data.to(*args, **kwargs), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def _invert(perm):
    inv = np.empty(perm.numel(), dtype=np.int64)
    inv[np.asarray(perm.tolist(), dtype=np.int64)] = np.arange(perm.numel())
    return _tl.tensor(inv, device=perm.device)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (Lᵢ, *) into (max L, B, *) (batch_first: (B, max L, *)), padded
    with padding_value on the right (or left)"""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    L = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        n = L - s.shape[0]
        if n:
            pad = _tl.full((n, *s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = _tl.cat([s, pad] if padding_side == "right" else [pad, s])
        rows.append(s)
    out = _tl.stack(rows, 0)
    return out if batch_first else out.transpose(0, 1)


def _lengths(lengths):
    return [int(v) for v in (lengths.tolist() if isinstance(lengths, _tl.Tensor) else lengths)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (batch_first: (B, T, *)) of sequences with the given lengths"""
    lens = _lengths(lengths)
    if any(n <= 0 for n in lens):
        raise RuntimeError("Length of all samples has to be greater than 0")
    x = input.transpose(0, 1) if batch_first else input  # (T, B, *)
    if len(lens) != x.shape[1]:
        raise RuntimeError(f"pack_padded_sequence: expected {x.shape[1]} lengths, got {len(lens)}")
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = list(range(len(lens))), None
    else:
        order = sorted(range(len(lens)), key=lambda i: -lens[i])  # stable: ties keep their order
        sorted_indices = _tl.tensor(order, device=input.device)
    if max(lens) > x.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length ({max(lens)}) exceeds the padded length ({x.shape[0]})")
    slens = [lens[i] for i in order]
    batch_sizes = [sum(1 for n in slens if n > t) for t in range(slens[0])]
    data = _pack_rows(x, order, batch_sizes)
    return PackedSequence(data, _tl.tensor(batch_sizes), sorted_indices,
                          None if sorted_indices is None else _invert(sorted_indices))


def _pack_rows(x, order, batch_sizes):
    """The rows (t, order[b]) for b < batch_sizes[t], t = 0, 1, ..., as one gather."""
    B = x.shape[1]
    flat = [t * B + order[b] for t, n in enumerate(batch_sizes) for b in range(n)]
    return x.reshape(-1, *x.shape[2:])[_tl.tensor(flat, device=x.device)]


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """(padded (T, B, *) or (B, T, *), lengths (B,) int64) in the batch's original order"""
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    sizes = _lengths(batch_sizes)
    Bn = sizes[0]
    T = len(sizes) if total_length is None else total_length
    if T < len(sizes):
        raise ValueError(f"Expected total_length to be at least {len(sizes)}, but got {total_length}")
    order = list(range(Bn)) if sorted_indices is None else _lengths(sorted_indices)
    lengths = [sum(1 for n in sizes if n > b) for b in range(Bn)]  # per sorted position
    # where each (t, sorted b) row goes in the padded (T·B) layout; the rest is padding
    dest, start = [], 0
    for t, n in enumerate(sizes):
        dest += [t * Bn + order[b] for b in range(n)]
        start += n
    padded = _tl.full((T * Bn, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    idx = _tl.tensor(dest, device=data.device)
    index = idx.reshape(-1, *([1] * (data.dim() - 1))).expand(tuple(data.shape))
    padded = padded.scatter(0, index, data).reshape(T, Bn, *data.shape[1:])
    out_lengths = [0] * Bn
    for b in range(Bn):
        out_lengths[order[b]] = lengths[b]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _tl.tensor(out_lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), lengths)"""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence"]
