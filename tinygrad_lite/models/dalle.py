"""DALL-E (Ramesh et al., 2021) at MNIST size: a decoder-only transformer over [text tokens, image tokens].

    caption "a thick seven" → word ids, right-padded with PAD to text_len          t (B, Lt)
    image  → VQ-VAE token grid (models/vqvae.py), row-major                         i (B, Li), Li = 7·7
    input  = [t, BOS, i_0 .. i_{Li−2}]                                              (B, Lt + Li)
      → wte(input) + wpe(0..T−1) → n_layer × gpt.Block (causal) → ln_f → head       logits (B, T, K)
    loss   = cross-entropy of the logits at positions Lt .. Lt+Li−1 against i_0 .. i_{Li−1}

One embedding table holds every token: [PAD, caption words ..., BOS, image code 0 .. K−1]; the head
predicts only the K image codes (text is given, never sampled). Sampling continues a prompt's text
tokens with Li image tokens, one at a time (temperature, top-k), with a key/value cache so each step
costs one token's work; the VQ-VAE decodes the grid to pixels and a contrastive text–image model
(models/clip.py, CLIP's stand-in) keeps the best n of n·rerank candidates.

A trained DALLE is a directory: config.json ({"model_type": "dalle", ...}) with the subdirectories
    transformer/  config.json, model.safetensors, vocab.json (the caption words)
    vqvae/        config.json, model.safetensors
    clip/         config.json, model.safetensors   (optional: without it, no reranking)
"""
import json
import os
from dataclasses import dataclass

import numpy as np

import tinygrad_lite as torch
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

from ..datasets.captions import WORDS, normalize
from ._checkpoint import load_model_dir, save_model_dir
from .gpt import Block, GPTConfig, GPTOutput

SPECIAL = ["<pad>"]  # id 0 pads captions to text_len


@dataclass
class DALLEConfig:
    text_len: int = 10            # Lt: caption words kept (the grammar's longest caption)
    image_len: int = 49           # Li: the VQ-VAE's 7×7 grid
    image_vocab_size: int = 128   # K: the VQ-VAE codebook
    text_vocab_size: int = len(WORDS) + 1  # the words and PAD
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False

    @property
    def block_size(self):
        return self.text_len + self.image_len

    @property
    def bos(self):  # the id that opens the image, right after the words
        return self.text_vocab_size


class CaptionTokenizer:
    """Words ↔ ids: id 0 is PAD, then the caption vocabulary. Unknown words and punctuation are
    dropped (captions.normalize), so any prompt encodes; at most text_len words are kept."""

    def __init__(self, itos=None):
        self.itos = list(itos) if itos is not None else SPECIAL + WORDS
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def encode(self, prompt, text_len):
        ids = [self.stoi[w] for w in normalize(prompt).split() if w in self.stoi][:text_len]
        return ids + [0] * (text_len - len(ids))

    def decode(self, ids):
        return " ".join(self.itos[i] for i in ids if i != 0)

    def save(self, directory):
        with open(os.path.join(directory, "vocab.json"), "w") as f:
            json.dump({"type": "words", "itos": self.itos}, f)

    @classmethod
    def load(cls, directory):
        with open(os.path.join(directory, "vocab.json")) as f:
            return cls(json.load(f)["itos"])


class DALLETransformer(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        self.config = c = config or DALLEConfig(**kwargs)
        if c.n_embd % c.n_head:
            raise ValueError(f"DALLETransformer: n_embd ({c.n_embd}) must be a multiple of n_head ({c.n_head})")
        g = GPTConfig(block_size=c.block_size, vocab_size=1, n_layer=c.n_layer, n_head=c.n_head, n_embd=c.n_embd,
                      dropout=c.dropout, bias=c.bias)
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c.text_vocab_size + 1 + c.image_vocab_size, c.n_embd),  # words, BOS, image codes
            wpe=nn.Embedding(c.block_size, c.n_embd),
            drop=nn.Dropout(c.dropout),
            h=nn.ModuleList([Block(g) for _ in range(c.n_layer)]),
            ln_f=nn.LayerNorm(c.n_embd, bias=c.bias),
        ))
        self.head = nn.Linear(c.n_embd, c.image_vocab_size, bias=False)
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():  # GPT-2's scaled residual projections
            if pn.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / (2 * c.n_layer) ** 0.5)
        self.tokenizer = CaptionTokenizer()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)

    def sequence(self, text, image):
        """text (B, Lt) word ids, image (B, Li) codes → the input (B, Lt + Li): [text, BOS, image[:-1]]."""
        c = self.config
        bos = torch.full((text.shape[0], 1), c.bos, dtype=torch.long)
        return torch.cat([text, bos, image[:, :-1] + (c.bos + 1)], dim=1)

    def forward(self, text, image):
        """text (B, Lt), image (B, Li) int64 → GPTOutput(logits (B, Li, K), loss: mean CE over the image)."""
        c = self.config
        if text.dim() != 2 or image.dim() != 2 or text.shape[1] != c.text_len or image.shape[1] != c.image_len:
            raise ValueError(f"DALLETransformer: expected text (B, {c.text_len}) and image (B, {c.image_len}), got "
                             f"{tuple(text.shape)} and {tuple(image.shape)}")
        x = self._embed(self.sequence(text, image), 0)
        for block in self.transformer.h:
            x = block(x)
        logits = self.head(self.transformer.ln_f(x[:, c.text_len:]))  # (B, Li, K): positions BOS .. end
        loss = F.cross_entropy(logits.reshape(-1, c.image_vocab_size), image.reshape(-1))
        return GPTOutput(logits, loss)

    def _embed(self, idx, start):
        pos = torch.arange(start, start + idx.shape[1], dtype=torch.long)
        return self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))

    # ---- sampling with a key/value cache ---------------------------------------------------------
    def _step(self, idx, cache, start):
        """Run idx (B, t) at positions start.. through the blocks, appending each layer's keys and
        values to cache[l] = (k, v) (B, nh, start + t, hs); → the last position's logits (B, K)."""
        x = self._embed(idx, start)
        B, t, C = x.shape
        for layer, block in enumerate(self.transformer.h):
            a = block.attn
            q, k, v = a.c_attn(block.ln_1(x)).split(C, dim=2)  # 3 × (B, t, C)
            q, k, v = (z.view(B, t, a.n_head, C // a.n_head).transpose(1, 2) for z in (q, k, v))  # (B, nh, t, hs)
            if cache[layer] is not None:
                k, v = torch.cat([cache[layer][0], k], dim=2), torch.cat([cache[layer][1], v], dim=2)
            cache[layer] = (k, v)
            # the prefix attends causally; a single new token attends to everything before it
            y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
            x = x + a.c_proj(y.transpose(1, 2).contiguous().view(B, t, C))
            x = x + block.mlp(block.ln_2(x))
        return self.head(self.transformer.ln_f(x[:, -1]))

    @torch.no_grad()
    def generate(self, text, temperature=1.0, top_k=None, generator=None):
        """text (B, Lt) word ids → sampled image codes (B, Li). temperature 0: greedy."""
        if temperature < 0:
            raise ValueError(f"generate: temperature must be >= 0, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"generate: top_k must be >= 1, got {top_k}")
        c = self.config
        B = text.shape[0]
        cache = [None] * c.n_layer
        idx = torch.cat([text, torch.full((B, 1), c.bos, dtype=torch.long)], dim=1)  # (B, Lt + 1)
        out, start = [], 0
        for _ in range(c.image_len):
            logits = self._step(idx, cache, start)  # (B, K)
            start += idx.shape[1]
            if temperature == 0:
                nxt = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, c.image_vocab_size))
                    logits[logits < v[:, [-1]]] = -float("inf")
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)  # (B, 1)
            out.append(nxt)
            idx = nxt + (c.bos + 1)
        return torch.cat(out, dim=1)

    # ---- a checkpoint is a directory ---------------------------------------------------------
    def save_pretrained(self, save_directory):
        save_model_dir(self, save_directory, "dalle-transformer")
        self.tokenizer.save(save_directory)

    @classmethod
    def from_pretrained(cls, directory):
        model = load_model_dir(cls, DALLEConfig, directory)
        model.tokenizer = CaptionTokenizer.load(directory)
        return model


class DALLE:
    """The pipeline: transformer + VQ-VAE decoder + optional reranker. generate_images(prompt, n) is
    the image-engine protocol of tinygrad_lite.engines (api.Image.create, the server, the CLI)."""

    def __init__(self, transformer, vqvae, clip=None, rerank=4, temperature=1.0, top_k=None):
        self.transformer, self.vqvae, self.clip = transformer.eval(), vqvae.eval(), clip
        if clip is not None:
            clip.eval()
        self.rerank, self.temperature, self.top_k = rerank, temperature, top_k
        self.native = vqvae.config.image_size

    @torch.no_grad()
    def sample(self, prompts, seed=None, temperature=None, top_k=None):
        """prompts [B str] → images (B, S, S) float32 numpy in [0, 1], no reranking."""
        tr = self.transformer
        text = torch.tensor([tr.tokenizer.encode(p, tr.config.text_len) for p in prompts], dtype=torch.long)
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        codes = tr.generate(text, self.temperature if temperature is None else temperature,
                            self.top_k if top_k is None else top_k, generator=gen)
        return self.vqvae.decode(codes)[:, 0].numpy()

    @torch.no_grad()
    def generate_images(self, prompt, n, seed=None, rerank=None):
        """n images (S, S) for one prompt: n·rerank samples, the n the reranker scores highest."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"generate_images: n must be a positive integer, got {n!r}")
        rerank = self.rerank if rerank is None else rerank
        k = n * rerank if self.clip is not None and rerank > 1 else n
        images = self.sample([prompt] * k, seed=seed)
        if k > n:
            scores = self.clip.score(prompt, images)  # (k,)
            images = images[np.argsort(-scores, kind="stable")[:n]]
        return list(images)

    def save_pretrained(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.transformer.save_pretrained(os.path.join(directory, "transformer"))
        self.vqvae.save_pretrained(os.path.join(directory, "vqvae"))
        if self.clip is not None:
            self.clip.save_pretrained(os.path.join(directory, "clip"))
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump({"model_type": "dalle", "rerank": self.rerank, "temperature": self.temperature,
                       "top_k": self.top_k}, f, indent=2)

    @classmethod
    def from_pretrained(cls, directory):
        from .clip import CLIP
        from .vqvae import VQVAE

        path = os.path.join(directory, "config.json")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"DALLE.from_pretrained: no config.json in {directory!r}")
        with open(path) as f:
            cfg = json.load(f)
        if cfg.get("model_type") != "dalle":
            raise ValueError(f"DALLE.from_pretrained: {directory!r} holds a {cfg.get('model_type')!r} model")
        clip_dir = os.path.join(directory, "clip")
        clip = CLIP.from_pretrained(clip_dir) if os.path.isdir(clip_dir) else None
        return cls(DALLETransformer.from_pretrained(os.path.join(directory, "transformer")),
                   VQVAE.from_pretrained(os.path.join(directory, "vqvae")), clip,
                   rerank=cfg.get("rerank", 4), temperature=cfg.get("temperature", 1.0), top_k=cfg.get("top_k"))
