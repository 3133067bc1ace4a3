"""Convolutional networks: conv2d forward and forward+backward at the shapes of LeNet, small
ResNets and depthwise layers (3×3 and 5×5, 1–64 channels, 28×28 and 32×32, batch 1 and 64),
pooling, batch normalisation, and whole training steps of LeNet-5 and a small ResNet.

flops: 2·N·O·OH·OW·(C/G)·KH·KW for a forward convolution; ×3 with both backward products (×2
when the input needs no gradient, as a network's first layer). Goals: no convolution slower
than 1.5× torch; the LeNet step at 1 thread no slower than torch.
"""
from .cases_models import training_step_case
from .registry import case, libraries, pair, randint, randn, ratio_at_most

# name, batch, in channels, size, out channels, kernel, groups
CONVS = [
    ("LeNet conv1 1→6 5x5 28", 1, 28, 6, 5, 1),
    ("LeNet conv2 6→16 5x5 14", 6, 14, 16, 5, 1),
    ("1→8 3x3 28", 1, 28, 8, 3, 1),
    ("8→16 3x3 28", 8, 28, 16, 3, 1),
    ("3→16 3x3 32", 3, 32, 16, 3, 1),
    ("16→16 3x3 32", 16, 32, 16, 3, 1),
    ("16→32 5x5 32", 16, 32, 32, 5, 1),
    ("64→64 3x3 32", 64, 32, 64, 3, 1),
    ("depthwise 32 3x3 32", 32, 32, 32, 3, 32),
]


def _conv_case(name, n, c, size, o, k, groups, backward):
    def build():
        tl, torch = libraries()
        x, w, b = randn(n, c, size, size), randn(o, c // groups, k, k) * 0.1, randn(o)
        pad = (k - 1) // 2  # "same" size (LeNet's first layer: 28×28 stays 28×28)
        sides = []
        for lib in (tl, torch):
            F = lib.nn.functional
            tx = lib.tensor(x.copy(), requires_grad=backward and c > 1)
            tw, tb = lib.tensor(w.copy(), requires_grad=backward), lib.tensor(b.copy(), requires_grad=backward)
            if not backward:
                sides.append(lambda F=F, tx=tx, tw=tw, tb=tb: F.conv2d(tx, tw, tb, 1, pad, 1, groups))
                continue

            def step(F=F, tx=tx, tw=tw, tb=tb):
                tx.grad = tw.grad = tb.grad = None
                F.conv2d(tx, tw, tb, 1, pad, 1, groups).square().sum().backward()
                return tw.grad
            sides.append(step)
        return sides[0], sides[1]
    return build


for name, c, size, o, k, groups in CONVS:
    for n in (1, 64):
        oh = size + 2 * ((k - 1) // 2) - k + 1
        fwd = 2.0 * n * o * oh * oh * (c // groups) * k * k
        heavy = n == 64 and not name.startswith("LeNet")  # --quick (the smoke test) keeps batch 1 and LeNet's layers
        case(f"conv2d {name} b{n}", "conv", flops=fwd, targets=[ratio_at_most(1.5)], heavy=heavy)(
            _conv_case(name, n, c, size, o, k, groups, False))
        case(f"conv2d fwd+bwd {name} b{n}", "conv", flops=fwd * (3 if c > 1 else 2), targets=[ratio_at_most(1.5)],
             heavy=heavy)(_conv_case(name, n, c, size, o, k, groups, True))


def _same(fn, shapes):
    def build():
        tl, torch = libraries()
        ours, theirs = zip(*(pair(randn(*s), requires_grad=True) for s in shapes))
        return (lambda: fn(tl, *ours)), (lambda: fn(torch, *theirs))
    return build


def _fwd_bwd(fn):
    """fn(lib, x) then the backward of its sum of squares; returns x's gradient."""
    def run(lib, x):
        x.grad = None
        fn(lib, x).square().sum().backward()
        return x.grad
    return run


POOL_NORM = [
    ("max_pool2d 2x2 64x6x28x28", lambda lib, x: lib.nn.functional.max_pool2d(x, 2), (64, 6, 28, 28)),
    ("max_pool2d 3x3 s2 p1 64x16x32x32", lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1), (64, 16, 32, 32)),
    ("avg_pool2d 2x2 64x16x32x32", lambda lib, x: lib.nn.functional.avg_pool2d(x, 2), (64, 16, 32, 32)),
    ("adaptive_avg_pool2d 1 64x64x8x8", lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 1), (64, 64, 8, 8)),
    ("batch_norm2d train 64x16x28x28",
     lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), (64, 16, 28, 28)),
    ("batch_norm1d train 64x120", lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), (64, 120)),
]
for name, fn, shape in POOL_NORM:
    nbytes = 2 * 4 * float(__import__("math").prod(shape))
    case(name, "pool/norm", bytes=nbytes)(_same(fn, [shape]))
    case(name.replace(" ", " fwd+bwd ", 1), "pool/norm", bytes=3 * nbytes)(_same(_fwd_bwd(fn), [shape]))


def lenet(lib):
    """models/lenet.py written with Sequential, so that both libraries build it from one function."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120, bias=False), nn.BatchNorm1d(120), nn.ReLU(),
        nn.Linear(120, 84, bias=False), nn.BatchNorm1d(84), nn.ReLU(), nn.Linear(84, 10))


def small_resnet(lib):
    """models/resnet.py with widths (16, 32, 64), one block per stage, built in either library."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.bn2(self.conv2(lib.relu(self.bn1(self.conv1(x)))))
            return lib.relu(out + (x if self.downsample is None else self.downsample(x)))

    return nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), Block(16, 16, 1),
                         Block(16, 32, 2), Block(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


training_step_case("LeNet-5+BN step b64", lenet, lambda: (randn(64, 1, 28, 28), randint(10, 64)),
                   targets=[ratio_at_most(1.0, threads=(1,))])
training_step_case("small ResNet step b64 28x28", small_resnet, lambda: (randn(64, 1, 28, 28), randint(10, 64)),
                   targets=[ratio_at_most(1.5, threads=(1,))], heavy=True)
