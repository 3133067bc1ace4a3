"""In-place ops under autograd: recorded in the graph (never a silently wrong gradient),
or refused with torch's message where torch refuses."""
import numpy as np
import pytest
import tinygrad_lite as tl

torch = pytest.importorskip("torch")


def _both(program):
    """program(lib, x) -> loss, run in torch and ours from the same leaf values; the leaf grads."""
    x0 = np.array([[-1.5, 0.5, 2.0], [3.0, -0.25, 1.0]], np.float32)
    out = []
    for lib in (torch, tl):
        x = lib.tensor(x0, requires_grad=True)
        program(lib, x).backward()
        out.append(x.grad.numpy())
    return out


@pytest.mark.parametrize("name,program", [
    ("relu_", lambda lib, x: (x * 2).relu_().sum()),
    ("mul_ scalar", lambda lib, x: ((x + 1).mul_(3) * x).sum()),
    ("add_ tensor", lambda lib, x: (x * x).add_(x).sum()),
    ("masked_fill_", lambda lib, x: (x * 3).masked_fill_(x > 1, 0.0).sum()),
    ("exp_", lambda lib, x: (x * 0.5).exp_().sum()),
    ("clamp_", lambda lib, x: (x * 1.0).clamp_(-1, 1).pow(2).sum()),
    ("sigmoid_ then use", lambda lib, x: ((x * 1.0).sigmoid_() * x).sum()),
    ("div_ then mul_", lambda lib, x: (x + 0).div_(2).mul_(x).sum()),
    ("old value used before", lambda lib, x: _old_value_used(x)),
])
def test_inplace_op_on_a_non_leaf_matches_torch(name, program):
    ours, ref = _both(program)[1], _both(program)[0]
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-7, err_msg=name)


def _old_value_used(x):
    y = x * 2
    z = y * 3  # uses y before it changes: its gradient must not see the later in-place op
    y.mul_(10)
    return (z + y).sum()


def test_inplace_on_a_leaf_that_requires_grad_raises():
    x = tl.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.mul_(2)
    with tl.no_grad():
        x.mul_(2)  # allowed outside autograd (optimizer steps)
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_overwriting_a_saved_input_is_detected():
    x = tl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_integer_inplace_with_a_float_result_raises():
    a = tl.tensor([4, 6])
    with pytest.raises(RuntimeError, match="can't be cast"):
        a.div_(2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        a.add_(0.5)
    a.add_(1)
    assert a.tolist() == [5, 7]


def test_writes_through_overlapping_memory():
    # a source sharing some of the target's elements: torch 2.13 refuses ("some elements of the
    # input tensor and the written-to tensor refer to a single memory location"), and so do we;
    # the same elements in the same layout (a.add_(a)) are fine
    a = tl.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        a.add_(a[0])
    b = tl.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        b.copy_(b.T)
    assert a.tolist() == b.tolist() == [[1.0, 2.0], [3.0, 4.0]]  # nothing written
    a.add_(a)
    assert a.tolist() == [[2.0, 4.0], [6.0, 8.0]]
    e = tl.zeros(1).expand(3)
    with pytest.raises(RuntimeError, match="more than one element"):
        e.add_(1.0)
