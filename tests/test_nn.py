"""tinygrad_lite.nn: Module machinery, layers, losses, init, functional — checked against
formulas and, where torch is installed, against torch itself."""
import math

import numpy as np
import pytest

import tinygrad_lite as tl
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

try:
    import torch
except ImportError:  # the torch comparisons are skipped
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = tl.flatten(x, 1)
        x = tl.relu(self.fc1(x))
        return self.fc2(x)


def t(a, requires_grad=False):
    return tl.tensor(np.asarray(a, dtype=np.float32), requires_grad=requires_grad)


def npy(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


# ---- Parameter -----------------------------------------------------------------------------
def test_parameter_is_tensor_requiring_grad_sharing_storage():
    base = tl.zeros(3)
    p = nn.Parameter(base)
    assert isinstance(p, tl.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    with tl.no_grad():
        p.fill_(2.0)
    assert base.tolist() == [2.0, 2.0, 2.0]  # no copy, as torch
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(tl.zeros(2), requires_grad=False).requires_grad
    # ops on a Parameter give plain tensors that track grad
    y = p * 2
    assert type(y) is tl.Tensor and y.requires_grad


# ---- Module registration and traversal ----------------------------------------------------
def test_registration_and_names_match_torch():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [p.shape for p in net.parameters()] == [(128, 784), (128,), (10, 128), (10,)]
    assert list(net.state_dict().keys()) == names
    assert [n for n, _ in net.named_children()] == ["fc1", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "fc2"]
    assert len(list(net.modules())) == 3 and len(list(net.children())) == 2
    if torch is not None:
        class TNet(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = torch.nn.Linear(784, 128)
                self.fc2 = torch.nn.Linear(128, 10)
        assert list(TNet().state_dict().keys()) == names


def test_buffers_and_non_persistent():
    m = nn.Module()
    m.register_buffer("running", tl.zeros(2))
    m.register_buffer("scratch", tl.ones(2), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    assert list(m.state_dict().keys()) == ["running"]
    assert m.running.tolist() == [0.0, 0.0]
    m.running = tl.ones(2)  # reassigning a buffer keeps it a buffer
    assert m._buffers["running"].tolist() == [1.0, 1.0]
    with pytest.raises(KeyError):
        m.register_buffer("a.b", tl.zeros(1))


def test_setattr_rules():
    m = nn.Module()
    m.w = nn.Parameter(tl.zeros(1))
    m.sub = nn.Linear(2, 2)
    m.plain = 3
    assert "w" in m._parameters and "sub" in m._modules and m.plain == 3
    with pytest.raises(TypeError):
        m.w = tl.zeros(1)  # a plain tensor can't replace a parameter
    m.w = None
    assert m._parameters["w"] is None and m.w is None
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError):
        m.missing


def test_shared_parameters_counted_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]


def test_train_eval_propagate():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Sequential(nn.ReLU()))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_call():
    net = Net()
    x = tl.randn(4, 1, 28, 28)
    out = net(x)
    assert out.shape == (4, 10)
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum().item()) == 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    seen = []
    h = lin.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    lin(tl.zeros(3, 2))
    h.remove()
    lin(tl.zeros(3, 2))
    assert seen == [(3, 2)]


def test_apply_order_and_init():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 4)))
    order = []
    net.apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "Linear", "Sequential", "Sequential"]

    def init_zero(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
    net.apply(init_zero)
    assert all(float(m.weight.abs().sum().item()) == 0 for m in net.modules() if isinstance(m, nn.Linear))


def test_repr_matches_torch():
    expected = ("Net(\n"
                "  (fc1): Linear(in_features=784, out_features=128, bias=True)\n"
                "  (fc2): Linear(in_features=128, out_features=10, bias=True)\n"
                ")")
    assert repr(Net()) == expected
    seq = nn.Sequential(nn.Flatten(), nn.Linear(4, 2, bias=False), nn.ReLU(), nn.Dropout(0.1), nn.Softmax(dim=1))
    want = ("Sequential(\n"
            "  (0): Flatten(start_dim=1, end_dim=-1)\n"
            "  (1): Linear(in_features=4, out_features=2, bias=False)\n"
            "  (2): ReLU()\n"
            "  (3): Dropout(p=0.1, inplace=False)\n"
            "  (4): Softmax(dim=1)\n"
            ")")
    assert repr(seq) == want
    if torch is not None:
        tseq = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2, bias=False), torch.nn.ReLU(),
                                   torch.nn.Dropout(0.1), torch.nn.Softmax(dim=1))
        assert repr(tseq) == want
        assert repr(torch.nn.GELU()) == repr(nn.GELU())
        nested = nn.Sequential(nn.Sequential(nn.Tanh()), nn.Sigmoid(), nn.LogSoftmax(dim=-1))
        tnested = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Tanh()), torch.nn.Sigmoid(),
                                      torch.nn.LogSoftmax(dim=-1))
        assert repr(nested) == repr(tnested)


# ---- state_dict ---------------------------------------------------------------------------
def test_state_dict_roundtrip_and_strictness():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert all(not v.requires_grad for v in sd.values())
    res = b.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb and np.array_equal(npy(pa), npy(pb))
    # loading copies: later changes to a do not leak into b
    with tl.no_grad():
        a.fc1.bias.fill_(5.0)
    assert float(b.fc1.bias[0].item()) != 5.0

    partial = {k: v for k, v in sd.items() if k != "fc2.bias"}
    partial["extra"] = tl.zeros(1)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "fc2.bias"'):
        b.load_state_dict(partial)
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        b.load_state_dict(partial)
    res = b.load_state_dict(partial, strict=False)
    assert res.missing_keys == ["fc2.bias"] and res.unexpected_keys == ["extra"]
    bad = dict(sd)
    bad["fc1.bias"] = tl.zeros(3)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.bias"):
        b.load_state_dict(bad, strict=False)


@needs_torch
def test_state_dict_loads_into_torch_and_back():
    net = Net()
    tnet = torch.nn.Sequential()
    tnet.fc1 = torch.nn.Linear(784, 128)
    tnet.fc2 = torch.nn.Linear(128, 10)
    tnet.load_state_dict({k: torch.from_numpy(npy(v).copy()) for k, v in net.state_dict().items()})
    x = np.random.RandomState(0).rand(5, 784).astype(np.float32)
    ours = npy(net(t(x)))
    theirs = tnet.fc2(torch.relu(tnet.fc1(torch.from_numpy(x)))).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    back = Net()
    back.load_state_dict({k: tl.from_numpy(v.numpy().copy()) for k, v in tnet.state_dict().items()})
    np.testing.assert_allclose(npy(back(t(x))), theirs, rtol=1e-4, atol=1e-5)


def test_to_keeps_parameter_objects():
    net = Net()
    params = list(net.parameters())
    net.to("cpu")
    assert list(net.parameters())[0] is params[0]
    net.double()
    assert net.fc1.weight.dtype == tl.float64 and isinstance(net.fc1.weight, nn.Parameter)
    net.float()
    assert net.fc1.weight.dtype == tl.float32


# ---- Linear and init ----------------------------------------------------------------------
def test_linear_default_init_distribution():
    tl.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = npy(lin.weight), npy(lin.bias)
    assert w.shape == (300, 400) and b.shape == (300,)
    assert w.min() >= -bound and w.max() <= bound
    assert w.min() < -0.99 * bound and w.max() > 0.99 * bound  # fills the whole interval
    assert abs(w.mean()) < 0.01 * bound * 10 / math.sqrt(12)
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # U(-a, a) has std a/√3
    assert b.min() >= -bound and b.max() <= bound and abs(b.mean()) < 0.2 * bound
    if torch is not None:
        tw = torch.nn.Linear(400, 300).weight.detach().numpy()
        assert tw.std() == pytest.approx(w.std(), rel=0.03)
        assert abs(tw.max() - w.max()) < 0.01 * bound and abs(tw.min() - w.min()) < 0.01 * bound


def test_linear_forward_backward_vs_numpy():
    lin = nn.Linear(5, 3)
    x = np.random.RandomState(1).randn(4, 5).astype(np.float32)
    xt = t(x, requires_grad=True)
    y = lin(xt)
    W, b = npy(lin.weight), npy(lin.bias)
    np.testing.assert_allclose(npy(y), x @ W.T + b, rtol=1e-5, atol=1e-5)
    y.sum().backward()
    np.testing.assert_allclose(npy(lin.weight.grad), np.ones((4, 3)).T @ x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(npy(lin.bias.grad), np.full(3, 4.0), rtol=1e-6)
    np.testing.assert_allclose(npy(xt.grad), np.ones((4, 3)) @ W, rtol=1e-5, atol=1e-5)
    nob = nn.Linear(5, 3, bias=False)
    assert nob.bias is None and len(list(nob.parameters())) == 1


def test_init_functions():
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert nn.init.calculate_gain("linear") == 1 and nn.init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError):
        nn.init.calculate_gain("nope")
    assert nn.init._calculate_fan_in_and_fan_out(tl.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError):
        nn.init._calculate_fan_in_and_fan_out(tl.empty(5))
    tl.manual_seed(1)
    w = tl.empty(256, 512)
    for fn, std in [
        (lambda: nn.init.xavier_uniform_(w), math.sqrt(2 / (256 + 512))),
        (lambda: nn.init.xavier_normal_(w, gain=2.0), 2 * math.sqrt(2 / (256 + 512))),
        (lambda: nn.init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2) / math.sqrt(512)),
        (lambda: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2) / math.sqrt(256)),
        (lambda: nn.init.normal_(w, 1.0, 0.5), 0.5),
        (lambda: nn.init.uniform_(w, -2.0, 2.0), 4 / math.sqrt(12)),
    ]:
        assert fn() is w
        assert npy(w).std() == pytest.approx(std, rel=0.03)
    bound = math.sqrt(6 / (256 + 512))
    nn.init.xavier_uniform_(w)
    assert np.abs(npy(w)).max() <= bound
    nn.init.normal_(w, 1.0, 0.5)
    assert npy(w).mean() == pytest.approx(1.0, abs=0.01)
    nn.init.constant_(w, 0.25)
    assert np.all(npy(w) == 0.25)
    nn.init.ones_(w)
    assert np.all(npy(w) == 1)
    nn.init.zeros_(w)
    assert np.all(npy(w) == 0)
    p = nn.Parameter(tl.empty(3, 3))
    nn.init.kaiming_uniform_(p)  # works on a parameter that requires grad (no graph recorded)
    assert p.is_leaf


# ---- activations and functional ----------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", ["relu", "gelu", "gelu_tanh", "tanh", "sigmoid", "softmax", "log_softmax"])
def test_activations_vs_torch(name):
    x = np.random.RandomState(2).randn(4, 6).astype(np.float32) * 3
    ours = {"relu": nn.ReLU(), "gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate="tanh"), "tanh": nn.Tanh(),
            "sigmoid": nn.Sigmoid(), "softmax": nn.Softmax(dim=1), "log_softmax": nn.LogSoftmax(dim=-1)}[name]
    theirs = {"relu": torch.nn.ReLU(), "gelu": torch.nn.GELU(), "gelu_tanh": torch.nn.GELU(approximate="tanh"),
              "tanh": torch.nn.Tanh(), "sigmoid": torch.nn.Sigmoid(), "softmax": torch.nn.Softmax(dim=1),
              "log_softmax": torch.nn.LogSoftmax(dim=-1)}[name]
    g = np.random.RandomState(3).randn(4, 6).astype(np.float32)
    xa = t(x, requires_grad=True)
    ya = ours(xa)
    (ya * t(g)).sum().backward()
    xb = torch.tensor(x, requires_grad=True)
    yb = theirs(xb)
    (yb * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(npy(ya), yb.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(npy(xa.grad), xb.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(ours) == repr(theirs)


def test_functional_api():
    x = t([[-1.0, 0.0, 2.0]])
    assert F.relu(x).tolist() == [[0.0, 0.0, 2.0]]
    np.testing.assert_allclose(npy(F.softmax(x, dim=1)).sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(npy(F.log_softmax(x, dim=1)), np.log(npy(F.softmax(x, dim=1))), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(npy(F.gelu(x)), [[-0.15865526, 0.0, 1.9544997]], rtol=1e-5)
    w, b = t([[1.0, 2.0, 3.0]]), t([0.5])
    assert F.linear(x, w, b).tolist() == [[5.5]]
    assert F.linear(x, w).tolist() == [[5.0]]
    assert F.dropout(x, 0.5, training=False) is x


def test_sequential_and_modulelist():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(seq) == 3 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    assert list(seq.state_dict().keys()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    seq.append(nn.Softmax(dim=1))
    assert len(seq) == 4
    y = seq(tl.randn(5, 4))
    np.testing.assert_allclose(npy(y).sum(1), np.ones(5), rtol=1e-5)
    with pytest.raises(IndexError):
        seq[10]
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Softmax"] and list(seq._modules) == ["0", "1", "2"]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_children()] == ["enc", "act"]

    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    assert len(ml) == 5 and isinstance(ml[-1], nn.Tanh)

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
    h = Holder()
    assert [n for n, _ in h.named_parameters()] == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert h(tl.zeros(1, 2)).shape == (1, 2)


def test_flatten_and_dropout():
    x = tl.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    drop = nn.Dropout(p=0.25)
    tl.manual_seed(0)
    ones = tl.ones(200, 200)
    y = npy(drop(ones))
    kept = y[y != 0]
    np.testing.assert_allclose(kept, 1 / 0.75, rtol=1e-6)  # survivors scaled by 1/(1-p)
    assert (y == 0).mean() == pytest.approx(0.25, abs=0.01)
    drop.eval()
    assert np.array_equal(npy(drop(ones)), npy(ones))
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


# ---- losses --------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_vs_torch(reduction, label_smoothing, ignore):
    rs = np.random.RandomState(4)
    x = rs.randn(7, 5).astype(np.float32) * 2
    y = rs.randint(0, 5, size=7).astype(np.int64)
    if ignore:
        y[[1, 4]] = -100
    xa = t(x, requires_grad=True)
    la = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)(xa, tl.from_numpy(y))
    xb = torch.tensor(x, requires_grad=True)
    lb = torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)(xb, torch.from_numpy(y))
    np.testing.assert_allclose(npy(la), lb.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rs.randn(*lb.shape).astype(np.float32) if reduction == "none" else np.float32(1.7)
    (la * t(g)).sum().backward()
    (lb * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(npy(xa.grad), xb.grad.numpy(), rtol=1e-4, atol=1e-6)


@needs_torch
def test_cross_entropy_options_vs_torch():
    rs = np.random.RandomState(5)
    x = rs.randn(6, 4, 3).astype(np.float32)  # (N, C, d)
    y = rs.randint(0, 4, size=(6, 3)).astype(np.int64)
    y[0, 0] = 7  # ignored below
    w = np.array([0.5, 1.0, 2.0, 1.5], dtype=np.float32)
    probs = rs.dirichlet(np.ones(4), size=6).astype(np.float32)
    cases = [
        (dict(ignore_index=7), x, y, None),
        (dict(ignore_index=7, reduction="none"), x, y, None),
        (dict(weight=w), x[:, :, 0], y[:, 1], None),
        (dict(weight=w, label_smoothing=0.2, reduction="sum"), x[:, :, 0], y[:, 1], None),
        (dict(weight=w, ignore_index=7), x, y, None),
        (dict(), x[:, :, 0], probs, "probs"),
        (dict(label_smoothing=0.1, reduction="sum"), x[:, :, 0], probs, "probs"),
    ]
    for kw, xi, yi, kind in cases:
        ours_kw = dict(kw)
        theirs_kw = dict(kw)
        if "weight" in kw:
            ours_kw["weight"] = tl.from_numpy(kw["weight"])
            theirs_kw["weight"] = torch.from_numpy(kw["weight"])
        xa = t(xi, requires_grad=True)
        xb = torch.tensor(xi, requires_grad=True)
        ya = tl.from_numpy(np.ascontiguousarray(yi))
        yb = torch.from_numpy(np.ascontiguousarray(yi))
        la = nn.CrossEntropyLoss(**ours_kw)(xa, ya)
        lb = torch.nn.CrossEntropyLoss(**theirs_kw)(xb, yb)
        np.testing.assert_allclose(npy(la), lb.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=str(kw))
        la.sum().backward()
        lb.sum().backward()
        np.testing.assert_allclose(npy(xa.grad), xb.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=str(kw))


def test_cross_entropy_formula_without_torch():
    x = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]], dtype=np.float32)
    y = np.array([2, 0])
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    want = -logp[[0, 1], y].mean()
    got = F.cross_entropy(t(x), tl.tensor(y.tolist()))
    assert float(got.item()) == pytest.approx(want, rel=1e-6)
    crit = nn.CrossEntropyLoss()
    assert crit.ignore_index == -100 and crit.reduction == "mean" and crit.label_smoothing == 0.0


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_vs_torch(reduction):
    rs = np.random.RandomState(6)
    x, y = rs.randn(3, 4).astype(np.float32), rs.randn(3, 4).astype(np.float32)
    xa = t(x, requires_grad=True)
    la = nn.MSELoss(reduction=reduction)(xa, t(y))
    xb = torch.tensor(x, requires_grad=True)
    lb = torch.nn.MSELoss(reduction=reduction)(xb, torch.tensor(y))
    np.testing.assert_allclose(npy(la), lb.detach().numpy(), rtol=1e-5, atol=1e-6)
    la.sum().backward()
    lb.sum().backward()
    np.testing.assert_allclose(npy(xa.grad), xb.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_mse_loss_formula():
    assert float(F.mse_loss(t([1.0, 2.0]), t([0.0, 0.0])).item()) == pytest.approx(2.5)
    assert float(nn.MSELoss(reduction="sum")(t([1.0, 2.0]), t([0.0, 0.0])).item()) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        F.mse_loss(t([1.0]), t([1.0]), reduction="avg")


def test_seed_network_learns_a_tiny_problem():
    # two separable blobs: the seed recipe (SGD, CE) must drive the loss down
    import tinygrad_lite.optim as optim
    tl.manual_seed(0)
    rs = np.random.RandomState(0)
    x = np.concatenate([rs.randn(64, 4) + 2, rs.randn(64, 4) - 2]).astype(np.float32)
    y = np.array([0] * 64 + [1] * 64)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = optim.SGD(net.parameters(), lr=0.1)
    crit = nn.CrossEntropyLoss()
    xt, yt = t(x), tl.tensor(y.tolist())
    first = None
    for _ in range(50):
        opt.zero_grad()
        loss = crit(net(xt), yt)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.1 * first
