"""Layers whose weights stay in ggml's quantised blocks (a GGUF file's bytes, memory-mapped).

    QuantLinear     y = x · Wᵀ        W (out_features, in_features) as a _C.QuantMatrix
    QuantEmbedding  y = W[ids]        the rows dequantised on lookup

The weight is not a Parameter: it is read-only, never trained, and never expanded to float32 (the
kernels in csrc/cpu/quant*.cpp dequantise blocks in registers). `from_gguf` wraps a tensor of a
GGUFFile without copying its bytes.
"""
from .. import _C
from ..tensor import Tensor
from .module import Module


def _quant_matrix(gguf, name, buffer=None):
    info = gguf.tensor_info(name)
    if len(info.shape) != 2:
        raise ValueError(f"{gguf.path}: tensor {name!r} has shape {info.shape}; a 2-D matrix was expected")
    return _C.QuantMatrix(info.type_name, info.shape[0], info.shape[1],
                          gguf.tensor_bytes(name) if buffer is None else buffer)


class QuantLinear(Module):
    """y = x · Wᵀ (no bias), W a _C.QuantMatrix (out_features, in_features); x (..., in_features) float32."""

    def __init__(self, weight):
        super().__init__()
        if not isinstance(weight, _C.QuantMatrix):
            raise TypeError(f"QuantLinear: expected a _C.QuantMatrix, got {type(weight).__name__}")
        self.weight = weight
        self.out_features, self.in_features = weight.shape

    @classmethod
    def from_gguf(cls, gguf, name, buffer=None):
        """Wrap tensor `name` of a GGUFFile: its bytes in the file's map, or `buffer` (a copy of them)."""
        return cls(_quant_matrix(gguf, name, buffer))

    def forward(self, x):
        return Tensor._wrap(self.weight.matmul(x._data))

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, weight={self.weight.type_name}"


class QuantEmbedding(Module):
    """y = W[ids]: ids (...) int64 -> (..., embedding_dim) float32, rows dequantised on lookup."""

    def __init__(self, weight):
        super().__init__()
        if not isinstance(weight, _C.QuantMatrix):
            raise TypeError(f"QuantEmbedding: expected a _C.QuantMatrix, got {type(weight).__name__}")
        self.weight = weight
        self.num_embeddings, self.embedding_dim = weight.shape

    @classmethod
    def from_gguf(cls, gguf, name, buffer=None):
        """Wrap tensor `name` of a GGUFFile: its bytes in the file's map, or `buffer` (a copy of them)."""
        return cls(_quant_matrix(gguf, name, buffer))

    def forward(self, ids):
        return Tensor._wrap(self.weight.rows(ids._data if isinstance(ids, Tensor) else list(ids)))

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}, weight={self.weight.type_name}"
