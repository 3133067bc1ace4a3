"""matmul with torch.matmul semantics: 1-D·1-D, 2-D, matrix·vector, vector·matrix, batched with
broadcast batch dims, transposed operands (views), sizes that cross the GEMM's blocking, float64.

Against torch (inputs uniform in [-1, 1]): float32 forward and gradients atol 1e-4 rtol 1e-4
(sizes up to K=64; atol 2e-4 for the K>=256 cases), float64 atol 1e-10 rtol 1e-10.
Central finite differences in float64: eps 1e-6, atol 1e-5, rtol 1e-4.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import broadcastable_pair, gradcheck, helper_test_op, hsettings, tl_np

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

def _tl_functional():
    import tinygrad_lite.nn.functional as LF
    return LF


F32 = dict(atol=1e-4, rtol=1e-4, grad_atol=1e-4, grad_rtol=1e-4, low=-1.0, high=1.0)

SHAPE_PAIRS = [
    ((5,), (5,)),              # dot -> 0-d
    ((3, 5), (5,)),            # matrix-vector
    ((5,), (5, 4)),            # vector-matrix
    ((3, 5), (5, 4)),          # 2-D
    ((1, 1), (1, 1)),
    ((2, 3, 5), (5, 4)),       # batched @ 2-D
    ((3, 5), (2, 5, 4)),       # 2-D @ batched
    ((2, 3, 5), (2, 5, 4)),    # batched
    ((2, 1, 3, 5), (4, 5, 2)), # broadcast batch dims
    ((1, 3, 5), (2, 5, 4)),
    ((2, 3, 5), (5,)),         # batched @ vector
    ((5,), (2, 5, 4)),         # vector @ batched
    ((7,), (3, 2, 7, 1)),
    ((17, 33), (33, 9)),       # odd sizes: vector tails
    ((64, 64), (64, 64)),
]


@needs_torch
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_matmul_shapes_vs_torch(sa, sb, device):
    helper_test_op([sa, sb], lambda a, b: a @ b, device=device, **F32)


@needs_torch
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS[:8])
def test_matmul_function_and_method_vs_torch(sa, sb, device):
    helper_test_op([sa, sb], lambda a, b: torch.matmul(a, b), lambda a, b: tl.matmul(a, b), device=device, **F32)
    helper_test_op([sa, sb], lambda a, b: a.matmul(b), device=device, **F32)


@needs_torch
@hsettings
@given(m=st.integers(1, 9), k=st.integers(1, 9), n=st.integers(1, 9), batch=broadcastable_pair(2, 3),
       squeeze_a=st.booleans(), squeeze_b=st.booleans())
def test_matmul_hypothesis_vs_torch(m, k, n, batch, squeeze_a, squeeze_b, device):
    ba, bb = batch
    sa = (k,) if squeeze_a and not ba else ba + (m, k)
    sb = (k,) if squeeze_b and not bb else bb + (k, n)
    helper_test_op([sa, sb], lambda a, b: a @ b, device=device, **F32)


TRANSPOSED = {
    "a.T@b": ((5, 3), (5, 4), lambda a, b: a.T @ b),
    "a@b.T": ((3, 5), (4, 5), lambda a, b: a @ b.T),
    "a.T@b.T": ((5, 3), (4, 5), lambda a, b: a.T @ b.T),
    "transpose(0,1)": ((33, 17), (9, 33), lambda a, b: a.transpose(0, 1) @ b.transpose(0, 1)),
    "batched a^T": ((2, 5, 3), (2, 5, 4), lambda a, b: a.transpose(-1, -2) @ b),
    "batched b^T": ((2, 3, 5), (4, 5), lambda a, b: a @ b.transpose(0, 1)),
    "batched both": ((2, 5, 3), (2, 4, 5), lambda a, b: a.transpose(1, 2) @ b.transpose(1, 2)),
    "permuted batch": ((3, 2, 5), (2, 5, 4), lambda a, b: a.permute(1, 0, 2) @ b),
    "sliced": ((6, 10), (10, 8), lambda a, b: a[::2, 1:] @ b[1:, ::2]),
    "expanded": ((1, 3, 5), (5, 4), lambda a, b: a.expand(4, 3, 5) @ b),
}


@needs_torch
@pytest.mark.parametrize("name", list(TRANSPOSED))
def test_matmul_transposed_and_strided_operands_vs_torch(name, device):
    sa, sb, fn = TRANSPOSED[name]
    helper_test_op([sa, sb], fn, device=device, **F32)


@needs_torch
@pytest.mark.parametrize("m,k,n", [(67, 129, 35), (128, 256, 64), (1, 300, 1), (257, 3, 130)])
def test_matmul_large_vs_torch(m, k, n, device):
    # sizes across the packed/blocked GEMM's tile edges
    helper_test_op([(m, k), (k, n)], lambda a, b: a @ b, device=device,
                   **{**F32, "atol": 2e-4, "grad_atol": 2e-4})
    helper_test_op([(k, m), (n, k)], lambda a, b: a.T @ b.T, device=device,
                   **{**F32, "atol": 2e-4, "grad_atol": 2e-4})


@needs_torch
@pytest.mark.parametrize("sa,sb", [((3, 5), (5, 4)), ((2, 3, 5), (5,)), ((5,), (5,)), ((2, 1, 3, 5), (4, 5, 2))])
def test_matmul_float64_vs_torch(sa, sb, device):
    helper_test_op([sa, sb], lambda a, b: a @ b, dtype="float64", atol=1e-10, rtol=1e-10,
                   grad_atol=1e-10, grad_rtol=1e-10, low=-1.0, high=1.0, device=device)


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear_vs_torch(bias, device):
    shapes = [(2, 3, 5), (4, 5)] + ([(4,)] if bias else [])
    helper_test_op(shapes, lambda x, w, *b: torch.nn.functional.linear(x, w, *b),
                   lambda x, w, *b: _tl_functional().linear(x, w, *b), device=device, **F32)


@needs_torch
def test_matmul_chain_with_other_ops_vs_torch(device):
    # a small MLP-like program: the gradient flows through two matmuls and a nonlinearity
    helper_test_op([(4, 6), (6, 8), (8, 3)], lambda x, w1, w2: ((x @ w1).tanh() @ w2).sum(dim=1),
                   device=device, **F32)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)),
                                   ((2, 3, 4), (4, 2)), ((2, 1, 3, 4), (3, 4, 2))])
def test_matmul_gradcheck(sa, sb, device):
    rng = np.random.default_rng(11)
    gradcheck(lambda a, b: a @ b, [rng.uniform(-1, 1, sa), rng.uniform(-1, 1, sb)], device=device)


def test_matmul_transposed_gradcheck(device):
    rng = np.random.default_rng(12)
    gradcheck(lambda a, b: a.T @ b.transpose(0, 1), [rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (2, 4))],
              device=device)


def test_matmul_values_numpy(device):
    # torch-free reference: numpy.matmul has the same semantics
    rng = np.random.default_rng(3)
    for sa, sb in SHAPE_PAIRS:
        a = rng.uniform(-1, 1, sa).astype(np.float32)
        b = rng.uniform(-1, 1, sb).astype(np.float32)
        got = tl_np(tl.tensor(a, device=device) @ tl.tensor(b, device=device))
        want = np.matmul(a.astype(np.float64), b.astype(np.float64))
        assert got.shape == want.shape, f"matmul {sa} @ {sb}: shape {got.shape}, numpy {want.shape}"
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-4, err_msg=f"matmul {sa} @ {sb}")
