"""Optimizers and schedules against torch, step by step: RMSprop (plain, centered, momentum),
Adagrad (lr_decay, initial accumulator), Adadelta, Adamax, NAdam (decoupled decay), RAdam
(both branches of the rectification), Adam/AdamW with amsgrad; every lr_scheduler's sequence
(bit-exact: the same float arithmetic as torch), their state_dict; GradScaler's dynamic
scaling and autocast (CPU stand-ins) against torch's CPU implementations.

Tolerances: parameters after 12 steps atol 1e-6, rtol 1e-5 (float32 update arithmetic);
learning-rate sequences exact.
"""
import numpy as np
import pytest

import tinygrad_lite as tl
from helpers import tl_np

torch = pytest.importorskip("torch")

OPTS = [
    ("RMSprop", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, maximize=True)), ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05)), ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)), ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)),
    ("RAdam", dict(lr=0.05)), ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.05, amsgrad=True)), ("AdamW", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name, kw", OPTS, ids=[f"{n}-{k}" for n, k in OPTS])
def test_optimizers_step_by_step_vs_torch(name, kw):
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    params = {}
    for T in (torch, tl):
        w, b = T.tensor(w0, requires_grad=True), T.tensor(b0, requires_grad=True)
        opt = getattr(T.optim, name)([{"params": [w]}, {"params": [b], "lr": kw.get("lr", 1.0) * 0.5}], **kw)
        params[T] = (w, b, opt)
    for step in range(12):  # RAdam switches to the rectified update after step 5
        x = rng.standard_normal((5, 4)).astype(np.float32)
        for T, (w, b, opt) in params.items():
            opt.zero_grad()
            (((T.tensor(x) @ w.T + b) ** 2).mean() + w.abs().sum() * 0.01).backward()
            opt.step()
        for (tw, lw) in zip(params[torch][:2], params[tl][:2]):
            np.testing.assert_allclose(tl_np(lw.detach()), tw.detach().numpy(), atol=1e-6, rtol=1e-5,
                                       err_msg=f"{name} {kw} step {step}")
    st = params[tl][2].state_dict()
    assert sorted(st["state"][0]) == sorted(params[torch][2].state_dict()["state"][0])


def test_optimizer_argument_validation():
    p = [tl.zeros(2, requires_grad=True)]
    for cls, kw in (("RMSprop", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adadelta", dict(rho=2)),
                    ("Adamax", dict(betas=(1.0, 0.9))), ("NAdam", dict(momentum_decay=-1)), ("RAdam", dict(eps=-1))):
        with pytest.raises(ValueError):
            getattr(tl.optim, cls)(p, **kw)


def _lrs(T, make, n=25, metric=None):
    p = T.zeros(2, requires_grad=True)
    opt = T.optim.SGD([p], lr=0.1, momentum=0.9)
    sched = make(T, opt)
    seq = [sched.get_last_lr()[0]]
    moms = [opt.param_groups[0]["momentum"]]
    for k in range(n):
        opt.step()
        sched.step(metric(k)) if metric else sched.step()
        seq.append(sched.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    return seq, moms, sched.state_dict()


SCHEDULES = {
    "LambdaLR": lambda T, o: T.optim.lr_scheduler.LambdaLR(o, lambda e: 0.95 ** e),
    "MultiplicativeLR": lambda T, o: T.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.9),
    "StepLR": lambda T, o: T.optim.lr_scheduler.StepLR(o, 7, 0.5),
    "MultiStepLR": lambda T, o: T.optim.lr_scheduler.MultiStepLR(o, [3, 10, 10, 20], 0.3),
    "ExponentialLR": lambda T, o: T.optim.lr_scheduler.ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda T, o: T.optim.lr_scheduler.CosineAnnealingLR(o, 10, 0.001),
    "CosineAnnealingWarmRestarts": lambda T, o: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 4, 2, 0.01),
    "OneCycleLR": lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=26),
    "OneCycleLR3": lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=13, three_phase=True,
                                                                anneal_strategy="linear"),
    "LinearLR": lambda T, o: T.optim.lr_scheduler.LinearLR(o, 0.1, 1.0, 10),
    "ConstantLR": lambda T, o: T.optim.lr_scheduler.ConstantLR(o, 0.5, 4),
    "PolynomialLR": lambda T, o: T.optim.lr_scheduler.PolynomialLR(o, 20, 2.0),
    "SequentialLR": lambda T, o: T.optim.lr_scheduler.SequentialLR(
        o, [T.optim.lr_scheduler.LinearLR(o, 0.1, 1.0, 5), T.optim.lr_scheduler.CosineAnnealingLR(o, 20)], [5]),
    "ChainedScheduler": lambda T, o: T.optim.lr_scheduler.ChainedScheduler(
        [T.optim.lr_scheduler.ConstantLR(o, 0.5, 4), T.optim.lr_scheduler.ExponentialLR(o, 0.9)]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lr_schedules_equal_torch_exactly(name):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, want_m, want_state = _lrs(torch, SCHEDULES[name])
    got, got_m, got_state = _lrs(tl, SCHEDULES[name])
    assert got == want
    assert got_m == want_m  # OneCycleLR cycles the momentum
    assert got_state.get("last_epoch") == want_state.get("last_epoch")


@pytest.mark.parametrize("kw, metric", [
    (dict(patience=2), lambda k: 10.0 if k < 5 else 11.0),
    (dict(mode="max", factor=0.5, patience=0, cooldown=2, threshold_mode="abs", threshold=0.1), lambda k: float(k % 3)),
    (dict(min_lr=0.02, patience=1), lambda k: 1.0),
])
def test_reduce_lr_on_plateau_vs_torch(kw, metric):
    make = lambda T, o: T.optim.lr_scheduler.ReduceLROnPlateau(o, **kw)  # noqa: E731
    assert _lrs(tl, make, metric=metric)[0] == _lrs(torch, make, metric=metric)[0]


def test_scheduler_state_dict_round_trip():
    p = tl.zeros(2, requires_grad=True)
    opt = tl.optim.SGD([p], lr=0.1)
    s = tl.optim.lr_scheduler.StepLR(opt, 2, 0.5)
    for _ in range(3):
        opt.step()
        s.step()
    state = s.state_dict()
    opt2 = tl.optim.SGD([p], lr=0.1)
    s2 = tl.optim.lr_scheduler.StepLR(opt2, 2, 0.5)
    s2.load_state_dict(state)
    assert s2.last_epoch == 3 and s2.get_last_lr() == s.get_last_lr()


def test_grad_scaler_vs_torch():
    out = []
    for T in (torch, tl):
        w = T.tensor([1.0, -2.0], requires_grad=True)
        opt = T.optim.SGD([w], lr=0.1)
        scaler = T.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
        scales = []
        for k in range(6):
            opt.zero_grad()
            loss = (w ** 2).sum() * (float("inf") if k == 3 else 1.0)
            scaler.scale(loss).backward()
            scaler.unscale_(opt) if k == 1 else None
            scaler.step(opt)
            scaler.update()
            scales.append(scaler.get_scale())
        out.append((scales, w.detach().numpy().tolist(), scaler.state_dict()["scale"]))
    assert out[1][0] == out[0][0] and out[1][2] == out[0][2]
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-6)


def test_autocast_is_a_faithful_no_op_on_this_engine():
    a = tl.randn(3, 4)
    with tl.autocast("cpu"):
        assert tl.amp.is_autocast_enabled("cpu")
        y = a @ a.T
    assert not tl.amp.is_autocast_enabled("cpu") and y.dtype is tl.float32

    @tl.autocast("cpu", enabled=False)
    def f(x):
        return x * 2

    assert f(a).tolist() == (a * 2).tolist()
    with tl.cuda.amp.autocast():
        assert tl.amp.is_autocast_enabled("cuda")
