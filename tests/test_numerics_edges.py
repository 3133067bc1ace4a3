"""Edge values where a naive formula gives a silently wrong number (issue 16's "wrong values"),
each against torch's answer."""
import numpy as np
import pytest
import tinygrad_lite as tl

torch = pytest.importorskip("torch")


def test_var_of_float32_data_with_a_large_mean():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(100_000) + 1e8).astype(np.float32)  # stored values are multiples of 8
    ours, ref = tl.tensor(x).var().item(), torch.tensor(x).var().item()
    assert abs(ours - ref) <= 1e-3 * max(ref, 1.0), (ours, ref)
    cols = tl.tensor(x.reshape(1000, 100)).var(0).numpy()
    np.testing.assert_allclose(cols, torch.tensor(x.reshape(1000, 100)).var(0).numpy(), rtol=1e-4, atol=1e-3)


def test_var_with_correction_at_or_beyond_the_count_divides_by_zero():
    assert tl.var(tl.tensor([1.0, 2.0]), correction=3).item() == float("inf")
    assert tl.var(tl.tensor([1.0, 2.0]), correction=2).item() == float("inf")
    assert np.isnan(tl.var(tl.tensor([2.0, 2.0]), correction=2).item())


def test_std_gradient_of_a_constant_is_zero():
    x = tl.tensor([3.0, 3.0, 3.0], requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x = tl.tensor([[1.0, 1.0], [1.0, 3.0]], requires_grad=True)
    x.std(1).sum().backward()
    xt = torch.tensor([[1.0, 1.0], [1.0, 3.0]], requires_grad=True)
    xt.std(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_max_backward_with_a_nan_sends_the_gradient_to_the_nan():
    x = tl.tensor([1.0, float("nan"), 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_max_along_a_dim_gives_the_gradient_to_the_returned_index():
    x = tl.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max(1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0]]  # torch: the index max() returned
    y = tl.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    y.amax(1).sum().backward()
    assert y.grad.tolist() == [[0.0, 0.5, 0.5]]  # amax splits ties, as torch


def test_relu_passes_the_gradient_at_nan_and_pow_at_zero():
    x = tl.tensor([float("nan"), 0.0, -1.0, 1.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 1.0]
    z = tl.tensor([0.0], requires_grad=True)
    (z ** z).sum().backward()
    assert z.grad.tolist() == [0.0]


def test_integer_ops_are_bitwise_and_clamp_keeps_float_bounds():
    a, b = tl.tensor([12, 10]), tl.tensor([10, 6])
    assert (a & b).tolist() == [8, 2] and (a | b).tolist() == [14, 14] and (a ^ b).tolist() == [6, 12]
    c = tl.clamp(tl.tensor([1, 5]), 1.5, 3.5)
    assert c.dtype is tl.float32 and c.tolist() == [1.5, 3.5]
