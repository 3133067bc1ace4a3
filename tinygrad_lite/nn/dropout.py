"""nn.Dropout."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """During training zero each element with probability p and scale the rest by 1/(1−p),
    so the expectation is unchanged; identity in eval mode."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class AlphaDropout(Dropout):
    """Dropout for SELU networks: keeps the activations' mean and variance (nn.functional.alpha_dropout)."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)
class Dropout1d(Dropout):
    """During training zero whole channels of (N, C, L) with probability p (one draw per (n, c)) and
    scale the rest by 1/(1−p); identity in eval mode."""

    def forward(self, input):
        from .functional.channel_dropout import dropout1d
        return dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """During training zero whole channels of (N, C, H, W) with probability p (one draw per (n, c)) and
    scale the rest by 1/(1−p); identity in eval mode."""

    def forward(self, input):
        from .functional.channel_dropout import dropout2d
        return dropout2d(input, self.p, self.training, self.inplace)
