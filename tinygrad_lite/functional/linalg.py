"""Products and norms with torch's names: matmul (and @), mm, bmm, mv, dot, vdot, inner, outer,
addmm, addmv, addbmm, baddbmm, addr, tensordot, kron, cross, einsum, chain_matmul, linear,
norm (torch.norm) and the torch.linalg norms (vector_norm, matrix_norm, linalg_norm).
Everything reduces to the native batched matmul, permutes and reshapes, so gradients come
from those ops."""
import builtins
import math
import string
from collections import Counter

from .. import argcheck
from .. import dtypes as _dt
from ..ops import matmul as M
from ..ops import reduce as R
from ..ops._util import normalize_axes
from ._api import Tensor, _as_tensor, _promote, tensor_method
from .shape import squeeze, unsqueeze


def _out(result, out):
    if out is None:
        return result
    out._data = result.to(out.dtype)._data
    return out


@tensor_method
def matmul(input, other, *, out=None):
    """torch.matmul: 1-D operands become a row (left) or a column (right) and are squeezed after;
    batch dims broadcast. ∂L/∂A = ∂L/∂C·Bᵀ, ∂L/∂B = Aᵀ·∂L/∂C."""
    a, b = argcheck.tensor("matmul", "input", input), argcheck.tensor("matmul", "other", other)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:
        if not (a.ndim >= 3 and b.ndim >= 3 and (a.numel() == 0 or b.numel() == 0)):
            raise RuntimeError(f"matmul: expected both operands to have the same dtype, got {a.dtype.name} "
                               f"{tuple(a.shape)} and {b.dtype.name} {tuple(b.shape)} (torch does not promote here)")
        a = a.to(b.dtype)  # torch's batched product of an empty operand comes out in other's dtype
    if a.ndim >= 2 and b.ndim >= 2:
        return _out(M.Matmul.apply(a, b), out)
    try:
        return _out(_matmul_1d(a, b), out)
    except ValueError as e:  # name the shapes the caller passed, not the internal 2-D views
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied ({e})"
        ) from None


def _matmul_1d(a, b):
    a2 = unsqueeze(a, 0) if a.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b.ndim == 1 else b
    out = M.Matmul.apply(a2, b2)
    if b.ndim == 1:
        out = squeeze(out, -1)
    if a.ndim == 1:
        out = squeeze(out, -2 if b.ndim > 1 else -1)
    return out


@tensor_method
def mm(input, mat2, *, out=None):
    argcheck.tensor("mm", "input", input), argcheck.tensor("mm", "mat2", mat2)
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.ndim}D and {mat2.ndim}D")
    return matmul(input, mat2, out=out)


@tensor_method
def bmm(input, mat2, *, out=None):
    argcheck.tensor("bmm", "input", input), argcheck.tensor("bmm", "mat2", mat2)
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got {input.ndim}D and {mat2.ndim}D")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2, out=out)


@tensor_method
def mv(input, vec, *, out=None):
    """A·v for a matrix A (n, m) and a vector v (m,)"""
    argcheck.tensor("mv", "input", input), argcheck.tensor("mv", "vec", vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return matmul(input, vec, out=out)


@tensor_method
def dot(input, tensor=None, *, out=None, other=None):
    """Σᵢ aᵢbᵢ of two 1-D tensors"""
    b = tensor if tensor is not None else other
    argcheck.tensor("dot", "input", input), argcheck.tensor("dot", "tensor", b)
    if input.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {b.ndim}D tensors")
    if input.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {input.shape[0]} and {b.shape[0]} elements "
                           "respectively")
    return matmul(input, b, out=out)


@tensor_method
def vdot(input, other, *, out=None):
    return dot(input, other, out=out)


@tensor_method
def inner(input, other, *, out=None):
    """Σ over the last dims: out[i..., j...] = Σ_k a[i..., k]·b[j..., k]"""
    if input.ndim == 0 or other.ndim == 0:
        return _out(input * other, out)
    return _out(tensordot(input, other, ([-1], [-1])), out)


@tensor_method(names=("outer", "ger"))
def outer(input, vec2, *, out=None):
    """(a ⊗ b)ᵢⱼ = aᵢbⱼ of two 1-D tensors"""
    return _out(input.reshape(-1, 1) * vec2.reshape(1, -1), out)


ger = outer


def _add_scaled(input, prod, beta, alpha):
    """β·input + α·prod (input ignored when β = 0, as torch)"""
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # input's values are ignored (NaN and inf included); it gets a zero gradient
        from .pointwise import where

        never = Tensor._wrap(input.device.backend.full([], 0.0, 3), input.device)  # a 0-d False
        return prod + where(never, input, 0.0)
    return prod + (input if beta == 1 else input * beta)


@tensor_method(inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """β·input + α·(mat1 @ mat2)"""
    return _out(_add_scaled(input, mm(mat1, mat2), beta, alpha), out)


@tensor_method(inplace=True)
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """β·input + α·(mat @ vec)"""
    return _out(_add_scaled(input, mv(mat, vec), beta, alpha), out)


@tensor_method(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """β·input + α·Σ_b batch1[b] @ batch2[b]"""
    return _out(_add_scaled(input, bmm(batch1, batch2).sum(0), beta, alpha), out)


@tensor_method(inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """β·input + α·(batch1 @ batch2), batched"""
    return _out(_add_scaled(input, bmm(batch1, batch2), beta, alpha), out)


@tensor_method(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """β·input + α·(vec1 ⊗ vec2)"""
    return _out(_add_scaled(input, outer(vec1, vec2), beta, alpha), out)


def tensordot(a, b, dims=2, out=None):
    """Σ over dims of a paired with dims of b (dims=k: a's last k with b's first k)"""
    if isinstance(dims, builtins.int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, builtins.int) else list(d) for d in dims)
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} and "
                               f"second has size {b.shape[y]} in dim {y}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    A = a.permute((*fa, *da)).reshape(-1, k)
    Bm = b.permute((*db, *fb)).reshape(k, -1)
    r = matmul(A, Bm).reshape(*[a.shape[d] for d in fa], *[b.shape[d] for d in fb])
    return _out(r, out)


@tensor_method
def kron(input, other, *, out=None):
    """The Kronecker product: block (i, j) of the result is a[i, j]·b (any number of dims)"""
    n = builtins.max(input.ndim, other.ndim)
    a = input.reshape(*([1] * (n - input.ndim)), *input.shape)
    b = other.reshape(*([1] * (n - other.ndim)), *other.shape)
    ai, bi = [], []
    for da, db in zip(a.shape, b.shape):
        ai += [da, 1]
        bi += [1, db]
    return _out((a.reshape(*ai) * b.reshape(*bi)).reshape(*[da * db for da, db in zip(a.shape, b.shape)]), out)


@tensor_method
def cross(input, other, dim=None, *, out=None):
    """The cross product a × b of 3-vectors along dim (None: the first dim of size 3)"""
    a, b = input, other
    if tuple(a.shape) != tuple(b.shape):
        from .shape import broadcast_tensors

        a, b = broadcast_tensors(a, b)
    if dim is None:
        dim = next((d for d, n in enumerate(a.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if a.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and "
                           f"{b.shape[dim]}")
    a0, a1, a2 = (a.select(dim, i) for i in range(3))
    b0, b1, b2 = (b.select(dim, i) for i in range(3))
    from .shape import stack

    return _out(stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim), out)


def chain_matmul(*matrices, out=None):
    return _out(multi_dot(matrices), out)


def multi_dot(tensors, *, out=None):
    """A₁·A₂·…·Aₙ (the first may be 1-D: a row; the last 1-D: a column)"""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("multi_dot(): expected at least 2 tensors but got 0")
    r = tensors[0]
    for t in tensors[1:]:
        r = matmul(r, t)
    return _out(r, out)


def linear(input, weight, bias=None):
    """y = x·Wᵀ + b in one fused native kernel. torch also takes a 1-d weight (y = x·w), a bias
    that broadcasts to the output (a 0-d one, say) and int64 operands: those are a matmul and an add."""
    argcheck.tensor("linear", "input", input), argcheck.tensor("linear", "weight", weight)
    argcheck.optional_tensor("linear", "bias", bias)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"linear: both arguments need to be at least 1-D, got shapes {tuple(input.shape)} and "
                           f"{tuple(weight.shape)}")
    if weight.ndim != 2 or not input.is_floating_point() or bias is not None and bias.ndim != 1:
        if weight.ndim > 2:
            raise RuntimeError(f"linear: weight must be 1-D or 2-D, got shape {tuple(weight.shape)}")
        if input.ndim == 2 and bias is not None and weight.ndim != 2:  # torch's addmm path: a matrix weight
            raise RuntimeError(f"linear: a 2-D input with a bias needs a 2-D weight (torch: mat2 must be a matrix), got "
                               f"weight of shape {tuple(weight.shape)}")
        if input.dtype is not weight.dtype or bias is not None and bias.dtype is not input.dtype:
            raise TypeError(f"linear: expected input, weight and bias of one dtype, got {input.dtype.name}, "
                            f"{weight.dtype.name}" + ("" if bias is None else f" and {bias.dtype.name}"))
        y = matmul(input, weight.t() if weight.ndim == 2 else weight)
        if bias is None:
            return y
        if bias.ndim > y.ndim or builtins.any(b not in (1, n) for b, n in zip(reversed(bias.shape), reversed(y.shape))):
            raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not broadcast to the output shape "
                               f"{tuple(y.shape)}")
        return y + bias
    return M.Linear.apply(input, weight, bias) if bias is not None else M.Linear.apply(input, weight)


# ---- einsum ----------------------------------------------------------------------------------
def _einsum_parse(equation, operands):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(terms) else
                         "einsum(): fewer operands were provided than specified in the equation")
    ell = ""
    if "..." in eq:
        used = {c for c in eq if c.isalpha()}
        free = [c for c in string.ascii_letters if c not in used]
        n_ell = builtins.max([op.ndim - len(t.replace("...", "")) for t, op in zip(terms, operands) if "..." in t] + [0])
        ell = "".join(free[:n_ell])
        terms = [t.replace("...", ell[n_ell - (op.ndim - len(t.replace("...", ""))):]) if "..." in t else t
                 for t, op in zip(terms, operands)]
        rhs = rhs.replace("...", ell)
    for t, op in zip(terms, operands):
        if len(t) != op.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(t)}) does not match the "
                               f"number of dimensions ({op.ndim}) for operand {terms.index(t)}")
    if not arrow:
        counts = Counter("".join(terms))
        rhs = ell + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    return terms, rhs


def _einsum_diagonal(x, t):
    """Repeated labels within one operand ('ii'): keep the diagonal, one label."""
    while True:
        rep = next((c for c in t if t.count(c) > 1), None)
        if rep is None:
            return x, t
        p = t.index(rep)
        q = t.index(rep, p + 1)
        from .rearrange import diagonal

        x = diagonal(x, 0, p, q)
        t = t[:p] + t[p + 1:q] + t[q + 1:] + rep


def einsum(equation, *operands):
    """Einstein summation: labels repeated across operands and absent from the output are
    summed, e.g. einsum('bij,bjk->bik', a, b) = a @ b. Operands are contracted pairwise,
    left to right, each pair as one batched matmul; '...' broadcasts; a label repeated
    within one operand takes its diagonal."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, rhs = _einsum_parse(equation, operands)
    ops = []
    for x, t in zip(operands, terms):
        x, t = _einsum_diagonal(x, t)
        ops.append([x, t])
    sizes = {}
    for x, t in ops:
        for c, n in zip(t, x.shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes: subscript {c} has size "
                                   f"{n} for an operand whose other uses have size {sizes[c]}")
            sizes[c] = builtins.max(sizes.get(c, 1), n)
    for c in rhs:
        if c not in sizes:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
    dtype = ops[0][0].dtype
    for x, _ in ops[1:]:
        dtype = _dt.promote_types(dtype, x.dtype)

    def needed(k):
        """Labels still needed after operand k is consumed: the output's and later operands'."""
        keep = set(rhs)
        for x, t in ops[k + 1:]:
            keep.update(t)
        return keep

    def sum_out(x, t, keep):
        drop = [i for i, c in enumerate(t) if c not in keep]
        if drop:
            x = x.sum(drop)
            t = "".join(c for c in t if c in keep)
        return x, t

    def full(x, t, labels):
        """Expand size-1 broadcast dims to the label's size."""
        target = [sizes[c] for c in t]
        return x.expand(tuple(target)) if list(x.shape) != target else x

    x, t = ops[0]
    x = x.to(dtype)
    x, t = sum_out(x, t, needed(0) | set(ops[1][1] if len(ops) > 1 else ""))
    for k in range(1, len(ops)):
        y, u = ops[k]
        y = y.to(dtype)
        keep = needed(k)
        y, u = sum_out(y, u, keep | set(t))
        x, t = sum_out(x, t, keep | set(u))
        x, y = full(x, t, sizes), full(y, u, sizes)
        batch = [c for c in t if c in u and c in keep]
        contr = [c for c in t if c in u and c not in keep]
        left = [c for c in t if c not in u]
        right = [c for c in u if c not in t]
        nb = [sizes[c] for c in batch]
        nl, nk, nr = (math.prod(sizes[c] for c in g) for g in (left, contr, right))
        A = x.permute(tuple([t.index(c) for c in batch + left + contr])).reshape(*nb, nl, nk)
        Bm = y.permute(tuple([u.index(c) for c in batch + contr + right])).reshape(*nb, nk, nr)
        x = matmul(A, Bm).reshape(*nb, *[sizes[c] for c in left], *[sizes[c] for c in right])
        t = "".join(batch + left + right)
    x, t = sum_out(x, t, set(rhs))
    x = full(x, t, sizes)
    if t != rhs:
        x = x.permute(tuple([t.index(c) for c in rhs]))
    return x


# ---- norms -----------------------------------------------------------------------------------
def _float(x, dtype=None):
    x = x if dtype is None else x.to(dtype)
    return x if x.dtype.is_floating_point else x.to(_dt.get_default_dtype())


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """‖x‖_p = (Σ|xᵢ|ᵖ)^(1/p) over dim (None: all elements); p = ∞: max|xᵢ|, −∞: min|xᵢ|,
    0: the number of nonzeros. p = 2 has gradient x/‖x‖ (0 at the origin)."""
    x = _float(x, dtype)
    axes = normalize_axes(dim, x.ndim, "vector_norm")
    if x.ndim == 0:
        axes = []
    p = builtins.float(ord)
    if p == 2:
        r = R.Norm2.apply(x, axes=axes, keepdim=keepdim)
    elif p == math.inf:
        r = x.abs().amax(axes, keepdim=keepdim)
    elif p == -math.inf:
        r = x.abs().amin(axes, keepdim=keepdim)
    elif p == 0:
        r = (x != 0).to(x.dtype).sum(axes, keepdim=keepdim)
    elif p == 1:
        r = x.abs().sum(axes, keepdim=keepdim)
    else:
        r = (x.abs() ** p).sum(axes, keepdim=keepdim) ** (1.0 / p)
    return _out(r, out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """'fro': √(Σ aᵢⱼ²); 1 / −1: the max / min absolute column sum; ∞ / −∞: the same for rows
    ('nuc' and 2 need singular values: not supported)"""
    A = _float(A, dtype)
    d0, d1 = (d % A.ndim for d in dim)
    if ord == "fro":
        r = R.Norm2.apply(A, axes=sorted((d0, d1)), keepdim=keepdim)
    elif ord in (1, -1, math.inf, -math.inf):
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(sum_dim, keepdim=True)
        r = s.amax(red_dim, keepdim=True) if ord > 0 else s.amin(red_dim, keepdim=True)
        if not keepdim:
            r = r.squeeze((d0, d1))
    else:
        raise NotImplementedError(f"matrix_norm: ord={ord!r} needs singular values, which are not supported")
    return _out(r, out)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """torch.linalg.norm: a vector norm when dim is an int (or A is 1-D), a matrix norm when dim
    is a pair (or A is 2-D and ord is given); ord=None: the 2-norm of the flattened A"""
    if dim is not None and not isinstance(dim, builtins.int) and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if isinstance(dim, builtins.int) or (dim is not None and len(dim) == 1):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")


@tensor_method
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: 'fro' (default) or a number p: the vector p-norm over dim (None: all
    elements, flattened); 'fro' over two dims is the Frobenius norm"""
    if p == "nuc":
        raise NotImplementedError("norm(p='nuc') needs singular values, which are not supported")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: unknown p {p!r}")
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """Σ over dim of x·y (real tensors)"""
    return _out((x * y).sum(dim), out)


def _matmul_operator(self, other):
    """x @ y. The common case (two ≥2-D tensors of one dtype) goes straight to the kernel."""
    if isinstance(other, Tensor) and self._data.ndim >= 2 and other._data.ndim >= 2 and \
            self._data.dtype == other._data.dtype:
        try:  # errors get matmul's full message below
            return M.Matmul.apply(self, other)
        except ValueError:
            pass
    other = _operand(other, self)
    return other if other is NotImplemented else matmul(self, other)


def _rmatmul_operator(self, other):
    other = _operand(other, self)
    return other if other is NotImplemented else matmul(other, self)


def _operand(other, like):
    """The other operand of @ as a tensor, or NotImplemented (torch's operator declines non-numeric data)."""
    try:
        return _as_tensor(other, like)
    except (TypeError, ValueError):
        return NotImplemented


tensor_method(_matmul_operator, names=("__matmul__",))
tensor_method(_rmatmul_operator, names=("__rmatmul__",))

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addbmm", "baddbmm",
           "addr", "tensordot", "kron", "cross", "chain_matmul", "linear", "einsum", "norm"]
