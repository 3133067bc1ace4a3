"""Gathering by index tensors with torch's names: index_select (embedding lookup), gather.
x[index] itself is tinygrad_lite/indexing.py."""
from ..ops import index as I
from ..ops._util import normalize_axes
from ._api import tensor_method


@tensor_method
def index_select(input, dim, index):
    """y[..., j, ...] = x[..., index[j], ...] along dim;  ∂L/∂x = index_add of ∂L/∂y (rows picked
    twice get both gradients)"""
    x = input
    axis = normalize_axes(dim, x.ndim, "index_select")[0]
    return I.IndexSelect.apply(x, axis=axis, idx=index._data)


@tensor_method
def gather(input, dim, index):
    """y[i][j] = x[i][index[i][j]] (dim 1 of a 2-D input, torch.gather);  ∂L/∂x = scatter_add of ∂L/∂y"""
    x = input
    axis = normalize_axes(dim, x.ndim, "gather")[0]
    return I.Gather.apply(x, axis=axis, idx=index._data)

__all__ = ["index_select", "gather"]
