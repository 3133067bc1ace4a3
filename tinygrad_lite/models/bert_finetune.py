"""Fine-tune a BERT checkpoint into a text classifier: BBC News (5 topics) by default.

    data     a .jsonl(.gz) of {"text", "label", "split"}; split "train" / "test" (BBC: 1,777 / 448)
    model    BertForSequenceClassification.from_pretrained(model_dir) with a new head of len(labels) classes
    loop     AdamW (decay 0.01, none on biases and LayerNorm), lr warmed up linearly over the first
             warmup_ratio of the steps then decayed linearly to 0; texts truncated to max_length tokens
             and padded per batch; dropout on while training
    output   out_dir/: config.json (id2label = the label names), model.safetensors, the tokenizer files,
             metrics.json (per-epoch loss / accuracy / seconds, the recipe), loss.png

The command line is tinygrad_lite/cli/bert.py: tinygrad-lite bert finetune --model DIR --out DIR [options].
"""
import gzip
import json
import math
import os
import time

import numpy as np

import tinygrad_lite as _tl

from ..text.wordpiece import BertTokenizer
from .bert import BertForSequenceClassification

DEFAULT_DATA = os.path.join("..", "shared", "data", "bbcnews", "bbc-news.jsonl.gz")
RECIPE = dict(epochs=3, batch_size=16, lr=1e-4, max_length=128, weight_decay=0.01, warmup_ratio=0.1, seed=0)


def load_labelled_jsonl(path):
    """(train_texts, train_labels, test_texts, test_labels, label_names) from {"text", "label", "split"} lines;
    labels are indices into the sorted label names."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no data file {path} (expected a .jsonl or .jsonl.gz of text/label/split records)")
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for i, r in enumerate(rows):
        if not {"text", "label", "split"} <= set(r):
            raise ValueError(f"{path}: record {i} lacks one of text/label/split (has {sorted(r)})")
    names = sorted({r["label"] for r in rows})
    index = {n: i for i, n in enumerate(names)}
    split = {s: [r for r in rows if r["split"] == s] for s in ("train", "test")}
    if not split["train"] or not split["test"]:
        raise ValueError(f"{path}: needs records with split 'train' and 'test'")
    return ([r["text"] for r in split["train"]], [index[r["label"]] for r in split["train"]],
            [r["text"] for r in split["test"]], [index[r["label"]] for r in split["test"]], names)


def linear_warmup_decay(step, total, warmup):
    """lr multiplier: step/warmup while warming up, then (total − step)/(total − warmup) down to 0."""
    if step < warmup:
        return (step + 1) / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def _batches(encoded, order, batch_size, pad_id):
    """(input_ids, attention_mask, index) per batch, padded to the batch's longest row."""
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        rows = [encoded[i] for i in idx]
        T = max(len(r) for r in rows)
        ids = np.full((len(rows), T), pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), T), dtype=np.int64)
        for j, r in enumerate(rows):
            ids[j, :len(r)] = r
            mask[j, :len(r)] = 1
        yield _tl.from_numpy(ids), _tl.from_numpy(mask), idx


def evaluate(model, encoded, labels, batch_size, pad_id):
    """(mean cross-entropy, accuracy) over a split, in eval mode without gradients."""
    model.eval()
    total, correct = 0.0, 0
    with _tl.no_grad():
        for ids, mask, idx in _batches(encoded, np.arange(len(encoded)), batch_size, pad_id):
            y = _tl.tensor(np.asarray([labels[i] for i in idx], dtype=np.int64))
            out = model(input_ids=ids, attention_mask=mask, labels=y)
            total += out.loss.item() * len(idx)
            correct += int((out.logits.argmax(-1) == y).sum().item())
    return total / len(encoded), correct / len(encoded)


def _param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def plot_curves(step_losses, history, path):
    """loss.png: the training loss per step and the test loss / accuracy per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax1.plot(np.arange(1, len(step_losses) + 1), step_losses, lw=0.8, label="train (per step)")
    steps_per_epoch = len(step_losses) / max(1, len(history))
    ax1.plot([steps_per_epoch * h["epoch"] for h in history], [h["test_loss"] for h in history], "o-", label="test")
    ax1.set_xlabel("step")
    ax1.set_ylabel("cross-entropy")
    ax1.set_yscale("log")
    ax1.legend()
    ax2.plot([h["epoch"] for h in history], [100 * h["train_accuracy"] for h in history], "o-", label="train")
    ax2.plot([h["epoch"] for h in history], [100 * h["test_accuracy"] for h in history], "o-", label="test")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy, %")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def finetune(model_dir, out_dir, data=DEFAULT_DATA, epochs=RECIPE["epochs"], batch_size=RECIPE["batch_size"],
             lr=RECIPE["lr"], max_length=RECIPE["max_length"], weight_decay=RECIPE["weight_decay"],
             warmup_ratio=RECIPE["warmup_ratio"], seed=RECIPE["seed"], threads=None, eval_batch_size=64,
             limit_train=None, limit_test=None, max_steps=None, progress=True, plot=True):
    """Train, evaluate after each epoch, save out_dir (loadable with BertForSequenceClassification.from_pretrained
    and BertTokenizer.from_pretrained). Returns the metrics dict also written to out_dir/metrics.json.

    limit_train / limit_test keep a random N examples of each split (quick runs); max_steps stops early."""
    from tqdm.auto import tqdm

    for name, v in (("epochs", epochs), ("batch_size", batch_size), ("max_length", max_length)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"finetune: {name} must be a positive int, got {v!r}")
    if threads is not None:
        _tl.set_num_threads(threads)
    train_x, train_y, test_x, test_y, names = load_labelled_jsonl(data)
    _tl.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if limit_train is not None:  # a random subset (the file is ordered by label)
        keep = sorted(rng.permutation(len(train_x))[:limit_train])
        train_x, train_y = [train_x[i] for i in keep], [train_y[i] for i in keep]
    if limit_test is not None:
        keep = sorted(rng.permutation(len(test_x))[:limit_test])
        test_x, test_y = [test_x[i] for i in keep], [test_y[i] for i in keep]
    tokenizer = BertTokenizer.from_pretrained(model_dir)
    max_length = min(max_length, tokenizer.model_max_length)
    enc = lambda xs: tokenizer(xs, truncation=True, max_length=max_length)["input_ids"]  # noqa: E731
    train_ids, test_ids = enc(train_x), enc(test_x)
    model = BertForSequenceClassification.from_pretrained(
        model_dir, num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
        ignore_mismatched_sizes=True)
    opt = _tl.optim.AdamW(_param_groups(model, weight_decay), lr=lr)
    steps_per_epoch = math.ceil(len(train_ids) / batch_size)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    warmup = int(warmup_ratio * total)
    pad = tokenizer.pad_token_id
    history, step_losses, step = [], [], 0
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        t0, seen, correct, loss_sum = time.perf_counter(), 0, 0, 0.0
        bar = tqdm(total=steps_per_epoch, desc=f"epoch {epoch}/{epochs}", disable=not progress, leave=True)
        for ids, mask, idx in _batches(train_ids, rng.permutation(len(train_ids)), batch_size, pad):
            if step >= total:
                break
            for g in opt.param_groups:
                g["lr"] = lr * linear_warmup_decay(step, total, warmup)
            y = _tl.tensor(np.asarray([train_y[i] for i in idx], dtype=np.int64))
            out = model(input_ids=ids, attention_mask=mask, labels=y)
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            loss = out.loss.item()
            step_losses.append(loss)
            loss_sum += loss * len(idx)
            correct += int((out.logits.detach().argmax(-1) == y).sum().item())
            seen += len(idx)
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", lr=f"{opt.param_groups[0]['lr']:.2e}")
        bar.close()
        train_time = time.perf_counter() - t0
        test_loss, test_acc = evaluate(model, test_ids, test_y, eval_batch_size, pad)
        history.append(dict(epoch=epoch, train_loss=loss_sum / max(1, seen), train_accuracy=correct / max(1, seen),
                            test_loss=test_loss, test_accuracy=test_acc, train_seconds=train_time,
                            epoch_seconds=time.perf_counter() - t0))
        if progress:
            h = history[-1]
            print(f"epoch {epoch}: train loss {h['train_loss']:.4f} acc {100 * h['train_accuracy']:.2f}% | "
                  f"test loss {test_loss:.4f} acc {100 * test_acc:.2f}% | {h['epoch_seconds']:.1f}s", flush=True)
        if step >= total:
            break
    metrics = dict(model=os.fspath(model_dir), data=os.fspath(data), labels=names, n_train=len(train_ids),
                   n_test=len(test_ids), recipe=dict(epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length,
                                                     weight_decay=weight_decay, warmup_ratio=warmup_ratio, seed=seed,
                                                     optimizer="AdamW", schedule="linear warmup + linear decay",
                                                     threads=_tl.get_num_threads()),
                   steps=step, history=history, test_accuracy=history[-1]["test_accuracy"] if history else None,
                   total_seconds=time.perf_counter() - start)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    with open(os.path.join(out_dir, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
    if plot and history:
        plot_curves(step_losses, history, os.path.join(out_dir, "loss.png"))
    return metrics

