"""models/lenet.py and models/resnet.py: torch twins with the same module names give the same
logits and gradients from the same weights; a few hundred steps of LeNet on MNIST learn; the
`train --model` command; the full recipe (≥ 99.0 % on the official test set) behind TL_SLOW=1.

Tolerances against torch: float32 logits atol 1e-4 rtol 1e-4; gradients compared in float64 (atol
1e-9 rtol 1e-7), since in float32 an activation within rounding of 0 may take the other side of a
ReLU in one library, which changes that element's gradient entirely.
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_lite as tl
from tinygrad_lite.models import LeNet, LeNetConfig, ResNet

torch = pytest.importorskip("torch")
REPO = pathlib.Path(__file__).resolve().parents[1]
MNIST_PATH = REPO.parent / "shared" / "data" / "mnist"
HAVE_MNIST = (MNIST_PATH / "train-images-idx3-ubyte").exists() or (MNIST_PATH / "train-images-idx3-ubyte.gz").exists()


def torch_lenet(c):
    nn = torch.nn

    class LeNetT(nn.Module):  # the same module tree as models/lenet.py
        def __init__(self):
            super().__init__()
            bias = not c.batch_norm
            self.conv1 = nn.Conv2d(c.in_channels, 6, 5, padding=(32 - c.image_size) // 2, bias=bias)
            self.bn1 = nn.BatchNorm2d(6) if c.batch_norm else nn.Identity()
            self.conv2 = nn.Conv2d(6, 16, 5, bias=bias)
            self.bn2 = nn.BatchNorm2d(16) if c.batch_norm else nn.Identity()
            self.pool = nn.MaxPool2d(2)
            self.fc1 = nn.Linear(400, 120, bias=bias)
            self.bn3 = nn.BatchNorm1d(120) if c.batch_norm else nn.Identity()
            self.fc2 = nn.Linear(120, 84, bias=bias)
            self.bn4 = nn.BatchNorm1d(84) if c.batch_norm else nn.Identity()
            self.fc3 = nn.Linear(84, c.classes)

        def forward(self, x):
            x = self.pool(torch.relu(self.bn1(self.conv1(x))))
            x = self.pool(torch.relu(self.bn2(self.conv2(x))))
            x = torch.relu(self.bn3(self.fc1(torch.flatten(x, 1))))
            return self.fc3(torch.relu(self.bn4(self.fc2(x))))

    return LeNetT()


def _compare(ours, theirs, x, train=True):
    ours, theirs = ours.float(), theirs.float()
    ours.load_state_dict({k: tl.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    ours.train(train)
    theirs.train(train)
    with tl.no_grad(), torch.no_grad():  # float32 logits; eval mode leaves the running statistics alone
        ours.eval(), theirs.eval()
        np.testing.assert_allclose(ours(tl.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), atol=1e-4, rtol=1e-4)
        ours.train(train), theirs.train(train)
    ours, theirs = ours.double(), theirs.double()
    lo, to = ours(tl.tensor(x.astype(np.float64))), theirs(torch.tensor(x.astype(np.float64)))
    np.testing.assert_allclose(lo.detach().numpy(), to.detach().numpy(), atol=1e-9, rtol=1e-9)
    lo.square().sum().backward()
    to.square().sum().backward()
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=1e-9, rtol=1e-7, err_msg=name)


@pytest.mark.parametrize("cfg", [LeNetConfig(), LeNetConfig(in_channels=3, image_size=32, batch_norm=False)])
def test_lenet_matches_its_torch_twin(cfg):
    torch.manual_seed(0)
    ours, theirs = LeNet(cfg), torch_lenet(cfg)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(0).random((8, cfg.in_channels, cfg.image_size, cfg.image_size)).astype(np.float32)
    _compare(ours, theirs, x)
    _compare(ours, theirs, x, train=False)


def test_resnet_shapes_names_and_a_torch_twin():
    from benchmarks.cases_cnn import small_resnet  # the same network written against the torch API
    m = ResNet()
    names = list(m.state_dict())
    assert names[:2] == ["conv1.weight", "bn1.weight"] and "layer2.0.downsample.0.weight" in names and names[-1] == "fc.bias"
    assert m(tl.zeros(2, 1, 28, 28)).shape == (2, 10) and m(tl.zeros(2, 1, 32, 32)).shape == (2, 10)
    torch.manual_seed(0)
    theirs, ours_seq = small_resnet(torch), small_resnet(tl)
    x = np.random.default_rng(1).random((4, 1, 28, 28)).astype(np.float32)
    _compare(ours_seq, theirs, x)
    # models/resnet.py has the same parameters in the same order as the Sequential twin
    assert [tuple(p.shape) for p in m.parameters()] == [tuple(p.shape) for p in ours_seq.parameters()]


@pytest.mark.skipif(not HAVE_MNIST, reason="the full MNIST is not in ../shared/data/mnist")
def test_lenet_learns_mnist_quickly():
    from tinygrad_lite.datasets import mnist
    from tinygrad_lite.datasets._common import read_idx

    def split(train, n):  # the first n images of a split, in [0, 1] (read_idx: no md5 of the 47 MB file)
        img, lab = (read_idx(mnist.find_file(str(MNIST_PATH), f)) for f in mnist.split_files(train))
        return tl.tensor((img[:n, None] / np.float32(255)).astype(np.float32)), tl.tensor(lab[:n].astype(np.int64))

    tl.manual_seed(0)
    x, y = split(True, 6400)  # 100 steps of 64
    xt, yt = split(False, 2000)
    model = LeNet()
    opt = tl.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for i in range(0, 6400, 64):
        opt.zero_grad()
        loss = tl.nn.functional.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
        loss.backward()
        opt.step()
    model.eval()
    with tl.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    assert acc > 0.85, acc  # chance is 0.10; the full recipe reaches 0.99 (below)


def run_cli(*args, timeout=600):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), MPLBACKEND="Agg")
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"
    return subprocess.run([sys.executable, "-m", "tinygrad_lite", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_train_command_trains_resnet_and_refuses_lenet_on_8x8(tmp_path):
    r = run_cli("train", "--model", "resnet", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path),
                "--quiet", "--threads", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "model: ResNet" in r.stdout and "Epoch 1/1" in r.stdout
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["model"] == "resnet" and 0.0 <= m["final_test_accuracy"] <= 1.0
    from tinygrad_lite.serialization import load
    net = ResNet()
    net.load_state_dict(load(tmp_path / "model.safetensors"))
    r = run_cli("train", "--model", "lenet", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path / "x"))
    assert r.returncode != 0 and "28x28 or 32x32" in r.stderr


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("TL_SLOW"), reason="the full recipe trains for minutes: TL_SLOW=1 runs it")
@pytest.mark.skipif(not HAVE_MNIST, reason="the full MNIST is not in ../shared/data/mnist")
def test_lenet_recipe_reaches_99_percent(tmp_path):
    r = run_cli("train", "--model", "lenet", "--dataset", "mnist", "--epochs", "8", "--optimizer", "sgd", "--lr",
                "0.05", "--momentum", "0.9", "--weight-decay", "5e-4", "--lr-schedule", "cosine", "--seed", "0",
                "--out", str(tmp_path), "--quiet", timeout=3600)
    assert r.returncode == 0, r.stdout + r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["train_size"] == 60000 and m["test_size"] == 10000
    assert m["final_test_accuracy"] >= 0.99, m["final_test_accuracy"]
