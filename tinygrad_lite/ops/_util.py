"""Small helpers shared by the op files: the broadcasting rule for gradients, axes."""
from .. import _C
from ..argcheck import dims


def unbroadcast(B, g, shape):
    """Sum a gradient back to the shape of an input that was broadcast.

    If x of shape `shape` was broadcast to y's shape, every x element fed all the y elements
    it was copied to, so ∂L/∂x = Σ over the broadcast axes of ∂L/∂y (leading axes that were
    added, and axes where x had size 1).
    """
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and gs[lead + i] != 1]
    if axes:
        g = B.sum(g, axes, False)
    return g.view(list(shape))


def normalize_axes(dim, ndim, op):
    """dim: None | int | sequence -> sorted list of non-negative axes (all axes for None)."""
    if dim is None:
        return list(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    else:
        dim = dims(op, dim)  # a clear TypeError for a str, float, None, nested list ... dim
    n = max(ndim, 1)
    out = []
    for d in dim:
        if not -n <= d < n:
            raise IndexError(
                f"{op}: dimension {d} out of range (expected to be in range of [{-n}, {n - 1}])"
            )
        d = d % n
        if ndim == 0:
            continue
        if d in out:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
        out.append(d)
    return sorted(out)


def reshape_array(B, x, shape):
    """A view when strides allow it, else a contiguous copy made by the array's own backend."""
    if B is _C:  # the CPU core copies when it must (Array.reshape)
        return x.reshape(list(shape))
    try:
        return x.view(list(shape))
    except RuntimeError:
        return B.contiguous(x).view(list(shape))


def kept_shape(shape, axes):
    """The shape of a keepdim reduction: reduced axes become 1."""
    return [1 if i in axes else d for i, d in enumerate(shape)]


def unbroadcast_t(g, shape):
    """unbroadcast for Tensors (the create_graph pass): Σ of g over the axes it was broadcast along."""
    gs, shape = tuple(g.shape), tuple(shape)
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and gs[lead + i] != 1]
    if axes:
        g = g.sum(axes)
    return g.reshape(*shape)
