"""Bad arguments raise errors that name the op and what it got (tinygrad_lite/argcheck.py), not an
AttributeError from inside nor pybind11's signature dump. Each call here raises in torch too
(the differential fuzzer, tools/fuzz, found them as 'unclear-error' cases)."""
import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn.functional as F
from tinygrad_lite import argcheck
from tools.fuzz.classify import error_is_clear

BIG = 2**63


def _x(*shape, dtype=None):
    return tl.tensor(np.arange(float(np.prod(shape) or 0)).reshape(shape), dtype=dtype or tl.float32)


CASES = [
    # (op name, call, words the message must contain)
    ("zeros", lambda: tl.zeros(2, dtype="float32"), ["zeros", "dtype", "str", "tinygrad_lite.float32"]),
    ("ones", lambda: tl.ones([2, None]), ["ones", "size", "None"]),
    ("full", lambda: tl.full([2, 3], None), ["full", "fill_value", "None"]),
    ("full", lambda: tl.full([BIG], 1.0), ["full", "int64"]),
    ("rand", lambda: tl.rand(2, dtype=object()), ["rand", "dtype", "object"]),
    ("randn", lambda: tl.randn(BIG, 3), ["randn", str(BIG), "int64"]),
    ("randint", lambda: tl.randint(0, 10, [None]), ["randint", "size"]),
    ("linspace", lambda: tl.linspace(0, 1, 2.5), ["linspace", "steps", "float"]),
    ("arange", lambda: tl.arange(3, dtype=1.5), ["arange", "dtype", "float"]),
    ("empty", lambda: tl.empty([], dtype="float32"), ["empty", "dtype"]),
    ("eye", lambda: tl.eye(1, "a"), ["eye", "str"]),
    ("conv2d", lambda: F.conv2d(_x(1, 1, 4, 4), _x(1, 1, 2, 2), stride=1.5), ["conv2d", "stride", "float"]),
    ("conv2d", lambda: F.conv2d(_x(1, 1, 4, 4), _x(1, 1, 2, 2), padding=BIG), ["conv2d", "padding", "int64"]),
    ("conv2d", lambda: F.conv2d(_x(1, 1, 4, 4), {"a": 1}), ["conv2d", "weight", "Tensor", "dict"]),
    ("conv1d", lambda: F.conv1d(_x(1, 1, 4), _x(1, 1, 2), dilation=None), ["conv1d", "dilation", "None"]),
    ("conv_transpose2d", lambda: F.conv_transpose2d(_x(1, 1, 3, 3), _x(1, 1, 2, 2), dilation=BIG),
     ["conv_transpose2d", "dilation", "int64"]),
    ("max_pool2d", lambda: F.max_pool2d(_x(1, 1, 4, 4), kernel_size=1.5), ["max_pool2d", "kernel_size", "float"]),
    ("adaptive_avg_pool2d", lambda: F.adaptive_avg_pool2d(_x(1, 1, 4, 4), object()),
     ["adaptive_avg_pool2d", "output_size", "object"]),
    ("dot", lambda: tl.dot(_x(3), {"a": 1}), ["dot", "Tensor", "dict"]),
    ("matmul", lambda: tl.matmul(_x(3), [[1, 2], [3]]), ["matmul", "Tensor", "list"]),
    ("mm", lambda: tl.mm(_x(2, 3), 1.5), ["mm", "mat2", "float"]),
    ("bmm", lambda: tl.bmm(_x(2, 3, 4), None), ["bmm", "mat2", "None"]),
    ("linear", lambda: F.linear(_x(2, 3), "a"), ["linear", "weight", "str"]),
    ("embedding", lambda: F.embedding(tl.tensor([0, 1]), [1, "x"]), ["embedding", "weight", "list"]),
    ("cross_entropy", lambda: F.cross_entropy(_x(4, 4), {"a": 1}), ["cross_entropy", "target", "dict"]),
    ("nll_loss", lambda: F.nll_loss(_x(5), "a"), ["nll_loss", "target", "str"]),
    ("l1_loss", lambda: F.l1_loss(_x(3, 3), None), ["l1_loss", "target", "None"]),
    ("mean", lambda: _x(2, 3).mean(dim="a"), ["mean", "dim", "str"]),
    ("argmin", lambda: _x(2, 3).argmin(dim=[[1, 2], [3]]), ["argmin", "dim", "list"]),
    ("argmax", lambda: _x(2, 3).argmax(dim=BIG), ["argmax", "dim", "int64"]),
    ("max", lambda: tl.max(_x(2, 3), dim=BIG), ["max", "dim", "int64"]),
    ("unsqueeze", lambda: _x(3).unsqueeze(None), ["unsqueeze", "dim", "None"]),
    ("cumsum", lambda: tl.cumsum(_x(3), "a"), ["cumsum", "dim", "str"]),
    ("kthvalue", lambda: tl.kthvalue(_x(4), None), ["kthvalue", "k", "None"]),
    ("stack", lambda: tl.stack([_x(3)], dim=None), ["stack", "dim", "None"]),
    ("cat", lambda: tl.cat([tl.tensor(True)], dim=-1), ["cat", "zero-dimensional"]),
    ("cat", lambda: tl.cat([_x(2, 1, 3), _x(2, 3)], dim=-1), ["cat", "(2, 1, 3)", "(2, 3)"]),
    ("chunk", lambda: tl.tensor(True).chunk(2, dim=-1), ["chunk", "1-dimensional"]),
    ("split", lambda: _x(2, 2).split(1.5, dim=-1), ["split", "float"]),
    ("split", lambda: tl.tensor(3).split(0), ["split", "1-dimensional"]),
    ("permute", lambda: _x(2, 3).permute(None), ["size", "None"]),
    ("pad", lambda: F.pad(_x(5), None), ["pad", "None"]),
    ("pixel_shuffle", lambda: F.pixel_shuffle(_x(1, 4, 2, 2), None), ["pixel_shuffle", "upscale_factor", "None"]),
    ("dropout", lambda: F.dropout(_x(2, 3), p=None), ["dropout", "p", "None"]),
    ("interpolate", lambda: F.interpolate(_x(1, 1, 4, 4), size=1 + 2j, mode="nearest"), ["interpolate", "size", "complex"]),
    ("mul", lambda: _x(2, 3).mul_(None), ["mul", "other", "None"]),
    ("fill_", lambda: _x(2, 3).fill_(None), ["fill_", "value", "None"]),
    ("log_softmax", lambda: F.log_softmax(_x(2, 3), dim=BIG), ["LogSoftmax", "(2, 3)", str(BIG), "int64"]),
    ("batch_norm", lambda: F.batch_norm(_x(2, 3), [[1, 2], [3]], _x(3)), ["batch_norm", "running_mean", "list"]),
    ("layer_norm", lambda: F.layer_norm(_x(2, 4), [4], object()), ["LayerNorm", "Tensor", "object"]),
    ("layer_norm", lambda: F.layer_norm(_x(2, 4), None), ["layer_norm", "normalized_shape", "None"]),
    ("transpose", lambda: tl.tensor(1.0).transpose(-1, "a"), ["transpose", "dim1", "str"]),
    ("swapaxes", lambda: tl.tensor(1.0).swapaxes(0, 5), ["transpose", "dimension 5", "range"]),
    ("pad", lambda: F.pad(_x(5), [1, 1], mode=[1, 2]), ["pad", "mode"]),
    ("pow", lambda: tl.pow(_x(2), None), ["pow", "exponent", "None"]),
    ("broadcast_to", lambda: tl.broadcast_to(_x(5), None), ["broadcast_to", "size", "None"]),
]


@pytest.mark.parametrize("name,call,words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_message_names_the_op_and_the_argument(name, call, words):
    with pytest.raises(Exception) as info:
        call()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    ok, why = error_is_clear({"name": name}, {"type": type(info.value).__name__, "message": msg})
    assert ok, why


def test_checkers_convert_what_torch_takes():
    assert argcheck.int64("op", "n", np.int64(3)) == 3
    assert argcheck.int64("op", "n", tl.tensor(4)) == 4
    assert argcheck.sizes("op", ((2, 3),)) == [2, 3]
    assert argcheck.sizes("op", (tl.Size([2, 3]),)) == [2, 3]
    assert argcheck.sizes("op", 5) == [5]
    assert argcheck.ints("op", "stride", 2, 3) == (2, 2, 2)
    assert argcheck.dims("op", (0, -1)) == [0, -1]
    assert argcheck.dtype("op", tl.float64) is tl.float64
    with pytest.raises(TypeError, match="found float 2.5 at pos 1"):
        argcheck.sizes("zeros", (2, 2.5))
    with pytest.raises(TypeError, match="Tensor"):
        argcheck.int64("op", "n", tl.tensor(1.5))


def test_storage_dtypes_still_run_widened():
    """Function.apply's TypeError path still widens float16/int32 ops (the safety net only restates
    pybind11's own signature dumps)."""
    x = tl.tensor([1.0, 2.0], dtype=tl.float16)
    assert (x * x).dtype is tl.float16
    y = tl.tensor([[1, 2], [3, 4]], dtype=tl.int32)
    assert (y @ y).dtype is tl.int32
    assert (y @ y).tolist() == [[7, 10], [15, 22]]
