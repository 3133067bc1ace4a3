"""The training command: `python -m tinygrad_lite train` offline on the bundled digits set,
writing weights, metrics and a plot; dataset auto-selection; argument errors."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=REPO, timeout=240):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    # no network: any download attempt fails fast instead of reaching the internet
    env["http_proxy"] = env["https_proxy"] = "http://127.0.0.1:9"
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([sys.executable, "-m", "tinygrad_lite", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_train_digits_one_epoch(tmp_path):
    out = tmp_path / "run"
    r = run_cli("train", "--dataset", "digits", "--epochs", "1", "--out", str(out), "--seed", "1", "--threads", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dataset: digits" in r.stdout
    assert "Epoch 1/1: loss" in r.stdout and "test accuracy" in r.stdout and "done:" in r.stdout
    assert {p.name for p in out.iterdir()} >= {"model.safetensors", "metrics.json", "curves.png"}
    m = json.loads((out / "metrics.json").read_text())
    assert m["dataset"] == "digits" and m["in_features"] == 64 and m["train_size"] + m["test_size"] == 1797
    assert len(m["epochs"]) == 1 and 0.0 < m["final_loss"] < 2.6 and 0.0 <= m["final_test_accuracy"] <= 1.0
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the weights load back into the same architecture
    sys.path.insert(0, str(REPO))
    import tinygrad_lite as tl
    from tinygrad_lite.cli import build_net
    from tinygrad_lite.serialization import load
    net = build_net(64)
    net.load_state_dict(load(out / "model.safetensors"))
    assert net(tl.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_train_learns_with_adam(tmp_path):
    r = run_cli("train", "--dataset", "digits", "--epochs", "3", "--optimizer", "adam", "--lr", "0.01",
                "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stdout + r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    losses = [e["loss"] for e in m["epochs"]]
    assert losses[-1] < losses[0] and m["final_test_accuracy"] > 0.8, m


def test_auto_picks_a_dataset_and_says_why(tmp_path):
    r = run_cli("train", "--dataset", "auto", "--no-download", "--data-dir", str(tmp_path / "empty"), "--epochs", "1",
                "--out", str(tmp_path / "o"), "--quiet")
    assert r.returncode == 0, r.stdout + r.stderr
    shared = REPO.parent / "shared" / "data" / "mnist"
    if (shared / "train-images-idx3-ubyte").exists():  # the full official MNIST
        assert "dataset: MNIST from" in r.stdout and "60,000 train / 10,000 test" in r.stdout
        m = json.loads((tmp_path / "o" / "metrics.json").read_text())
        assert m["train_size"] == 60000 and m["test_size"] == 10000 and m["in_features"] == 784
    elif (shared / "t10k-images-idx3-ubyte.gz").exists():
        assert "MNIST test set only" in r.stdout and "training on images 0-7999" in r.stdout
        m = json.loads((tmp_path / "o" / "metrics.json").read_text())
        assert m["train_size"] == 8000 and m["test_size"] == 2000 and m["in_features"] == 784
    else:
        assert "dataset: digits" in r.stdout and "MNIST files absent" in r.stdout


def test_mnist_requested_but_missing_fails_clearly(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO))
    from tinygrad_lite import cli
    from tinygrad_lite.cli import train as train_cmd
    monkeypatch.setattr(train_cmd, "_mnist_dirs", lambda data_dir: [data_dir])
    args = cli.build_parser().parse_args(["train", "--dataset", "mnist", "--no-download",
                                          "--data-dir", str(tmp_path / "none")])
    with pytest.raises(SystemExit) as e:
        train_cmd.select_data(args, print)
    assert "train-images-idx3-ubyte.gz" in str(e.value) and str(tmp_path / "none") in str(e.value)
    args = cli.build_parser().parse_args(["train", "--dataset", "auto", "--no-download",
                                          "--data-dir", str(tmp_path / "none")])
    lines = []
    train, test, name = train_cmd.select_data(args, lines.append)
    assert name == "digits" and "MNIST files absent and --no-download given" in lines[0]


def test_bad_arguments():
    r = run_cli("train", "--optimizer", "lbfgs")
    assert r.returncode != 0 and "invalid choice" in r.stderr
    r = run_cli()
    assert r.returncode != 0


def test_mnist_search_includes_the_data_beside_the_checkout(tmp_path, monkeypatch):
    """From any working directory the search covers <checkout>/../shared/data/mnist, named
    without '..' detours through the package (it once looked in <checkout>/tinygrad_lite/../shared)."""
    from tinygrad_lite.cli import train as train_cmd
    monkeypatch.chdir(tmp_path)
    dirs = train_cmd._mnist_dirs("./data")
    beside = os.path.realpath(REPO.parent / "shared" / "data" / "mnist")
    assert beside in [os.path.realpath(d) for d in dirs]
    assert not any("tinygrad_lite" in d for d in dirs), dirs


def test_epoch_times_read_as_durations():
    from tinygrad_lite.cli.train import _seconds
    assert _seconds(12.345) == "12.35s" and _seconds(0.031) == "31 ms" and _seconds(0.0004) == "400 µs"
