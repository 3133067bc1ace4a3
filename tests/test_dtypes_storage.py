"""The storage dtypes — float16, bfloat16, int32, int16, int8, uint8 — against torch: the same
program in both, values and dtypes compared. Creation, conversion (bitwise for the 16-bit
floats), numpy round trips, save/load, promotion, printing, ops computed as torch's CPU does
(float32 / int64, rounded or wrapped back), autograd, and clear errors."""
import io

import numpy as np
import pytest
import tinygrad_lite as tl

torch = pytest.importorskip("torch")

NEW = ["float16", "bfloat16", "int32", "int16", "int8", "uint8"]
ALL = ["float32", "float64", "int64", "bool"] + NEW
FLOATS16 = ["float16", "bfloat16"]
SMALL_INTS = ["int32", "int16", "int8", "uint8"]


def T(name):
    return getattr(torch, name)


def L(name):
    return getattr(tl, name)


def values(t):
    """Exact values of a tl or torch tensor as float64 numpy (bfloat16 included)."""
    if isinstance(t, torch.Tensor):
        return t.detach().double().numpy()
    return np.asarray(t.detach().to(tl.float64).numpy())


def check(ours, ref, exact=True, rtol=0, atol=0):
    assert ours.dtype.name == str(ref.dtype).replace("torch.", ""), (ours.dtype, ref.dtype)
    assert tuple(ours.shape) == tuple(ref.shape)
    if exact:
        np.testing.assert_array_equal(values(ours), values(ref))
    else:
        np.testing.assert_allclose(values(ours), values(ref), rtol=rtol, atol=atol)


def sample(name, n=24, seed=0):
    """Python numbers representable in dtype `name` (floats: already rounded by torch)."""
    rng = np.random.default_rng(seed)
    if name in ("float16", "bfloat16", "float32", "float64"):
        return torch.tensor(rng.normal(0, 3, n), dtype=T(name)).tolist()
    if name == "bool":
        return [bool(v) for v in rng.integers(0, 2, n)]
    info = np.iinfo(name)
    lo, hi = max(info.min, -100), min(info.max, 100)
    return [int(v) for v in rng.integers(lo, hi + 1, n)]


# ---- names, aliases, info ------------------------------------------------------------------
def test_aliases_are_torchs():
    for alias, name in [("half", "float16"), ("float16", "float16"), ("bfloat16", "bfloat16"), ("int32", "int32"),
                        ("int", "int32"), ("int16", "int16"), ("short", "int16"), ("int8", "int8"),
                        ("uint8", "uint8"), ("long", "int64"), ("float", "float32"), ("double", "float64")]:
        assert getattr(tl, alias) is L(name)
        assert getattr(torch, alias) is T(name)
    for name in NEW:
        d = L(name)
        assert d.itemsize == T(name).itemsize
        assert d.is_floating_point == T(name).is_floating_point
        assert d.is_signed == T(name).is_signed


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_matches_torch(name):
    a, b = tl.finfo(L(name)), torch.finfo(T(name))
    for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(a, k) == getattr(b, k), k


@pytest.mark.parametrize("name", ["int64"] + SMALL_INTS)
def test_iinfo_matches_torch(name):
    a, b = tl.iinfo(L(name)), torch.iinfo(T(name))
    assert (a.bits, a.min, a.max) == (b.bits, b.min, b.max)


def test_info_rejects_the_other_kind():
    with pytest.raises(TypeError, match="float16"):
        tl.iinfo(tl.float16)
    with pytest.raises(TypeError, match="int8"):
        tl.finfo(tl.int8)


def test_promotion_table_is_torchs():
    for a in ALL:
        for b in ALL:
            assert tl.promote_types(L(a), L(b)).name == str(torch.promote_types(T(a), T(b))).replace("torch.", ""), (a, b)


def test_binary_ops_promote_as_torch():
    for a in ALL:
        for b in ALL:
            x, y = torch.ones(2, dtype=T(a)), torch.ones(2, dtype=T(b))
            if a == b == "bool":
                continue
            check(tl.ones(2, dtype=L(a)) * tl.ones(2, dtype=L(b)), x * y)


# ---- creation, conversion --------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW)
def test_creation_matches_torch(name):
    check(tl.tensor(sample(name), dtype=L(name)), torch.tensor(sample(name), dtype=T(name)))
    check(tl.zeros(2, 3, dtype=L(name)), torch.zeros(2, 3, dtype=T(name)))
    check(tl.ones(4, dtype=L(name)), torch.ones(4, dtype=T(name)))
    check(tl.full((2, 2), 7, dtype=L(name)), torch.full((2, 2), 7, dtype=T(name)))
    check(tl.arange(0, 10, 3, dtype=L(name)), torch.arange(0, 10, 3, dtype=T(name)))
    assert tl.empty(3, dtype=L(name)).dtype is L(name)
    z = tl.zeros(3)
    assert tl.zeros_like(z, dtype=L(name)).dtype is L(name)


def test_float_arange_and_full_round_like_torch():
    for name in FLOATS16:
        check(tl.arange(0, 3, 0.1, dtype=L(name)), torch.arange(0, 3, 0.1, dtype=T(name)))
        check(tl.full((3,), 0.1, dtype=L(name)), torch.full((3,), 0.1, dtype=T(name)))


@pytest.mark.parametrize("src", ALL)
@pytest.mark.parametrize("dst", ALL)
def test_conversion_between_every_pair(src, dst):
    vals = sample(src, 40, seed=1)
    a, b = tl.tensor(vals, dtype=L(src)), torch.tensor(vals, dtype=T(src))
    if dst == "uint8" and src != "bool":  # float/int -> uint8 of a negative is undefined in C++ (and torch)
        a, b = a.abs(), b.abs()
    check(a.to(L(dst)), b.to(T(dst)))


def test_methods_half_bfloat16_int_short_char_byte():
    x = [1.5, -2.25, 3.0, 100.75]
    a, b = tl.tensor(x), torch.tensor(x)
    for m in ("half", "bfloat16", "int", "short", "char", "float", "double", "long", "bool"):
        check(getattr(a, m)(), getattr(b, m)())
    check(a.abs().byte(), b.abs().byte())
    assert a.int().dtype is tl.int32  # torch's .int() is int32


def test_type_strings_and_dtypes():
    a, b = tl.tensor([1.5, 2.5]), torch.tensor([1.5, 2.5])
    for s in ("torch.IntTensor", "torch.HalfTensor", "torch.ShortTensor", "torch.CharTensor", "torch.ByteTensor",
              "torch.BFloat16Tensor", "torch.LongTensor"):
        check(a.type(s), b.type(s))
        assert a.type(s).type() == b.type(s).type()
    check(a.type(tl.int16), b.type(torch.int16))


def _f32_pool(n=4000, seed=0):
    """float32 values: random normals at many scales, random bit patterns (subnormals, NaNs,
    huge values) and the special values around float16's and bfloat16's limits."""
    rng = np.random.default_rng(seed)
    normal = (rng.normal(size=n) * np.exp2(rng.integers(-30, 30, n))).astype(np.float32)
    bits = rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    special = np.array([0.0, -0.0, np.inf, -np.inf, 65504, 65519.99, 65520, 65536, 1e-8, 2 ** -24, 2 ** -25,
                        2 ** -25 * 1.0000001, 3 * 2 ** -26, 2 ** -14, 2 ** -14 * 0.99, 6.1e-5, 1 + 2 ** -11,
                        1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38, -3.4e38, 1e-40, -1e-45],
                       np.float32)
    return np.concatenate([normal, bits, special])


@pytest.mark.parametrize("name", FLOATS16)
def test_float_to_16_bit_rounding_is_bitwise_torchs(name):
    x = _f32_pool()
    ours = tl.tensor(x).to(L(name)).to(tl.float32).numpy()
    ref = torch.from_numpy(x).to(T(name)).float().numpy()
    nan = np.isnan(ref)
    np.testing.assert_array_equal(np.isnan(ours), nan)
    np.testing.assert_array_equal(ours[~nan].view(np.uint32), ref[~nan].view(np.uint32))  # bits, signed zeros too


@pytest.mark.parametrize("name", FLOATS16)
def test_16_bit_floats_from_float64_and_ints_round_as_torch(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=500) * 1000
    check(tl.tensor(x).to(L(name)), torch.from_numpy(x).to(T(name)))
    i = rng.integers(-10 ** 6, 10 ** 6, 500)
    check(tl.tensor(i).to(L(name)), torch.from_numpy(i).to(T(name)))


def test_every_16_bit_value_round_trips_exactly():
    bits = np.arange(2 ** 16, dtype=np.uint16)
    half = bits.view(np.float16)
    np.testing.assert_array_equal(tl.from_numpy(half).float().numpy(), half.astype(np.float32))  # IEEE widening
    back = tl.from_numpy(half).float().half().numpy().view(np.uint16)
    keep = ~np.isnan(half)
    np.testing.assert_array_equal(back[keep], bits[keep])
    bf = (bits.astype(np.uint32) << 16).view(np.float32)  # every bfloat16 value, as float32
    got = tl.tensor(bf).to(tl.bfloat16).float().numpy()
    keep = ~np.isnan(bf)
    np.testing.assert_array_equal(got[keep].view(np.uint32), bf[keep].view(np.uint32))
    assert np.isnan(got[~keep]).all()


@pytest.mark.parametrize("name", SMALL_INTS)
def test_int_conversion_wraps_like_torch(name):
    x = [300, -129, 70000, -70000, 2 ** 31 + 5, -(2 ** 33) - 1, 255, 256]
    check(tl.tensor(x).to(L(name)), torch.tensor(x).to(T(name)))


# ---- numpy -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["float16", "int32", "int16", "int8", "uint8"])
def test_numpy_round_trip_keeps_the_dtype(name):
    arr = np.array(sample(name), dtype=name)
    for make in (tl.from_numpy, tl.tensor):
        t = make(arr)
        assert t.dtype is L(name)
        assert t.numpy().dtype == arr.dtype
        np.testing.assert_array_equal(t.numpy(), arr)
    shared = tl.from_numpy(arr)
    arr[0] = 1
    assert shared[0].item() == 1  # from_numpy shares memory
    check(tl.tensor(arr), torch.tensor(arr))


def test_bfloat16_numpy_raises_like_torch():
    t = tl.tensor([1.0, 2.0], dtype=tl.bfloat16)
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        t.numpy()
    with pytest.raises(TypeError, match="BFloat16"):
        torch.tensor([1.0], dtype=torch.bfloat16).numpy()
    assert t.tolist() == [1.0, 2.0] and t[1].item() == 2.0


def test_unsupported_numpy_dtypes_are_refused_by_from_numpy():
    with pytest.raises(TypeError, match="uint16"):
        tl.from_numpy(np.zeros(2, np.uint16))
    assert tl.tensor(np.zeros(2, np.uint32)).dtype is tl.int64  # copied: widened


# ---- printing --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW)
def test_repr_matches_torch(name):
    vals = sample(name, 5)
    ours = repr(tl.tensor(vals, dtype=L(name))).replace("tinygrad_lite", "torch")
    assert ours == repr(torch.tensor(vals, dtype=T(name)))
    assert repr(tl.tensor([], dtype=L(name))).replace("tinygrad_lite", "torch") == repr(
        torch.tensor([], dtype=T(name)))


# ---- views, indexing, joining ----------------------------------------------------------------
@pytest.mark.parametrize("name", NEW)
def test_views_indexing_cat_stack(name):
    vals = np.array(sample(name, 24)).reshape(2, 3, 4).tolist()
    a, b = tl.tensor(vals, dtype=L(name)), torch.tensor(vals, dtype=T(name))
    check(a.reshape(6, 4), b.reshape(6, 4))
    check(a.transpose(0, 2).contiguous(), b.transpose(0, 2).contiguous())
    check(a.permute(2, 0, 1).reshape(-1), b.permute(2, 0, 1).reshape(-1))
    check(a[1, ::2, 1:], b[1, ::2, 1:])
    check(a[:, [2, 0]], b[:, [2, 0]])
    check(a[a.to(tl.float32) > 0], b[b.float() > 0])
    check(tl.cat([a, a[:1]]), torch.cat([b, b[:1]]))
    check(tl.stack([a, a], 1), torch.stack([b, b], 1))
    check(a.flip(0), b.flip(0))
    check(tl.where(a.to(tl.float32) > 0, a, a[0]), torch.where(b.float() > 0, b, b[0]))
    check(a.gather(2, tl.tensor([[[1, 0]] * 3] * 2)), b.gather(2, torch.tensor([[[1, 0]] * 3] * 2)))
    c, d = a.clone(), b.clone()
    c[0, 0] = 5
    d[0, 0] = 5
    check(c, d)
    c.fill_(3)
    d.fill_(3)
    check(c, d)
    c.zero_()
    d.zero_()
    check(c, d)


# ---- compute: as torch's CPU (float32 / int64 inside, rounded or wrapped back) ------------------
@pytest.mark.parametrize("name", NEW)
def test_pointwise_and_reductions_match_torch(name):
    va, vb = sample(name, 12, 5), sample(name, 12, 6)
    a, b = tl.tensor(va, dtype=L(name)), tl.tensor(vb, dtype=L(name))
    ta, tb = torch.tensor(va, dtype=T(name)), torch.tensor(vb, dtype=T(name))
    check(a + b, ta + tb)
    check(a - b, ta - tb)
    check(a * b, ta * tb)
    check(a * 3, ta * 3)
    check(a + 1, ta + 1)
    check(-a if name != "uint8" else a, -ta if name != "uint8" else ta)
    check(a.abs(), ta.abs())
    check(tl.maximum(a, b), torch.maximum(ta, tb))
    check(a > b, ta > tb)
    check(a == 2, ta == 2)
    check(a.sum(), ta.sum())  # int -> int64, floats accumulate in float32 and round once
    check(a.reshape(3, 4).sum(1), ta.reshape(3, 4).sum(1))
    check(a.max(), ta.max())
    check(a.argmax(), ta.argmax())
    check(a.reshape(3, 4).max(1).values, ta.reshape(3, 4).max(1).values)
    check(a.reshape(3, 4).max(1).indices, ta.reshape(3, 4).max(1).indices)
    check(a.sort().values, ta.sort().values)
    check(a.cumsum(0), ta.cumsum(0))
    if name in FLOATS16:
        check(a / b, ta / tb)
        check(a.exp(), ta.exp())
        check(a.sin(), ta.sin())
        check(a.mean(), ta.mean())
        check(tl.softmax(a, 0), torch.softmax(ta, 0))
    else:
        check(a // 7, ta // 7)
        check(a & b, ta & tb)
        check(a / 2, ta / 2)


@pytest.mark.parametrize("name", SMALL_INTS)
def test_int_arithmetic_wraps_at_its_width(name):
    info = np.iinfo(name)
    v = [info.max, info.min, info.max - 1, 7]
    a, ta = tl.tensor(v, dtype=L(name)), torch.tensor(v, dtype=T(name))
    check(a + 1, ta + 1)
    check(a * a, ta * ta)
    check(a - a.flip(0), ta - ta.flip(0))
    check(a + a, ta + ta)


@pytest.mark.parametrize("name", FLOATS16)
def test_matmul_matches_torch(name):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 7)), rng.normal(size=(7, 3))
    a, b = tl.tensor(x, dtype=L(name)), tl.tensor(y, dtype=L(name))
    ta, tb = torch.tensor(x, dtype=T(name)), torch.tensor(y, dtype=T(name))
    # torch may block the float32 accumulation differently: allow one 16-bit rounding step
    check(a @ b, ta @ tb, exact=False, rtol=2 ** -7, atol=2 ** -7)
    check(a[0] @ b, ta[0] @ tb, exact=False, rtol=2 ** -7, atol=2 ** -7)


def test_mixed_promotion_computes_as_torch():
    h = tl.tensor([1.5, 2.25], dtype=tl.float16)
    i = tl.tensor([3, 4], dtype=tl.int32)
    check(h + i, torch.tensor([1.5, 2.25], dtype=torch.float16) + torch.tensor([3, 4], dtype=torch.int32))
    check(h + 1.1, torch.tensor([1.5, 2.25], dtype=torch.float16) + 1.1)
    check(i + 1.5, torch.tensor([3, 4], dtype=torch.int32) + 1.5)
    check(i / h, torch.tensor([3, 4], dtype=torch.int32) / torch.tensor([1.5, 2.25], dtype=torch.float16))
    check(i ** h, torch.tensor([3, 4], dtype=torch.int32) ** torch.tensor([1.5, 2.25], dtype=torch.float16))
    u, s = tl.tensor([200, 3], dtype=tl.uint8), tl.tensor([-100, 3], dtype=tl.int8)
    check(u + s, torch.tensor([200, 3], dtype=torch.uint8) + torch.tensor([-100, 3], dtype=torch.int8))


@pytest.mark.parametrize("name", FLOATS16)
def test_autograd_through_16_bit_floats(name):
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(4, 5)), rng.normal(size=(5, 3))
    a = tl.tensor(x, dtype=L(name), requires_grad=True)
    b = tl.tensor(w, dtype=L(name), requires_grad=True)
    ta = torch.tensor(x, dtype=T(name), requires_grad=True)
    tb = torch.tensor(w, dtype=T(name), requires_grad=True)
    out = ((a @ b).tanh() * a.sum(1, keepdim=True) + a[:, :3] * a[:, :3]).mean()
    tout = ((ta @ tb).tanh() * ta.sum(1, keepdim=True) + ta[:, :3] * ta[:, :3]).mean()
    out.backward()
    tout.backward()
    tol = 2 ** -6 if name == "float16" else 2 ** -3
    check(out, tout, exact=False, rtol=tol, atol=tol)
    check(a.grad, ta.grad, exact=False, rtol=tol, atol=tol)
    check(b.grad, tb.grad, exact=False, rtol=tol, atol=tol)
    h = tl.tensor(x, dtype=tl.float32, requires_grad=True)  # float32 leaf, half in the middle: the gradient comes back float32
    (h.to(L(name)) * 2).sum().backward()
    assert h.grad.dtype is tl.float32 and np.all(h.grad.numpy() == 2)


def test_casts_to_integers_leave_the_graph():
    x = tl.ones(2, requires_grad=True)
    tx = torch.ones(2, requires_grad=True)
    for m in ("int", "long", "short", "byte", "bool", "half", "bfloat16"):
        assert getattr(x, m)().requires_grad == getattr(tx, m)().requires_grad, m


def test_int_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        tl.zeros(2, dtype=tl.int32, requires_grad=True)


def test_ops_a_dtype_cannot_do_raise_naming_op_and_dtype():
    h = tl.tensor([1.0, 2.0], dtype=tl.float16)
    with pytest.raises(TypeError, match="float16"):
        h & h
    with pytest.raises(RuntimeError, match="int32"):  # torch: RuntimeError, a float result into an int tensor
        tl.tensor([1, 2], dtype=tl.int32).exp_()
    # integer matmul computes, as torch's (int64 in the core, int32 widened): it raised a TypeError before
    assert (tl.ones(2, 2, dtype=tl.int32) @ tl.ones(2, 2, dtype=tl.int32)).tolist() == [[2, 2], [2, 2]]
    with pytest.raises(TypeError, match="matmul.*bool"):
        tl.ones(2, 2, dtype=tl.bool) @ tl.ones(2, 2, dtype=tl.bool)
    with pytest.raises(TypeError, match="bitwise"):
        tl.tensor([1.0], dtype=tl.bfloat16) | tl.tensor([1.0], dtype=tl.bfloat16)


# ---- save / load -------------------------------------------------------------------------------
def test_save_load_every_dtype_round_trips_and_torch_reads_it(tmp_path):
    from safetensors.torch import load_file, save_file

    sd = {name: tl.tensor(sample(name, 6), dtype=L(name)).reshape(2, 3) for name in ALL}
    path = tmp_path / "m.safetensors"
    tl.save(sd, path)
    back = tl.load(path)
    ref = load_file(str(path))
    for name in ALL:
        assert back[name].dtype is L(name)
        check(back[name], ref[name])
        check(sd[name], ref[name])
    buf = io.BytesIO()
    tl.save(sd, buf)
    buf.seek(0)
    from_bytes = tl.load(buf)
    for name in ALL:
        check(from_bytes[name], ref[name])
    # a file torch wrote: F16, BF16, I32, I16, I8, U8 stay as such
    tpath = tmp_path / "t.safetensors"
    save_file({name: torch.tensor(sample(name, 4), dtype=T(name)) for name in ALL}, str(tpath))
    for name, t in tl.load(tpath).items():
        check(t, load_file(str(tpath))[name])


def test_nested_save_load_keeps_bfloat16(tmp_path):
    obj = {"state": {0: {"m": tl.tensor([1.5, -2.0], dtype=tl.bfloat16)}}, "step": 3}
    tl.save(obj, tmp_path / "o.safetensors")
    back = tl.load(tmp_path / "o.safetensors")
    assert back["state"][0]["m"].dtype is tl.bfloat16 and back["state"][0]["m"].tolist() == [1.5, -2.0]


def test_module_half_and_state_dict():
    lin = tl.nn.Linear(3, 2)
    lin.half()
    assert lin.weight.dtype is tl.float16
    out = lin(tl.ones(4, 3, dtype=tl.float16))
    assert out.dtype is tl.float16 and out.shape == (4, 2)


@pytest.mark.parametrize("opt", ["SGD", "AdamW"])
def test_optimizer_steps_on_half_parameters(opt):
    w0 = np.random.default_rng(0).normal(size=(2, 3))
    kw = dict(lr=0.1, momentum=0.9) if opt == "SGD" else dict(lr=0.1)
    p = tl.tensor(w0, dtype=tl.half, requires_grad=True)
    tp = torch.tensor(w0, dtype=torch.half, requires_grad=True)
    o, to = getattr(tl.optim, opt)([p], **kw), getattr(torch.optim, opt)([tp], **kw)
    for _ in range(3):
        o.zero_grad()
        (p * p).sum().backward()
        o.step()
        to.zero_grad()
        (tp * tp).sum().backward()
        to.step()
    check(p, tp, exact=False, rtol=2 ** -9, atol=2 ** -9)  # float32 inside, one half rounding per step


@pytest.mark.parametrize("name", FLOATS16)
def test_nn_ops_on_16_bit_floats_match_torch(name):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3))
    for f in (lambda T, d: T.nn.functional.conv2d(T.tensor(x, dtype=d), T.tensor(w, dtype=d)),
              lambda T, d: T.nn.functional.layer_norm(T.tensor(x, dtype=d), (5,)),
              lambda T, d: T.nn.functional.gelu(T.tensor(x, dtype=d)),
              lambda T, d: T.nn.functional.max_pool2d(T.tensor(x, dtype=d), 2),
              lambda T, d: T.tensor(x, dtype=d).var(),
              lambda T, d: T.tensor(x, dtype=d).reshape(-1).topk(3).values,
              lambda T, d: T.tensor(x, dtype=d).masked_fill(T.tensor(x) > 0, 1.0),
              lambda T, d: T.tensor(x, dtype=d).nonzero()):
        check(f(tl, L(name)), f(torch, T(name)))


def test_int32_indices_as_torch():
    x = np.arange(12.0).reshape(4, 3)
    i = [2, 0, 3]
    check(tl.tensor(x)[tl.tensor(i, dtype=tl.int32)], torch.tensor(x)[torch.tensor(i, dtype=torch.int32)])
    check(tl.nn.functional.embedding(tl.tensor(i, dtype=tl.int32), tl.tensor(x)),
          torch.nn.functional.embedding(torch.tensor(i, dtype=torch.int32), torch.tensor(x)))
    with pytest.raises(TypeError, match="embedding.*uint8"):
        tl.nn.functional.embedding(tl.tensor(i, dtype=tl.uint8), tl.tensor(x))
