"""nn.functional: stateless versions of the layers, thin wrappers over tinygrad_lite.functional
(fused native kernels with their own backward: linear, softmax, log_softmax, cross_entropy,
dropout, gelu) and Tensor ops."""
import tinygrad_lite as _tl
from tinygrad_lite import functional as _ops


def _legacy_softmax_dim(ndim):
    # torch's rule when dim is omitted (deprecated there too)
    return 0 if ndim in (0, 1, 3) else 1


def relu(input, inplace=False):
    """max(x, 0)."""
    return _ops.relu(input)


def gelu(input, approximate="none"):
    """x·Φ(x); approximate='tanh' uses x/2·(1+tanh(√(2/π)(x+0.044715x³)))."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return _ops.gelu(input, approximate=approximate)


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i − max)/Σ_j exp(x_j − max) along dim."""
    if dim is None:
        dim = _legacy_softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return _ops.softmax(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x_i − max − log Σ_j exp(x_j − max) along dim."""
    if dim is None:
        dim = _legacy_softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return _ops.log_softmax(input, dim)


def linear(input, weight, bias=None):
    """y = x·Wᵀ + b, one fused native kernel."""
    return _ops.linear(input, weight, bias)


def embedding(input, weight, padding_idx=None):
    """Rows of `weight` (num_embeddings, dim) picked by the int64 indices `input` (any shape):
    out[..., :] = weight[input[...], :]. The backward scatter-adds into the picked rows."""
    if input.dtype is not _tl.int64:
        raise TypeError(f"embedding: expected int64 (long) indices, got {input.dtype.name}")
    return _ops.embedding(input, weight)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale survivors by 1/(1−p) (training only)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    return _ops.dropout(input, p=p, training=True)


def flatten(input, start_dim=0, end_dim=-1):
    return _tl.flatten(input, start_dim, end_dim)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction):
    # torch's deprecated size_average/reduce flags map onto `reduction`
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits `input` (N, C) or (N, C, d1, ...) against class indices `target`
    (N,) / (N, d1, ...) int64, or class probabilities of the input's shape.

    With ε = label_smoothing and q = (1−ε)·onehot(y) + ε/C:
        ℓ_n = −Σ_c q_c · log softmax(x_n)_c,   rows with y_n = ignore_index give 0;
    'mean' divides by the number of non-ignored rows, 'sum' adds, 'none' keeps (N, ...).
    Class-index targets without weights run as one fused native kernel (forward and backward).
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.is_floating_point():
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if weight is not None:
        return _cross_entropy_weighted(input, target, weight, ignore_index, reduction, label_smoothing)
    return _ops.cross_entropy(input, target, ignore_index=ignore_index, reduction=reduction,
                              label_smoothing=label_smoothing)


def _class_dim_last(t):
    # (N, C, d1, ...) → (N·d1·..., C) so that per-class work is along the last axis
    if t.dim() <= 2:
        return t
    perm = [0] + list(range(2, t.dim())) + [1]
    return t.permute(*perm).reshape(-1, t.shape[1])


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing):
    # Soft targets (torch semantics): ℓ_n = −Σ_c w_c·q_nc·logp_nc; 'mean' divides by N·d1·...
    if tuple(target.shape) != tuple(input.shape):
        raise TypeError(
            f"cross_entropy: a {target.dtype.name} target holds class probabilities and must have the input's "
            f"shape {tuple(input.shape)}, got {tuple(target.shape)}; class-index targets must be int64 (long)"
        )
    C = input.shape[1] if input.dim() > 1 else input.shape[0]
    logp = log_softmax(input, dim=1 if input.dim() > 1 else 0)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / C
    prod = logp * target
    if weight is not None:
        shape = [1] * input.dim()
        shape[1 if input.dim() > 1 else 0] = C
        prod = prod * weight.reshape(*shape)
    loss = -prod.sum(dim=1 if input.dim() > 1 else 0)
    if reduction == "mean":
        return loss.sum() / (loss.numel() if loss.dim() else 1)
    return _reduce(loss, reduction)


def _cross_entropy_weighted(input, target, weight, ignore_index, reduction, label_smoothing):
    # Class weights w (torch semantics), with m_n = [y_n ≠ ignore_index]:
    #   ℓ_n = m_n·((1−ε)·w_{y_n}·(−logp_{n,y_n}) + ε/C·Σ_c w_c·(−logp_{n,c}))
    #   'mean' = Σ ℓ_n / Σ_n m_n·w_{y_n}
    logp = _class_dim_last(log_softmax(input, dim=1 if input.dim() > 1 else 0))
    if logp.dim() == 1:
        logp = logp.reshape(1, -1)
    C = logp.shape[1]
    y = target.reshape(-1)
    mask = y != ignore_index
    safe_y = _tl.where(mask, y, _tl.zeros_like(y))
    w_y = weight[safe_y] * mask.to(logp.dtype)
    nll = -logp.gather(1, safe_y.reshape(-1, 1)).reshape(-1)
    loss = nll * w_y * (1 - label_smoothing)
    if label_smoothing > 0:
        smooth = -(logp * weight.reshape(1, C)).sum(dim=1) * mask.to(logp.dtype)
        loss = loss + smooth * (label_smoothing / C)
    if reduction == "mean":
        return loss.sum() / w_y.sum()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(*target.shape)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """ℓ_n = −w_{y_n}·input_{n,y_n} for log-probabilities `input`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x = _class_dim_last(input)
    if x.dim() == 1:
        x = x.reshape(1, -1)
    y = target.reshape(-1)
    mask = y != ignore_index
    safe_y = _tl.where(mask, y, _tl.zeros_like(y))
    w = mask.to(x.dtype) if weight is None else weight[safe_y] * mask.to(x.dtype)
    loss = -x.gather(1, safe_y.reshape(-1, 1)).reshape(-1) * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(*target.shape)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """ℓ = (x − y)², reduced by mean (default), sum, or none; y broadcasts to x as in torch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """ℓ = |x − y|."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce((input - target).abs(), reduction)
