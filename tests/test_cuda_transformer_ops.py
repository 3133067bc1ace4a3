"""Device tests of the transformer kernels' CUDA twins (csrc/cuda/layer_norm.cu, attention.cu)
against the CPU kernels of the same names, as tests/test_cuda_ops.py does for the others.
Skipped as a whole without a usable GPU."""
import numpy as np
import pytest

from tinygrad_lite import _C

cuda = pytest.importorskip("tinygrad_lite.backend.cuda")
pytestmark = pytest.mark.skipif(not cuda.is_available(), reason=f"no CUDA device ({cuda.load_error() or 'no GPU'})")

RNG = np.random.default_rng(0)
TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def H(x):
    return _C.from_numpy(np.ascontiguousarray(x))


def D(x):
    return cuda.to_device(H(x), 0)


def back(a):
    return cuda.to_host(a).numpy().copy()


def close(got_dev, want_cpu, dt):
    got, want = back(got_dev), np.ascontiguousarray(want_cpu.numpy())
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, **TOL[dt])


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,ns", [((4, 7), (7,)), ((3, 5, 40), (40,)), ((2, 3, 4), (3, 4)), ((1000, 65), (65,))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_and_rms_norm(dt, shape, ns, affine):
    x, g = RNG.standard_normal(shape).astype(dt), RNG.standard_normal(shape).astype(dt)
    w = RNG.standard_normal(ns).astype(dt) if affine else None
    b = RNG.standard_normal(ns).astype(dt) if affine else None
    opt = (lambda a, f: f(a) if a is not None else None)
    want = _C.layer_norm(H(x), list(ns), opt(w, H), opt(b, H), 1e-5)
    got = cuda.layer_norm(D(x), list(ns), opt(w, D), opt(b, D), 1e-5)
    for a, e in zip(got, want):
        close(a, e, dt)
    want_b = _C.layer_norm_backward(H(g), H(x), list(ns), want[1], want[2], opt(w, H), affine, affine)
    got_b = cuda.layer_norm_backward(D(g), D(x), list(ns), got[1], got[2], opt(w, D), affine, affine)
    for a, e in zip(got_b, want_b):
        assert (a is None) == (e is None)
        if a is not None:
            close(a, e, dt)
    want = _C.rms_norm(H(x), list(ns), opt(w, H), 1e-6)
    got = cuda.rms_norm(D(x), list(ns), opt(w, D), 1e-6)
    for a, e in zip(got, want):
        close(a, e, dt)
    for a, e in zip(cuda.rms_norm_backward(D(g), D(x), list(ns), got[1], opt(w, D), affine),
                    _C.rms_norm_backward(H(g), H(x), list(ns), want[1], opt(w, H), affine)):
        if a is not None:
            close(a, e, dt)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("Z,Hq,Hk,L,S,E,Ev", [(2, 2, 2, 5, 5, 8, 8), (1, 4, 2, 70, 33, 64, 32), (2, 3, 1, 1, 100, 128, 128),
                                              (1, 1, 1, 130, 130, 96, 40)])
@pytest.mark.parametrize("mask", [None, "bool", "float"])
@pytest.mark.parametrize("causal", [False, True])
def test_attention_forward_backward(dt, Z, Hq, Hk, L, S, E, Ev, mask, causal):
    q = RNG.standard_normal((Z, Hq, L, E)).astype(dt)
    k = RNG.standard_normal((Z, Hk, S, E)).astype(dt)
    v = RNG.standard_normal((Z, Hk, S, Ev)).astype(dt)
    g = RNG.standard_normal((Z, Hq, L, Ev)).astype(dt)
    m = None
    if mask == "bool":
        m = RNG.random((L, S)) < 0.7
    elif mask == "float":
        m = RNG.standard_normal((Z, 1, L, S)).astype(dt)
    mh, md = (None, None) if m is None else (H(m), D(m))
    o, lse, rng = _C.scaled_dot_product_attention(H(q), H(k), H(v), mh, 0.0, causal, 0.3)
    od, lsed, rngd = cuda.scaled_dot_product_attention(D(q), D(k), D(v), md, 0.0, causal, 0.3)
    close(od, o, dt)
    close(lsed, lse, dt)
    want = _C.scaled_dot_product_attention_backward(H(g), H(q), H(k), H(v), o, lse, mh, 0.0, causal, 0.3, rng)
    got = cuda.scaled_dot_product_attention_backward(D(g), D(q), D(k), D(v), od, lsed, md, 0.0, causal, 0.3, rngd)
    for a, e in zip(got, want):
        close(a, e, dt)


def test_attention_dropout_is_seeded_and_keeps_the_expectation():
    q = D(np.zeros((1, 1, 64, 8), np.float32))
    v = D(np.ones((1, 1, 256, 8), np.float32))
    k = D(np.zeros((1, 1, 256, 8), np.float32))
    cuda.manual_seed(3)
    a = back(cuda.scaled_dot_product_attention(q, k, v, None, 0.5, False, 1.0)[0])
    cuda.manual_seed(3)
    b = back(cuda.scaled_dot_product_attention(q, k, v, None, 0.5, False, 1.0)[0])
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - 1.0) < 0.1  # uniform weights 1/256, kept ones scaled by 2


@pytest.mark.parametrize("pad,freq", [(-1, False), (3, True)])
def test_embedding_backward(pad, freq):
    idx = RNG.integers(0, 40, (6, 7)).astype(np.int64)
    g = RNG.standard_normal((6, 7, 16)).astype(np.float64)
    close(cuda.embedding_backward(D(g), D(idx), 40, pad, freq), _C.embedding_backward(H(g), H(idx), 40, pad, freq),
          np.float64)
    with pytest.raises(IndexError):
        cuda.embedding_backward(D(g), D(idx), 10, -1, False)
