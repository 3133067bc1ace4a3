"""ggml's tensor types: block sizes, byte sizes, and a numpy reference (de)quantiser.

A quantised row of K values is K/32 blocks, each one fp16 scale (and min) plus 32 small integers:

    Q4_1  {f16 d, f16 m, u8 qs[16]}  20 bytes   x[j]    = d·(qs[j] & 0xF) + m      j < 16
                                                 x[j+16] = d·(qs[j] >> 4)  + m
    Q8_0  {f16 d, i8 qs[32]}          34 bytes   x[j]    = d·qs[j]
    Q4_0  {f16 d, u8 qs[16]}          18 bytes   x[j] = d·((qs[j] & 0xF) − 8), x[j+16] = d·((qs[j] >> 4) − 8)
    F32 / F16 / BF16                  4 / 2 / 2 bytes per value (BF16: the top half of an f32)

The numpy code here is the tested second opinion for the native kernels (csrc/cpu/quant.cpp), not the
fast path. `quantize` follows ggml's reference quantisers (round to nearest), so tests can make blocks
of any shape; the model's own blocks come from the file.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GGMLType:
    code: int
    name: str
    block_size: int   # values per block
    type_size: int    # bytes per block


# code -> type, as ggml numbers them (ggml.h, enum ggml_type); removed codes (4, 5, 31-33, 36-38) absent
GGML_TYPES = {t.code: t for t in (
    GGMLType(0, "F32", 1, 4), GGMLType(1, "F16", 1, 2), GGMLType(2, "Q4_0", 32, 18),
    GGMLType(3, "Q4_1", 32, 20), GGMLType(6, "Q5_0", 32, 22), GGMLType(7, "Q5_1", 32, 24),
    GGMLType(8, "Q8_0", 32, 34), GGMLType(9, "Q8_1", 32, 40), GGMLType(10, "Q2_K", 256, 84),
    GGMLType(11, "Q3_K", 256, 110), GGMLType(12, "Q4_K", 256, 144), GGMLType(13, "Q5_K", 256, 176),
    GGMLType(14, "Q6_K", 256, 210), GGMLType(15, "Q8_K", 256, 292), GGMLType(16, "IQ2_XXS", 256, 66),
    GGMLType(17, "IQ2_XS", 256, 74), GGMLType(18, "IQ3_XXS", 256, 98), GGMLType(19, "IQ1_S", 256, 50),
    GGMLType(20, "IQ4_NL", 32, 18), GGMLType(21, "IQ3_S", 256, 110), GGMLType(22, "IQ2_S", 256, 82),
    GGMLType(23, "IQ4_XS", 256, 136), GGMLType(24, "I8", 1, 1), GGMLType(25, "I16", 1, 2),
    GGMLType(26, "I32", 1, 4), GGMLType(27, "I64", 1, 8), GGMLType(28, "F64", 1, 8),
    GGMLType(29, "IQ1_M", 256, 56), GGMLType(30, "BF16", 1, 2), GGMLType(34, "TQ1_0", 256, 54),
    GGMLType(35, "TQ2_0", 256, 66), GGMLType(39, "MXFP4", 32, 17),
)}
BY_NAME = {t.name: t for t in GGML_TYPES.values()}
# the types the native kernels (csrc/cpu/quant.cpp) consume
KERNEL_TYPES = ("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q8_0")


def ggml_type(t):
    """A GGMLType from a GGMLType, a code or a name ('Q4_1')."""
    if isinstance(t, GGMLType):
        return t
    table, key = (BY_NAME, t.upper()) if isinstance(t, str) else (GGML_TYPES, t)
    try:
        return table[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown ggml type {t!r}") from None


def tensor_nbytes(t, numel):
    t = ggml_type(t)
    if numel % t.block_size:
        raise ValueError(f"{t.name}: {numel} values are not a whole number of {t.block_size}-value blocks")
    return numel // t.block_size * t.type_size


def _blocks(t, raw, numel):
    t = ggml_type(t)
    buf = np.frombuffer(raw, np.uint8)
    need = tensor_nbytes(t, numel)
    if buf.size != need:
        raise ValueError(f"{t.name}: {numel} values take {need} bytes, got {buf.size}")
    return buf.reshape(-1, t.type_size)


def _f16(b):  # (n, 2) uint8 -> (n, 1) float32
    return np.ascontiguousarray(b).view(np.float16).astype(np.float32)


def dequantize(t, raw, shape):
    """The float32 values of `raw` (bytes of ggml type t) as an array of `shape` (numpy order)."""
    t = ggml_type(t)
    shape = tuple(int(s) for s in shape)
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    b = _blocks(t, raw, numel)
    if t.name == "F32":
        out = b.view(np.float32).reshape(-1)
    elif t.name == "F16":
        out = b.view(np.float16).astype(np.float32).reshape(-1)
    elif t.name == "BF16":
        out = (b.view(np.uint16).astype(np.uint32) << 16).view(np.float32).reshape(-1)
    elif t.name == "Q8_0":
        out = (_f16(b[:, :2]) * b[:, 2:].view(np.int8).astype(np.float32)).reshape(-1)
    elif t.name in ("Q4_0", "Q4_1"):
        qs = b[:, -16:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)  # (n, 32): low nibbles first
        d = _f16(b[:, :2])
        out = (d * (q - 8) if t.name == "Q4_0" else d * q + _f16(b[:, 2:4])).reshape(-1)
    else:
        raise NotImplementedError(f"dequantize: ggml type {t.name} is not supported "
                                  f"(supported: {', '.join(KERNEL_TYPES)})")
    return out.astype(np.float32, copy=False).reshape(shape)


def quantize(t, x):
    """The bytes (uint8 array) of float array x in ggml type t, rows along the last axis; ggml's
    reference rounding (Q8_0: d = max|x|/127, q = round(x/d); Q4_1: d = (max−min)/15, m = min,
    q = trunc((x−m)/d + 0.5))."""
    t = ggml_type(t)
    x = np.ascontiguousarray(x, np.float32)
    if x.size % t.block_size:
        raise ValueError(f"quantize: {x.size} values are not whole {t.block_size}-value blocks of {t.name}")
    if t.name == "F32":
        return x.reshape(-1).view(np.uint8).copy()
    if t.name == "F16":
        return x.astype(np.float16).reshape(-1).view(np.uint8).copy()
    if t.name == "BF16":  # round to nearest even (NaNs are not expected here)
        u = x.reshape(-1).view(np.uint32).astype(np.uint64)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16).view(np.uint8)
    blk = x.reshape(-1, 32)
    with np.errstate(divide="ignore", invalid="ignore"):
        if t.name == "Q8_0":
            d = np.abs(blk).max(axis=1, keepdims=True) / 127
            # roundf: ties away from zero
            q = (np.sign(blk) * np.floor(np.abs(blk) / np.where(d == 0, 1, d) + 0.5)) * (d != 0)
            return np.concatenate([d.astype(np.float16).view(np.uint8),
                                   q.astype(np.int8).view(np.uint8)], axis=1).reshape(-1)
        if t.name == "Q4_1":
            lo, hi = blk.min(axis=1, keepdims=True), blk.max(axis=1, keepdims=True)
            d = (hi - lo) / 15
            q = np.clip(np.trunc((blk - lo) * np.where(d == 0, 0, 1 / d) + 0.5), 0, 15).astype(np.uint8)
            qs = q[:, :16] | (q[:, 16:] << 4)
            return np.concatenate([d.astype(np.float16).view(np.uint8), lo.astype(np.float16).view(np.uint8),
                                   qs], axis=1).reshape(-1)
        if t.name == "Q4_0":
            imax = np.abs(blk).argmax(axis=1)
            mx = blk[np.arange(len(blk)), imax][:, None]
            d = mx / -8
            q = np.clip(np.trunc(blk * np.where(d == 0, 0, 1 / d) + 8.5), 0, 15).astype(np.uint8)
            qs = q[:, :16] | (q[:, 16:] << 4)
            return np.concatenate([d.astype(np.float16).view(np.uint8), qs], axis=1).reshape(-1)
    raise NotImplementedError(f"quantize: ggml type {t.name} is not supported")
