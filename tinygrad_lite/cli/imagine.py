"""`tinygrad-lite imagine`: text to image, DALL-E's way, on captioned MNIST.

    tinygrad-lite imagine "a thick seven" [-n 8] [--out seven.png] [--model DIR] [--size 84] [--seed S]
    tinygrad-lite imagine train [--data MNIST_DIR] [--out DIR] [--quick] [stage options]

The first form samples n images for the prompt from a trained DALLE directory (reranked by its
CLIP) and writes them as one PNG grid, each image upscaled to --size pixels. The second trains
the whole pipeline (tinygrad_lite/imagine/train.py): VQ-VAE, transformer, CLIP; DIR receives the
checkpoint (config.json + transformer/, vqvae/, clip/, each config.json + model.safetensors),
metrics.json (seconds per stage), loss.png and samples-epochN.png.
"""
import argparse
import os
from dataclasses import fields

DEFAULT_RUN = os.path.join("runs", "imagine")
SHARED_MNIST = os.path.join("..", "shared", "data", "mnist")


def add_parser(sub):
    g = sub.add_parser("imagine", help="text to image on MNIST: sample a prompt, or `imagine train` the pipeline",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("prompt", help='the prompt (e.g. "a thick seven"), or "train"')
    g.add_argument("rest", nargs=argparse.REMAINDER, help="options of the sampling or of `train` (see --help of each)")
    g.set_defaults(run=run)


def sample_parser():
    p = argparse.ArgumentParser(prog="tinygrad-lite imagine PROMPT", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("-n", type=int, default=8, help="images")
    p.add_argument("--out", default="imagine.png", help="the PNG grid to write")
    p.add_argument("--model", default=DEFAULT_RUN, help="a directory written by `imagine train`")
    p.add_argument("--size", type=int, default=84, help="pixels per image side in the grid (native 28)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--rerank", type=int, default=None, help="samples per kept image (default: the model's)")
    p.add_argument("--threads", type=int, default=None)
    return p


def train_parser():
    from ..imagine.train import TrainConfig

    p = argparse.ArgumentParser(prog="tinygrad-lite imagine train", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=None, help=f"MNIST directory (IDX files; default {SHARED_MNIST}, also searched "
                                                "beside the repository)")
    p.add_argument("--out", default=DEFAULT_RUN, help="output directory")
    p.add_argument("--quick", action="store_true", help="a tiny run (2,000 images, small models) to check the pipeline")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    for f in fields(TrainConfig):  # every TrainConfig field is an option: --dalle-epochs 2 ...
        p.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default)
    return p


def run(args):
    if args.prompt == "train":
        return train(train_parser().parse_args(args.rest))
    return sample(args.prompt, sample_parser().parse_args(args.rest))


def _find_mnist(path):
    from ..datasets import mnist

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for cand in ([path] if path else [SHARED_MNIST, os.path.join(repo, SHARED_MNIST)]):
        if mnist.available(cand, True):
            return cand
    raise SystemExit(f"imagine train: no MNIST training files under {path or SHARED_MNIST!r} "
                     "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz])")


def train(a):
    import tinygrad_lite as torch

    from ..imagine.train import TrainConfig, load_mnist, train_pipeline

    if a.threads:
        torch.set_num_threads(a.threads)
    cfg = TrainConfig(**{f.name: getattr(a, f.name) for f in fields(TrainConfig)})
    if a.quick:
        cfg.max_images, cfg.n_layer, cfg.n_embd, cfg.codebook_size, cfg.dalle_epochs = 2000, 2, 64, 64, 1
    images, labels = load_mnist(_find_mnist(a.data))
    train_pipeline(images, labels, a.out, cfg, quiet=a.quiet)
    return 0


def sample(prompt, a):
    import numpy as np
    from PIL import Image as PILImage

    import tinygrad_lite as torch

    from ..engines import load_checkpoint
    from ..imagine.train import image_grid

    if a.n < 1 or a.size < 8:
        raise SystemExit("imagine: -n must be >= 1 and --size >= 8")
    if a.threads:
        torch.set_num_threads(a.threads)
    if not os.path.isfile(os.path.join(a.model, "config.json")):
        raise SystemExit(f"imagine: no trained model in {a.model!r} (run `tinygrad-lite imagine train --out "
                         f"{a.model}` first, or pass --model DIR)")
    model = load_checkpoint(a.model)
    images = np.stack(model.generate_images(prompt, a.n, seed=a.seed, rerank=a.rerank))  # (n, 28, 28)
    cols = min(a.n, 8)
    rows = [(prompt, images[i:i + cols]) for i in range(0, a.n, cols)]
    grid = image_grid(rows, pad=1)
    scale = a.size / images.shape[-1]
    img = PILImage.fromarray((np.clip(grid, 0, 1) * 255 + 0.5).astype(np.uint8))
    img = img.resize((round(img.width * scale), round(img.height * scale)), PILImage.BILINEAR)
    img.save(a.out)
    print(f"wrote {a.out}: {a.n} images for {prompt!r}")
    return 0

