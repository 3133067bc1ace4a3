"""The random stream is one definition on every SIMD path: element i of a draw after manual_seed(s) is
Philox4x32-10 of counter i // 2 under key s, words (2·(i % 2), 2·(i % 2) + 1) as a 64-bit number w, and
U = (w >> 40) / 2²⁴ in float32 (53 bits in float64). Checked against a plain-Python Philox, on the
portable, AVX2 and AVX-512 paths (the bulk generator runs 16 counters side by side in vector registers)."""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite._C as C
import tinygrad_lite.nn.functional as F

ORDER = ["portable", "avx2", "avx512"]
LEVELS = ORDER[:ORDER.index(C.simd_max_level()) + 1]
M32 = 0xFFFFFFFF


def philox(counter, key):
    """Philox4x32-10 (Salmon et al. 2011) of a 64-bit counter (words c0, c1; c2 = c3 = 0) under a 64-bit key."""
    c0, c1, c2, c3 = counter & M32, counter >> 32, 0, 0
    k0, k1 = key & M32, key >> 32
    for _ in range(10):
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & M32, (p0 >> 32) ^ c3 ^ k1, p0 & M32
        k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
    return c0, c1, c2, c3


def uniform_f32(seed, n):
    out = np.empty(n, np.float32)
    for i in range(n):
        r = philox(i >> 1, seed)
        h = 2 * (i & 1)
        out[i] = np.float32((((r[h] << 32) | r[h + 1]) >> 40) / 2.0 ** 24)
    return out


@pytest.fixture(params=LEVELS)
def level(request):
    old = C.simd_level()
    C.set_simd_level(request.param)
    yield request.param
    C.set_simd_level(old)


def test_rand_is_the_documented_philox_stream(level):
    want = uniform_f32(7, 1001)  # odd length: the last block is half used; > 256: several bulk chunks
    tl.manual_seed(7)
    np.testing.assert_array_equal(tl.rand(1001).numpy(), want)


def test_dropout_masks_are_the_same_on_every_path(level):
    tl.manual_seed(3)
    kept = F.dropout(tl.ones(999), 0.3, True).numpy() != 0
    np.testing.assert_array_equal(kept, uniform_f32(3, 999) >= np.float32(0.3))


def test_attention_dropout_is_the_same_on_every_path(level):
    """P·d with d the stream's keep mask: with v = I and one query, out = the kept, rescaled weights."""
    S, p = 70, 0.4
    q, k = tl.zeros(1, 1, 1, 4), tl.zeros(1, 1, S, 4)  # equal scores: softmax weights 1/S
    v = tl.from_numpy(np.eye(S, dtype=np.float32)).reshape(1, 1, S, S)
    tl.manual_seed(11)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy().reshape(S)
    keep = uniform_f32(11, S) >= np.float32(p)
    np.testing.assert_allclose(out, np.where(keep, 1.0 / S / (1 - p), 0.0), rtol=1e-6, atol=0)
