"""Evaluate a trained text-to-image pipeline (`tinygrad-lite imagine train`) with measurements it never saw.

    python -m benchmarks.imagine_eval --model runs/imagine [--classifier runs/lenet-eval] [--samples 32]
                                      [--grid docs/imagine_samples.png] [--out runs/imagine/eval.json]

1. An independent judge: LeNet-5 (models/lenet.py) trained here on the plain MNIST training set
   (1 epoch, SGD momentum 0.9, batch 128; cached in --classifier as config.json + model.safetensors),
   its accuracy on the official test set reported.
2. Digits: for each d in 0..9, `samples` images of "a <word>" — straight from the transformer
   (rerank 1) and reranked by the pipeline's CLIP (the best `samples` of rerank·`samples`) — and of
   "a <figure>"; the share LeNet classifies as d.
3. Attributes: for each digit, `samples` images of "a thick|thin|large|small <word>", measured with
   datasets/captions.measure (thickness = 2·area/perimeter of the ink, height = bounding box); a
   sample moves "in the asked direction" when it lies beyond the median of the plain prompt's
   samples on the asked side. Also slant ("... slanted left|right"), position ("a small <word> on
   the left|right" against "a small <word>"), inversion, and pairs ("a <a> next to a <b>": each
   14-pixel half, resized to MNIST's 20×20 box in 28×28, classified by LeNet).
4. Diversity: the mean pairwise Euclidean distance between the samples of one prompt (pixels in
   [0, 1], 28×28), next to the same figure for `samples` real test images of that digit.
Writes the figures as JSON (--out) and a grid of samples with their prompts (--grid).
"""
import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
MNIST_DIR = REPO.parent / "shared" / "data" / "mnist"
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
GRID_PROMPTS = ["a zero", "a one", "a two", "a three", "a four", "a five", "a six", "a seven", "an eight", "a nine",
                "a thick seven", "a thin seven", "a large 3", "a small 3 on the left", "a 2 slanted left",
                "a 2 slanted right", "an inverted five", "a 4 next to a 1"]


def train_lenet(images, labels, epochs=1, seed=0, log=print):
    import tinygrad_lite as torch
    import tinygrad_lite.nn.functional as F
    from tinygrad_lite.models.lenet import LeNet

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for _ in range(epochs):
        net.train()
        perm = rng.permutation(len(images))
        for i in range(0, len(perm) - 127, 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(net(torch.from_numpy(images[idx][:, None])), torch.from_numpy(labels[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def classifier(path, log=print):
    """The LeNet judge: loaded from `path`, or trained (and saved there)."""
    import tinygrad_lite as torch
    from tinygrad_lite.datasets import MNIST
    from tinygrad_lite.models.lenet import LeNet

    tr, te = MNIST(str(MNIST_DIR), train=True, download=False), MNIST(str(MNIST_DIR), train=False, download=False)
    weights = os.path.join(path, "model.safetensors")
    t = time.perf_counter()
    if os.path.isfile(weights):
        net = LeNet()
        net.load_state_dict(torch.load(weights))
        net.eval()
    else:
        net = train_lenet(tr._raw.astype(np.float32) / 255, tr.targets.numpy(), log=log)
        os.makedirs(path, exist_ok=True)
        torch.save(net.state_dict(), weights)
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump({"model_type": "lenet", "trained_by": "benchmarks/imagine_eval.py, 1 epoch"}, f)
    seconds = time.perf_counter() - t
    test_images = te._raw.astype(np.float32) / 255
    acc = float((predict(net, test_images) == te.targets.numpy()).mean())
    log(f"LeNet judge: test accuracy {acc:.4f} ({seconds:.0f} s)")
    return net, acc, test_images, te.targets.numpy(), seconds


def predict(net, images, batch=1000):
    import tinygrad_lite as torch

    with torch.no_grad():
        return np.concatenate([net(torch.from_numpy(np.ascontiguousarray(images[i:i + batch, None]))).argmax(-1).numpy()
                               for i in range(0, len(images), batch)])


def sample_many(pipe, prompts, k, seed, rerank=1, chunk=320):
    """{prompt: images (k, 28, 28)}: k samples per prompt, in batches of `chunk` sequences; with rerank > 1
    the best k of k·rerank by the pipeline's CLIP."""
    flat = [p for p in prompts for _ in range(k * rerank)]
    ims = np.concatenate([pipe.sample(flat[i:i + chunk], seed=seed + i) for i in range(0, len(flat), chunk)])
    out = {}
    for j, p in enumerate(prompts):
        block = ims[j * k * rerank:(j + 1) * k * rerank]
        if rerank > 1:
            block = block[np.argsort(-pipe.clip.score(p, block), kind="stable")[:k]]
        out[p] = block
    return out


def mean_pairwise_distance(ims):
    x = ims.reshape(len(ims), -1).astype(np.float64)
    d = np.sqrt(np.maximum((x * x).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2 * x @ x.T, 0))
    return float(d[np.triu_indices(len(x), 1)].mean())


def halves(ims):
    """Two-digit images (N, 28, 28) → (left, right) each (N, 28, 28): the 14×14 halves of rows 7..20,
    resized to 20×20 and framed by 4 empty pixels, as MNIST centres its digits (the inverse of
    datasets/captions.augment's pairs)."""
    from tinygrad_lite.datasets.captions import resize

    return [np.pad(resize(h, 20), ((0, 0), (4, 4), (4, 4))) for h in (ims[:, 7:21, :14], ims[:, 7:21, 14:])]


def evaluate(pipe, net, test_images, test_labels, k=32, seed=0, rerank=4, log=print):
    from tinygrad_lite.datasets.captions import measure

    res, t0 = {}, time.perf_counter()
    plain = sample_many(pipe, [f"a {w}" for w in WORDS], k, seed)
    figures = sample_many(pipe, [f"a {d}" for d in range(10)], k, seed + 1)
    res["digit_accuracy"] = {d: float((predict(net, plain[f"a {w}"]) == d).mean()) for d, w in enumerate(WORDS)}
    res["digit_accuracy_figures"] = {d: float((predict(net, figures[f"a {d}"]) == d).mean()) for d in range(10)}
    if pipe.clip is not None:
        rr = sample_many(pipe, [f"a {w}" for w in WORDS], k, seed + 2, rerank=rerank)
        res["digit_accuracy_reranked"] = {d: float((predict(net, rr[f"a {w}"]) == d).mean()) for d, w in enumerate(WORDS)}
    log(f"digits: {time.perf_counter() - t0:.0f} s")

    base = {w: measure(plain[f"a {w}"]) for w in WORDS}
    shifts = {}
    for attr, word, sign in (("thickness", "thick", 1), ("thickness", "thin", -1), ("height", "large", 1),
                             ("height", "small", -1)):
        got = sample_many(pipe, [f"a {word} {w}" for w in WORDS], k, seed + 3)
        rates = [float((sign * (measure(got[f"a {word} {w}"])[attr] - np.median(base[w][attr])) > 0).mean())
                 for w in WORDS]
        shifts[word] = {"rate": float(np.mean(rates)), "per_digit": rates,
                        "mean_value": float(np.mean([measure(got[f"a {word} {w}"])[attr].mean() for w in WORDS])),
                        "plain_mean_value": float(np.mean([base[w][attr].mean() for w in WORDS]))}
    for word, sign in (("left", -1), ("right", 1)):
        got = sample_many(pipe, [f"a {w} slanted {word}" for w in WORDS], k, seed + 4)
        rates = [float((sign * (measure(got[f"a {w} slanted {word}"])["slant"] - np.median(base[w]["slant"])) > 0).mean())
                 for w in WORDS]
        shifts[f"slanted {word}"] = {"rate": float(np.mean(rates)), "per_digit": rates}
    small = sample_many(pipe, [f"a small {w}" for w in WORDS], k, seed + 5)
    for word, sign in (("left", -1), ("right", 1)):
        got = sample_many(pipe, [f"a small {w} on the {word}" for w in WORDS], k, seed + 6)
        rates = [float((sign * (measure(got[f"a small {w} on the {word}"])["cx"]
                                - np.median(measure(small[f"a small {w}"])["cx"])) > 0).mean()) for w in WORDS]
        shifts[f"on the {word}"] = {"rate": float(np.mean(rates)), "per_digit": rates}
    inv = sample_many(pipe, [f"an inverted {w}" for w in WORDS], k, seed + 7)
    shifts["inverted"] = {"rate": float(np.mean([measure(inv[f"an inverted {w}"])["inverted"].mean() for w in WORDS]))}
    res["attribute_shift"] = shifts
    log(f"attributes: {time.perf_counter() - t0:.0f} s")

    pairs = [(4, 1), (1, 4), (7, 0), (3, 8), (9, 2), (5, 6)]
    got = sample_many(pipe, [f"a {a} next to a {b}" for a, b in pairs], k, seed + 8)
    both = []
    for a, b in pairs:
        left, right = halves(got[f"a {a} next to a {b}"])
        both.append(float(((predict(net, left) == a) & (predict(net, right) == b)).mean()))
    res["pairs_both_correct"] = {f"a {a} next to a {b}": r for (a, b), r in zip(pairs, both)}

    rng = np.random.default_rng(seed)
    res["diversity"] = {d: mean_pairwise_distance(plain[f"a {w}"]) for d, w in enumerate(WORDS)}
    res["diversity_real"] = {d: mean_pairwise_distance(test_images[rng.choice(np.flatnonzero(test_labels == d), k,
                                                                             replace=False)]) for d in range(10)}
    res["eval_seconds"] = time.perf_counter() - t0
    return res


def report(res):
    acc = res["digit_accuracy"]
    lines = ["| digit | " + " | ".join(str(d) for d in range(10)) + " | mean |", "|---" * 12 + "|"]
    for key, name in (("digit_accuracy", '"a seven" (words)'), ("digit_accuracy_figures", '"a 7" (figures)'),
                      ("digit_accuracy_reranked", f"words, CLIP-reranked 1 in {res['sampling']['rerank']}")):
        if key in res:
            row = [res[key][d] for d in range(10)]
            lines.append(f"| {name} | " + " | ".join(f"{v:.0%}" for v in row) + f" | {np.mean(row):.1%} |")
    lines.append("| diversity (samples) | " + " | ".join(f"{res['diversity'][d]:.1f}" for d in range(10)) +
                 f" | {np.mean(list(res['diversity'].values())):.2f} |")
    lines.append("| diversity (real test digits) | " + " | ".join(f"{res['diversity_real'][d]:.1f}" for d in range(10))
                 + f" | {np.mean(list(res['diversity_real'].values())):.2f} |")
    lines += ["", "| prompt word | samples moved the asked way |", "|---|---|"]
    lines += [f"| {w} | {v['rate']:.1%} |" for w, v in res["attribute_shift"].items()]
    lines += ["", "| pair prompt | both halves right |", "|---|---|"]
    lines += [f"| {p} | {v:.0%} |" for p, v in res["pairs_both_correct"].items()]
    del acc
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="runs/imagine")
    ap.add_argument("--classifier", default="runs/lenet-eval", help="where the LeNet judge is cached")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--temperature", type=float, default=None, help="sampling temperature (default: the model's)")
    ap.add_argument("--top-k", type=int, default=None, help="top-k filter (default: the model's)")
    ap.add_argument("--rerank", type=int, default=4, help="candidates per kept image in the reranked rows")
    ap.add_argument("--grid", default=None, help="write a PNG grid of samples with their prompts here")
    ap.add_argument("--out", default=None, help="JSON results (default: MODEL/eval.json)")
    a = ap.parse_args(argv)
    import tinygrad_lite as torch
    from tinygrad_lite.imagine.train import save_grid
    from tinygrad_lite.models.dalle import DALLE

    if a.threads:
        torch.set_num_threads(a.threads)
    pipe = DALLE.from_pretrained(a.model)
    if a.temperature is not None:
        pipe.temperature = a.temperature
    if a.top_k is not None:
        pipe.top_k = a.top_k or None
    net, lenet_acc, test_images, test_labels, lenet_seconds = classifier(a.classifier)
    if a.grid:
        rows = sample_many(pipe, GRID_PROMPTS, 8, a.seed + 100, rerank=pipe.rerank if pipe.clip else 1)
        save_grid(a.grid, list(rows.items()), scale=2)
        print(f"wrote {a.grid}")
    res = evaluate(pipe, net, test_images, test_labels, a.samples, a.seed, rerank=a.rerank)
    res["sampling"] = {"temperature": pipe.temperature, "top_k": pipe.top_k, "rerank": a.rerank}
    res["lenet_test_accuracy"], res["lenet_seconds"] = lenet_acc, lenet_seconds
    metrics = os.path.join(a.model, "metrics.json")
    if os.path.isfile(metrics):
        with open(metrics) as f:
            res["train_seconds"] = json.load(f)["seconds"]
    out = a.out or os.path.join(a.model, "eval.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=2)
    print(report(res))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
