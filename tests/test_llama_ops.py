"""The fused Llama inference kernels (csrc/cpu/llama_ops.cpp) against numpy in float64, on every SIMD path."""
import numpy as np
import pytest

import tinygrad_lite._C as C

ORDER = ["portable", "avx2", "avx512"]
LEVELS = ORDER[:ORDER.index(C.simd_max_level()) + 1]
rng = np.random.default_rng(0)


@pytest.fixture(params=LEVELS, autouse=True)
def simd(request):
    old = C.simd_level()
    C.set_simd_level(request.param)
    yield request.param
    C.set_simd_level(old)


def A(x):
    return C.from_numpy(np.ascontiguousarray(x, np.float32))


@pytest.mark.parametrize("shape", [(1, 576), (7, 64), (3, 5, 33), (2, 1)])
def test_rms_norm(shape):
    x = rng.standard_normal(shape).astype(np.float32) * 3
    w = rng.standard_normal(shape[-1]).astype(np.float32)
    ref = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + 1e-5) * w
    np.testing.assert_allclose(C.llama_rms_norm(A(x), A(w), 1e-5).numpy(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 17, 1536])
def test_silu_mul(n):
    g = rng.standard_normal(n).astype(np.float32) * 6
    g[:3] = [-100.0, 100.0, 0.0][:min(3, n)]
    u = rng.standard_normal(n).astype(np.float32)
    ref = g / (1 + np.exp(-g.astype(np.float64))) * u
    np.testing.assert_allclose(C.llama_silu_mul(A(g), A(u)).numpy(), ref, rtol=2e-6, atol=1e-30)


def test_rope():
    T, H, hd, P, pos0 = 5, 3, 16, 20, 7
    x = rng.standard_normal((T, H, hd)).astype(np.float32)
    ang = np.arange(P)[:, None] * rng.uniform(0.01, 1, hd // 2)[None, :]
    cos, sin = np.cos(ang), np.sin(ang)
    y = x.copy()
    C.llama_rope_(C.from_numpy(y), A(cos), A(sin), pos0)
    c, s = cos[pos0:pos0 + T][:, None, :], sin[pos0:pos0 + T][:, None, :]
    a, b = x[..., 0::2].astype(np.float64), x[..., 1::2].astype(np.float64)
    np.testing.assert_allclose(y[..., 0::2], a * c - b * s, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y[..., 1::2], b * c + a * s, rtol=1e-5, atol=1e-6)
    with pytest.raises(IndexError, match="outside the table"):
        C.llama_rope_(C.from_numpy(y), A(cos), A(sin), P - T + 1)
    with pytest.raises(ValueError, match="contiguous"):
        C.llama_rope_(C.from_numpy(np.zeros((T, H, 2 * hd), np.float32)[:, :, :hd]), A(cos), A(sin), 0)


def reference_attention(q, kc, vc, pos0):
    T, H, hd = q.shape
    Hkv = kc.shape[0]
    out = np.zeros((T, H, hd))
    for t in range(T):
        for h in range(H):
            g = h // (H // Hkv)
            S = pos0 + t + 1
            a = kc[g, :S].astype(np.float64) @ q[t, h] / np.sqrt(hd)
            p = np.exp(a - a.max())
            out[t, h] = (p / p.sum()) @ vc[g, :S]
    return out


@pytest.mark.parametrize("T,H,Hkv,hd,pos0", [(1, 9, 3, 64, 0), (1, 9, 3, 64, 37), (6, 4, 2, 16, 0), (5, 4, 4, 8, 9),
                                             (3, 6, 1, 32, 100),  # below: T >= 8, the GEMM path
                                             (8, 9, 3, 64, 0), (12, 4, 2, 16, 5), (33, 6, 1, 32, 30)])
def test_attention_appends_to_the_cache_and_attends_causally(T, H, Hkv, hd, pos0):
    cap = pos0 + T + 3
    kc = np.zeros((Hkv, cap, hd), np.float32)
    vc = np.zeros((Hkv, cap, hd), np.float32)
    kc[:, :pos0] = rng.standard_normal((Hkv, pos0, hd))
    vc[:, :pos0] = rng.standard_normal((Hkv, pos0, hd))
    q = rng.standard_normal((T, H, hd)).astype(np.float32) * 2
    k = rng.standard_normal((T, Hkv, hd)).astype(np.float32)
    v = rng.standard_normal((T, Hkv, hd)).astype(np.float32)
    out = C.llama_attention(A(q), A(k), A(v), C.from_numpy(kc), C.from_numpy(vc), pos0).numpy()
    np.testing.assert_array_equal(kc[:, pos0:pos0 + T], k.transpose(1, 0, 2))
    np.testing.assert_array_equal(vc[:, pos0:pos0 + T], v.transpose(1, 0, 2))
    np.testing.assert_allclose(out, reference_attention(q, kc, vc, pos0), rtol=1e-5, atol=1e-5)


def test_attention_bad_input():
    kc = C.from_numpy(np.zeros((2, 4, 8), np.float32))
    q, k = A(np.zeros((1, 4, 8))), A(np.zeros((1, 2, 8)))
    with pytest.raises(IndexError, match="do not fit a cache of 4"):
        C.llama_attention(q, k, k, kc, kc, 4)
    with pytest.raises(ValueError, match="not a multiple"):
        C.llama_attention(A(np.zeros((1, 3, 8))), k, k, kc, kc, 0)
    with pytest.raises(ValueError, match="caches"):
        C.llama_attention(q, k, k, C.from_numpy(np.zeros((3, 4, 8), np.float32)), kc, 0)
    with pytest.raises(TypeError, match="float32"):
        C.llama_attention(C.from_numpy(np.zeros((1, 4, 8))), k, k, kc, kc, 0)
    with pytest.raises(ValueError, match="does not match"):
        C.llama_rms_norm(A(np.zeros((2, 8))), A(np.zeros(7)), 1e-5)
    with pytest.raises(ValueError, match="differ"):
        C.llama_silu_mul(A(np.zeros(3)), A(np.zeros(4)))
