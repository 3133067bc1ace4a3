"""GEMM: square SGEMM 64 … 2048 in all four transpose layouts, the seed MLP's shapes, attention's batched
products, skinny (decode) products, and the opt-in bf16 / int8 paths (tinygrad_lite.lowp).

Every case is timed against torch and, as a further reference, numpy's BLAS (OpenBLAS; pinned to the same
thread count through threadpoolctl when it is installed): the table shows ours/torch, ours/numpy and "%
limit", our GFLOP/s over the measured FP32 FMA peak (skinny products: bytes over the triad bandwidth, the
bound that applies to them). Operands that are transposed are `.T` views of contiguous arrays, read in place.
bf16 / int8 cases compare with torch's own bf16 GEMM / dynamic int8 Linear (fbgemm) and with our float32
path ("fp32"); their "% limit" is against the float32 peak, so 200 % means twice the float32 peak.

Targets (issue 19): SGEMM with M, N, K ≥ 256 at ≥ 90 % of the FMA peak on one thread in every layout,
1024³ and 2048³ at ≥ 85 % on two; every GEMM case ≤ 1.0× torch; bf16 at ≤ 0.5× our float32 time.
"""
import warnings

import numpy as np

from .registry import case, limit_at_least, pair, randn, ratio_at_most


def _operand(rows, cols, transposed):
    """(ours, torch, numpy) views of a (rows × cols) operand: contiguous, or the .T of a (cols × rows) array."""
    if not transposed:
        a = randn(rows, cols)
        return (*pair(a), a)
    a = randn(cols, rows)
    ours, theirs = pair(a)
    return ours.T, theirs.T, a.T


def _matmul(m, k, n, ta=False, tb=False):
    """Builder for (m×k) @ (k×n)."""
    def build():
        (a, ta_, na), (b, tb_, nb) = _operand(m, k, ta), _operand(k, n, tb)
        return (lambda: a @ b), (lambda: ta_ @ tb_), {"numpy": lambda: na @ nb}
    return build


def _label(m, k, n, ta, tb):
    left = f"({k}x{m})^T" if ta else f"{m}x{k}"
    right = f"({n}x{k})^T" if tb else f"{k}x{n}"
    return f"sgemm {left} @ {right}"


# ---- square SGEMM, every layout ----------------------------------------------------------------
for n in (64, 128, 256, 512, 1024, 2048):
    for ta, tb in ((False, False), (True, False), (False, True), (True, True)):
        if n < 256 and (ta or tb):
            continue
        targets = [ratio_at_most(1.0)]
        if n >= 256:
            targets.append(limit_at_least(0.9, threads=[1]))
        if n >= 1024:
            targets.append(limit_at_least(0.85, threads=[2]))
        name = f"sgemm {n}^3" if not (ta or tb) else _label(n, n, n, ta, tb)
        case(name, "sgemm", flops=2 * n ** 3, targets=targets, heavy=n >= 1024)(_matmul(n, n, n, ta, tb))

# ---- the seed MLP, batch 64: x·W1ᵀ, h·W2ᵀ (also without the transpose), dW1 = xᵀ·g, dx = g·W1 --------
SEED_MLP_SHAPES = (
    (64, 784, 128, False, False), (64, 784, 128, False, True),
    (64, 128, 10, False, False), (64, 128, 10, False, True),
    (784, 64, 128, True, False), (64, 128, 784, False, False),
)
for m, k, n, ta, tb in SEED_MLP_SHAPES:
    case(_label(m, k, n, ta, tb), "sgemm mlp", flops=2 * m * k * n, targets=[ratio_at_most(1.0)])(
        _matmul(m, k, n, ta, tb))


# ---- attention: S = Q·Kᵀ (Kᵀ a transposed view, read in place) and O = P·V, batched over B·H heads ------
def _attention(bh, t, d, which):
    def build():
        q, k, v, p = randn(bh, t, d), randn(bh, t, d), randn(bh, t, d), randn(bh, t, t)
        if which == "qk":
            (a, ta_), (b, tb_) = pair(q), pair(k)
            return (lambda: a @ b.transpose(-1, -2)), (lambda: ta_ @ tb_.transpose(-1, -2)), \
                {"numpy": lambda: np.matmul(q, k.transpose(0, 2, 1))}
        (a, ta_), (b, tb_) = pair(p), pair(v)
        return (lambda: a @ b), (lambda: ta_ @ tb_), {"numpy": lambda: np.matmul(p, v)}
    return build


for bh, t, d in ((32, 64, 32), (32, 128, 64), (16, 256, 64), (12, 512, 64), (16, 128, 128), (8, 1024, 128)):
    targets = [ratio_at_most(1.0)] + ([limit_at_least(0.85, threads=[1])] if t >= 256 else [])
    for which, label in (("qk", "Q·K^T"), ("pv", "P·V")):
        case(f"attn {label} {bh}x{t}x{t} d{d}", "sgemm attn", flops=2 * bh * t * t * d, targets=targets,
             heavy=t >= 1024)(_attention(bh, t, d, which))


# ---- skinny: M ≤ 16 rows against a weight (N, K) read in place, x·Wᵀ (decode, small batches) -----------
def _skinny(m, k, n):
    def build():
        (x, tx, nx), (w, tw, nw) = _operand(m, k, False), _operand(k, n, True)
        return (lambda: x @ w), (lambda: tx @ tw), {"numpy": lambda: nx @ nw}
    return build


for k, n in ((576, 1536), (768, 3072), (4096, 4096)):
    for m in (1, 4, 16):
        case(f"skinny {m}x{k} @ ({n}x{k})^T", "sgemm skinny", flops=2 * m * k * n, bytes=4 * (k * n + m * k + m * n),
             targets=[ratio_at_most(1.0)], heavy=k * n > (1 << 22))(_skinny(m, k, n))


# ---- lower precision: bf16 and int8 linear layers, weights packed once -------------------------------
def _lowp_linear(m, k, n, kind):
    def build():
        import torch

        import tinygrad_lite as tl
        from tinygrad_lite import lowp
        x, w, b = randn(m, k), randn(n, k), randn(n)
        (tx, Tx), (tw, Tw), (tb, Tb) = pair(x), pair(w), pair(b)
        fp32 = {"fp32": lambda: tl.nn.functional.linear(tx, tw, tb)}
        if kind == "bf16":
            lin = lowp.LinearBF16(tw, tb)
            Xb, Wb, Bb = Tx.bfloat16(), Tw.bfloat16(), Tb.bfloat16()
            return (lambda: lin(tx)), (lambda: torch.nn.functional.linear(Xb, Wb, Bb)), fp32
        lin = lowp.LinearInt8(tw, tb)
        ref = torch.nn.Linear(k, n)
        with torch.no_grad():
            ref.weight.copy_(Tw), ref.bias.copy_(Tb)
        with warnings.catch_warnings():  # torch deprecates its quantized tensors, not the dynamic Linear
            warnings.simplefilter("ignore")
            qlin = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(ref), {torch.nn.Linear},
                                                          dtype=torch.qint8)
        return (lambda: lin(tx)), (lambda: qlin(Tx)), fp32
    return build


def _bf16_matmul(n):
    def build():
        from tinygrad_lite import lowp
        (a, ta_), (b, tb_) = pair(randn(n, n)), pair(randn(n, n))
        return (lambda: lowp.matmul_bf16(a, b)), (lambda: ta_.bfloat16() @ tb_.bfloat16()), {"fp32": lambda: a @ b}
    return build


for m, k, n in ((256, 256, 256), (1024, 1024, 1024), (64, 784, 128), (512, 768, 3072), (1, 4096, 4096),
                (16, 4096, 4096), (4, 576, 1536)):
    heavy = m * k * n >= (1 << 30) or k * n > (1 << 22)
    big = m >= 512
    for kind in ("bf16", "int8"):
        targets = [ratio_at_most(0.5, vs="fp32")] if kind == "bf16" and big else []
        case(f"{kind} linear {m}x{k} @ ({n}x{k})^T", f"gemm {kind}", flops=2 * m * k * n,
             bytes=(2 if kind == "bf16" else 1) * k * n + 4 * (m * k + m * n), targets=targets, heavy=heavy,
             check=False)(_lowp_linear(m, k, n, kind))
for n in (256, 1024):
    case(f"bf16 matmul {n}^3 (B converted per call)", "gemm bf16", flops=2 * n ** 3, targets=[ratio_at_most(1.0)],
         heavy=n >= 1024, check=False)(_bf16_matmul(n))
