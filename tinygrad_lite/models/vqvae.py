"""A VQ-VAE (van den Oord et al., 2017): the discrete image tokenizer of our DALL-E.

    x (B, 1, 28, 28) in [0, 1]
      encoder: Conv(1→h, 4, s2) ReLU → Conv(h→h, 4, s2) ReLU → ResBlock → Conv(h→D, 1)   z_e (B, D, 7, 7)
      quantizer: each of the 7×7 vectors → its nearest of K codebook rows                 ids (B, 7, 7) in [0, K)
      decoder: Conv(D→h, 3) ReLU → ResBlock → ConvT(h→h, 4, s2) ReLU → ConvT(h→1, 4, s2)  logits (B, 1, 28, 28)

Why a VQ-VAE and not DALL-E's dVAE (Gumbel-softmax): the tokens are an argmin, so an image has one
fixed token grid — the dataset is encoded once and the transformer trains on integers; the
dVAE needs a temperature schedule and a KL weight and many more steps to give crisp tokens,
which this 2-core budget cannot afford. The VQ-VAE trains in one pass over MNIST.

Training loss (β = commitment):
    recon    = BCE(sigmoid(decoder(z_q)), x)                                 the image
    codebook = ‖sg[z_e] − e‖²                                                moves the codes to the encoder
    commit   = β·‖z_e − sg[e]‖²                                              keeps the encoder near its codes
The decoder's gradient reaches the encoder by the straight-through estimator:
    z_q = z_e + sg[e − z_e]      forward: the code e;  backward: ∂z_q/∂z_e = I
Dead codes (unused for a while) restart at random encoder outputs (Jukebox), so all K are used.
"""
from collections import namedtuple
from dataclasses import dataclass

import tinygrad_lite as torch
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

from ._checkpoint import load_model_dir, save_model_dir

VQVAEOutput = namedtuple("VQVAEOutput", ["logits", "ids", "loss", "recon_loss", "vq_loss"])


@dataclass
class VQVAEConfig:
    in_channels: int = 1
    hidden: int = 64          # h: channels of the convolutions
    embedding_dim: int = 32   # D: width of a code vector
    num_embeddings: int = 128  # K: the codebook size, the image vocabulary of the transformer
    beta: float = 0.25        # commitment weight
    image_size: int = 28      # the grid is image_size / 4 on a side


class ResBlock(nn.Module):
    """x + Conv1×1(ReLU(Conv3×3(ReLU(x)))), channels kept."""

    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch // 2, 3, padding=1)
        self.conv2 = nn.Conv2d(ch // 2, ch, 1)

    def forward(self, x):
        return x + self.conv2(torch.relu(self.conv1(torch.relu(x))))


class VectorQuantizer(nn.Module):
    """Nearest-codebook-row quantization with the straight-through estimator.

    z (N, D) → ids (N,) = argmin_k ‖z − e_k‖² = argmin_k (‖e_k‖² − 2 z·e_k)   (‖z‖² is the same for all k)
    """

    def __init__(self, num_embeddings, embedding_dim, beta):
        super().__init__()
        self.embedding = nn.Embedding(num_embeddings, embedding_dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / num_embeddings, 1.0 / num_embeddings)
        self.beta = beta

    def nearest(self, z):
        """z (N, D) → ids (N,) int64."""
        e = self.embedding.weight  # (K, D)
        d = (e * e).sum(1)[None, :] - 2.0 * (z @ e.t())  # (N, K)
        return d.argmin(dim=1)

    def forward(self, z):
        """z (N, D) → (z_q (N, D) straight-through, ids (N,), vq_loss = codebook + β·commitment)."""
        ids = self.nearest(z.detach())
        e = self.embedding(ids)  # (N, D)
        codebook = F.mse_loss(e, z.detach())
        commit = F.mse_loss(z, e.detach())
        z_q = z + (e - z).detach()  # straight-through: the value of e, the gradient of z
        return z_q, ids, codebook + self.beta * commit


class VQVAE(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        self.config = c = config or VQVAEConfig(**kwargs)
        if c.image_size % 4:
            raise ValueError(f"VQVAE: image_size must be a multiple of 4, got {c.image_size}")
        h, D = c.hidden, c.embedding_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(c.in_channels, h, 4, stride=2, padding=1), nn.ReLU(),  # (B, h, S/2, S/2)
            nn.Conv2d(h, h, 4, stride=2, padding=1), nn.ReLU(),  # (B, h, S/4, S/4)
            ResBlock(h), nn.ReLU(),
            nn.Conv2d(h, D, 1),  # (B, D, S/4, S/4)
        )
        self.quantizer = VectorQuantizer(c.num_embeddings, D, c.beta)
        self.decoder = nn.Sequential(
            nn.Conv2d(D, h, 3, padding=1),  # (B, h, S/4, S/4)
            ResBlock(h), nn.ReLU(),
            nn.ConvTranspose2d(h, h, 4, stride=2, padding=1), nn.ReLU(),  # (B, h, S/2, S/2)
            nn.ConvTranspose2d(h, c.in_channels, 4, stride=2, padding=1),  # (B, C, S, S) logits
        )

    @property
    def grid(self):
        return self.config.image_size // 4

    def _flat(self, z):  # (B, D, g, g) → (B·g·g, D), row-major over the grid
        B, D, g, _ = z.shape
        return z.permute(0, 2, 3, 1).reshape(B * g * g, D)

    def _grid(self, z, B):  # (B·g·g, D) → (B, D, g, g)
        g = self.grid
        return z.reshape(B, g, g, -1).permute(0, 3, 1, 2)

    def forward(self, x):
        """x (B, C, S, S) in [0, 1] → VQVAEOutput(logits (B, C, S, S), ids (B, g, g), loss, recon, vq)."""
        if x.dim() != 4 or x.shape[1] != self.config.in_channels or x.shape[2] != self.config.image_size:
            raise ValueError(f"VQVAE: expected images (B, {self.config.in_channels}, {self.config.image_size}, "
                             f"{self.config.image_size}), got {tuple(x.shape)}")
        B = x.shape[0]
        z_e = self.encoder(x)  # (B, D, g, g)
        z_q, ids, vq_loss = self.quantizer(self._flat(z_e))
        logits = self.decoder(self._grid(z_q, B))
        recon = F.binary_cross_entropy_with_logits(logits, x)
        return VQVAEOutput(logits, ids.reshape(B, self.grid, self.grid), recon + vq_loss, recon, vq_loss)

    @torch.no_grad()
    def encode(self, x):
        """images (B, C, S, S) → token grid ids (B, g, g) int64."""
        z_e = self.encoder(x)
        return self.quantizer.nearest(self._flat(z_e)).reshape(x.shape[0], self.grid, self.grid)

    @torch.no_grad()
    def decode(self, ids):
        """ids (B, g, g) or (B, g·g) → images (B, C, S, S) in [0, 1]."""
        B = ids.shape[0]
        e = self.quantizer.embedding(ids.reshape(-1))  # (B·g·g, D)
        return torch.sigmoid(self.decoder(self._grid(e, B)))

    @torch.no_grad()
    def restart_dead_codes(self, z_e_flat, counts, generator=None):
        """Codes used 0 times (counts (K,)) are set to random rows of the encoder outputs z_e_flat (N, D).
        Returns how many were restarted."""
        dead = (counts == 0).nonzero().reshape(-1)
        n = int(dead.numel())
        if n:
            pick = torch.randint(0, z_e_flat.shape[0], (n,), generator=generator)
            w = self.quantizer.embedding.weight
            w[dead] = z_e_flat[pick]
        return n

    # ---- a checkpoint is a directory ---------------------------------------------------------
    def save_pretrained(self, save_directory):
        save_model_dir(self, save_directory, "vqvae")

    @classmethod
    def from_pretrained(cls, directory):
        return load_model_dir(cls, VQVAEConfig, directory, model_type="vqvae")
