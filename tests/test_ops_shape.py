"""Shape and layout ops: reshape / view / permute / transpose / .T / expand / flatten / squeeze /
unsqueeze / slicing / integer and tensor indexing / cat / stack / contiguous; views share storage.

Against torch: values, shapes, dtypes and gradients exact (atol 0, rtol 0), except where a
gradient sums several contributions (expand, repeated indices): atol 1e-6, rtol 1e-6.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, hsettings, shapes, tl_np

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

EXACT = dict(atol=0.0, rtol=0.0, grad_atol=0.0, grad_rtol=0.0)
SUMS = dict(atol=0.0, rtol=0.0, grad_atol=1e-6, grad_rtol=1e-6)

VIEW_OPS = {
    "reshape": ((2, 3, 4), lambda x: x.reshape(4, 6)),
    "reshape_tuple": ((2, 3, 4), lambda x: x.reshape((6, 4))),
    "reshape_-1": ((2, 3, 4), lambda x: x.reshape(-1, 2)),
    "reshape_scalar": ((1,), lambda x: x.reshape(())),
    "reshape_from_scalar": ((), lambda x: x.reshape(1, 1)),
    "view": ((2, 3, 4), lambda x: x.view(3, 8)),
    "view_-1": ((2, 3, 4), lambda x: x.view(-1)),
    "permute": ((2, 3, 4), lambda x: x.permute(2, 0, 1)),
    "permute_tuple": ((2, 3, 4), lambda x: x.permute((1, 2, 0))),
    "permute_neg": ((2, 3, 4), lambda x: x.permute(-1, -3, -2)),
    "transpose": ((2, 3, 4), lambda x: x.transpose(0, 2)),
    "transpose_neg": ((2, 3, 4), lambda x: x.transpose(-1, -2)),
    "T": ((3, 5), lambda x: x.T),
    "expand": ((3, 1), lambda x: x.expand(3, 4)),
    "expand_-1": ((1, 4), lambda x: x.expand(5, -1)),
    "expand_new_dims": ((3, 1), lambda x: x.expand(2, 3, 6)),
    "flatten": ((2, 3, 4), lambda x: x.flatten()),
    "flatten_range": ((2, 3, 4, 5), lambda x: x.flatten(1, 2)),
    "flatten_start": ((2, 3, 4), lambda x: x.flatten(1)),
    "squeeze": ((1, 3, 1, 4), lambda x: x.squeeze()),
    "squeeze_dim": ((1, 3, 1, 4), lambda x: x.squeeze(2)),
    "squeeze_neg": ((1, 3, 1, 4), lambda x: x.squeeze(-2)),
    "squeeze_non1": ((2, 3), lambda x: x.squeeze(0)),  # torch: no-op when the dim isn't 1
    "unsqueeze": ((3, 4), lambda x: x.unsqueeze(0)),
    "unsqueeze_end": ((3, 4), lambda x: x.unsqueeze(2)),
    "unsqueeze_neg": ((3, 4), lambda x: x.unsqueeze(-1)),
    "contiguous": ((3, 4), lambda x: x.transpose(0, 1).contiguous()),
    "chain": ((4, 6), lambda x: x.T[1:, ::2].reshape(-1).unsqueeze(0).expand(2, -1)),
    "view_of_contiguous_T": ((3, 4), lambda x: x.T.contiguous().view(2, 6)),
    "reshape_of_T": ((3, 4), lambda x: x.T.reshape(12)),  # reshape copies when it must
}


@needs_torch
@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_ops_vs_torch(name, device):
    shape, fn = VIEW_OPS[name]
    helper_test_op([shape], lambda x: fn(x) * 1.0, device=device, **SUMS)


@needs_torch
@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_ops_backward_direct_vs_torch(name, device):
    # the view itself (not an op on it) receives the upstream gradient
    shape, fn = VIEW_OPS[name]
    helper_test_op([shape], fn, device=device, **SUMS)


@needs_torch
@hsettings
@given(shape=shapes(1, 4, 1, 4), data=st.data())
def test_permute_hypothesis_vs_torch(shape, data, device):
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    helper_test_op([shape], lambda x: x.permute(*perm), device=device, **EXACT)


@needs_torch
@hsettings
@given(shape=shapes(1, 4, 1, 4), data=st.data())
def test_reshape_hypothesis_vs_torch(shape, data, device):
    # reshape to a random factorisation of numel, possibly after a transpose (forces a copy)
    n = int(np.prod(shape))
    new = []
    rest = n
    while rest > 1:
        divisors = [d for d in range(2, rest + 1) if rest % d == 0]
        d = data.draw(st.sampled_from(divisors))
        new.append(d)
        rest //= d
    new = tuple(new) or (1,)
    transpose = data.draw(st.booleans()) and len(shape) >= 2
    fn = (lambda x: x.transpose(0, -1).reshape(new)) if transpose else (lambda x: x.reshape(new))
    helper_test_op([shape], fn, device=device, **EXACT)


@needs_torch
@hsettings
@given(shape=shapes(1, 3, 1, 3), data=st.data())
def test_expand_hypothesis_vs_torch(shape, data, device):
    ones = tuple(1 if data.draw(st.booleans()) else s for s in shape)
    target = tuple(data.draw(st.integers(1, 3)) if o == 1 else o for o in ones)
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    helper_test_op([ones], lambda x: x.expand(*(lead + target)), device=device, **SUMS)


# ----------------------------------------------------------------------------- slicing and indexing
INDEX_OPS = {
    "int": ((4, 5), lambda x: x[1]),
    "neg_int": ((4, 5), lambda x: x[-1]),
    "int_int": ((4, 5), lambda x: x[2, 3]),
    "int_neg_int": ((4, 5), lambda x: x[-2, -1]),
    "slice": ((6, 5), lambda x: x[1:4]),
    "slice_step": ((6, 5), lambda x: x[::2, 1::3]),
    "slice_neg": ((6, 5), lambda x: x[-3:, :-1]),
    "slice_clamped": ((6, 5), lambda x: x[2:100, -100:3]),
    "slice_empty": ((6, 5), lambda x: x[4:2]),
    "col": ((4, 5), lambda x: x[:, 2]),
    "ellipsis": ((2, 3, 4), lambda x: x[..., 1]),
    "ellipsis_mid": ((2, 3, 4, 5), lambda x: x[1, ..., 2:4]),
    "none": ((3, 4), lambda x: x[None]),
    "none_mid": ((3, 4), lambda x: x[:, None, 1:]),
    "mixed": ((3, 4, 5), lambda x: x[1:, 2, ::2]),
    "scalar_from_1d": ((5,), lambda x: x[3]),
    "list": ((5, 3), lambda x: x[[0, 2, 4]]),
    "list_repeat": ((5, 3), lambda x: x[[1, 1, 3, 1]]),
}


@needs_torch
@pytest.mark.parametrize("name", list(INDEX_OPS))
def test_indexing_vs_torch(name, device):
    shape, fn = INDEX_OPS[name]
    helper_test_op([shape], fn, device=device, **SUMS)


TENSOR_INDEX = {
    "rows": ((5, 3), [4, 0, 2], lambda x, i: x[i]),
    "repeat": ((5, 3), [1, 1, 3, 1], lambda x, i: x[i]),       # backward accumulates (scatter_add)
    "2d_index": ((5, 3), [[0, 1], [1, 4]], lambda x, i: x[i]),
    "cols": ((3, 5), [4, 4, 0], lambda x, i: x[:, i]),
    "after_int": ((2, 5, 3), [3, 0], lambda x, i: x[1, i]),
    "neg": ((5, 3), [-1, -5, 0], lambda x, i: x[i]),          # torch wraps negative tensor indices
}


@needs_torch
@pytest.mark.parametrize("name", list(TENSOR_INDEX))
def test_tensor_indexing_vs_torch(name, device):
    shape, idx, fn = TENSOR_INDEX[name]
    rng = np.random.default_rng(0)
    vals = [rng.uniform(-2, 2, shape).astype(np.float32), np.array(idx, dtype=np.int64)]
    helper_test_op(None, fn, vals=vals, device=device, **SUMS)


@needs_torch
def test_bool_mask_indexing_vs_torch(device):
    rng = np.random.default_rng(1)
    vals = [rng.uniform(-2, 2, (4, 5)).astype(np.float32)]
    helper_test_op(None, lambda x: x[x > 0], vals=vals, device=device, **SUMS)
    mask = rng.random(4) < 0.5
    helper_test_op(None, lambda x, m: x[m], vals=[vals[0], mask], device=device, **SUMS)


def test_tensor_index_backward_accumulates_numpy(device):
    # d/dx sum(x[idx] * g) scatters g back with accumulation: repeated indices add up
    x = tl.tensor(np.zeros((4, 2)), requires_grad=True, device=device)
    idx = tl.tensor(np.array([3, 1, 3, 3], dtype=np.int64), device=device)
    x[idx].sum().backward()
    np.testing.assert_array_equal(tl_np(x.grad), [[0, 0], [1, 1], [0, 0], [3, 3]])


def test_slice_gradcheck(device):
    x = np.random.default_rng(0).uniform(-1, 1, (4, 6))
    gradcheck(lambda t: t[1:, ::2] * t[:3, 1::2], [x], device=device)


def test_view_chain_gradcheck(device):
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3, 4))
    gradcheck(lambda t: t.permute(2, 0, 1).reshape(4, 6).T.unsqueeze(0).expand(2, 6, 4).exp(), [x], device=device)


# ----------------------------------------------------------------------------- cat, stack
@needs_torch
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_cat_vs_torch(dim, device):
    base = [2, 3, 4]
    shapes_ = []
    for k in (1, 2, 3):
        s = list(base)
        s[dim] = k
        shapes_.append(tuple(s))
    helper_test_op(shapes_, lambda a, b, c: torch.cat([a, b, c], dim=dim),
                   lambda a, b, c: tl.cat([a, b, c], dim=dim), device=device, **EXACT)


@needs_torch
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack_vs_torch(dim, device):
    helper_test_op([(2, 3), (2, 3), (2, 3)], lambda a, b, c: torch.stack([a, b, c], dim=dim),
                   lambda a, b, c: tl.stack([a, b, c], dim=dim), device=device, **EXACT)


@needs_torch
def test_cat_same_tensor_twice_and_views_vs_torch(device):
    helper_test_op([(3, 4)], lambda a: torch.cat((a, a.T.contiguous().T, a[:1]), 0),
                   lambda a: tl.cat((a, a.T.contiguous().T, a[:1]), 0), device=device, **SUMS)
    helper_test_op([(3, 4)], lambda a: torch.stack((a, a * 2.0)), lambda a: tl.stack((a, a * 2.0)), device=device,
                   **SUMS)


@needs_torch
def test_cat_mixed_requires_grad_vs_torch(device):
    rng = np.random.default_rng(0)
    vals = [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((1, 3)).astype(np.float32)]
    helper_test_op(None, lambda a, b: torch.cat([a, b]), lambda a, b: tl.cat([a, b]), vals=vals,
                   requires_grad=[True, False], device=device, **EXACT)


@needs_torch
@hsettings
@given(shape=shapes(1, 3, 1, 4), n=st.integers(1, 4), data=st.data())
def test_cat_hypothesis_vs_torch(shape, n, data, device):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    shapes_ = []
    for _ in range(n):
        s = list(shape)
        s[dim] = data.draw(st.integers(1, 3))
        shapes_.append(tuple(s))
    helper_test_op(shapes_, lambda *xs: torch.cat(list(xs), dim=dim), lambda *xs: tl.cat(list(xs), dim=dim),
                   device=device, **EXACT)


def test_cat_stack_gradcheck(device):
    rng = np.random.default_rng(5)
    gradcheck(lambda a, b: tl.cat([a, b.exp()], dim=1) * 2.0, [rng.standard_normal((2, 2)), rng.standard_normal((2, 3))],
              device=device)
    gradcheck(lambda a, b: tl.stack([a, b * a], dim=-1), [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
              device=device)


# ----------------------------------------------------------------------------- layout facts, storage sharing
def test_shape_attributes(device):
    x = tl.zeros(2, 3, 4, device=device)
    assert tuple(x.shape) == (2, 3, 4)
    assert x.shape == (2, 3, 4)
    assert tuple(x.size()) == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == 3 and x.dim() == 3
    assert x.numel() == 24
    assert len(x) == 2


def test_is_contiguous(device):
    x = tl.zeros(3, 4, device=device)
    assert x.is_contiguous()
    assert not x.T.is_contiguous()
    assert x.T.contiguous().is_contiguous()
    assert not x[:, ::2].is_contiguous()
    assert not x.unsqueeze(0).expand(2, 3, 4).is_contiguous()


def test_views_share_storage_numpy_write():
    # writes into the base's numpy view are seen through every view (torch: views alias the base)
    base = tl.zeros(3, 4)
    views = {"view": base.view(12), "reshape": base.reshape(2, 6), "T": base.T, "slice": base[1:, ::2],
             "select": base[2], "permute": base.permute(1, 0), "unsqueeze": base.unsqueeze(0),
             "expand": base[:1].expand(5, 4), "flatten": base.flatten(), "transpose": base.transpose(0, 1)}
    a = base.numpy()
    a[...] = np.arange(12, dtype=np.float32).reshape(3, 4)
    ref = np.arange(12, dtype=np.float32).reshape(3, 4)
    expect = {"view": ref.reshape(12), "reshape": ref.reshape(2, 6), "T": ref.T, "slice": ref[1:, ::2],
              "select": ref[2], "permute": ref.T, "unsqueeze": ref[None], "expand": np.broadcast_to(ref[:1], (5, 4)),
              "flatten": ref.reshape(12), "transpose": ref.T}
    for k, v in views.items():
        np.testing.assert_array_equal(v.numpy(), expect[k], err_msg=f"{k} does not share the base's storage")


def test_view_inplace_write_visible_in_base(device):
    base = tl.zeros(3, 4, device=device)
    base[1:, ::2].fill_(7.0)
    want = np.zeros((3, 4), np.float32)
    want[1:, ::2] = 7.0
    np.testing.assert_array_equal(tl_np(base), want)
    v = base.view(12)
    v.add_(1.0)
    np.testing.assert_array_equal(tl_np(base), want + 1.0)
    base.T[0].mul_(2.0)   # first column
    want = want + 1.0
    want[:, 0] *= 2.0
    np.testing.assert_array_equal(tl_np(base), want)


def test_setitem_writes_into_tensor(device):
    x = tl.zeros(3, 4, device=device)
    x[1] = 5.0
    x[:, 2] = tl.tensor([1.0, 2.0, 3.0], device=device)
    want = np.zeros((3, 4), np.float32)
    want[1] = 5.0
    want[:, 2] = [1, 2, 3]
    np.testing.assert_array_equal(tl_np(x), want)


def test_contiguous_copy_does_not_share(device):
    base = tl.zeros(3, 4, device=device)
    c = base.T.contiguous()
    c.fill_(1.0)
    assert float(tl_np(base).sum()) == 0.0
    d = base.clone()
    d.fill_(2.0)
    assert float(tl_np(base).sum()) == 0.0


def test_contiguous_on_contiguous_returns_same_storage():
    x = tl.zeros(3, 4)
    y = x.contiguous()
    y.numpy()[0, 0] = 9.0   # torch: contiguous() of a contiguous tensor is the tensor itself
    assert x.numpy()[0, 0] == 9.0
