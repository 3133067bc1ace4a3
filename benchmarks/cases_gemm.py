"""SGEMM: square 64 … 2048, and the seed MLP's shapes (784→128→10, batch 64) forward and backward,
with operands transposed the way nn.Linear and its backward use them (views, never copied)."""
from .registry import case, limit_at_least, pair, randn, ratio_at_most


def _matmul(m, k, n, ta=False, tb=False):
    """Builder for (m×k) @ (k×n); a transposed operand is the .T view of a contiguous (k×m) / (n×k) array."""
    def operand(rows, cols, transposed):
        if not transposed:
            return pair(randn(rows, cols))
        ours, theirs = pair(randn(cols, rows))
        return ours.T, theirs.T

    def build():
        (a, ta_), (b, tb_) = operand(m, k, ta), operand(k, n, tb)
        return (lambda: a @ b), (lambda: ta_ @ tb_)
    return build


def _label(m, k, n, ta, tb):
    left = f"({k}x{m})^T" if ta else f"{m}x{k}"
    right = f"({n}x{k})^T" if tb else f"{k}x{n}"
    return f"sgemm {left} @ {right}"


for n in (64, 128, 256, 512, 1024, 2048):
    big = n >= 512
    targets = [limit_at_least(0.9, threads=[1]), ratio_at_most(1.0, threads=[2])] if big else [ratio_at_most(1.0)]
    case(f"sgemm {n}^3", "sgemm", flops=2 * n ** 3, targets=targets, heavy=n >= 1024)(_matmul(n, n, n))

for ta, tb in ((True, False), (False, True)):
    case(_label(512, 512, 512, ta, tb), "sgemm", flops=2 * 512 ** 3,
         targets=[limit_at_least(0.9, threads=[1]), ratio_at_most(1.0, threads=[2])])(_matmul(512, 512, 512, ta, tb))

# The seed MLP, batch 64: forward x·W1ᵀ, h·W2ᵀ (also without the transpose), dW1 = xᵀ·g, dx = g·W1.
SEED_MLP_SHAPES = (
    (64, 784, 128, False, False), (64, 784, 128, False, True),
    (64, 128, 10, False, False), (64, 128, 10, False, True),
    (784, 64, 128, True, False), (64, 128, 784, False, False),
)
for m, k, n, ta, tb in SEED_MLP_SHAPES:
    case(_label(m, k, n, ta, tb), "sgemm mlp", flops=2 * m * k * n, targets=[ratio_at_most(1.0)])(
        _matmul(m, k, n, ta, tb))
