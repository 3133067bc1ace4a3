"""PyTorch API breadth: creation, shape ops that copy (repeat, tile, roll, flip, diag, diagonal,
tril/triu, repeat_interleave), views (narrow, movedim, unbind, unflatten, split/chunk edge
cases), products (einsum, addmm, baddbmm, outer, kron, tensordot, cross), reductions (prod,
norms, logsumexp, any/all over dims, quantile), scatter/gather family, boolean-mask and
integer-list setitem, input=/other=/out= keywords — each against torch (values, shapes,
dtypes, gradients) with explicit tolerances, and float64 finite differences for the new
differentiable compositions.

Tolerances: copies and selections exact (gradients that sum copies: 1e-6); products and
norms atol 1e-5, rtol 1e-5 (float32 summation order).
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, hsettings, shapes, tl_np

torch = pytest.importorskip("torch")

EXACT = dict(atol=0.0, rtol=0.0, grad_atol=1e-6, grad_rtol=1e-6)
PROD = dict(atol=1e-5, rtol=1e-5, grad_atol=1e-4, grad_rtol=1e-4)


def both(fn):
    """fn(lib) run with lib = torch and lib = tinygrad_lite."""
    return fn(torch), fn(tl)


def same(a, b, atol=0.0, rtol=0.0):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y, atol, rtol)
        return
    assert tuple(b.shape) == tuple(a.shape), f"shape {tuple(b.shape)} != torch {tuple(a.shape)}"
    assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1], f"dtype {b.dtype} != torch {a.dtype}"
    np.testing.assert_allclose(tl_np(b).astype(np.float64), a.detach().numpy().astype(np.float64), atol=atol, rtol=rtol)


# ---- creation -------------------------------------------------------------------------------
CREATION = {
    "logspace": lambda T: T.logspace(0, 2, 5), "logspace_base2": lambda T: T.logspace(0, 3, 4, base=2),
    "tril_indices": lambda T: T.tril_indices(4, 3, -1), "triu_indices": lambda T: T.triu_indices(3, 5, 1),
    "meshgrid_ij": lambda T: T.meshgrid(T.arange(3), T.arange(2), indexing="ij"),
    "meshgrid_xy": lambda T: T.meshgrid(T.arange(3), T.arange(2), T.arange(4), indexing="xy"),
    "new_zeros": lambda T: T.ones(2, dtype=T.int64).new_zeros(2, 3), "new_ones": lambda T: T.ones(2).new_ones((3,)),
    "new_full": lambda T: T.ones(2).new_full((2, 2), 7.5), "new_full_dtype": lambda T: T.ones(2).new_full((2,), 3, dtype=T.int64),
    "zeros_size_kw": lambda T: T.zeros(size=(2, 3)), "arange_float": lambda T: T.arange(0, 1, 0.25),
    "full_bool": lambda T: T.full((2,), True), "eye_rect": lambda T: T.eye(2, 4),
}


@pytest.mark.parametrize("name", list(CREATION))
def test_creation_vs_torch(name):
    want, got = both(CREATION[name])
    same(want, got, 1e-6, 1e-6)


def test_generator_streams_and_default_device():
    g = tl.Generator().manual_seed(7)
    a = tl.rand(4, generator=g)
    b = tl.randn(2, 2, generator=g)
    g.manual_seed(7)
    assert tl.rand(4, generator=g).tolist() == a.tolist() and tl.randn(2, 2, generator=g).tolist() == b.tolist()
    state = g.get_state()
    c = tl.randint(0, 100, (5,), generator=g)
    g.set_state(state)
    assert tl.randint(0, 100, (5,), generator=g).tolist() == c.tolist()
    tl.manual_seed(3)
    d = tl.rand(3)  # the global stream is independent of g
    g.manual_seed(0)
    tl.rand(3, generator=g)
    tl.manual_seed(3)
    assert tl.rand(3).tolist() == d.tolist()
    assert sorted(tl.randperm(6, generator=g).tolist()) == list(range(6))
    n = tl.normal(2.0, 0.5, (20000,), generator=g)
    assert abs(n.mean().item() - 2.0) < 0.02 and abs(n.std().item() - 0.5) < 0.02
    tl.set_default_device("cpu")
    try:
        assert tl.zeros(2).device == tl.device("cpu")
    finally:
        tl.set_default_device(None)


# ---- shape ops ------------------------------------------------------------------------------
SHAPE = {
    "repeat": ((2, 3), lambda x: x.repeat(2, 3)), "repeat_new_dims": ((3,), lambda x: x.repeat(2, 1, 2)),
    "tile": ((2, 3), lambda x: x.tile((2,))), "roll_dim": ((3, 4), lambda x: x.roll(1, 0)),
    "roll_multi": ((3, 4), lambda x: x.roll((1, -2), (0, 1))), "roll_flat": ((3, 4), lambda x: x.roll(5)),
    "flip": ((2, 3, 4), lambda x: x.flip(0, 2)), "fliplr": ((2, 3), lambda x: x.fliplr()),
    "narrow": ((4, 5), lambda x: x.narrow(1, 1, 3)), "movedim": ((2, 3, 4), lambda x: x.movedim((0, 1), (2, 0))),
    "unbind": ((3, 4), lambda x: x.unbind(1)), "unflatten": ((2, 6), lambda x: x.unflatten(1, (3, 2))),
    "repeat_interleave": ((2, 3), lambda x: x.repeat_interleave(2, dim=1)),
    "repeat_interleave_flat": ((2, 3), lambda x: x.repeat_interleave(3)),
    "diag_vector": ((4,), lambda x: torch.diag(x, 1) if isinstance(x, torch.Tensor) else tl.diag(x, 1)),
    "diag_matrix": ((4, 4), lambda x: x.diag(-1)),
    "diagonal": ((2, 3, 4), lambda x: x.diagonal(1, 1, 2)), "diagonal_neg": ((4, 3), lambda x: x.diagonal(-1)),
    "tril": ((2, 4, 4), lambda x: x.tril(1)), "triu": ((3, 5), lambda x: x.triu(-1)),
    "trace": ((4, 4), lambda x: x.trace() * 1), "rot90": ((2, 3), lambda x: torch.rot90(x) if isinstance(x, torch.Tensor) else tl.rot90(x)),
    "chunk_split_sizes": ((5, 7), lambda x: x.split([2, 5], 1)), "chunk": ((7, 2), lambda x: x.chunk(3)),
    "tensor_split": ((7, 2), lambda x: x.tensor_split(3)), "swapaxes": ((2, 3), lambda x: x.swapaxes(0, 1)),
}


@pytest.mark.parametrize("name", list(SHAPE))
def test_shape_ops_vs_torch(name):
    shape, fn = SHAPE[name]
    helper_test_op([shape], fn, **(PROD if name == "trace" else EXACT))  # trace sums: order may differ


@hsettings
@given(shape=shapes(1, 4, 1, 4), data=st.data())
def test_repeat_roll_flip_hypothesis(shape, data):
    reps = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    shift = data.draw(st.integers(-5, 5))
    helper_test_op([shape], lambda x: x.repeat(*reps), **PROD)  # its gradient sums up to 3⁵ copies
    helper_test_op([shape], lambda x: x.roll(shift, dim) * 2, **EXACT)
    helper_test_op([shape], lambda x: x.flip(dim), **EXACT)


def test_split_and_chunk_edge_cases_raise_like_torch():
    x = tl.arange(33)
    with pytest.raises(RuntimeError, match="split_with_sizes"):
        x.split([1, 1, 1])
    for n in (0, -1):
        with pytest.raises(RuntimeError, match="chunk"):
            x.chunk(n)
    assert [t.tolist() for t in tl.arange(6).chunk(4)] == [t.tolist() for t in torch.arange(6).chunk(4)]
    assert len(tl.zeros(0).chunk(3)) == len(torch.zeros(0).chunk(3))
    assert [t.shape[0] for t in x.split(10)] == [10, 10, 10, 3]


def test_shape_compositions_gradcheck():
    x = np.random.default_rng(0).standard_normal((3, 4))
    gradcheck(lambda t: t.repeat(2, 1).roll(1, 1).flip(0), [x])
    gradcheck(lambda t: t.diagonal(1) * 3 + t.tril().sum(0)[:3], [x])
    gradcheck(lambda t: t.repeat_interleave(2, 0).unflatten(1, (2, 2)), [x])


# ---- products -------------------------------------------------------------------------------
EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ii->i", [(4, 4)]), ("ii", [(3, 3)]),
    ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]), ("i,j->ij", [(3,), (4,)]), ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ij,ij->i", [(3, 4), (3, 4)]), ("ij,kj", [(3, 4), (5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("i,i", [(4,), (4,)]),
    ("abc->cab", [(2, 3, 4)]), ("bi,i->b", [(3, 1), (4,)]),
]


@pytest.mark.parametrize("eq, shps", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_vs_torch(eq, shps):
    helper_test_op(shps, lambda *xs: (torch if isinstance(xs[0], torch.Tensor) else tl).einsum(eq, *xs), **PROD)


def test_einsum_gradcheck():
    rng = np.random.default_rng(0)
    gradcheck(lambda a, b: tl.einsum("bij,bjk->bki", a, b), [rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 2, 3))])


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else tl


PRODUCTS = {
    "addmm": ([(5,), (3, 4), (4, 5)], lambda c, a, b: _lib(a).addmm(c, a, b, beta=0.5, alpha=2)),
    "addmm_beta0": ([(3, 5), (3, 4), (4, 5)], lambda c, a, b: _lib(a).addmm(c, a, b, beta=0)),
    "baddbmm": ([(2, 3, 5), (2, 3, 4), (2, 4, 5)], lambda c, a, b: _lib(a).baddbmm(c, a, b, alpha=0.5)),
    "addmv": ([(3,), (3, 4), (4,)], lambda c, a, b: _lib(a).addmv(c, a, b)),
    "addbmm": ([(3, 5), (2, 3, 4), (2, 4, 5)], lambda c, a, b: _lib(a).addbmm(c, a, b)),
    "outer": ([(3,), (4,)], lambda a, b: _lib(a).outer(a, b)), "mv": ([(3, 4), (4,)], lambda a, b: a.mv(b)),
    "dot": ([(4,), (4,)], lambda a, b: a.dot(b)), "inner": ([(2, 4), (3, 4)], lambda a, b: _lib(a).inner(a, b)),
    "kron": ([(2, 3), (3, 2)], lambda a, b: _lib(a).kron(a, b)),
    "tensordot": ([(2, 3, 4), (4, 3, 5)], lambda a, b: _lib(a).tensordot(a, b, dims=([1, 2], [1, 0]))),
    "cross": ([(4, 3), (4, 3)], lambda a, b: _lib(a).cross(a, b, dim=1)),
    "matmul_kw": ([(3, 4), (4, 2)], lambda a, b: _lib(a).matmul(input=a, other=b)),
    "cdist": ([(3, 4), (5, 4)], lambda a, b: _lib(a).cdist(a, b)), "cdist_p1": ([(3, 4), (5, 4)], lambda a, b: _lib(a).cdist(a, b, p=1)),
    "cosine_similarity": ([(3, 4), (3, 4)], lambda a, b: _lib(a).nn.functional.cosine_similarity(a, b)),
    "pairwise_distance": ([(3, 4), (3, 4)], lambda a, b: _lib(a).nn.functional.pairwise_distance(a, b)),
    "normalize": ([(3, 4)], lambda a: _lib(a).nn.functional.normalize(a, dim=1)),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_products_vs_torch(name):
    shps, fn = PRODUCTS[name]
    helper_test_op(shps, fn, **PROD)


# ---- reductions -----------------------------------------------------------------------------
REDUCTIONS = {
    "prod": ((3, 4), lambda x: x.prod(1, keepdim=True)), "logsumexp": ((3, 4), lambda x: x.logsumexp((0, 1))),
    "norm": ((3, 4), lambda x: x.norm()), "norm_p1_dim": ((3, 4), lambda x: x.norm(1, 1)),
    "norm_inf": ((3, 4), lambda x: x.norm(float("inf"), 0)), "norm_p3": ((3, 4), lambda x: x.norm(3, dim=1, keepdim=True)),
    "linalg_norm": ((3, 4), lambda x: _lib(x).linalg.norm(x)), "vector_norm": ((3, 4), lambda x: _lib(x).linalg.vector_norm(x, 2, -1)),
    "matrix_norm_fro": ((2, 3, 4), lambda x: _lib(x).linalg.matrix_norm(x)),
    "matrix_norm_1": ((3, 4), lambda x: _lib(x).linalg.matrix_norm(x, ord=1)),
    "quantile": ((3, 5), lambda x: _lib(x).quantile(x, 0.3, dim=1)), "var_mean": ((3, 4), lambda x: _lib(x).var_mean(x, 1)),
    "cummax": ((3, 4), lambda x: _lib(x).cummax(x, 1)[0]), "diff": ((3, 4), lambda x: _lib(x).diff(x, dim=1)),
    "aminmax": ((3, 4), lambda x: tuple(_lib(x).aminmax(x, dim=0))),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reductions_vs_torch(name):
    shape, fn = REDUCTIONS[name]
    helper_test_op([shape], fn, **PROD)


def test_norm_gradient_at_zero_is_zero_like_torch():
    for fn in (lambda T, x: x.norm(), lambda T, x: T.cdist(x, x), lambda T, x: T.nn.functional.normalize(x)):
        xt, xl = torch.zeros(2, 3, requires_grad=True), tl.zeros(2, 3, requires_grad=True)
        fn(torch, xt).sum().backward()
        fn(tl, xl).sum().backward()
        np.testing.assert_allclose(tl_np(xl.grad), xt.grad.numpy(), atol=1e-6)


def test_reduction_compositions_gradcheck():
    x = np.random.default_rng(1).standard_normal((3, 4))
    gradcheck(lambda t: t.logsumexp(1) + t.norm(dim=0).sum() + t.norm(3, 1).sum(), [x])
    gradcheck(lambda t: tl.linalg.matrix_norm(t) * tl.quantile(t, 0.4), [x])


def test_any_all_over_dims():
    m = np.random.default_rng(0).random((2, 3, 4)) < 0.5
    for call in (lambda T, t: t.any(1), lambda T, t: t.all(dim=(0, 2)), lambda T, t: T.any(t, 2, keepdim=True),
                 lambda T, t: t.all()):
        same(call(torch, torch.tensor(m)), call(tl, tl.tensor(m)))


# ---- scatter / gather family -----------------------------------------------------------------
IDX = np.array([[0, 2], [1, 1], [3, 0]])
SCATTER = {
    "scatter_src": ([(3, 4), (3, 2)], lambda x, s: x.scatter(1, _idx(x, IDX[:, :1]), s[:, :1])),
    "scatter_value": ([(3, 4)], lambda x: x.scatter(1, _idx(x, IDX[:, :1]), 2.5)),
    "scatter_add": ([(3, 4), (3, 2)], lambda x, s: x.scatter_add(1, _idx(x, IDX), s)),
    "index_add": ([(5, 3), (3, 3)], lambda x, s: x.index_add(0, _idx(x, [4, 0, 4]), s, alpha=2)),
    "index_copy": ([(4, 3), (2, 3)], lambda x, s: x.index_copy(0, _idx(x, [3, 1]), s)),
    "index_fill": ([(3, 4)], lambda x: x.index_fill(1, _idx(x, [0, 2]), -1.0)),
    "masked_select": ([(3, 4)], lambda x: x.masked_select(x > 0)),
    "masked_scatter": ([(3, 4), (12,)], lambda x, s: x.masked_scatter(x > 0, s)),
    "take_along_dim": ([(3, 4)], lambda x: _lib(x).take_along_dim(x, _idx(x, IDX), 1)),
    "take": ([(3, 4)], lambda x: _lib(x).take(x, _idx(x, [[0, 11], [5, 5]]))),
    "index_put_accumulate": ([(5,), (3,)], lambda x, s: x.index_put((_idx(x, [1, 1, 3]),), s, accumulate=True)),
}


def _idx(x, v):
    return _lib(x).tensor(np.asarray(v))


@pytest.mark.parametrize("name", list(SCATTER))
def test_scatter_family_vs_torch(name):
    shps, fn = SCATTER[name]
    adds = name in ("scatter_add", "index_add", "index_put_accumulate")  # x + (s₁ + s₂) vs (x + s₁) + s₂
    helper_test_op(shps, fn, **(dict(atol=1e-6, rtol=1e-6, grad_atol=1e-6, grad_rtol=1e-6) if adds else EXACT))


def test_bincount_vs_torch():
    v = [1, 1, 3, 0, 5]
    for kw in ({}, {"minlength": 8}, {"weights": [0.5, 1.0, 2.0, 0.0, 1.0]}):
        kt = {k: (torch.tensor(w) if k == "weights" else w) for k, w in kw.items()}
        kl = {k: (tl.tensor(w) if k == "weights" else w) for k, w in kw.items()}
        same(torch.bincount(torch.tensor(v), **kt), tl.bincount(tl.tensor(v), **kl))


# ---- setitem and list indexing ---------------------------------------------------------------
SETITEM = [
    lambda T, x: x.__setitem__(x > 0, 0.0), lambda T, x: x.__setitem__((slice(None), [-1]), 9.0),
    lambda T, x: x.__setitem__(T.tensor([True, False, True]), T.arange(4.0)),
    lambda T, x: x.__setitem__(([0, 2], [1, 3]), T.tensor([5.0, 6.0])),
    lambda T, x: x.__setitem__(x < x.topk(2)[0][:, [-1]], -float("inf")),
]


@pytest.mark.parametrize("k", range(len(SETITEM)))
def test_setitem_vs_torch(k):
    a = np.random.default_rng(k).standard_normal((3, 4)).astype(np.float32)
    xt, xl = torch.tensor(a), tl.tensor(a)
    SETITEM[k](torch, xt)
    SETITEM[k](tl, xl)
    same(xt, xl)


def test_setitem_gradients_vs_torch():
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    out = []
    for T in (torch, tl):
        x = T.tensor(a, requires_grad=True)
        v = T.tensor([2.0, 3.0], requires_grad=True)
        y = x * 1
        y[y > 0.5] = 0.0
        y[[0, 2], [1, 3]] = v
        (y * T.arange(12.0).reshape(3, 4)).sum().backward()
        out.append((x.grad, v.grad))
    same(out[0], out[1])


def test_mask_of_the_wrong_shape_raises_index_error():
    with pytest.raises(IndexError, match="mask"):
        tl.zeros(4)[tl.tensor([True, False, True])] = 1
    with pytest.raises(IndexError, match="mask"):
        tl.zeros(3, 4)[tl.tensor([True, False])] = 1


def test_integer_list_indexing_vs_torch():
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    for index in ((slice(None), [-1]), ([0, 2],), ([0, 2], [1, 3]), (slice(None), [1, 1, 0])):
        same(torch.tensor(a)[index], tl.tensor(a)[index])


# ---- keywords -------------------------------------------------------------------------------
def test_input_other_out_keywords():
    a, b = np.ones((2, 3), np.float32), np.full((3, 2), 2.0, np.float32)
    same(torch.matmul(input=torch.tensor(a), other=torch.tensor(b)), tl.matmul(input=tl.tensor(a), other=tl.tensor(b)))
    for T in (torch, tl):
        out = T.empty(2, 2)
        r = T.matmul(T.tensor(a), T.tensor(b), out=out)
        assert r is out and out.tolist() == [[6.0, 6.0], [6.0, 6.0]]
        o2 = T.empty(0)
        T.cat([T.ones(2), T.zeros(1)], out=o2)
        assert o2.tolist() == [1.0, 1.0, 0.0]
        o3 = T.empty(2, 3)
        T.exp(T.zeros(2, 3), out=o3)
        assert o3.sum().item() == 6.0
    same(torch.add(input=torch.ones(2), other=torch.ones(2), alpha=3), tl.add(input=tl.ones(2), other=tl.ones(2), alpha=3))


def test_format_type_deepcopy_and_dtype_conversions():
    import copy

    loss = tl.tensor(0.123456)
    assert f"{loss:.4f}" == f"{torch.tensor(0.123456):.4f}" == "0.1235"
    assert tl.ones(2).type() == torch.ones(2).type() == "torch.FloatTensor"
    assert tl.ones(2, dtype=tl.int64).type() == "torch.LongTensor"
    assert tl.ones(2).type(tl.float64).dtype is tl.float64
    assert tl.ones(2).type("torch.LongTensor").dtype is tl.int64
    x = tl.tensor([1.0, 2.0], requires_grad=True)
    y = copy.deepcopy(x)
    assert y.requires_grad and y is not x and y.tolist() == x.tolist()
    y.data.add_(1)
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
    with pytest.raises(TypeError):
        format(tl.ones(2), ".2f")
    assert math.isclose(float(tl.tensor([2.5]).prod()), 2.5)
