"""Train the text-to-image pipeline on captioned MNIST, stage by stage:

    1. data        MNIST → augment, measure, caption (datasets/captions.py)          images (N, 28, 28), captions
    2. vqvae       the tokenizer (models/vqvae.py): Adam, BCE + codebook + β·commitment, dead codes restarted
    3. tokenize    every image → its 7×7 code grid                                   codes (N, 49)
    4. transformer [caption, BOS, codes] (models/dalle.py): AdamW, warm-up + cosine, clipped gradients
    5. clip        the reranker (models/clip.py): symmetric contrastive loss
Each stage reports its wall time (metrics.json "seconds"); each epoch writes a sample grid and the
loss plot (loss.png). The result is a DALLE directory (models/dalle.py) that api.Image.create,
`tinygrad-lite imagine` and the server load.
"""
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

import tinygrad_lite as torch
import tinygrad_lite.nn as nn

from ..datasets.captions import WORDS, captioned
from ..models.clip import CLIP, CLIPConfig
from ..models.dalle import DALLE, DALLEConfig, DALLETransformer
from ..models.vqvae import VQVAE, VQVAEConfig

SAMPLE_PROMPTS = ["a zero", "a one", "a two", "a three", "a four", "a five", "a six", "a seven", "an eight", "a nine",
                  "a thick 7", "a thin 7", "a small 3 on the left", "a large 3", "a 4 next to a 1", "an inverted 2"]


@dataclass
class TrainConfig:
    max_images: int = 60000      # training images used (each augmented once)
    vq_images: int = 40000       # of which the VQ-VAE trains on the first vq_images (all are tokenized)
    seed: int = 0
    vq_epochs: int = 1
    vq_batch_size: int = 128
    vq_lr: float = 3e-3
    vq_hidden: int = 32
    codebook_size: int = 128
    dalle_epochs: int = 3
    dalle_batch_size: int = 64
    dalle_lr: float = 2e-3
    dalle_min_lr: float = 1e-4
    warmup_iters: int = 50
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    clip_epochs: int = 5
    clip_batch_size: int = 256
    clip_lr: float = 1e-3
    rerank: int = 4
    top_k: int = 0               # 0: no top-k filter
    temperature: float = 0.9  # sampling; chosen on the evaluation (benchmarks/imagine_eval.py)
    samples_per_prompt: int = 8  # in the per-epoch grids


class Progress:
    """A tqdm bar (or nothing when quiet) with a postfix of the running loss."""

    def __init__(self, total, desc, quiet):
        self.bar = None
        if not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="it", file=sys.stdout, dynamic_ncols=True)

    def update(self, **postfix):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in postfix.items()}, refresh=False)
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _batches(n, batch_size, rng):
    perm = rng.permutation(n)
    for i in range(0, n - batch_size + 1, batch_size):  # full batches only
        yield perm[i:i + batch_size]


def _images(x):  # numpy (B, 28, 28) → tensor (B, 1, 28, 28)
    return torch.from_numpy(np.ascontiguousarray(x[:, None], dtype=np.float32))


# ---- stages -------------------------------------------------------------------------------------
def train_vqvae(images, cfg, rng, quiet=True, on_epoch=None):
    """→ (VQVAE, losses [per step recon]). images (N, 28, 28) float32."""
    model = VQVAE(VQVAEConfig(hidden=cfg.vq_hidden, num_embeddings=cfg.codebook_size))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.vq_lr)
    K, losses = cfg.codebook_size, []
    per_epoch = len(images) // cfg.vq_batch_size
    bar = Progress(cfg.vq_epochs * per_epoch, "vqvae", quiet)
    counts = torch.zeros(K)
    for epoch in range(cfg.vq_epochs):
        model.train()
        for step, idx in enumerate(_batches(len(images), cfg.vq_batch_size, rng)):
            x = _images(images[idx])
            out = model(x)
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            counts += torch.bincount(out.ids.reshape(-1), minlength=K).float()
            last = epoch == cfg.vq_epochs - 1 and step == per_epoch - 1
            if step % 50 == 49 and not last:  # restart the codes no image used in the last 50 steps
                with torch.no_grad():
                    z = model._flat(model.encoder(x))
                model.restart_dead_codes(z, counts)
                counts = torch.zeros(K)
            losses.append(out.recon_loss.item())
            bar.update(recon=losses[-1], vq=out.vq_loss.item())
        if on_epoch:
            on_epoch(epoch, model)
    bar.close()
    return model.eval(), losses


@torch.no_grad()
def tokenize(vqvae, images, batch_size=1000):
    """images (N, 28, 28) → codes (N, 49) int64 numpy."""
    out = [vqvae.encode(_images(images[i:i + batch_size])).reshape(-1, vqvae.grid ** 2).numpy()
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out)


def _lr(it, total, cfg):
    """Linear warm-up, then cosine decay from dalle_lr to dalle_min_lr (nanoGPT's schedule)."""
    if it < cfg.warmup_iters:
        return cfg.dalle_lr * (it + 1) / cfg.warmup_iters
    ratio = min(1.0, (it - cfg.warmup_iters) / max(1, total - cfg.warmup_iters))
    return cfg.dalle_min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.dalle_lr - cfg.dalle_min_lr)


def train_transformer(text, codes, cfg, rng, quiet=True, on_epoch=None):
    """text (N, Lt), codes (N, Li) int64 numpy → (DALLETransformer, losses)."""
    model = DALLETransformer(DALLEConfig(text_len=text.shape[1], image_len=codes.shape[1],
                                         image_vocab_size=cfg.codebook_size, text_vocab_size=len(WORDS) + 1,
                                         n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": other, "weight_decay": 0.0}], lr=cfg.dalle_lr, betas=(0.9, 0.99))
    per_epoch = len(codes) // cfg.dalle_batch_size
    total, it, losses = cfg.dalle_epochs * per_epoch, 0, []
    bar = Progress(total, "transformer", quiet)
    for epoch in range(cfg.dalle_epochs):
        model.train()
        for idx in _batches(len(codes), cfg.dalle_batch_size, rng):
            for group in opt.param_groups:
                group["lr"] = _lr(it, total, cfg)
            out = model(torch.from_numpy(text[idx]), torch.from_numpy(codes[idx]))
            opt.zero_grad()
            out.loss.backward()
            if cfg.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            losses.append(out.loss.item())
            bar.update(loss=losses[-1])
            it += 1
        if on_epoch:
            on_epoch(epoch, model.eval(), losses)
    bar.close()
    return model.eval(), losses


def train_clip(images, text, cfg, rng, tokenizer, quiet=True):
    """→ (CLIP, losses). images (N, 28, 28), text (N, Lt) word ids."""
    model = CLIP(CLIPConfig(text_len=text.shape[1], text_vocab_size=len(tokenizer.itos)))
    model.tokenizer = tokenizer
    opt = torch.optim.Adam(model.parameters(), lr=cfg.clip_lr)
    bar = Progress(cfg.clip_epochs * (len(images) // cfg.clip_batch_size), "clip", quiet)
    losses = []
    for _ in range(cfg.clip_epochs):
        model.train()
        for idx in _batches(len(images), cfg.clip_batch_size, rng):
            _, loss = model(_images(images[idx]), torch.from_numpy(text[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            bar.update(loss=losses[-1])
    bar.close()
    return model.eval(), losses


# ---- pictures -----------------------------------------------------------------------------------
def image_grid(rows, pad=2):
    """rows: [(label, images (k, S, S))] → one grid image (H, W) float in [0, 1]."""
    k = max(len(r[1]) for r in rows)
    S = rows[0][1].shape[-1]
    grid = np.ones((len(rows) * (S + pad) + pad, k * (S + pad) + pad), np.float32) * 0.5
    for i, (_, ims) in enumerate(rows):
        for j, im in enumerate(ims):
            y, x = pad + i * (S + pad), pad + j * (S + pad)
            grid[y:y + S, x:x + S] = im
    return grid


def save_grid(path, rows, scale=3, title=None):
    """A PNG of the grid with each row's prompt written to its left (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = image_grid(rows)
    h, w = grid.shape[0] * scale, grid.shape[1] * scale  # the grid's size on the figure, pixels
    left, top = 220, 30 if title else 0  # room for the prompts and the title, pixels
    fig = plt.figure(figsize=((w + left) / 100, (h + top) / 100), dpi=100)
    ax = fig.add_axes([left / (w + left), 0, w / (w + left), h / (h + top)])
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    S = rows[0][1].shape[-1]
    ax.set_yticks([2 + S / 2 + i * (S + 2) for i in range(len(rows))])  # row centres (image_grid's pad 2)
    ax.set_yticklabels([r[0] for r in rows], fontsize=10)
    ax.tick_params(length=0)
    if title:
        fig.suptitle(title, fontsize=10, y=0.995)
    fig.savefig(path)
    plt.close(fig)


def save_losses(path, curves):
    """curves: {stage: [loss per step]} → one plot per stage, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3), squeeze=False)
    for ax, (name, ys) in zip(axes[0], curves.items()):
        ax.plot(ys, lw=0.6)
        if len(ys) > 20:  # a running mean over 20 steps
            ax.plot(np.arange(19, len(ys)), np.convolve(ys, np.ones(20) / 20, mode="valid"), lw=1.5)
        ax.set_title(name)
        ax.set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ---- the whole pipeline -------------------------------------------------------------------------
def load_mnist(data_dir):
    """→ (images (60000, 28, 28) float32 in [0, 1], labels (60000,)) from raw or gzipped IDX files."""
    from ..datasets import mnist

    if not mnist.available(data_dir, True):
        raise FileNotFoundError(f"imagine train: no MNIST training files (train-images-idx3-ubyte[.gz], "
                                f"train-labels-idx1-ubyte[.gz]) under {data_dir!r}")
    ds = mnist.MNIST(data_dir, train=True, download=False)
    return ds._raw.astype(np.float32) / 255.0, ds.targets.numpy()


def train_pipeline(images, labels, out_dir, cfg=None, quiet=False, log=print):
    """Train every stage on (images, labels), write the DALLE directory to out_dir (with
    metrics.json, loss.png, samples-*.png); → (DALLE, metrics)."""
    cfg = cfg or TrainConfig()
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)
    seconds, cpu, curves = {}, {}, {}
    t_all = t = time.perf_counter()
    c = time.process_time()

    def lap(stage):  # wall and CPU seconds of the stage that ends now
        nonlocal t, c
        seconds[stage], cpu[stage] = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()

    n = min(cfg.max_images, len(images))
    pick = rng.permutation(len(images))[:n]
    imgs, captions, _ = captioned(images[pick], labels[pick], rng)
    tokenizer = DALLETransformer(DALLEConfig(n_layer=0)).tokenizer
    text = np.array([tokenizer.encode(c, DALLEConfig.text_len) for c in captions], dtype=np.int64)
    lap("data")
    log(f"data: {n} captioned images in {seconds['data']:.1f} s, e.g. {captions[:3]}")

    def vq_epoch(epoch, vq):
        with torch.no_grad():
            rec = vq.decode(vq.encode(_images(imgs[:16])))[:, 0].numpy()
        save_grid(os.path.join(out_dir, f"vqvae-epoch{epoch + 1}.png"), [("images", imgs[:16]), ("decoded", rec)])

    vqvae, curves["vqvae recon (BCE)"] = train_vqvae(imgs[:cfg.vq_images], cfg, rng, quiet, vq_epoch)
    lap("vqvae")
    codes = tokenize(vqvae, imgs)
    lap("tokenize")
    used = len(np.unique(codes))
    log(f"vqvae: {seconds['vqvae']:.1f} s, recon BCE {np.mean(curves['vqvae recon (BCE)'][-50:]):.4f}, "
        f"{used}/{cfg.codebook_size} codes used; tokenized in {seconds['tokenize']:.1f} s")

    def dalle_epoch(epoch, tr, losses):
        pipe = DALLE(tr, vqvae, None, temperature=cfg.temperature, top_k=cfg.top_k or None)
        rows = [(p, pipe.sample([p] * cfg.samples_per_prompt, seed=epoch)) for p in SAMPLE_PROMPTS]
        save_grid(os.path.join(out_dir, f"samples-epoch{epoch + 1}.png"), rows, title=f"epoch {epoch + 1}")
        save_losses(os.path.join(out_dir, "loss.png"), curves | {"transformer CE": losses})

    transformer, curves["transformer CE"] = train_transformer(text, codes, cfg, rng, quiet, dalle_epoch)
    lap("transformer")
    log(f"transformer: {seconds['transformer']:.1f} s, CE {np.mean(curves['transformer CE'][-50:]):.3f}")

    clip, curves["clip contrastive"] = train_clip(imgs, text, cfg, rng, tokenizer, quiet)
    lap("clip")
    log(f"clip: {seconds['clip']:.1f} s, loss {np.mean(curves['clip contrastive'][-20:]):.3f}")

    pipe = DALLE(transformer, vqvae, clip, rerank=cfg.rerank, temperature=cfg.temperature, top_k=cfg.top_k or None)
    pipe.save_pretrained(out_dir)
    lap("save")
    seconds["total"], cpu["total"] = time.perf_counter() - t_all, sum(cpu.values())
    save_losses(os.path.join(out_dir, "loss.png"), curves)
    metrics = {"config": asdict(cfg), "seconds": seconds, "cpu_seconds": cpu, "codes_used": used,
               "final": {k: float(np.mean(v[-50:])) for k, v in curves.items()}, "threads": torch.get_num_threads()}
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    log(f"total {seconds['total']:.1f} s wall, {cpu['total']:.1f} s CPU; wrote {out_dir}")
    return pipe, metrics
