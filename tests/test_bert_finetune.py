"""Fine-tuning all-MiniLM-L6-v2 on BBC News: a few steps on a small subset through the command-line entry (fast),
and the full recipe (>= 97 % test accuracy) only when TL_SLOW=1 (minutes)."""
import json
import logging
import os

import numpy as np
import pytest

import tinygrad_lite as tl
from hf_fixtures import DATA, minilm_dir
from tinygrad_lite.models import BertForSequenceClassification, BertTokenizer
from tinygrad_lite import cli
from tinygrad_lite.models.bert_finetune import finetune, linear_warmup_decay, load_labelled_jsonl

BBC = DATA / "bbcnews" / "bbc-news.jsonl.gz"
LABELS = ["business", "entertainment", "politics", "sports", "tech"]


@pytest.fixture(scope="module")
def bbc():
    if not BBC.exists():
        pytest.skip(f"{BBC} absent")
    return str(BBC)


def test_bbc_splits(bbc):
    train_x, train_y, test_x, test_y, names = load_labelled_jsonl(bbc)
    assert (len(train_x), len(test_x)) == (1777, 448)
    assert names == LABELS
    assert sorted(set(train_y)) == list(range(5))


def test_schedule():
    lrs = [linear_warmup_decay(s, 10, 2) for s in range(10)]
    assert lrs[0] == 0.5 and lrs[1] == 1.0 and lrs[2] == 1.0 and lrs[-1] == pytest.approx(1 / 8)
    assert all(a >= b for a, b in zip(lrs[1:], lrs[2:]))


def test_short_finetune_through_cli(bbc, tmp_path, caplog):
    d = minilm_dir()
    out = tmp_path / "bbc-minilm"
    assert cli.main(["bert", "finetune", "--model", d, "--out", str(out), "--data", bbc, "--epochs", "1",
                     "--limit-train", "40", "--limit-test", "20", "--max-length", "32", "--batch-size", "8",
                     "--max-steps", "3", "--no-progress"]) == 0
    for name in ("config.json", "model.safetensors", "metrics.json", "loss.png", "vocab.txt", "tokenizer.json"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 3 and metrics["n_train"] == 40 and metrics["n_test"] == 20
    h = metrics["history"][0]
    assert {"train_loss", "train_accuracy", "test_loss", "test_accuracy", "train_seconds"} <= set(h)
    assert 0.0 <= h["test_accuracy"] <= 1.0 and np.isfinite(h["train_loss"])
    # the seed, on the saved directory: a BBC label name comes out, and nothing is reported missing
    tokenizer = BertTokenizer.from_pretrained(out)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tinygrad_lite"):
        model = BertForSequenceClassification.from_pretrained(out)
    assert "newly initialized" not in caplog.text
    inputs = tokenizer("Hello, my dog is cute", return_tensors="pt")
    with tl.no_grad():
        logits = model(**inputs).logits
    assert model.config.id2label[logits.argmax().item()] in LABELS
    assert model.config.id2label == dict(enumerate(LABELS))
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    ref = transformers.BertForSequenceClassification.from_pretrained(out).eval()
    with torch.no_grad():
        want = ref(**{k: torch.from_numpy(v.numpy()) for k, v in inputs.items()}).logits.numpy()
    np.testing.assert_allclose(logits.numpy(), want, atol=1e-5, rtol=0)
    assert ref.config.id2label[int(want.argmax())] in LABELS


def test_cli_reports_a_missing_model_or_data_in_one_line(bbc, tmp_path, capsys):
    args = ["bert", "finetune", "--out", str(tmp_path / "o"), "--no-progress"]
    assert cli.main(args + ["--model", str(tmp_path / "no-model"), "--data", bbc]) == 2
    assert "error: Can't find model" in capsys.readouterr().err
    assert cli.main(args + ["--model", minilm_dir(), "--data", str(tmp_path / "none.jsonl")]) == 2
    assert "error: no data file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["bert", "finetune", "--out", str(tmp_path / "o")])  # --model is required


def test_bad_arguments(bbc, tmp_path):
    d = minilm_dir()
    with pytest.raises(FileNotFoundError, match="no data file"):
        finetune(d, tmp_path / "x", data=str(tmp_path / "missing.jsonl"))
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        finetune(d, tmp_path / "x", data=bbc, epochs=0)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "a", "label": "x"}) + "\n")
    with pytest.raises(ValueError, match="lacks one of text/label/split"):
        finetune(d, tmp_path / "x", data=str(bad))


@pytest.mark.skipif(not os.environ.get("TL_SLOW"), reason="the full fine-tuning run takes minutes: set TL_SLOW=1")
def test_full_recipe_reaches_97_percent(bbc, tmp_path):
    metrics = finetune(minilm_dir(), tmp_path / "full", data=bbc, progress=False)
    assert metrics["test_accuracy"] >= 0.97
