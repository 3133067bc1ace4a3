"""Smoke test of _C.matmul / _C.linear against numpy (float64 reference), every SIMD path.

Quick: run with `PYTHONPATH=. python -m pytest tests/native/test_kernels_matmul.py -q` or as a script.
"""
import numpy as np
import pytest

import tinygrad_lite._C as C

LEVELS = [l for l in ("portable", "avx2", "avx512")
          if ["portable", "avx2", "avx512"].index(l) <= ["portable", "avx2", "avx512"].index(C.simd_max_level())]
RNG = np.random.default_rng(0)


def arr(shape, dtype):
    return RNG.standard_normal(shape).astype(dtype)


def check(out, ref, k, dtype):
    out = np.asarray(out)
    assert out.shape == ref.shape, (out.shape, ref.shape)
    if dtype == np.float32:
        tol = 1e-5 * max(1.0, np.sqrt(max(k, 1))) * 4
    else:
        tol = 1e-12 * max(1.0, np.sqrt(max(k, 1))) * 4
    scale = np.sqrt(max(k, 1))
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol * scale)


def mm(a, b):
    return C.matmul(C.from_numpy(a), C.from_numpy(b)).numpy()


def ref_mm(a, b):
    return np.matmul(a.astype(np.float64), b.astype(np.float64))


SHAPES = [
    ((5,), (5,)), ((5,), (5, 3)), ((4, 5), (5,)), ((3, 4), (4, 6)), ((1, 1), (1, 1)),
    ((64, 128), (128, 10)), ((64, 784), (784, 128)), ((33, 257), (257, 65)),
    ((29, 600), (600, 70)), ((2, 1, 3, 4), (5, 4, 6)), ((3, 7, 9), (9,)), ((9,), (2, 9, 4)),
    ((4, 3, 5), (4, 5, 2)), ((6, 10, 20), (20, 30)), ((0, 4), (4, 3)), ((3, 0), (0, 5)),
    ((2, 0, 3), (3, 4)), ((0,), (0,)), ((300, 300), (300, 300)),
]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matmul_shapes(level, dtype, sa, sb):
    C.set_simd_level(level)
    try:
        a, b = arr(sa, dtype), arr(sb, dtype)
        out = mm(a, b)
        assert np.asarray(out).dtype == dtype
        check(out, ref_mm(a, b), sa[-1], dtype)
    finally:
        C.set_simd_level(C.simd_max_level())


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_strided(level, dtype):
    C.set_simd_level(level)
    try:
        x = arr((64, 784), dtype)
        g = arr((64, 128), dtype)
        w = arr((128, 784), dtype)
        # xᵀ·g, x transposed in place
        xt = C.from_numpy(x).transpose(0, 1)
        check(C.matmul(xt, C.from_numpy(g)).numpy(), ref_mm(x.T, g), 64, dtype)
        # g·W and x·Wᵀ
        check(mm(g, w), ref_mm(g, w), 128, dtype)
        wt = C.from_numpy(w).transpose(0, 1)
        check(C.matmul(C.from_numpy(x), wt).numpy(), ref_mm(x, w.T), 784, dtype)
        # both transposed, sliced with steps, negative strides from numpy
        a = arr((50, 40), dtype)
        b = arr((60, 50), dtype)
        ta = C.from_numpy(a).transpose(0, 1)
        tb = C.from_numpy(b).transpose(0, 1)
        check(C.matmul(ta, tb).numpy(), ref_mm(a.T, b.T), 50, dtype)
        big = arr((90, 70), dtype)
        s = C.from_numpy(big).slice(0, 1, 90, 3).slice(1, 0, 70, 2)  # (30, 35)
        bb = arr((35, 17), dtype)
        check(C.matmul(s, C.from_numpy(bb)).numpy(), ref_mm(big[1::3, ::2], bb), 35, dtype)
        neg = big[::-1, ::-2]
        bb2 = arr((35, 5), dtype)
        check(mm(neg, bb2), ref_mm(neg, bb2), 35, dtype)
        # batched with a permuted batch view
        p = arr((4, 6, 8), dtype)
        pv = C.from_numpy(p).permute([1, 0, 2])  # (6, 4, 8)
        q = arr((6, 8, 3), dtype)
        check(C.matmul(pv, C.from_numpy(q)).numpy(), ref_mm(p.transpose(1, 0, 2), q), 8, dtype)
        # broadcast b over a's batch (folded into rows) and a over b's
        r = arr((3, 5, 16), dtype)
        s2 = arr((16, 7), dtype)
        check(mm(r, s2), ref_mm(r, s2), 16, dtype)
        check(mm(s2.T.copy(), r.transpose(0, 2, 1).copy()), ref_mm(s2.T, r.transpose(0, 2, 1)), 16, dtype)
    finally:
        C.set_simd_level(C.simd_max_level())


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear(level, dtype):
    C.set_simd_level(level)
    try:
        for xs, (o, i) in [((64, 784), (128, 784)), ((64, 128), (10, 128)), ((2, 3, 20), (7, 20)),
                           ((20,), (5, 20)), ((0, 4), (3, 4)), ((3, 0), (4, 0))]:
            x, w, b = arr(xs, dtype), arr((o, i), dtype), arr((o,), dtype)
            ref = ref_mm(x, w.T) + b
            check(C.linear(C.from_numpy(x), C.from_numpy(w), C.from_numpy(b)).numpy(), ref, i, dtype)
            check(C.linear(C.from_numpy(x), C.from_numpy(w), None).numpy(), ref_mm(x, w.T), i, dtype)
    finally:
        C.set_simd_level(C.simd_max_level())


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemv(level, dtype):
    C.set_simd_level(level)
    try:
        f = C.from_numpy
        for m, k in [(1, 1), (3, 17), (7, 33), (1030, 50), (45, 2100)]:
            A, x = arr((m, k), dtype), arr((k,), dtype)
            check(mm(A, x), ref_mm(A, x), k, dtype)                          # rows contiguous
            At = arr((k, m), dtype)
            check(C.matmul(f(At).transpose(0, 1), f(x)).numpy(), ref_mm(At.T, x), k, dtype)  # columns
            v = arr((m,), dtype)
            check(mm(v, A), ref_mm(v, A), m, dtype)                          # x·A = Aᵀ·x
            check(C.matmul(f(v), f(At).transpose(0, 1)).numpy(), ref_mm(v, At.T), m, dtype)
            xs = arr((2 * k,), dtype)
            check(C.matmul(f(A), f(xs).slice(0, 0, 2 * k, 2)).numpy(), ref_mm(A, xs[::2]), k, dtype)
            check(mm(A, x[:, None]), ref_mm(A, x[:, None]), k, dtype)     # (m,k)@(k,1)
    finally:
        C.set_simd_level(C.simd_max_level())


def test_k0_zeros_and_threads():
    a = arr((7, 0), np.float32)
    b = arr((0, 9), np.float32)
    out = mm(a, b)
    assert out.shape == (7, 9) and np.all(out == 0)
    n = C.get_num_threads() if hasattr(C, "get_num_threads") else None
    for t in (1, 2):
        C.set_num_threads(t)
        a, b = arr((513, 700), np.float32), arr((700, 260), np.float32)
        check(mm(a, b), ref_mm(a, b), 700, np.float32)
        a, b = arr((520, 640), np.float32), arr((640, 450), np.float32)  # several chunks per thread
        check(mm(a, b), ref_mm(a, b), 640, np.float32)
        a, b = arr((20, 900), np.float32), arr((900, 700), np.float32)  # split along N
        check(mm(a, b), ref_mm(a, b), 900, np.float32)
        a, b = arr((8, 64, 32), np.float32), arr((8, 32, 48), np.float32)
        check(mm(a, b), ref_mm(a, b), 32, np.float32)
    if n:
        C.set_num_threads(n)


def test_errors():
    f = C.from_numpy
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 6\) cannot be multiplied \(4 != 5\)"):
        C.matmul(f(arr((3, 4), np.float32)), f(arr((5, 6), np.float32)))
    with pytest.raises(TypeError):
        C.matmul(f(arr((3, 4), np.float32)), f(arr((4, 6), np.float64)))
    with pytest.raises(TypeError):
        C.matmul(f(np.ones((3, 4), np.bool_)), f(np.ones((4, 6), np.bool_)))
    # int64 is a product torch computes (exactly, wrapping): it was a TypeError here before
    a, b = np.arange(12, dtype=np.int64).reshape(3, 4) - 5, np.arange(24, dtype=np.int64).reshape(4, 6) * 3
    np.testing.assert_array_equal(C.matmul(f(a), f(b)).numpy(), a @ b)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3, 4\) and \(5, 4, 6\)"):
        C.matmul(f(arr((2, 3, 4), np.float32)), f(arr((5, 4, 6), np.float32)))
    with pytest.raises(ValueError):
        C.matmul(f(np.ones((), np.float32)), f(arr((2, 2), np.float32)))
    with pytest.raises(ValueError):
        C.linear(f(arr((3, 4), np.float32)), f(arr((5, 6), np.float32)), None)
    with pytest.raises(ValueError):
        C.linear(f(arr((3, 4), np.float32)), f(arr((5, 4), np.float32)), f(arr((6,), np.float32)))


if __name__ == "__main__":
    import sys
    sys.exit(pytest.main([__file__, "-q"]))
