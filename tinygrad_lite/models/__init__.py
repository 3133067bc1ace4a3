"""The networks tinygrad_lite ships, one readable file each: config dataclass, module tree,
shapes in comments."""
from .mlp import MLP, MLPConfig
from .lenet import LeNet, LeNetConfig
from .resnet import ResNet, ResNetConfig

__all__ = ["MLP", "MLPConfig"]
__all__ += ["LeNet", "LeNetConfig", "ResNet", "ResNetConfig"]
