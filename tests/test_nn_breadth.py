"""nn breadth against torch: the losses (values and gradients, every reduction), one_hot,
normalize; recurrent layers (RNN / LSTM / GRU with torch's weights copied: outputs, final
states and gradients; num_layers, bidirectional, batch_first, unbatched input, packed
sequences; the cells; state_dict keys); ParameterList / ParameterDict; nn.utils
(clip_grad_norm_ / clip_grad_value_ / parameters_to_vector / vector_to_parameters);
copy.deepcopy of modules.

Tolerances: losses atol 1e-5 rtol 1e-5 (float32); recurrent layers atol 1e-5 (a few dozen
float32 matmuls deep).
"""
import copy

import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import gradcheck, helper_test_op, tl_np

torch = pytest.importorskip("torch")
TF = torch.nn.functional
F = tl.nn.functional
TOL = dict(atol=1e-5, rtol=1e-5, grad_atol=1e-5, grad_rtol=1e-4)
rng = np.random.default_rng(0)
X = rng.standard_normal((4, 5)).astype(np.float32)
Y = rng.standard_normal((4, 5)).astype(np.float32)
P01 = rng.uniform(0.05, 0.95, (4, 5)).astype(np.float32)
LAB = (rng.random((4, 5)) < 0.5).astype(np.float32)
SIGN = np.where(rng.random((4, 5)) < 0.5, -1.0, 1.0).astype(np.float32)
POS = rng.uniform(0.5, 2.0, (4, 5)).astype(np.float32)
CLS = np.array([0, 4, 2, 4])


def L(x):
    return torch if isinstance(x, torch.Tensor) else tl


def Fn(x):
    return TF if isinstance(x, torch.Tensor) else F


def t(x, v):
    return L(x).tensor(v)


LOSSES = {
    "bce": ([P01], lambda p: Fn(p).binary_cross_entropy(p, t(p, LAB))),
    "bce_weight_sum": ([P01], lambda p: Fn(p).binary_cross_entropy(p, t(p, LAB), weight=t(p, POS), reduction="sum")),
    "bce_logits": ([X], lambda x: Fn(x).binary_cross_entropy_with_logits(x, t(x, LAB))),
    "bce_logits_pos_weight": ([X], lambda x: Fn(x).binary_cross_entropy_with_logits(x, t(x, LAB), pos_weight=t(x, POS[0]))),
    "bce_logits_none": ([X * 30], lambda x: Fn(x).binary_cross_entropy_with_logits(x, t(x, LAB), reduction="none")),
    "smooth_l1": ([X, Y], lambda x, y: Fn(x).smooth_l1_loss(x, y)),
    "smooth_l1_beta": ([X, Y], lambda x, y: Fn(x).smooth_l1_loss(x, y, beta=0.3, reduction="sum")),
    "huber": ([X, Y], lambda x, y: Fn(x).huber_loss(x, y, delta=0.7)),
    "kl_batchmean": ([X, Y], lambda x, y: Fn(x).kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean")),
    "kl_log_target": ([X, Y], lambda x, y: Fn(x).kl_div(x.log_softmax(1), y.log_softmax(1), reduction="sum", log_target=True)),
    "soft_margin": ([X], lambda x: Fn(x).soft_margin_loss(x, t(x, SIGN))),
    "margin_ranking": ([X, Y], lambda x, y: Fn(x).margin_ranking_loss(x, y, t(x, SIGN), margin=0.2)),
    "hinge_embedding": ([X], lambda x: Fn(x).hinge_embedding_loss(x, t(x, SIGN), margin=0.5)),
    "cosine_embedding": ([X, Y], lambda x, y: Fn(x).cosine_embedding_loss(x, y, t(x, SIGN[:, 0]), margin=0.1)),
    "triplet": ([X, Y, POS], lambda a, p, n: Fn(a).triplet_margin_loss(a, p, n, margin=0.5)),
    "triplet_swap_p1": ([X, Y, POS], lambda a, p, n: Fn(a).triplet_margin_loss(a, p, n, p=1, swap=True)),
    "poisson_nll": ([X], lambda x: Fn(x).poisson_nll_loss(x, t(x, POS))),
    "poisson_nll_full": ([POS], lambda x: Fn(x).poisson_nll_loss(x, t(x, POS * 2), log_input=False, full=True)),
    "gaussian_nll": ([X, POS], lambda x, v: Fn(x).gaussian_nll_loss(x, t(x, Y), v)),
    "multilabel_soft_margin": ([X], lambda x: Fn(x).multilabel_soft_margin_loss(x, t(x, LAB))),
    "multi_margin": ([X], lambda x: Fn(x).multi_margin_loss(x, t(x, CLS))),
    "multi_margin_p2": ([X], lambda x: Fn(x).multi_margin_loss(x, t(x, CLS), p=2, margin=0.5)),
    "nll_none": ([X], lambda x: Fn(x).nll_loss(x.log_softmax(1), t(x, CLS), reduction="none")),
    "normalize": ([X], lambda x: Fn(x).normalize(x, p=1.5, dim=0)),
    "cosine_similarity": ([X, Y], lambda x, y: Fn(x).cosine_similarity(x, y, dim=1)),
    "softmin": ([X], lambda x: Fn(x).softmin(x, 1)),
    "prelu": ([X, np.array([0.1, 0.2, 0.3, 0.4, 0.5], np.float32)],
              lambda x, w: Fn(x).prelu(x.reshape(1, 5, 4), w)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_vs_torch(name):
    vals, fn = LOSSES[name]
    helper_test_op(None, fn, vals=vals, **TOL)


@pytest.mark.parametrize("cls, args", [
    ("BCELoss", ()), ("BCEWithLogitsLoss", ()), ("SmoothL1Loss", ()), ("HuberLoss", ()), ("SoftMarginLoss", ()),
    ("MultiLabelSoftMarginLoss", ()), ("KLDivLoss", ()),
])
def test_loss_modules_vs_torch(cls, args):
    inp = P01 if cls in ("BCELoss", "KLDivLoss") else X
    tgt = LAB if cls in ("BCELoss", "BCEWithLogitsLoss", "MultiLabelSoftMarginLoss") else SIGN if cls == "SoftMarginLoss" else Y
    want = getattr(torch.nn, cls)(*args)(torch.tensor(inp), torch.tensor(tgt)).item()
    got = getattr(tl.nn, cls)(*args)(tl.tensor(inp), tl.tensor(tgt)).item()
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


def test_bce_with_logits_gradcheck():
    gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, tl.tensor(LAB, dtype=tl.float64),
                                                         pos_weight=tl.tensor(POS[0], dtype=tl.float64)), [X])
    gradcheck(lambda x: F.smooth_l1_loss(x, tl.tensor(Y, dtype=tl.float64), beta=0.5), [X])


def test_loss_validation_errors():
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy_with_logits(tl.zeros(3), tl.zeros(4))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(tl.tensor([1.5]), tl.tensor([1.0]))
    with pytest.raises(ValueError, match="batch_size"):
        F.nll_loss(tl.zeros(3, 4), tl.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="Long"):
        F.nll_loss(tl.zeros(3, 4), tl.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(IndexError):
        F.nll_loss(tl.zeros(3, 4), tl.tensor([0, 1, 9]))


def test_one_hot_vs_torch():
    for v, n in (([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3)):
        np.testing.assert_array_equal(tl_np(F.one_hot(tl.tensor(v, dtype=tl.int64), n)),
                                      TF.one_hot(torch.tensor(v, dtype=torch.int64), n).numpy())
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(tl.tensor([3]), 2)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(tl.tensor([-1]), 2)


# ---- recurrent layers ---------------------------------------------------------------------
def pair(cls, *args, **kw):
    """The torch module and ours with torch's (random) weights copied into ours."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(*args, **kw)
    om = getattr(tl.nn, cls)(*args, **kw)
    assert list(om.state_dict()) == list(tm.state_dict())
    om.load_state_dict({k: tl.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, om


def close(ours, theirs, atol=1e-5):
    if isinstance(theirs, (tuple, list)):
        for a, b in zip(ours, theirs):
            close(a, b, atol)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(tl_np(ours), theirs.detach().numpy(), atol=atol, rtol=1e-4)


RNNS = [
    ("RNN", (3, 5), {}), ("RNN", (3, 5), {"nonlinearity": "relu", "num_layers": 2}),
    ("LSTM", (3, 4), {}), ("LSTM", (3, 4), {"num_layers": 2, "bidirectional": True}),
    ("GRU", (3, 4), {"batch_first": True}), ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True, "bias": False}),
    ("LSTM", (3, 4), {"batch_first": True, "bidirectional": True}),
]


@pytest.mark.parametrize("cls, args, kw", RNNS, ids=[f"{c}-{k}" for c, _, k in RNNS])
def test_recurrent_layers_vs_torch(cls, args, kw):
    tm, om = pair(cls, *args, **kw)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    xt, xo = torch.tensor(x, requires_grad=True), tl.tensor(x, requires_grad=True)
    yt, ht = tm(xt)
    yo, ho = om(xo)
    close(yo, yt)
    close(ho, ht)
    (yt.sum() + (ht[0] if cls == "LSTM" else ht).pow(2).sum()).backward()
    (yo.sum() + (ho[0] if cls == "LSTM" else ho).pow(2).sum()).backward()
    close(xo.grad, xt.grad)
    for (n, p), (_, q) in zip(om.named_parameters(), tm.named_parameters()):
        close(p.grad, q.grad, 1e-4)


def test_recurrent_initial_state_unbatched_and_cells():
    tm, om = pair("LSTM", 3, 4, 2)
    x = rng.standard_normal((5, 3)).astype(np.float32)  # unbatched (L, H_in)
    h0 = rng.standard_normal((2, 4)).astype(np.float32)
    c0 = rng.standard_normal((2, 4)).astype(np.float32)
    close(om(tl.tensor(x), (tl.tensor(h0), tl.tensor(c0))), tm(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0))))
    for cls in ("RNNCell", "LSTMCell", "GRUCell"):
        tc, oc = pair(cls, 3, 4)
        xi = rng.standard_normal((2, 3)).astype(np.float32)
        close(oc(tl.tensor(xi)), tc(torch.tensor(xi)))


def test_packed_sequences_vs_torch():
    x = rng.standard_normal((5, 3, 2)).astype(np.float32)
    lengths = [2, 5, 3]
    tm, om = pair("GRU", 2, 4, bidirectional=True)
    TU, OU = torch.nn.utils.rnn, tl.nn.utils.rnn
    pt = TU.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    po = OU.pack_padded_sequence(tl.tensor(x), lengths, enforce_sorted=False)
    close(po.data, pt.data)
    assert po.batch_sizes.tolist() == pt.batch_sizes.tolist()
    (yt, ht), (yo, ho) = tm(pt), om(po)
    close(ho, ht)
    (pt_pad, lt), (po_pad, lo) = TU.pad_packed_sequence(yt, batch_first=True), OU.pad_packed_sequence(yo, batch_first=True)
    close(po_pad, pt_pad)
    assert lo.tolist() == lt.tolist()
    seqs = [np.arange(n * 2, dtype=np.float32).reshape(n, 2) for n in (3, 1, 2)]
    close(OU.pad_sequence([tl.tensor(s) for s in seqs], batch_first=True, padding_value=-1.0),
          TU.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=-1.0))
    close(OU.pack_sequence([tl.tensor(s) for s in seqs], enforce_sorted=False).data,
          TU.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False).data)


def test_rnn_errors():
    with pytest.raises(RuntimeError, match="input_size"):
        tl.nn.LSTM(3, 4)(tl.zeros(5, 2, 7))
    with pytest.raises(RuntimeError, match="hidden size"):
        tl.nn.GRU(3, 4)(tl.zeros(5, 2, 3), tl.zeros(2, 2, 4))
    with pytest.raises(ValueError):
        tl.nn.RNN(3, 4, nonlinearity="sigmoid")


# ---- containers, utils, deepcopy ----------------------------------------------------------
def test_parameter_list_and_dict():
    class M(tl.nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = tl.nn.ParameterList([tl.nn.Parameter(tl.ones(2)), tl.zeros(3)])
            self.pd = tl.nn.ParameterDict({"b": tl.nn.Parameter(tl.ones(1))})
            self.ps.append(tl.nn.Parameter(tl.ones(4)))
            self.pd["a"] = tl.ones(2)

    m = M()
    assert list(m.state_dict()) == ["ps.0", "ps.1", "ps.2", "pd.b", "pd.a"]
    assert len(m.ps) == 3 and isinstance(m.ps[1], tl.nn.Parameter) and m.ps[1].requires_grad
    assert "a" in m.pd and list(m.pd.keys()) == ["b", "a"] and len(list(m.parameters())) == 5


def test_clip_grad_and_parameter_vectors_vs_torch():
    out = []
    for T in (torch, tl):
        torch.manual_seed(0)
        w1 = T.tensor(X, requires_grad=True)
        w2 = T.tensor(Y[0], requires_grad=True)
        ((w1 * 3).sum() + (w2 ** 3).sum()).backward()
        n = T.nn.utils.clip_grad_norm_([w1, w2], 1.5)
        g = (w1.grad.clone(), w2.grad.clone())
        T.nn.utils.clip_grad_value_([w1, w2], 0.05)
        vec = T.nn.utils.parameters_to_vector([w1, w2])
        T.nn.utils.vector_to_parameters(vec * 2, [w1, w2])
        ninf = T.nn.utils.clip_grad_norm_(w1, 0.1, norm_type=float("inf"))
        out.append((n, *g, w1.grad, w2.grad, vec, w1, w2, ninf))
    for a, b in zip(out[1], out[0]):
        close(a, b)


def test_deepcopy_of_a_module():
    m = tl.nn.Sequential(tl.nn.Linear(3, 4), tl.nn.ReLU(), tl.nn.LSTM(4, 2))
    m2 = copy.deepcopy(m)
    assert list(m2.state_dict()) == list(m.state_dict())
    assert all(p is not q and p.tolist() == q.tolist() for p, q in zip(m.parameters(), m2.parameters()))
    with tl.no_grad():
        m2[0].weight.fill_(0)
    assert m[0].weight.abs().sum().item() > 0
    x = tl.randn(2, 3)
    assert m2[0](x).tolist() != m[0](x).tolist()
