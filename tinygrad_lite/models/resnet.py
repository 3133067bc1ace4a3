"""A small ResNet (He et al., 2016) for 28×28 and 32×32 images: a 3×3 stem and three stages of
basic residual blocks, the module names of torchvision's ResNet (conv1, bn1, layer1.0.conv1,
layer2.0.downsample.0, fc, ...).

    x (B, C, S, S)
    conv1 3×3, widths[0], bn1, ReLU                       → (B, w0, S, S)
    layer1: blocks[0] × BasicBlock(w0 → w0)                → (B, w0, S, S)
    layer2: blocks[1] × BasicBlock(w0 → w1, stride 2)      → (B, w1, S/2, S/2)
    layer3: blocks[2] × BasicBlock(w1 → w2, stride 2)      → (B, w2, S/4, S/4)
    avgpool AdaptiveAvgPool2d(1) → flatten                 → (B, w2)
    fc Linear(w2, classes)                                 → logits (B, classes)

BasicBlock: y = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x)), both convolutions 3×3;
the shortcut is x itself, or a 1×1 strided convolution + BatchNorm (downsample) when the
shape changes. With widths (16, 32, 64) and one block per stage: 0.08 M parameters.
"""
from dataclasses import dataclass

import tinygrad_lite as torch
import tinygrad_lite.nn as nn


@dataclass
class ResNetConfig:
    in_channels: int = 1
    classes: int = 10
    widths: tuple = (16, 32, 64)
    blocks: tuple = (1, 1, 1)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):  # (B, cin, H, W) → (B, cout, H/stride, W/stride)
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + shortcut)


class ResNet(nn.Module):
    def __init__(self, config=None, **kwargs):
        super().__init__()
        self.config = c = config or ResNetConfig(**kwargs)
        w = list(c.widths)
        self.conv1 = nn.Conv2d(c.in_channels, w[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w[0])
        self.layer1 = self._stage(w[0], w[0], c.blocks[0], 1)
        self.layer2 = self._stage(w[0], w[1], c.blocks[1], 2)
        self.layer3 = self._stage(w[1], w[2], c.blocks[2], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(w[2], c.classes)

    @staticmethod
    def _stage(cin, cout, n, stride):
        return nn.Sequential(*[BasicBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1) for i in range(n)])

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))  # (B, w0, S, S)
        x = self.layer3(self.layer2(self.layer1(x)))  # (B, w2, S/4, S/4)
        x = torch.flatten(self.avgpool(x), 1)  # (B, w2)
        return self.fc(x)  # (B, classes)

    def describe(self):
        c = self.config
        return (f"ResNet: stem 3x3 {c.widths[0]}, stages {tuple(c.widths)} x blocks {tuple(c.blocks)}, "
                f"global average pool, FC {c.classes}")
