"""LeNet-5 (LeCun et al., 1998) with batch normalisation, for 28×28 or 32×32 images.

    x (B, C, S, S), S = 28 or 32
    conv1  Conv2d(C, 6, 5, padding=(32 − S)/2)  → (B, 6, 28, 28)   bn1 → ReLU → MaxPool2d(2) → (B, 6, 14, 14)
    conv2  Conv2d(6, 16, 5)                     → (B, 16, 10, 10)  bn2 → ReLU → MaxPool2d(2) → (B, 16, 5, 5)
    flatten                                      → (B, 400)
    fc1    Linear(400, 120)  bn3 → ReLU          → (B, 120)
    fc2    Linear(120, 84)   bn4 → ReLU          → (B, 84)
    fc3    Linear(84, classes)                   → logits (B, classes)

With batch_norm=True (the default) the convolutions and the first two linear layers have no
bias (the normalisation's shift replaces it); with batch_norm=False it is the classic network
with biases (ReLU and max-pooling in place of the original's tanh and subsampling).
"""
from dataclasses import dataclass

import tinygrad_lite as torch
import tinygrad_lite.nn as nn


@dataclass
class LeNetConfig:
    in_channels: int = 1
    image_size: int = 28  # 28 (MNIST) or 32 (the original paper, CIFAR)
    classes: int = 10
    batch_norm: bool = True


class LeNet(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        self.config = c = config or LeNetConfig(**kwargs)
        if c.image_size not in (28, 32):
            raise ValueError(f"LeNet: image_size must be 28 or 32, got {c.image_size}")
        bn, bias = c.batch_norm, not c.batch_norm
        self.conv1 = nn.Conv2d(c.in_channels, 6, 5, padding=(32 - c.image_size) // 2, bias=bias)  # (B, 6, 28, 28)
        self.bn1 = nn.BatchNorm2d(6) if bn else nn.Identity()
        self.conv2 = nn.Conv2d(6, 16, 5, bias=bias)  # (B, 16, 10, 10)
        self.bn2 = nn.BatchNorm2d(16) if bn else nn.Identity()
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120, bias=bias)
        self.bn3 = nn.BatchNorm1d(120) if bn else nn.Identity()
        self.fc2 = nn.Linear(120, 84, bias=bias)
        self.bn4 = nn.BatchNorm1d(84) if bn else nn.Identity()
        self.fc3 = nn.Linear(84, c.classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))  # (B, 6, 14, 14)
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))  # (B, 16, 5, 5)
        x = torch.flatten(x, 1)  # (B, 400)
        x = torch.relu(self.bn3(self.fc1(x)))  # (B, 120)
        x = torch.relu(self.bn4(self.fc2(x)))  # (B, 84)
        return self.fc3(x)  # (B, classes)

    def describe(self):
        c = self.config
        return (f"LeNet-5{' + BatchNorm' if c.batch_norm else ''}: Conv(5x5, 6) -> Pool -> Conv(5x5, 16) -> Pool -> "
                f"FC 120 -> FC 84 -> FC {c.classes}")
