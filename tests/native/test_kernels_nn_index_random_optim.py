"""Smoke test of the kernels (NN, indexing, creation/random, optimizer updates) against
numpy / torch. Quick by design: the spec tests live elsewhere.

    PYTHONPATH=. python -m pytest -q tests/native/test_kernels_nn_index_random_optim.py
    PYTHONPATH=. python tests/native/test_kernels_nn_index_random_optim.py --bench      # timings vs torch (1 thread)
"""
import sys
import time

import numpy as np
import pytest
import torch

import tinygrad_lite._C as C

F32, F64, I64, BOOL = C.FLOAT32, C.FLOAT64, C.INT64, C.BOOL
LEVELS = [l for l in ("avx512", "avx2", "portable")
          if ["portable", "avx2", "avx512"].index(l) <= ["portable", "avx2", "avx512"].index(C.simd_max_level())]
rng = np.random.default_rng(0)


def A(x):
    return C.from_numpy(np.ascontiguousarray(x))


def tol(dt):
    return dict(rtol=1e-5, atol=1e-6) if dt == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(params=LEVELS)
def level(request):
    old = C.simd_level()
    C.set_simd_level(request.param)
    yield request.param
    C.set_simd_level(old)


# ---------------------------------------------------------------- NN
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", [((64, 128), -1), ((1024, 10), 1), ((7, 3), 0), ((5, 37), -1),
                                        ((4, 5, 6), 1), ((4, 5, 6), 0), ((3, 1000), 1), ((2, 33, 17), -1), ((9,), 0)])
def test_softmax(level, dt, shape, axis):
    x = (rng.standard_normal(shape) * 4).astype(dt)
    tx = torch.from_numpy(x)
    np.testing.assert_allclose(C.softmax(A(x), axis).numpy(), torch.softmax(tx, axis).numpy(), **tol(dt))
    np.testing.assert_allclose(C.log_softmax(A(x), axis).numpy(), torch.log_softmax(tx, axis).numpy(),
                               rtol=1e-5 if dt == np.float32 else 1e-12, atol=1e-5 if dt == np.float32 else 1e-12)
    # backward vs autograd
    g = rng.standard_normal(shape).astype(dt)
    for fn, ours, bwd in [(torch.softmax, C.softmax, C.softmax_backward),
                          (torch.log_softmax, C.log_softmax, C.log_softmax_backward)]:
        t = tx.clone().requires_grad_(True)
        fn(t, axis).backward(torch.from_numpy(g))
        y = ours(A(x), axis)
        np.testing.assert_allclose(bwd(y, A(g), axis).numpy(), t.grad.numpy(),
                                   rtol=1e-4 if dt == np.float32 else 1e-10, atol=1e-5 if dt == np.float32 else 1e-12)


def test_softmax_strided_and_extremes(level):
    x = rng.standard_normal((6, 40)).astype(np.float32)
    v = A(x).transpose(0, 1)  # (40, 6) view, non-contiguous
    np.testing.assert_allclose(C.softmax(v, 1).numpy(), torch.softmax(torch.from_numpy(x.T.copy()), 1).numpy(),
                               rtol=1e-5, atol=1e-7)
    big = np.array([[1000.0, 0.0, -1000.0, -np.inf] * 5], np.float32)
    np.testing.assert_allclose(C.softmax(A(big), -1).numpy(), torch.softmax(torch.from_numpy(big), -1).numpy(),
                               atol=1e-7)
    assert np.isfinite(C.log_softmax(A(big[:, :3]), -1).numpy()).all()


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("N,Cn", [(64, 128), (1024, 10), (33, 17), (5, 1000), (3, 1)])
@pytest.mark.parametrize("eps", [0.0, 0.1])
@pytest.mark.parametrize("red", [0, 1, 2])
def test_cross_entropy(level, dt, N, Cn, eps, red):
    x = (rng.standard_normal((N, Cn)) * 3).astype(dt)
    t = rng.integers(0, Cn, N).astype(np.int64)
    t[::4] = -100  # ignored rows
    if Cn > 1:
        t[1] = 0
    loss, lse = C.cross_entropy(A(x), A(t), -100, eps, red)
    tx = torch.from_numpy(x).requires_grad_(True)
    tl = torch.nn.functional.cross_entropy(tx, torch.from_numpy(t), ignore_index=-100, label_smoothing=eps,
                                           reduction=["none", "mean", "sum"][red])
    k = dict(rtol=1e-5, atol=1e-5) if dt == np.float32 else dict(rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(loss.numpy(), tl.detach().numpy(), **k)
    np.testing.assert_allclose(lse.numpy(), torch.logsumexp(torch.from_numpy(x), 1).numpy(), **k)
    g = rng.standard_normal(N).astype(dt) if red == 0 else np.array(1.7, dt)
    tl.backward(torch.from_numpy(g))
    dx = C.cross_entropy_backward(A(x), A(t), lse, A(g), -100, eps, red)
    np.testing.assert_allclose(dx.numpy(), tx.grad.numpy(), **k)


def test_nn_large_streaming(level):
    # > 8 MiB outputs take the streaming-store path; odd C leaves rows unaligned
    x = (rng.standard_normal((2100, 1031)) * 3).astype(np.float32)
    t = rng.integers(0, 1031, 2100).astype(np.int64)
    t[::7] = -100
    tx = torch.from_numpy(x)
    np.testing.assert_allclose(C.softmax(A(x), -1).numpy(), torch.softmax(tx, -1).numpy(), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(C.log_softmax(A(x), -1).numpy(), torch.log_softmax(tx, -1).numpy(), rtol=1e-5,
                               atol=1e-5)
    loss, lse = C.cross_entropy(A(x), A(t), -100, 0.1, 1)
    txg = tx.clone().requires_grad_(True)
    tl = torch.nn.functional.cross_entropy(txg, torch.from_numpy(t), label_smoothing=0.1)
    tl.backward()
    np.testing.assert_allclose(loss.numpy(), tl.item(), rtol=1e-5)
    dx = C.cross_entropy_backward(A(x), A(t), lse, A(np.array(1.0, np.float32)), -100, 0.1, 1).numpy()
    np.testing.assert_allclose(dx, txg.grad.numpy(), rtol=1e-4, atol=1e-10)


def test_nn_errors():
    x = A(rng.standard_normal((4, 5)).astype(np.float32))
    with pytest.raises(IndexError):
        C.softmax(x, 2)
    with pytest.raises(TypeError):
        C.softmax(A(np.arange(4)), 0)
    with pytest.raises(IndexError, match="cross_entropy.*5.*5"):
        C.cross_entropy(x, A(np.array([0, 1, 5, 2])), -100, 0.0, 1)
    with pytest.raises(IndexError):
        C.cross_entropy(x, A(np.array([0, 1, -1, 2])), -100, 0.0, 1)
    with pytest.raises(TypeError):
        C.cross_entropy(x, A(np.array([0, 1, 1, 2], np.float32)), -100, 0.0, 1)
    with pytest.raises(ValueError):
        C.cross_entropy(x, A(np.array([0, 1, 1])), -100, 0.0, 1)
    with pytest.raises(ValueError):
        C.cross_entropy(x, A(np.array([0, 1, 1, 1])), -100, 0.0, 3)
    with pytest.raises(ValueError):
        C.softmax_backward(x, A(np.zeros((4, 4), np.float32)), 1)


# ---------------------------------------------------------------- indexing
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64, np.bool_])
def test_index_select_gather_cat(dt):
    x = (rng.standard_normal((5, 6, 7)) * 10).astype(dt)
    tx = torch.from_numpy(x)
    for axis in range(3):
        idx = rng.integers(0, x.shape[axis], 9).astype(np.int64)
        np.testing.assert_array_equal(C.index_select(A(x), axis, A(idx)).numpy(),
                                      torch.index_select(tx, axis, torch.from_numpy(idx)).numpy())
        ish = list(x.shape)
        ish[axis] = 4
        gi = rng.integers(0, x.shape[axis], ish).astype(np.int64)
        np.testing.assert_array_equal(C.gather(A(x), axis, A(gi)).numpy(),
                                      torch.gather(tx, axis, torch.from_numpy(gi)).numpy())
        parts = [x, x[(slice(None),) * axis + (slice(0, 2),)]]
        np.testing.assert_array_equal(C.cat([A(p) for p in parts], axis).numpy(), np.concatenate(parts, axis))
    # strided input
    v = A(x).transpose(0, 2)
    np.testing.assert_array_equal(C.gather(v, 1, A(np.zeros((7, 2, 5), np.int64))).numpy(),
                                  torch.gather(tx.transpose(0, 2), 1, torch.zeros((7, 2, 5), dtype=torch.long)).numpy())
    np.testing.assert_array_equal(C.nonzero(A(x)).numpy(), torch.nonzero(tx).numpy())


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64])
def test_index_add_scatter_add(dt):
    src = (rng.standard_normal((12, 5)) * 10).astype(dt)
    idx = np.array([0, 3, 3, 3, 1, 0, 9, 9, 2, 3, 0, 0], np.int64)  # repeats accumulate (embedding bwd)
    ref = torch.zeros((10, 5), dtype=torch.from_numpy(src).dtype).index_add_(0, torch.from_numpy(idx),
                                                                            torch.from_numpy(src))
    np.testing.assert_allclose(C.index_add([10, 5], 0, A(idx), A(src)).numpy(), ref.numpy(), rtol=1e-6)
    src2 = (rng.standard_normal((3, 4, 5)) * 10).astype(dt)
    idx2 = rng.integers(0, 6, (3, 4, 5)).astype(np.int64)
    ref2 = torch.zeros((3, 6, 5), dtype=torch.from_numpy(src2).dtype).scatter_add_(1, torch.from_numpy(idx2),
                                                                                  torch.from_numpy(src2))
    np.testing.assert_allclose(C.scatter_add([3, 6, 5], 1, A(idx2), A(src2)).numpy(), ref2.numpy(), rtol=1e-6)
    idx3 = rng.integers(0, 7, 5).astype(np.int64)
    np.testing.assert_allclose(C.index_add([3, 4, 7], 2, A(idx3), A(src2)).numpy(),
                               torch.zeros((3, 4, 7), dtype=ref2.dtype).index_add_(2, torch.from_numpy(idx3),
                                                                                   torch.from_numpy(src2)).numpy(),
                               rtol=1e-6)


def test_index_errors():
    x = A(np.zeros((4, 5), np.float32))
    with pytest.raises(IndexError, match="index_select.*7.*4"):
        C.index_select(x, 0, A(np.array([1, 7])))
    with pytest.raises(IndexError):
        C.index_select(x, 0, A(np.array([-1])))
    with pytest.raises(IndexError):
        C.index_select(x, 2, A(np.array([0])))
    with pytest.raises(TypeError):
        C.index_select(x, 0, A(np.array([0.0])))
    with pytest.raises(IndexError, match="gather.*5.*5"):
        C.gather(x, 1, A(np.full((4, 5), 5)))
    with pytest.raises(IndexError, match="scatter_add"):
        C.scatter_add([4, 5], 0, A(np.full((1, 1), 4)), A(np.ones((1, 1), np.float32)))
    with pytest.raises(IndexError, match="index_add"):
        C.index_add([4, 5], 0, A(np.array([4])), A(np.ones((1, 5), np.float32)))
    with pytest.raises(ValueError):
        C.index_add([4, 5], 0, A(np.array([1])), A(np.ones((1, 4), np.float32)))
    with pytest.raises(ValueError):
        C.cat([x, A(np.zeros((4, 6), np.float32))], 0)
    with pytest.raises(TypeError):
        C.cat([x, A(np.zeros((4, 5)))], 0)
    with pytest.raises(ValueError):
        C.cat([], 0)


# ---------------------------------------------------------------- creation and random
def test_full_arange():
    assert C.full([2, 3], 2.5, F32).numpy().tolist() == [[2.5] * 3] * 2
    assert C.full([2], 1.0, BOOL).numpy().dtype == np.bool_
    for args in [(0, 10, 1), (0, 10, 3), (1.5, 2.7, 0.1), (10, 0, -3), (0, 0, 1), (-1, 1, 0.25)]:
        for dt, tdt in [(F32, torch.float32), (F64, torch.float64), (I64, torch.int64)]:
            if dt == I64 and any(float(a) != int(a) for a in args):
                continue
            np.testing.assert_allclose(C.arange(*map(float, args), dt).numpy(),
                                       torch.arange(*args, dtype=tdt).numpy(), rtol=1e-6)
    with pytest.raises(ValueError):
        C.arange(0.0, 1.0, 0.0, F32)
    with pytest.raises(ValueError):
        C.arange(5.0, 0.0, 1.0, F32)


def test_random():
    C.manual_seed(123)
    assert C.initial_seed() == 123
    a = [C.rand([1000], F32).numpy().copy(), C.randn([1001], F64).numpy().copy(),
         C.randint(-3, 7, [500]).numpy().copy(), C.randperm(50).numpy().copy()]
    C.manual_seed(123)
    b = [C.rand([1000], F32).numpy(), C.randn([1001], F64).numpy(), C.randint(-3, 7, [500]).numpy(),
         C.randperm(50).numpy()]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(C.rand([1000], F32).numpy(), a[0])  # the counter advanced
    # independent of the thread count
    C.manual_seed(7)
    C.set_num_threads(1)
    one = C.randn([1 << 17], F32).numpy().copy()
    C.manual_seed(7)
    C.set_num_threads(2)
    np.testing.assert_array_equal(one, C.randn([1 << 17], F32).numpy())
    # distributions
    u = C.rand([200000], F64).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = C.randn([200000], F32).numpy()
    assert abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01
    r = C.randint(-3, 7, [100000]).numpy()
    assert r.min() == -3 and r.max() == 6
    assert sorted(C.randperm(100).numpy().tolist()) == list(range(100))
    x = C.empty([300, 300], F32)
    v = x.transpose(0, 1)
    C.uniform_(v, -2.0, 3.0)
    assert -2 <= x.numpy().min() and x.numpy().max() < 3
    C.normal_(x, 5.0, 2.0)
    assert abs(x.numpy().mean() - 5) < 0.05 and abs(x.numpy().std() - 2) < 0.05
    xs = rng.standard_normal((100, 100)).astype(np.float32)
    y, m = C.dropout(A(xs), 0.3)
    y, m = y.numpy(), m.numpy()
    assert m.dtype == np.bool_ and abs(m.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y, xs * m / 0.7, rtol=1e-6)
    y1, m1 = C.dropout(A(xs), 1.0)
    assert (y1.numpy() == 0).all() and not m1.numpy().any()
    y0, m0 = C.dropout(A(xs), 0.0)
    np.testing.assert_array_equal(y0.numpy(), xs)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError):
            C.dropout(A(xs), bad)
    with pytest.raises(TypeError):
        C.rand([3], I64)
    with pytest.raises(ValueError):
        C.randint(5, 5, [3])


# ---------------------------------------------------------------- optimizers
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("cfg", [dict(momentum=0.0), dict(momentum=0.9, dampening=0.1, weight_decay=0.01),
                                 dict(momentum=0.9, nesterov=True, weight_decay=0.1), dict(momentum=0.5, maximize=True)])
def test_sgd(level, dt, cfg):
    p0 = rng.standard_normal(1037).astype(dt)
    tp = torch.from_numpy(p0.copy()).requires_grad_(True)
    opt = torch.optim.SGD([tp], lr=0.1, **cfg)
    p = A(p0.copy())
    buf = C.full([1037], 0.0, F32 if dt == np.float32 else F64) if cfg.get("momentum") else None
    for step in range(3):
        g = rng.standard_normal(1037).astype(dt)
        tp.grad = torch.from_numpy(g.copy())
        opt.step()
        C.sgd_step_(p, A(g), buf, 0.1, cfg.get("momentum", 0.0), cfg.get("dampening", 0.0),
                    cfg.get("weight_decay", 0.0), cfg.get("nesterov", False), cfg.get("maximize", False), step == 0)
    np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), **tol(dt))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("cls,wd,maximize", [(torch.optim.Adam, 0.0, False), (torch.optim.Adam, 0.1, False),
                                             (torch.optim.AdamW, 0.1, False), (torch.optim.Adam, 0.0, True)])
def test_adam(level, dt, cls, wd, maximize):
    n = 1037
    p0 = rng.standard_normal(n).astype(dt)
    tp = torch.from_numpy(p0.copy()).requires_grad_(True)
    opt = cls([tp], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=wd, maximize=maximize, foreach=False)
    code = F32 if dt == np.float32 else F64
    p, m, v = A(p0.copy()), C.full([n], 0.0, code), C.full([n], 0.0, code)
    for step in range(1, 5):
        g = rng.standard_normal(n).astype(dt)
        tp.grad = torch.from_numpy(g.copy())
        opt.step()
        C.adam_step_(p, A(g), m, v, 0.01, 0.9, 0.99, 1e-8, wd, cls is torch.optim.AdamW, step, maximize)
    np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-6 if dt == np.float32 else 1e-13,
                               atol=1e-6 if dt == np.float32 else 1e-13)
    np.testing.assert_allclose(v.numpy(), opt.state[tp]["exp_avg_sq"].numpy(), rtol=1e-6)


def test_optim_errors():
    p = A(np.zeros(4, np.float32))
    with pytest.raises(ValueError):
        C.sgd_step_(p, A(np.zeros(5, np.float32)), None, 0.1, 0.0, 0.0, 0.0, False, False, True)
    with pytest.raises(TypeError):
        C.sgd_step_(p, A(np.zeros(4)), None, 0.1, 0.0, 0.0, 0.0, False, False, True)
    with pytest.raises(ValueError):
        C.sgd_step_(p, A(np.zeros(4, np.float32)), None, 0.1, 0.9, 0.0, 0.0, False, False, True)


# ---------------------------------------------------------------- benchmark
def _median_time(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def bench():
    C.set_num_threads(1)
    torch.set_num_threads(1)
    print(f"simd={C.simd_level()}  (1 thread, median)")
    # achievable bandwidth reference: numpy copy of 64 MiB (read + write)
    src = np.ones(16384 * 1024, np.float32)
    dst = np.empty_like(src)
    tc = _median_time(lambda: np.copyto(dst, src), 7)
    bw = 2 * src.nbytes / tc / 1e9
    print(f"numpy copy 64MiB: {tc*1e3:.2f} ms  {bw:.1f} GB/s (read+write)")
    for N, Cn in [(64, 128), (1024, 10), (16384, 1024)]:
        reps = 7 if N * Cn > 1e6 else 200
        x = rng.standard_normal((N, Cn)).astype(np.float32)
        t = rng.integers(0, Cn, N).astype(np.int64)
        xa, ta, tx, tt = A(x), A(t), torch.from_numpy(x), torch.from_numpy(t)
        ours = _median_time(lambda: C.softmax(xa, -1), reps)
        theirs = _median_time(lambda: torch.softmax(tx, -1), reps)
        line = f"softmax {N}x{Cn}: ours {ours*1e6:9.1f} us  torch {theirs*1e6:9.1f} us  ratio {ours/theirs:.2f}"
        if N * Cn > 1e6:
            line += f"  {2*x.nbytes/ours/1e9:.1f} GB/s ({2*x.nbytes/ours/1e9/bw*100:.0f}% of copy)"
        print(line)
        g1 = A(np.array(1.0, np.float32))

        def ce_ours():
            loss, lse = C.cross_entropy(xa, ta, -100, 0.0, 1)
            return C.cross_entropy_backward(xa, ta, lse, g1, -100, 0.0, 1)

        txg = tx.clone().requires_grad_(True)

        def ce_torch():
            txg.grad = None
            torch.nn.functional.cross_entropy(txg, tt).backward()

        ours = _median_time(ce_ours, reps)
        theirs = _median_time(ce_torch, reps)
        line = f"CE fwd+bwd {N}x{Cn}: ours {ours*1e6:9.1f} us  torch {theirs*1e6:9.1f} us  ratio {ours/theirs:.2f}"
        if N * Cn > 1e6:
            line += f"  {3*x.nbytes/ours/1e9:.1f} GB/s ({3*x.nbytes/ours/1e9/bw*100:.0f}% of copy)"
        print(line)


if __name__ == "__main__":
    if "--bench" in sys.argv:
        bench()
    else:
        sys.exit(pytest.main([__file__, "-q"]))
