"""LeNet-5 + BatchNorm on the full MNIST, one recipe run in tinygrad_lite and in torch.

    python -m benchmarks.lenet_mnist [--epochs 8] [--threads 1] [--lib both|ours|torch] [--out DIR]

The recipe (the README's): the 60,000 training images in [0, 1], batch 64, shuffled each epoch;
SGD lr 0.05, momentum 0.9, weight decay 5e-4, cosine schedule per epoch (lr·(1 + cos(π·e/E))/2);
cross-entropy; evaluated on the official 10,000 test images after every epoch. The same code
runs on either library (`lib` is tinygrad_lite or torch), each with its own random initial
weights and shuffling, seeded with --seed. Writes DIR/lenet_mnist.json (per-epoch loss, test
accuracy and time, per library) and DIR/lenet_mnist.png (test accuracy per epoch, both).
Not part of the test suite (minutes); tests/test_models_cnn.py trains a short version.
"""
import argparse
import json
import math
import os
import pathlib
import sys
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
MNIST_DIR = REPO.parent / "shared" / "data" / "mnist"


def load_mnist(root=MNIST_DIR):
    """(train images (60000, 1, 28, 28) float32 in [0, 1], train labels, test images, test labels) as numpy."""
    from tinygrad_lite.datasets import MNIST
    out = []
    for train in (True, False):
        ds = MNIST(str(root), train=train, download=False)
        out += [ds.images().numpy(), ds.targets.numpy()]
    return out


def lenet(lib):
    """models/lenet.py's network, written against the torch API so both libraries build it."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120, bias=False), nn.BatchNorm1d(120), nn.ReLU(),
        nn.Linear(120, 84, bias=False), nn.BatchNorm1d(84), nn.ReLU(), nn.Linear(84, 10))


def train(lib, data, epochs=8, batch_size=64, lr=0.05, momentum=0.9, weight_decay=5e-4, seed=0, log=print):
    """Run the recipe with `lib`; returns the per-epoch history."""
    xtr, ytr, xte, yte = data
    lib.manual_seed(seed)
    model = lenet(lib)
    opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    F = lib.nn.functional
    Xtr, Ytr = lib.tensor(xtr), lib.tensor(ytr)
    Xte, Yte = lib.tensor(xte), lib.tensor(yte)
    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(Xtr, Ytr), batch_size=batch_size, shuffle=True,
                                       generator=lib.Generator().manual_seed(seed))
    history = []
    for epoch in range(epochs):
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        model.train()
        t0, total, n = time.perf_counter(), 0.0, 0
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
            n += 1
        train_s = time.perf_counter() - t0
        model.eval()
        correct = 0
        with lib.no_grad():
            for i in range(0, len(xte), 1000):
                correct += int((model(Xte[i:i + 1000]).argmax(1) == Yte[i:i + 1000]).sum().item())
        acc = correct / len(xte)
        history.append({"epoch": epoch + 1, "loss": total / n, "test_accuracy": acc, "train_time_s": train_s})
        log(f"  {lib.__name__:14s} epoch {epoch + 1}/{epochs}: loss {total / n:.4f}, test accuracy {100 * acc:.2f}%, "
            f"train {train_s:.1f}s")
    return history


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for name, r in results.items():
        h = r["history"]
        ax.plot([e["epoch"] for e in h], [100 * e["test_accuracy"] for e in h], marker="o",
                label=f"{name} ({100 * h[-1]['test_accuracy']:.2f}%, {sum(e['train_time_s'] for e in h):.0f} s)")
    ax.axhline(99.0, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("LeNet-5 + BN on MNIST, same recipe")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lib", choices=["both", "ours", "torch"], default="both")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = p.parse_args(argv)
    if not (MNIST_DIR / "train-images-idx3-ubyte").exists() and not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        print(f"the full MNIST is not in {MNIST_DIR}", file=sys.stderr)
        return 1
    import torch

    import tinygrad_lite as tl
    import tinygrad_lite.nn  # noqa: F401
    import tinygrad_lite.optim  # noqa: F401
    import tinygrad_lite.utils.data  # noqa: F401
    tl.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    data = load_mnist()
    libs = {"tinygrad_lite": tl, "torch": torch}
    if args.lib != "both":
        libs = {k: v for k, v in libs.items() if (k == "torch") == (args.lib == "torch")}
    results = {}
    for name, lib in libs.items():
        print(f"{name}: LeNet-5 + BN, {args.epochs} epochs, {args.threads} thread(s)", flush=True)
        h = train(lib, data, epochs=args.epochs, seed=args.seed, log=lambda m: print(m, flush=True))
        results[name] = {"history": h, "final_test_accuracy": h[-1]["test_accuracy"],
                         "train_time_s": sum(e["train_time_s"] for e in h), "threads": args.threads}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "lenet_mnist.json"), "w") as f:
        json.dump({"recipe": "batch 64, SGD lr 0.05 momentum 0.9 wd 5e-4, cosine, seed %d" % args.seed,
                   "epochs": args.epochs, "results": results}, f, indent=2)
    plot(results, os.path.join(args.out, "lenet_mnist.png"))
    for name, r in results.items():
        print(f"{name}: test accuracy {100 * r['final_test_accuracy']:.2f}%, training {r['train_time_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
