"""Every float32 GEMM path against numpy float64, on every SIMD level this CPU has.

The paths (csrc/cpu/gemm*.cpp): the blocked GEMM with its register tiles (AVX-512 14×32 and its
shorter tiles, AVX2 6×16, portable 4×8), packed A (transposing or row-copy) or A read in place, B
packed by block, by panel on the fly, or read in place, the Cᵀ = Bᵀ·Aᵀ swap, the skinny path (M ≤ 16
against a weight with contiguous rows, and the transposed case N ≤ 16), matrix-vector products,
batched products (attention's Q·Kᵀ with Kᵀ read in place, and P·V), threads, and small cache blocks
forced through _C.gemm_set_blocking so that every block edge is crossed.

Tolerance: |ours − exact| ≤ 1e-5·√K·(|A|·|B|)[i, j] + 1e-6, float32 rounding of K products summed
in any order (the bound holds with margin for uniform inputs). Never a time.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite as tl
from helpers import hsettings, tl_np

_C = tl._C
LEVELS = ["portable", "avx2", "avx512"]


def _supported(level):
    return LEVELS.index(level) <= LEVELS.index(_C.simd_max_level())


@pytest.fixture(params=LEVELS)
def simd(request):
    if not _supported(request.param):
        pytest.skip(f"this CPU's best SIMD path is {_C.simd_max_level()}")
    old = _C.simd_level()
    _C.set_simd_level(request.param)
    yield request.param
    _C.set_simd_level(old)


@pytest.fixture(params=[1, 2])
def threads(request):
    old = _C.get_num_threads()
    _C.set_num_threads(request.param)
    yield request.param
    _C.set_num_threads(old)


def _operand(rng, rows, cols, transposed):
    """A (rows × cols) tensor: contiguous, or the .T view of a contiguous (cols × rows) one."""
    v = rng.uniform(-1, 1, (rows, cols)).astype(np.float32)
    t = tl.tensor(np.ascontiguousarray(v.T)).T if transposed else tl.tensor(v)
    return v, t


def _check(got, a, b, what):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    want = a64 @ b64
    k = a.shape[-1]
    bound = 1e-5 * np.sqrt(max(k, 1)) * (np.abs(a64) @ np.abs(b64)) + 1e-6
    err = np.abs(got.astype(np.float64) - want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert np.all(err <= bound), f"{what}: max error {err.max():.3g} (bound {bound.ravel()[np.argmax(err)]:.3g})"


# Sizes straddle the register tiles (14, 6, 4 rows; 32, 16, 8 columns), the skinny limit (16), the
# default blocks (126 rows, 1024 deep) and the matrix-vector case (1).
SHAPES = [(1, 1, 1), (1, 37, 65), (65, 37, 1), (2, 300, 129), (13, 17, 31), (14, 64, 32), (15, 33, 33),
          (16, 100, 48), (17, 129, 17), (29, 70, 97), (64, 128, 10), (130, 64, 70), (40, 1100, 40),
          (127, 1030, 65)]


@pytest.mark.parametrize("m,k,n", SHAPES)
@pytest.mark.parametrize("layout", ["nn", "tn", "nt", "tt"])
def test_gemm_layouts_vs_float64(simd, m, k, n, layout):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a, A = _operand(rng, m, k, layout[0] == "t")
    b, B = _operand(rng, k, n, layout[1] == "t")
    _check(tl_np(A @ B), a, b, f"{m}x{k}x{n} {layout} on {simd}")


@pytest.mark.parametrize("m,k,n", [(256, 256, 256), (300, 200, 130), (8, 512, 700), (700, 512, 8), (3, 64, 5000)])
@pytest.mark.parametrize("layout", ["nn", "tn", "nt", "tt"])
def test_gemm_threads_vs_float64(threads, m, k, n, layout):
    rng = np.random.default_rng(m + k + n)
    a, A = _operand(rng, m, k, layout[0] == "t")
    b, B = _operand(rng, k, n, layout[1] == "t")
    _check(tl_np(A @ B), a, b, f"{m}x{k}x{n} {layout} at {threads} threads")


@pytest.mark.parametrize("blocks", [(14, 64, 64), (28, 96, 32), (6, 17, 16)])
@pytest.mark.parametrize("a_stationary", [0, 1])
def test_gemm_small_blocks_cross_every_edge(simd, blocks, a_stationary):
    """Cache blocks forced small: several jc, pc and ic blocks, ragged ones at each edge, in both
    loop orders around the micro-kernel (B panel outer, A panel outer)."""
    _C.gemm_set_blocking(*blocks, a_stationary=a_stationary)
    try:
        rng = np.random.default_rng(7)
        for m, k, n in [(45, 150, 100), (130, 70, 33), (17, 200, 70)]:
            for layout in ("nn", "tn", "nt", "tt"):
                a, A = _operand(rng, m, k, layout[0] == "t")
                b, B = _operand(rng, k, n, layout[1] == "t")
                _check(tl_np(A @ B), a, b, f"{m}x{k}x{n} {layout} blocks {blocks} on {simd}")
    finally:
        _C.gemm_set_blocking(0, 0, 0, a_stationary=-1)
    assert _C.gemm_info()["f32_kc"] != blocks[1] or blocks[1] == 0


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 8, 15, 16])
@pytest.mark.parametrize("n", [4, 7, 33, 300])
def test_skinny_linear_vs_float64(simd, m, n):
    """x·wᵀ with w read in place (the decode case), with and without bias, and sliced rows of x."""
    rng = np.random.default_rng(m * 100 + n)
    k = 77
    x = rng.uniform(-1, 1, (m, k + 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (n, k)).astype(np.float32)
    bias = rng.uniform(-1, 1, n).astype(np.float32)
    X = tl.tensor(x)[:, 2:k + 2]  # rows k + 3 apart
    _check(tl_np(X @ tl.tensor(w).T), x[:, 2:k + 2], w.T, f"x·wᵀ {m}x{k}x{n} on {simd}")
    got = tl_np(tl.nn.functional.linear(X, tl.tensor(w), tl.tensor(bias))) - bias
    _check(got.astype(np.float32), x[:, 2:k + 2], w.T, f"linear {m}x{k}x{n} on {simd}")
    # the transposed case: a tall A times a short B whose columns are contiguous (N ≤ 16)
    _check(tl_np(tl.tensor(w) @ X.T), w, x[:, 2:k + 2].T, f"w·xᵀ {n}x{k}x{m} on {simd}")


@pytest.mark.parametrize("bh,t,d", [(3, 64, 32), (2, 130, 64), (2, 40, 128)])
def test_attention_products_vs_float64(simd, bh, t, d):
    """Q·Kᵀ with Kᵀ a transposed view of K (read in place) and P·V, batched over heads, and a
    (B, H, T, d) view split out of one (B, T, 3·H·d) projection as attention code makes it."""
    rng = np.random.default_rng(bh * t + d)
    q, k, v = (rng.uniform(-1, 1, (bh, t, d)).astype(np.float32) for _ in range(3))
    p = rng.uniform(0, 1, (bh, t, t)).astype(np.float32)
    Q, K, V, P = (tl.tensor(z) for z in (q, k, v, p))
    for i, got in enumerate(tl_np(Q @ K.transpose(-1, -2))):
        _check(got, q[i], k[i].T, f"Q·Kᵀ head {i} on {simd}")
    for i, got in enumerate(tl_np(P @ V)):
        _check(got, p[i], v[i], f"P·V head {i} on {simd}")
    qkv = rng.uniform(-1, 1, (2, t, 3 * 2 * d)).astype(np.float32)  # B=2, H=2
    QKV = tl.tensor(qkv).view(2, t, 3, 2, d).permute(2, 0, 3, 1, 4)  # (3, B, H, T, d) views
    ref = qkv.reshape(2, t, 3, 2, d).transpose(2, 0, 3, 1, 4)
    s = tl_np(QKV[0] @ QKV[1].transpose(-1, -2))
    for b_ in range(2):
        for h in range(2):
            _check(s[b_, h], ref[0, b_, h], ref[1, b_, h].T, f"strided Q·Kᵀ ({b_}, {h}) on {simd}")


@hsettings
@given(m=st.integers(1, 40), k=st.integers(1, 80), n=st.integers(1, 70), layout=st.sampled_from(["nn", "tn", "nt", "tt"]),
       seed=st.integers(0, 2 ** 16))
def test_gemm_hypothesis_vs_float64(m, k, n, layout, seed):
    rng = np.random.default_rng(seed)
    a, A = _operand(rng, m, k, layout[0] == "t")
    b, B = _operand(rng, k, n, layout[1] == "t")
    _check(tl_np(A @ B), a, b, f"{m}x{k}x{n} {layout}")


def test_gemm_info_reports_the_choice():
    info, cpu = _C.gemm_info(), _C.cpu_info()
    assert info["simd"] == _C.simd_level()
    assert info["f32_mc"] % info["f32_mr"] == 0 and info["f32_nc"] % info["f32_nr"] == 0
    assert info["cpu_family"] == cpu["family_kind"]
    assert cpu["vendor"] in ("intel", "amd", "other")
    assert cpu["l1d_bytes"] >= 0 and cpu["l2_bytes"] >= 0
    assert _C.gemm_ukr_probe(64, 100) > 0
