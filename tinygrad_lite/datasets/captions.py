"""Captioned MNIST for text-to-image: digits varied by augmentation, then described by measurement.

    images (N, 28, 28) in [0, 1], labels (N,)
      → augment(): random scale, shear, stroke dilation/erosion, shift, colour inversion, or two
        digits side by side (each shrunk to 14×14)                         (N, 28, 28), pair labels
      → measure(): the attributes read off the pixels (never off the augmentation's parameters)
      → caption(): "a thick small seven slanted left on the left", "an inverted 3", "a 4 next to a 1"

The caption grammar (≤ 10 words):
    single:  a [inverted] [thick|thin] [large|small] DIGIT [slanted left|slanted right] [on the left|on the right]
    pair:    a DIGIT next to a DIGIT      (two digits, each shrunk to 14×14, side by side)
DIGIT is the word ("seven") or the figure ("7"), chosen at random per caption. An attribute is named
only when its measurement is clearly off the middle (THRESHOLDS), so "a seven" means an ordinary
seven: middle thickness, middle height, upright, centred.

Measurements, on the ink image u (u = 1 − x for an inverted image, else x), b = u > 0.5:
    thickness = 2·|b| / perimeter(b)    a stroke of width w and length L has area wL and perimeter ≈ 2L
    height    = rows between the first and last row holding ink (bounding-box height, pixels)
    slant     = −μ11 / μ02 of u         the x-shift per row upwards (image y points down): > 0 leans right "/"
    cx        = Σ x·u / Σ u             the ink's centroid column (13.5 is the centre)
    inverted  = mean of the 1-pixel border > 0.5
"""
import numpy as np

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# the whole vocabulary of captions; models add their own special tokens
WORDS = (["a", "inverted", "thick", "thin", "large", "small", "slanted", "left", "right", "on", "the", "next", "to"]
         + DIGIT_WORDS + [str(d) for d in range(10)])
MAX_WORDS = 10
# attribute → (low word, high word, low threshold, high threshold): named when value < low or > high
THRESHOLDS = {
    "thickness": ("thin", "thick", 1.45, 2.45),
    "height": ("small", "large", 15.0, 22.5),
    "slant": ("left", "right", -0.15, 0.45),
    "cx": ("left", "right", 10.5, 16.5),
}


# ---- measurement --------------------------------------------------------------------------------
def measure(images):
    """images (N, H, W) float in [0, 1] → dict of float arrays (N,): thickness, height, slant, cx,
    inverted (0/1). Blank images measure 0 everywhere."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"measure: expected images of shape (N, H, W), got {x.shape}")
    _, h, w = x.shape
    border = np.concatenate([x[:, 0, :], x[:, -1, :], x[:, :, 0], x[:, :, -1]], axis=1)  # (N, 2H+2W)
    inverted = border.mean(1) > 0.5
    u = np.where(inverted[:, None, None], 1.0 - x, x)  # the ink, bright on dark
    b = np.pad(u > 0.5, ((0, 0), (1, 1), (1, 1)))  # (N, H+2, W+2) binary with an empty frame
    area = b.sum((1, 2))
    perimeter = (b[:, 1:, :] != b[:, :-1, :]).sum((1, 2)) + (b[:, :, 1:] != b[:, :, :-1]).sum((1, 2))
    thickness = 2.0 * area / np.maximum(perimeter, 1)
    rows = (u > 0.5).any(2)  # (N, H)
    first = rows.argmax(1)
    last = h - 1 - rows[:, ::-1].argmax(1)
    height = np.where(rows.any(1), last - first + 1, 0)
    mass = np.maximum(u.sum((1, 2)), 1e-6)
    ys, xs = np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32)
    cy = (u.sum(2) * ys).sum(1) / mass
    cx = (u.sum(1) * xs).sum(1) / mass
    dy = ys[None, :, None] - cy[:, None, None]
    dx = xs[None, None, :] - cx[:, None, None]
    mu11 = (u * dx * dy).sum((1, 2)) / mass
    mu02 = np.maximum((u * dy * dy).sum((1, 2)) / mass, 1e-6)
    return {"thickness": thickness.astype(np.float32), "height": height.astype(np.float32),
            "slant": (-mu11 / mu02).astype(np.float32), "cx": cx.astype(np.float32),
            "inverted": inverted.astype(np.float32)}


# ---- captions -----------------------------------------------------------------------------------
def digit_word(d, rng=None, figures=0.5):
    """The digit as a word or (with probability `figures`) a figure."""
    return str(d) if rng is not None and rng.random() < figures else DIGIT_WORDS[d]


def caption(label, attrs, rng=None, pair=None):
    """One caption from a label and its measurements (a dict of scalars, as measure() gives per row).
    pair=(left, right) labels for a two-digit image. rng picks words vs figures (None: words)."""
    if pair is not None:
        left, right = digit_word(pair[0], rng), digit_word(pair[1], rng)
        return f"{_article(left)} {left} next to {_article(right)} {right}"

    def side(name):
        low, high, lo, hi = THRESHOLDS[name]
        v = attrs[name]
        return low if v < lo else high if v > hi else None

    words = ["a"]
    if attrs.get("inverted", 0) > 0.5:
        words.append("inverted")
    for name in ("thickness", "height"):
        if side(name):
            words.append(side(name))
    words.append(digit_word(int(label), rng))
    if side("slant"):
        words += ["slanted", side("slant")]
    if side("cx"):
        words += ["on", "the", side("cx")]
    words[0] = _article(words[1])
    return " ".join(words)


def _article(word):
    """English's article ("an eight", "an 8", "an inverted ..."); the tokenizer reads both as "a"."""
    return "an" if word in ("inverted", "eight", "8") else "a"


def parse_prompt(prompt):
    """What a prompt asks for: {"digits": [d, ...], "thickness": "thick"|..., "height": ..., "slant": ...,
    "cx": ..., "inverted": bool}; attributes not named are absent. Used by evaluation and reranking."""
    words = normalize(prompt).split()
    out = {"digits": [], "inverted": "inverted" in words}
    for w in words:
        if w in DIGIT_WORDS:
            out["digits"].append(DIGIT_WORDS.index(w))
        elif len(w) == 1 and w.isdigit():
            out["digits"].append(int(w))
    for name, (low, high, _, _) in THRESHOLDS.items():
        if name == "slant":
            hit = [words[i + 1] for i in range(len(words) - 1) if words[i] == "slanted"]
        elif name == "cx":
            hit = [words[i + 2] for i in range(len(words) - 2) if words[i:i + 2] == ["on", "the"]]
        else:
            hit = [w for w in words if w in (low, high)]
        if hit and hit[0] in (low, high):
            out[name] = hit[0]
    return out


def normalize(prompt):
    """Lower case, punctuation and unknown words dropped, "an" read as "a"; digits split ("42" → "4 2")."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string, got {type(prompt).__name__}")
    out = []
    for w in "".join(c if c.isalnum() else " " for c in prompt.lower()).split():
        w = "a" if w == "an" else w
        if w.isdigit():
            out += list(w)
        elif w in WORDS:
            out.append(w)
    return " ".join(out)


# ---- augmentation -------------------------------------------------------------------------------
def _affine(images, scale, shear, shift_x):
    """Per image i: scale about the centre c, shear x by shear[i] per row upwards, shift right by
    shift_x[i] pixels; bilinear. Output pixel p = (row, col) samples the input at M⁻¹·(p − c − t) + c,
    M = [[s, 0], [−shear·s, s]] (col' = s·col − shear·s·row about c), t = (0, shift_x)."""
    from scipy.ndimage import map_coordinates

    n, h, w = images.shape
    r = np.arange(h, dtype=np.float32)[None, :, None] - (h - 1) / 2  # (1, H, 1)
    c = np.arange(w, dtype=np.float32)[None, None, :] - (w - 1) / 2 - shift_x[:, None, None]  # (N, 1, W)
    s, k = scale[:, None, None], shear[:, None, None]
    src_r = r / s + 0 * c  # inverse of [[s, 0], [−k·s, s]] is [[1/s, 0], [k/s, 1/s]]
    src_c = (k * r + c) / s
    batch = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], src_r.shape)
    coords = np.stack([batch, src_r + (h - 1) / 2, src_c + (w - 1) / 2])  # (3, N, H, W)
    return map_coordinates(images, coords, order=1, mode="constant", cval=0.0).astype(np.float32)


def resize(images, size):
    """images (N, H, W) → (N, size, size), bilinear (scipy.ndimage.zoom, order 1)."""
    from scipy.ndimage import zoom

    _, h, w = images.shape
    return np.clip(zoom(images, (1, size / h, size / w), order=1), 0.0, 1.0).astype(np.float32)


def augment(images, labels, rng, p_pair=0.15, p_invert=0.08):
    """Random variations of the digits. images (N, 28, 28) in [0, 1] → (images (N, 28, 28) float32,
    pairs (N, 2) int64: the two labels of a side-by-side image, −1 for single digits).
    Vectorised over the batch: one resampling call, one dilation, one erosion."""
    from scipy.ndimage import grey_dilation, grey_erosion

    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    n = images.shape[0]
    r = rng.random(n)
    scale = np.where(r < 0.3, rng.uniform(0.5, 0.7, n), np.where(r < 0.5, rng.uniform(1.1, 1.3, n),
                                                                 rng.uniform(0.9, 1.05, n)))
    shear = np.where(rng.random(n) < 0.3, rng.choice([-1.0, 1.0], n) * rng.uniform(0.25, 0.45, n), 0.0)
    shift = np.where((scale < 0.75) & (rng.random(n) < 0.5), rng.choice([-1.0, 1.0], n) * rng.uniform(5, 7, n), 0.0)
    out = _affine(images, scale.astype(np.float32), shear.astype(np.float32), shift.astype(np.float32))
    r = rng.random(n)
    thick, thin = r < 0.2, (r >= 0.2) & (r < 0.4)
    out[thick] = grey_dilation(out[thick], size=(1, 2, 2))
    out[thin] = grey_erosion(out[thin], footprint=np.array([[[0, 1], [1, 1]]], bool))
    # two digits side by side in the middle rows: each one's central 20×20 box (where MNIST centres
    # its digits) resized to 14×14, so a digit spans 3.5 × 3.5 tokens of the 7×7 grid
    pairs = np.full((n, 2), -1, dtype=np.int64)
    p = np.flatnonzero(rng.random(n) < p_pair)
    q = rng.integers(0, n, len(p))
    canvas = np.zeros((len(p), 28, 28), np.float32)
    canvas[:, 7:21, 0:14], canvas[:, 7:21, 14:28] = resize(images[p, 4:24, 4:24], 14), resize(images[q, 4:24, 4:24], 14)
    out[p], pairs[p, 0], pairs[p, 1] = canvas, labels[p], labels[q]
    out = np.clip(out, 0.0, 1.0)
    inv = (rng.random(n) < p_invert) & (pairs[:, 0] < 0)  # the pair grammar has no colours
    out[inv] = 1.0 - out[inv]
    return out, pairs


def captioned(images, labels, rng, augment_data=True):
    """(images (N, 28, 28) float32 in [0, 1], captions [N str], pairs (N, 2)): the training set."""
    labels = np.asarray(labels)
    if augment_data:
        images, pairs = augment(images, labels, rng)
    else:
        images, pairs = np.asarray(images, np.float32), np.full((len(labels), 2), -1, np.int64)
    attrs = measure(images)
    caps = []
    for i in range(len(labels)):
        a = {k: v[i] for k, v in attrs.items()}
        caps.append(caption(labels[i], a, rng, pair=tuple(pairs[i]) if pairs[i, 0] >= 0 else None))
    return images, caps, pairs
