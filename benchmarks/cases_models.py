"""Whole training steps and an epoch through DataLoader. A model is written once as
`make_model(lib)` against the torch API and built in both libraries with torch's initial weights.

Adding a model (one function and one line):

    def tiny_cnn(lib):
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(8 * 14 * 14, 10))

    training_step_case("tiny CNN step b64", tiny_cnn, lambda: (randn(64, 1, 28, 28), randint(10, 64)))

`loss(lib, output, target)` defaults to cross-entropy; pass another for, e.g., a language model.
"""
from .registry import case, libraries, pair, randint, randn, ratio_at_most


def seed_mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cross_entropy(lib, output, target):
    return lib.nn.functional.cross_entropy(output, target)


def _models(make_model):
    """(ours, torch): the same architecture, ours loaded with torch's initial weights."""
    tl, torch = libraries()
    theirs = make_model(torch)
    ours = make_model(tl)
    ours.load_state_dict({k: tl.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _step_fn(lib, model, loss, lr):
    """step(x, y) -> loss: zero_grad, forward, loss, backward, SGD step."""
    opt = lib.optim.SGD(model.parameters(), lr=lr)

    def step(x, y):
        opt.zero_grad()
        out = loss(lib, model(x), y)
        out.backward()
        opt.step()
        return out
    return step


def training_step_case(name, make_model, batch, *, loss=cross_entropy, lr=0.01, targets=(), heavy=False):
    """Register one training step of make_model(lib) on the arrays batch() -> (inputs, target)."""
    @case(name, "model step", targets=targets, heavy=heavy)
    def build():
        tl, torch = libraries()
        (x, tx), (y, ty) = (pair(a) for a in batch())
        ours, theirs = _models(make_model)
        step, tstep = _step_fn(tl, ours, loss, lr), _step_fn(torch, theirs, loss, lr)
        return (lambda: step(x, y)), (lambda: tstep(tx, ty))
    return build


def epoch_case(name, make_model, data, batch_size, *, loss=cross_entropy, lr=0.01, targets=(), heavy=True):
    """Register one shuffled epoch over data() -> (inputs, target) through each library's DataLoader."""
    @case(name, "epoch", targets=targets, heavy=heavy, check=False)
    def build():
        tl, torch = libraries()
        (x, tx), (y, ty) = (pair(a) for a in data())
        ours, theirs = _models(make_model)

        def epoch_fn(lib, model, x, y):
            step = _step_fn(lib, model, loss, lr)
            loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=True)

            def epoch():
                for xb, yb in loader:
                    step(xb, yb)
            return epoch
        return epoch_fn(tl, ours, x, y), epoch_fn(torch, theirs, tx, ty)
    return build


SEED_MLP_STEP_TARGETS = {64: [ratio_at_most(0.5)], 256: [], 1024: [ratio_at_most(0.9)]}
for b, targets in SEED_MLP_STEP_TARGETS.items():
    training_step_case(f"seed MLP step b{b}", seed_mlp, lambda b=b: (randn(b, 784), randint(10, b)),
                       targets=targets, heavy=b >= 1024)

epoch_case("seed MLP epoch 60000 b64 (DataLoader)", seed_mlp, lambda: (randn(60000, 784), randint(10, 60000)), 64,
           targets=[ratio_at_most(0.5)])
# The same loop on 4096 samples: cheap enough for --quick, shows per-batch loader overhead.
epoch_case("seed MLP epoch 4096 b64 (DataLoader)", seed_mlp, lambda: (randn(4096, 784), randint(10, 4096)), 64,
           heavy=False)
