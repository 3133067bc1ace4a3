"""nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm1d, nn.InstanceNorm2d with torch's
signatures, defaults, buffers (running_mean, running_var, num_batches_tracked), state_dict keys and
reprs. The math: tinygrad_lite/ops/norm.py (fused native kernels, statistics in double)."""
import tinygrad_lite as _tl

from . import init
from .functional import normalization as FN
from .module import Module
from .parameter import Parameter


class _NormBase(Module):
    """weight (C,) = 1 and bias (C,) = 0 when affine (bias=False: no shift); buffers running_mean = 0,
    running_var = 1 and num_batches_tracked = 0 (int64) when track_running_stats."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        if affine:
            self.weight = Parameter(_tl.empty(num_features, **kw))
            if bias:
                self.bias = Parameter(_tl.empty(num_features, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _tl.zeros(num_features, **kw))
            self.register_buffer("running_var", _tl.ones(num_features, **kw))
            dev = {"device": device} if device is not None else {}
            self.register_buffer("num_batches_tracked", _tl.tensor(0, dtype=_tl.int64, **dev))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with _tl.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with _tl.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return FN.batch_norm(input, self.running_mean if keep else None, self.running_var if keep else None,
                             self.weight, self.bias, use_batch, factor, self.eps, _name=self)


class BatchNorm1d(_BatchNorm):
    """y = (x − μ_c)/√(σ²_c + ε)·γ_c + β_c over (N, C) or (N, C, L); μ, σ² (biased) of the batch when
    training (running_mean ← (1 − m)·running_mean + m·μ, running_var ← (1 − m)·running_var + m·σ²·M/(M − 1);
    momentum=None: a cumulative average), the running statistics in eval mode."""

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"{self}: expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """y = (x − μ_c)/√(σ²_c + ε)·γ_c + β_c over (N, C, H, W), statistics over (N, H, W) per channel;
    batch statistics when training (running ones updated as BatchNorm1d), running ones in eval mode."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"{self}: expected 4D input (got {input.dim()}D input)")


class GroupNorm(Module):
    """Per sample and group of C/G channels: y = (x − μ)/√(σ² + ε)·γ_c + β_c, statistics over the group's
    channels and all positions; γ = 1, β = 0 initially (affine)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        if affine:
            self.weight = Parameter(_tl.ones(num_channels, **kw))
            if bias:
                self.bias = Parameter(_tl.zeros(num_channels, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return FN.group_norm(input, self.num_groups, self.weight, self.bias, self.eps, _name=self)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class _InstanceNorm(_NormBase):
    _nd = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        nd = self._nd
        if input.dim() not in (nd + 1, nd + 2):
            raise ValueError(f"{self}: expected {nd + 1}D or {nd + 2}D input (got {input.dim()}D input)")
        c = input.shape[-nd - 1]
        if c != self.num_features and self.affine:
            raise ValueError(f"{self}: expected input's size at dim={input.dim() - nd - 1} to match num_features "
                             f"({self.num_features}), but got: {c}.")
        unbatched = input.dim() == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        y = FN.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats,
                             self.momentum if self.momentum is not None else 0.0, self.eps, _name=self)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Per sample and channel of (N, C, L): y = (x − μ_nc)/√(σ²_nc + ε)(·γ_c + β_c if affine)."""

    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Per sample and channel of (N, C, H, W): y = (x − μ_nc)/√(σ²_nc + ε)(·γ_c + β_c if affine);
    affine=False and track_running_stats=False by default, as torch."""

    _nd = 2


__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d"]
