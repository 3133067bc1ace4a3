"""The seed network of the first article: a two-layer perceptron on flattened images.

    x (B, C, H, W) → flatten (B, C·H·W) → Linear(in, hidden) → ReLU → Linear(hidden, classes) → logits (B, classes)

With in = 784 (MNIST), hidden = 128, classes = 10 it is exactly the seed program's `Net`.
"""
from dataclasses import dataclass

import tinygrad_lite as torch
import tinygrad_lite.nn as nn


@dataclass
class MLPConfig:
    in_features: int = 784
    hidden: int = 128
    classes: int = 10


class MLP(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        self.config = config or MLPConfig(**kwargs)
        c = self.config
        self.fc1 = nn.Linear(c.in_features, c.hidden)  # W1 (hidden, in), b1 (hidden,)
        self.fc2 = nn.Linear(c.hidden, c.classes)  # W2 (classes, hidden), b2 (classes,)

    def forward(self, x):
        x = torch.flatten(x, 1)  # (B, in)
        x = torch.relu(self.fc1(x))  # (B, hidden)
        return self.fc2(x)  # (B, classes)

    def describe(self):
        c = self.config
        return f"Linear({c.in_features}, {c.hidden}) -> ReLU -> Linear({c.hidden}, {c.classes})"
