"""Bad input raises a Python exception with a useful message, and never crashes the interpreter.

Classes (from the spec): wrong shape -> ValueError/RuntimeError naming the op and the shapes;
wrong dtype -> TypeError; bad axis -> IndexError; out-of-range index -> IndexError naming the
index and the size; non-scalar backward without gradient -> RuntimeError naming the shape;
backward through freed buffers -> RuntimeError mentioning retain_graph (see test_autograd.py).
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_lite as tl

SHAPE_ERR = (ValueError, RuntimeError)


def F():
    import tinygrad_lite.nn.functional as LF
    return LF


def shp(*dims):
    """A regex for a shape written as (2, 3), [2, 3], (2,3), torch.Size([2, 3]) or 2x3."""
    inner = r",\s*".join(str(d) for d in dims)
    bracketed = r"[\[(]\s*" + inner + r"\s*,?\s*[\])]"
    return bracketed + (r"|\b" + "x".join(str(d) for d in dims) + r"\b" if len(dims) > 1 else "")


def z(*shape, dtype=None):
    return tl.zeros(*shape, dtype=dtype) if dtype is not None else tl.zeros(*shape)


def i64(v):
    return tl.tensor(np.asarray(v, dtype=np.int64))


# (id, callable, accepted exception types, regexes the message must match (case-insensitive))
CASES = [
    # ---- wrong shape
    ("add_shapes", lambda: z(2, 3) + z(4, 5), SHAPE_ERR, [r"add|\+|broadcast", shp(2, 3), shp(4, 5)]),
    ("mul_shapes", lambda: z(3) * z(4), SHAPE_ERR, [r"mul|\*|broadcast", shp(3), shp(4)]),
    ("maximum_shapes", lambda: tl.maximum(z(2, 3), z(3, 2)), SHAPE_ERR, [r"maximum|broadcast", shp(2, 3), shp(3, 2)]),
    ("where_shapes", lambda: tl.where(z(2, 3) > 0, z(2, 3), z(4, 3)), SHAPE_ERR, [r"where|broadcast", shp(4, 3)]),
    ("matmul_2d", lambda: z(2, 3) @ z(4, 5), SHAPE_ERR, [r"matmul|mm", shp(2, 3), shp(4, 5)]),
    ("matmul_1d", lambda: z(3) @ z(4), SHAPE_ERR, [r"matmul|dot", shp(3), shp(4)]),
    ("matmul_batch", lambda: z(2, 3, 4) @ z(3, 4, 5), SHAPE_ERR, [r"matmul|bmm", shp(2, 3, 4), shp(3, 4, 5)]),
    ("matmul_0d", lambda: tl.tensor(2.0) @ z(3), SHAPE_ERR, [r"matmul"]),
    ("reshape_numel", lambda: z(2, 3).reshape(4, 2), SHAPE_ERR, [r"reshape|view|shape", r"4,\s*2", r"6|2,\s*3"]),
    ("view_numel", lambda: z(2, 3).view(5), SHAPE_ERR, [r"view|shape", r"5"]),
    ("reshape_two_minus_one", lambda: z(2, 3).reshape(-1, -1), SHAPE_ERR, [r"-1|infer"]),
    ("view_noncontiguous", lambda: z(2, 3).T.view(6), SHAPE_ERR, [r"view", r"contiguous|stride|reshape"]),
    ("expand_bad", lambda: z(2, 3).expand(4, 3), SHAPE_ERR, [r"expand", shp(2, 3), r"4,\s*3"]),
    ("expand_fewer_dims", lambda: z(2, 3).expand(3), SHAPE_ERR, [r"expand"]),
    ("cat_shapes", lambda: tl.cat([z(2, 3), z(2, 4)], dim=0), SHAPE_ERR, [r"cat", shp(2, 3), shp(2, 4)]),
    ("cat_ndim", lambda: tl.cat([z(2, 3), z(3)], dim=0), SHAPE_ERR, [r"cat"]),
    ("cat_empty_list", lambda: tl.cat([], dim=0), SHAPE_ERR, [r"cat"]),
    ("stack_shapes", lambda: tl.stack([z(2, 3), z(3, 2)]), SHAPE_ERR, [r"stack", shp(2, 3), shp(3, 2)]),
    ("cross_entropy_batch", lambda: F().cross_entropy(z(3, 4), i64([0, 1, 2, 3, 0])), SHAPE_ERR,
     [r"cross_entropy|nll|batch|target", r"3", r"5"]),
    ("gather_ndim", lambda: z(3, 4).gather(1, i64([0, 1])), SHAPE_ERR, [r"gather"]),
    ("backward_gradient_shape", lambda: (tl.ones(2, 3, requires_grad=True) * 2.0).backward(tl.ones(3, 2)),
     SHAPE_ERR, [shp(2, 3), shp(3, 2)]),
    ("ragged_list", lambda: tl.tensor([[1.0, 2.0], [3.0]]), SHAPE_ERR + (TypeError,), [r"length|ragged|shape|sequence"]),
    ("setitem_shape", lambda: z(3, 4).__setitem__(0, z(5)), SHAPE_ERR, [shp(5)]),
    # ---- wrong dtype
    ("gather_float_index", lambda: z(3, 4).gather(1, tl.tensor([[0.0], [1.0], [2.0]])), (TypeError,),
     [r"gather", r"int64|long|float"]),
    ("index_select_float_index", lambda: z(3, 4).index_select(0, tl.tensor([0.0, 1.0])), (TypeError,),
     [r"index_select", r"int64|long|float"]),
    ("embedding_float_index", lambda: F().embedding(tl.tensor([0.0, 1.0]), z(4, 2)), (TypeError,),
     [r"embedding|index", r"int64|long|float"]),
    ("cross_entropy_float_target", lambda: F().cross_entropy(z(3, 4), tl.tensor([0.0, 1.0, 2.0])), (TypeError,),
     [r"cross_entropy|target", r"int64|long|float"]),
    ("index_with_float_tensor", lambda: z(3, 4)[tl.tensor([0.5])], (TypeError, IndexError), [r"int64|long|float|index"]),
    ("tensor_from_str", lambda: tl.tensor("abc"), (TypeError,), [r"str|<U|dtype"]),
    ("tensor_from_object", lambda: tl.tensor([object()]), (TypeError, RuntimeError), [r"object|type|numeric"]),
    ("from_numpy_uint16", lambda: tl.from_numpy(np.zeros(3, np.uint16)), (TypeError,), [r"uint16"]),
    ("from_numpy_complex", lambda: tl.from_numpy(np.zeros(3, np.complex64)), (TypeError,), [r"complex"]),
    ("int_requires_grad", lambda: tl.tensor([1, 2], requires_grad=True), (RuntimeError, TypeError),
     [r"float|floating"]),
    ("int_requires_grad_", lambda: tl.tensor([1, 2]).requires_grad_(), (RuntimeError, TypeError), [r"float|floating"]),
    ("where_float_condition", lambda: tl.where(z(3), z(3), z(3)), (TypeError, RuntimeError), [r"where", r"bool"]),
    # ---- bad axis
    ("sum_axis", lambda: z(2, 3).sum(dim=2), (IndexError,), [r"dim|axis", r"2"]),
    ("sum_axis_neg", lambda: z(2, 3).sum(dim=-3), (IndexError,), [r"dim|axis", r"-3"]),
    ("sum_axes_tuple", lambda: z(2, 3).sum(dim=(0, 5)), (IndexError,), [r"dim|axis", r"5"]),
    ("sum_axes_repeated", lambda: z(2, 3).sum(dim=(0, 0)), (IndexError, ValueError, RuntimeError), [r"dim|axis|0"]),
    ("mean_axis", lambda: z(2, 3).mean(dim=3), (IndexError,), [r"dim|axis", r"3"]),
    ("max_axis", lambda: z(2, 3).max(dim=2), (IndexError,), [r"dim|axis", r"2"]),
    ("amax_axis", lambda: z(2, 3).amax(dim=(2,)), (IndexError,), [r"dim|axis", r"2"]),
    ("argmax_axis", lambda: z(2, 3).argmax(dim=-3), (IndexError,), [r"dim|axis", r"-3"]),
    ("var_axis", lambda: z(2, 3).var(dim=4), (IndexError,), [r"dim|axis", r"4"]),
    ("softmax_axis", lambda: z(2, 3).softmax(dim=2), (IndexError,), [r"dim|axis", r"2"]),
    ("log_softmax_axis", lambda: z(2, 3).log_softmax(dim=-3), (IndexError,), [r"dim|axis", r"-3"]),
    ("transpose_axis", lambda: z(2, 3).transpose(0, 2), (IndexError,), [r"dim|axis", r"2"]),
    ("unsqueeze_axis", lambda: z(2, 3).unsqueeze(4), (IndexError,), [r"dim|axis", r"4"]),
    ("squeeze_axis", lambda: z(2, 3).squeeze(2), (IndexError,), [r"dim|axis", r"2"]),
    ("flatten_axis", lambda: z(2, 3).flatten(3), (IndexError,), [r"dim|axis", r"3"]),
    ("cat_axis", lambda: tl.cat([z(2, 3), z(2, 3)], dim=2), (IndexError,), [r"dim|axis", r"2"]),
    ("stack_axis", lambda: tl.stack([z(2, 3), z(2, 3)], dim=4), (IndexError,), [r"dim|axis", r"4"]),
    ("gather_axis", lambda: z(2, 3).gather(2, i64([[0]])), (IndexError,), [r"dim|axis", r"2"]),
    ("index_select_axis", lambda: z(2, 3).index_select(2, i64([0])), (IndexError,), [r"dim|axis", r"2"]),
    ("size_axis", lambda: z(2, 3).size(2), (IndexError,), [r"dim|axis", r"2"]),
    ("permute_len", lambda: z(2, 3).permute(0, 1, 2), (IndexError, ValueError, RuntimeError), [r"permute|dim"]),
    ("permute_repeat", lambda: z(2, 3).permute(0, 0), (IndexError, ValueError, RuntimeError), [r"permute|repeat|dim"]),
    # ---- out-of-range index
    ("getitem_int", lambda: z(3, 4)[5], (IndexError,), [r"5", r"3"]),
    ("getitem_neg", lambda: z(3, 4)[-4], (IndexError,), [r"-4", r"3"]),
    ("getitem_second_dim", lambda: z(3, 4)[:, 4], (IndexError,), [r"4"]),
    ("getitem_too_many", lambda: z(3, 4)[0, 0, 0], (IndexError,), [r"ind|dim"]),
    ("getitem_tensor", lambda: z(5, 2)[i64([0, 7])], (IndexError,), [r"7", r"5"]),
    ("index_select_oob", lambda: z(5, 2).index_select(0, i64([1, 10])), (IndexError,), [r"index_select", r"10", r"5"]),
    ("index_select_negative", lambda: z(5, 2).index_select(0, i64([-1])), (IndexError,), [r"index_select", r"-1"]),
    ("gather_oob", lambda: z(2, 3).gather(1, i64([[0, 9], [1, 2]])), (IndexError,), [r"gather", r"9", r"3"]),
    ("embedding_oob", lambda: F().embedding(i64([0, 6]), z(6, 2)), (IndexError,), [r"6"]),
    ("cross_entropy_target_oob", lambda: F().cross_entropy(z(2, 4), i64([1, 4])), (IndexError,), [r"4"]),
    ("cross_entropy_target_negative", lambda: F().cross_entropy(z(2, 4), i64([1, -3])), (IndexError,), [r"-3"]),
    ("setitem_oob", lambda: z(3).__setitem__(3, 1.0), (IndexError,), [r"3"]),
    # ---- backward misuse
    ("backward_non_scalar", lambda: (tl.ones(2, 3, requires_grad=True) * 2.0).backward(), (RuntimeError,),
     [r"scalar", shp(2, 3)]),
    ("backward_no_grad", lambda: tl.ones(3).sum().backward(), (RuntimeError,), [r"grad"]),
    ("backward_under_no_grad_result", lambda: _no_grad_then_backward(), (RuntimeError,), [r"grad"]),
    # ---- other bad values
    ("item_many", lambda: z(2, 3).item(), (RuntimeError, ValueError), [r"item|element|scalar", r"6"]),
    ("max_empty", lambda: z(0).max(), (RuntimeError, ValueError, IndexError), [r"max", r"empty|0"]),
    ("argmax_empty", lambda: z(0, 3).argmax(dim=0), (RuntimeError, ValueError, IndexError), [r"argmax", r"empty|0"]),
    ("arange_step0", lambda: tl.arange(0, 5, 0), (ValueError, RuntimeError), [r"arange|step"]),
    ("arange_wrong_sign", lambda: tl.arange(0, 5, -1), (ValueError, RuntimeError), [r"arange|step|bound"]),
    ("randint_empty_range", lambda: tl.randint(5, 5, (3,)), (ValueError, RuntimeError), [r"randint|low|high|range"]),
    ("zeros_negative", lambda: tl.zeros(-1, 3), (ValueError, RuntimeError), [r"-1|negative"]),
    ("full_negative", lambda: tl.full((2, -2), 1.0), (ValueError, RuntimeError), [r"-2|negative"]),
    ("set_simd_bad_name", lambda: tl._C.set_simd_level("sse9"), (ValueError,), [r"sse9"]),
]


def _no_grad_then_backward():
    x = tl.ones(3, requires_grad=True)
    with tl.no_grad():
        y = (x * 2.0).sum()
    y.backward()


def test_bad_input_never_crashes_the_interpreter():
    # every case in a child interpreter: a crash (segfault, abort) fails this test instead of the session
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(tests_dir)
    code = (
        "import sys; sys.path[:0] = [%r, %r]\n"
        "import test_errors as t\n"
        "n = 0\n"
        "for name, fn, _, _ in t.CASES:\n"
        "    print(name, flush=True)\n"
        "    try:\n"
        "        fn()\n"
        "    except Exception:\n"
        "        n += 1\n"
        "print('DONE', n)\n" % (root, tests_dir))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "<nothing>"
    assert r.returncode == 0 and last.startswith("DONE"), (
        f"the interpreter died (exit code {r.returncode}) during case {last!r}: {r.stderr[-2000:]}")


@pytest.mark.parametrize("name,fn,excs,patterns", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_useful_error(name, fn, excs, patterns):
    with pytest.raises(Exception) as info:
        fn()
    err = info.value
    assert isinstance(err, excs), (
        f"{name}: raised {type(err).__name__}({err}), expected one of {[e.__name__ for e in excs]}")
    msg = str(err)
    for p in patterns:
        assert re.search(p, msg, re.IGNORECASE), f"{name}: message {msg!r} does not match {p!r}"


def test_errors_leave_tensors_usable():
    x = tl.ones(2, 3, requires_grad=True)
    for bad in (lambda: x @ x, lambda: x + tl.ones(4), lambda: x.sum(dim=7), lambda: x[9]):
        with pytest.raises(Exception):
            bad()
    (x * 2.0).sum().backward()
    assert x.grad.numpy().tolist() == [[2.0] * 3] * 2
