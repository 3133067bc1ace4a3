"""A small CLIP (Radford et al., 2021): the reranker of our DALL-E, as CLIP reranks DALL-E's samples.

    image (B, 1, 28, 28) → flatten → MLP 784 → h → d                  → normalise   u (B, d)
    text  (B, Lt) word ids → Embedding (B, Lt, e) → flatten (B, Lt·e)
                         → MLP Lt·e → h → d                             → normalise   w (B, d)
    logits = exp(s) · u wᵀ  (B, B)         s = logit_scale, learned (init log 1/0.07)
    loss   = (CE(logits, arange B) + CE(logitsᵀ, arange B)) / 2     the matching pairs are the diagonal

The text side flattens the padded word embeddings instead of averaging them, so word order counts
("a 4 next to a 1" is not "a 1 next to a 4"). score(prompt, images) = u·w per image, for reranking.
"""
import math
from dataclasses import dataclass

import numpy as np

import tinygrad_lite as torch
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

from ._checkpoint import load_model_dir, save_model_dir


@dataclass
class CLIPConfig:
    image_size: int = 28
    text_len: int = 10
    text_vocab_size: int = 34
    word_dim: int = 32    # e
    hidden: int = 256     # h
    embed_dim: int = 64   # d


class CLIP(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        self.config = c = config or CLIPConfig(**kwargs)
        self.image_encoder = nn.Sequential(nn.Flatten(), nn.Linear(c.image_size ** 2, c.hidden), nn.ReLU(),
                                           nn.Linear(c.hidden, c.embed_dim))
        self.word_embedding = nn.Embedding(c.text_vocab_size, c.word_dim)
        self.text_encoder = nn.Sequential(nn.Flatten(), nn.Linear(c.text_len * c.word_dim, c.hidden), nn.ReLU(),
                                          nn.Linear(c.hidden, c.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.tokenizer = None  # a CaptionTokenizer, set by the trainer or from_pretrained

    def encode_image(self, images):  # (B, 1, S, S) → (B, d), unit rows
        return F.normalize(self.image_encoder(images), dim=-1)

    def encode_text(self, text):  # (B, Lt) → (B, d), unit rows
        return F.normalize(self.text_encoder(self.word_embedding(text)), dim=-1)

    def forward(self, images, text):
        """→ (logits (B, B) image × text, the symmetric contrastive loss)."""
        logits = self.logit_scale.clamp(max=math.log(100.0)).exp() * (self.encode_image(images) @
                                                                       self.encode_text(text).t())
        labels = torch.arange(images.shape[0], dtype=torch.long)
        return logits, (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2

    @torch.no_grad()
    def score(self, prompt, images):
        """The cosine similarity of one prompt with each image: images (N, S, S) numpy → (N,) numpy."""
        text = torch.tensor([self.tokenizer.encode(prompt, self.config.text_len)], dtype=torch.long)
        x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).unsqueeze(1)
        return (self.encode_image(x) @ self.encode_text(text).t())[:, 0].numpy()

    def save_pretrained(self, save_directory):
        save_model_dir(self, save_directory, "clip-mnist")
        self.tokenizer.save(save_directory)

    @classmethod
    def from_pretrained(cls, directory):
        from .dalle import CaptionTokenizer

        model = load_model_dir(cls, CLIPConfig, directory)
        model.tokenizer = CaptionTokenizer.load(directory)
        return model
