"""tinygrad_lite.linalg: torch.linalg's names for what the engine has (norms, products).
Decompositions and solvers (inv, det, svd, eig, qr, cholesky, solve) are not implemented."""
from .functional.linalg import cross as _cross
from .functional.linalg import linalg_norm as norm  # noqa: F401
from .functional.linalg import matmul, matrix_norm, multi_dot, vecdot, vector_norm  # noqa: F401
from .functional.rearrange import diagonal as _diagonal


def cross(input, other, *, dim=-1, out=None):
    """a × b along dim (default the last, unlike torch.cross)"""
    return _cross(input, other, dim, out=out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _diagonal(A, offset, dim1, dim2)


__all__ = ["norm", "vector_norm", "matrix_norm", "matmul", "multi_dot", "vecdot", "cross", "diagonal"]
