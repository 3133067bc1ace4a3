"""Text to image, DALL-E's way, on captioned MNIST: train.py trains the pipeline (VQ-VAE, transformer,
CLIP reranker); the models are tinygrad_lite.models.vqvae / dalle / clip; `tinygrad-lite imagine`
(cli/imagine.py) and api.Image.create use them."""
from .train import TrainConfig, train_pipeline

__all__ = ["TrainConfig", "train_pipeline"]
