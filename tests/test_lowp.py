"""Lower-precision products (tinygrad_lite.lowp) against numpy, on every SIMD level this CPU has
(AVX-512 runs the AVX512-BF16 / VNNI kernels where the CPU has them; lower levels the fallbacks).

- bf16: against float64 of the bf16-rounded inputs (the only rounding left is float32 summation:
  |err| ≤ 1e-5·√K·(|a|·|b|) + 1e-6), and against the float32 product: relative Frobenius error
  ≤ 1e-2 (measured ≈ 2.4e-3 for Gaussian data).
- int8: exact against numpy's int64 product. LinearInt8: against numpy's own quantisation of the same
  rows (round half to even, ±127 clamp) up to float32 rounding, and against the float product:
  relative error ≤ 3e-2 (measured ≈ 1e-2).
Never a time.
"""
import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import tl_np
from tinygrad_lite import lowp

_C = tl._C
LEVELS = ["portable", "avx2", "avx512"]


@pytest.fixture(params=LEVELS)
def simd(request):
    if LEVELS.index(request.param) > LEVELS.index(_C.simd_max_level()):
        pytest.skip(f"this CPU's best SIMD path is {_C.simd_max_level()}")
    old = _C.simd_level()
    _C.set_simd_level(request.param)
    yield request.param
    _C.set_simd_level(old)


def bf16_round(x):
    """float32 → nearest-even bfloat16, as float32 (NaN-free inputs)."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return (u.astype(np.uint32) << 16).view(np.float32)


def quantize_rows(x):
    """Symmetric per-row int8 as LinearInt8 does it: s = max|x|/127, q = round-half-even(x/s) in ±127."""
    x = np.asarray(x, np.float32)
    amax = np.abs(x).max(axis=1)
    s = np.where(amax > 0, amax / np.float32(127), np.float32(1)).astype(np.float32)
    q = np.clip(np.rint(x * (np.float32(1) / s)[:, None]), -127, 127)
    return q.astype(np.int64), s


def _close_to_rounded(got, a, b):
    a64, b64 = bf16_round(a).astype(np.float64), bf16_round(b).astype(np.float64)
    bound = 1e-5 * np.sqrt(a.shape[-1]) * (np.abs(a64) @ np.abs(b64)) + 1e-6
    assert np.all(np.abs(got - a64 @ b64) <= bound)


SHAPES = [(1, 1, 1), (1, 64, 100), (3, 5, 7), (14, 33, 32), (15, 2, 33), (17, 64, 45), (100, 257, 70),
          (40, 2100, 20)]


@pytest.mark.parametrize("m,k,n", SHAPES)
@pytest.mark.parametrize("b_transposed", [False, True])
def test_matmul_bf16_vs_numpy(simd, m, k, n, b_transposed):
    rng = np.random.default_rng(m * 31 + k * 7 + n)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    B = tl.tensor(np.ascontiguousarray(b.T)).T if b_transposed else tl.tensor(b)
    got = tl_np(lowp.matmul_bf16(tl.tensor(a), B)).astype(np.float64)
    _close_to_rounded(got, a, b)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    assert np.linalg.norm(got - exact) <= 1e-2 * np.linalg.norm(exact) + 1e-6


def test_matmul_bf16_batched_rows_and_strides(simd):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 5, 40)).astype(np.float32)
    b = rng.standard_normal((30, 50)).astype(np.float32)
    A = tl.tensor(a)[:, :, 5:35]  # rows 40 apart
    B = tl.tensor(b)[:, ::2]      # columns 2 apart
    got = tl_np(lowp.matmul_bf16(A, B))
    assert got.shape == (2, 5, 25)
    _close_to_rounded(got.reshape(10, 25).astype(np.float64), a[:, :, 5:35].reshape(10, 30), b[:, ::2])


@pytest.mark.parametrize("m,k,n", SHAPES + [(3, 70000 // 100, 5)])
def test_matmul_int8_exact(simd, m, k, n):
    rng = np.random.default_rng(m + k + n)
    a = rng.integers(-128, 128, (m, k))
    b = rng.integers(-128, 128, (k, n))
    got = tl_np(lowp.matmul_int8(tl.tensor(a), tl.tensor(b)))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, a @ b)
    extremes = np.full((2, k), -128), np.full((k, 3), -128)  # the largest sums there are
    np.testing.assert_array_equal(tl_np(lowp.matmul_int8(*map(tl.tensor, extremes))), extremes[0] @ extremes[1])


@pytest.mark.parametrize("m,k,n", [(1, 64, 100), (4, 33, 7), (16, 130, 70), (70, 300, 40)])
def test_linear_bf16_vs_numpy(simd, m, k, n):
    rng = np.random.default_rng(k)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    lin = lowp.LinearBF16(tl.tensor(w), tl.tensor(bias))
    assert (lin.in_features, lin.out_features) == (k, n) and lin.nbytes < 4 * n * k + 4 * 32 * k
    got = tl_np(lin(tl.tensor(x))).astype(np.float64) - bias
    _close_to_rounded(got, x, w.T)
    y3 = tl_np(lin(tl.tensor(x.reshape(1, m, k))))
    assert y3.shape == (1, m, n)


@pytest.mark.parametrize("m,k,n", [(1, 64, 100), (4, 33, 7), (16, 130, 70), (70, 300, 40)])
def test_linear_int8_vs_numpy_quantisation(simd, m, k, n):
    rng = np.random.default_rng(k + 1)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    lin = lowp.LinearInt8(tl.tensor(w), tl.tensor(bias))
    got = tl_np(lin(tl.tensor(x))).astype(np.float64)
    qw, sw = quantize_rows(w)
    qx, sx = quantize_rows(x)
    np.testing.assert_allclose(tl_np(lin.dequantized_weight()), qw * sw[:, None], rtol=1e-6, atol=0)
    want = (qx @ qw.T) * sx[:, None].astype(np.float64) * sw[None, :] + bias
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    exact = x.astype(np.float64) @ w.T.astype(np.float64) + bias
    assert np.linalg.norm(got - exact) <= 3e-2 * np.linalg.norm(exact)


def test_linear_int8_edge_rows(simd):
    """A row of zeros (scale 1, all q 0) and a row with one huge value."""
    w = np.eye(4, 8, dtype=np.float32)
    lin = lowp.LinearInt8(tl.tensor(w))
    x = np.zeros((2, 8), np.float32)
    x[1, 0] = 1e30
    got = tl_np(lin(tl.tensor(x)))
    np.testing.assert_array_equal(got[0], 0)
    np.testing.assert_allclose(got[1], [1e30, 0, 0, 0], rtol=1e-6)


def test_lowp_bad_inputs_raise():
    f = tl.tensor(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="cannot be multiplied"):
        lowp.matmul_bf16(f, tl.tensor(np.ones((4, 2), np.float32)))
    with pytest.raises(TypeError, match="float32"):
        lowp.matmul_bf16(tl.tensor(np.ones((2, 3))), tl.tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match=r"\[-128, 127\]"):
        lowp.matmul_int8(tl.tensor(np.array([[200]])), tl.tensor(np.array([[1]])))
    with pytest.raises(TypeError, match="int64"):
        lowp.matmul_int8(f, tl.tensor(np.ones((3, 2), np.float32)))
    with pytest.raises(ValueError, match="in_features"):
        lowp.LinearBF16(tl.tensor(np.ones((4, 3), np.float32)))(f.T)
    with pytest.raises(ValueError, match="bias"):
        lowp.LinearInt8(tl.tensor(np.ones((4, 3), np.float32)), tl.tensor(np.ones(5, np.float32)))(f)
    with pytest.raises(ValueError, match="65536"):
        lowp.matmul_int8(tl.tensor(np.zeros((1, 70000), np.int64)), tl.tensor(np.zeros((70000, 1), np.int64)))
    with pytest.raises(TypeError, match="Tensor"):
        lowp.matmul_bf16(np.ones((2, 2), np.float32), f)


def test_lowp_info():
    info = _C.lowp_info()
    cpu = _C.cpu_info()
    assert info["bf16_native"] == (cpu["avx512_bf16"] and _C.simd_level() == "avx512")
    assert info["int8_native"] == (cpu["avx512_vnni"] and _C.simd_level() == "avx512")
    assert info["amx_granted"] in (False, True) and (cpu["amx_int8"] or not info["amx_granted"])
