"""A fuzz worker: reads cases (one JSON a line) on stdin, runs each in torch then in
tinygrad_lite, and writes two JSON lines a case: {"phase": "torch", ...} before running ours
(so the parent can blame a crash or hang on the right library) and {"phase": "done", ...}.

    python -m tools.fuzz.worker [--only-ours]

Stray output of the libraries goes to stderr: fd 1 is kept for the protocol only.
"""
import json
import math
import os
import sys
import warnings

import numpy as np

MAX_COMPARE = 1 << 22  # larger results (e.g. huge expanded views) are compared by shape and dtype


# ---- decoding ----------------------------------------------------------------------------------

def gen_data(spec):
    """The numpy values of a tensor spec (identical for both libraries)."""
    rng = np.random.default_rng(spec["seed"])
    shape = tuple(spec["shape"])
    dtype = spec["dtype"]
    fill = spec["fill"]
    n = int(np.prod(shape)) if shape else 1
    if fill == "special":
        pool = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1e-40, 3.0, -2.5, 2**63, 1e-300])
        v = rng.choice(pool, size=n)
    elif fill == "ints":
        v = rng.integers(-3, 5, size=n).astype(np.float64)
    elif fill == "zeros":
        v = np.zeros(n)
    elif fill == "uniform":
        v = rng.random(n)
    elif fill == "large":
        v = rng.normal(1e8, 1.0, size=n)
    elif fill == "bool":
        v = rng.integers(0, 2, size=n).astype(np.float64)
    else:
        v = rng.normal(size=n)
    v = v.reshape(shape)
    if dtype == "bool":
        return v != 0
    if dtype in ("int64", "int32", "int8", "uint8", ">i8"):
        with np.errstate(invalid="ignore", over="ignore"):
            v = np.nan_to_num(v, nan=0, posinf=7, neginf=-7)
            v = np.clip(v, -(2**62), 2**62)
        if dtype == "uint8":
            v = np.abs(v) % 256
        if dtype == "int8":
            v = np.clip(v, -128, 127)
        return v.astype(np.dtype(dtype))
    with np.errstate(over="ignore"):
        return v.astype(np.dtype(dtype))


class Lib:
    """The library under test (`ours` or torch) and how to build its inputs."""

    def __init__(self, name):
        self.name = name
        if name == "torch":
            import torch

            torch.set_num_threads(1)
            self.m, self.F, self.nn = torch, torch.nn.functional, torch.nn
        else:
            other = os.environ.get("TL_FUZZ_OURS_PATH")  # fuzz another checkout's build (--ours-path)
            if other:
                sys.path.insert(0, other)
            import tinygrad_lite as tl

            tl.set_num_threads(1)
            self.m, self.F, self.nn = tl, tl.nn.functional, tl.nn

    def dtype(self, name):
        return getattr(self.m, name)

    def tensor(self, spec):
        data = gen_data(spec)
        t = self.m.tensor(data)
        view = spec["view"]
        nd = len(spec["shape"])
        if view == "T" and nd >= 2:
            t = self.m.tensor(np.ascontiguousarray(np.swapaxes(data, -1, -2))).transpose(-1, -2)
        elif view == "slice" and nd >= 1:
            wide = np.repeat(data, 2, axis=-1)  # x[..., ::2] of a twice-as-wide tensor
            t = self.m.tensor(wide)[..., ::2]
        elif view == "expand" and nd >= 1 and spec["shape"][0] == 1:
            t = self.m.tensor(data[:1]).expand(*spec["shape"])  # stride 0: self-overlapping
        elif view == "expand":
            t = self.m.tensor(data).unsqueeze(0).expand(2, *spec["shape"])[1]
        elif view == "select":
            t = self.m.tensor(np.stack([data[0] * 0, data[1]]) if nd >= 1 else data)[1] if nd >= 1 else t
        elif view == "perm" and nd >= 2:
            t = self.m.tensor(np.ascontiguousarray(np.transpose(data))).permute(*reversed(range(nd)))
        if spec.get("grad") and spec["dtype"] in ("float32", "float64"):
            t = t.detach().requires_grad_(True)
        return t

    def numpy_arg(self, spec):
        a = gen_data(spec)
        if spec.get("bool_bytes") and a.dtype == np.bool_:
            a = (np.arange(a.size, dtype=np.uint8).reshape(a.shape) * 37 % 5).view(np.bool_)  # bytes 0..4
        if spec.get("readonly"):
            a = np.frombuffer(a.tobytes(), dtype=a.dtype).reshape(a.shape)
        return a

    def decode(self, v, made):
        if isinstance(v, dict):
            if "T" in v:
                t = self.tensor(v["T"])
                made.append(t)
                return t
            if "N" in v:
                return self.numpy_arg(v["N"])
            if "TL" in v:
                return [self.decode(x, made) for x in v["TL"]]
            if "dtype" in v:
                return self.dtype(v["dtype"])
            if "F" in v:
                return float(v["F"])
            if "slice" in v:
                return slice(*v["slice"])
            if "E" in v:
                return Ellipsis
            if "tuple" in v:
                return tuple(self.decode(x, made) for x in v["tuple"])
            if "A" in v:  # a view of the first tensor made (an in-place write's overlapping source)
                a = made[0]
                if v["A"].get("key") is not None:
                    a = a[self.decode(v["A"]["key"], [])]
                if v["A"].get("T") and a.ndim >= 2:
                    a = a.transpose(-1, -2)
                return a
            if "bad" in v:
                return {"object": object(), "dict": {"a": 1}, "set": {1, 2}, "complex": complex(1, 2)}[v["bad"]]
        if isinstance(v, list):
            return [self.decode(x, made) for x in v]
        return v


def call(lib, case):
    """Run the case in `lib`: (result, tensors made for it) — or raise what the library raised."""
    if case["call"] in ("_crash", "_hang"):  # self-test of the harness (tests/test_fuzz.py), ours only
        if lib.name == "ours" and case["call"] == "_crash":
            # die by a signal, as a native crash does; SIGABRT rather than a read of address 0, which
            # AddressSanitizer (tools/sanitize.sh) would report as a SEGV of the suite's own making
            os.abort()
        if lib.name == "ours":
            import time

            time.sleep(3600)
        return None, []
    made = []
    args = [lib.decode(a, made) for a in case["args"]]
    kwargs = {k: lib.decode(v, made) for k, v in case["kwargs"].items()}
    kind, name = case["call"], case["name"]
    if kind == "fn" or kind == "create":
        return getattr(lib.m, name)(*args, **kwargs), made
    if kind == "method":
        attr = getattr(args[0], name)
        if name in ("T", "mT"):
            return attr, made
        return attr(*args[1:], **kwargs), made
    if kind == "F":
        return getattr(lib.F, name)(*args, **kwargs), made
    if kind == "op":
        return getattr(args[0], name)(*args[1:]), made
    if kind == "getitem":
        return args[0][args[1]], made
    if kind == "setitem":
        args[0][args[1]] = args[2]
        return args[0], made
    if kind == "grad":
        fn = getattr(lib.m, name)
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            out = out[0]
        out.sum().backward()
        return tuple(a.grad for a in args), made
    if kind == "module":
        mod = getattr(lib.nn, name)(*args, **kwargs)
        return tuple(tuple(p.shape) for p in mod.parameters()), made
    raise ValueError(kind)


# ---- comparison --------------------------------------------------------------------------------

def dtype_name(d):
    return str(d).replace("torch.", "").replace("tinygrad_lite.", "")


def is_tensor(x):
    return type(x).__name__ == "Tensor"


def summarize(x, shape_only=False):
    """A comparable, JSON-able description of a result."""
    if is_tensor(x):
        shape = tuple(int(s) for s in x.shape)
        d = {"kind": "tensor", "shape": shape, "dtype": dtype_name(x.dtype)}
        if not shape_only and math.prod(shape) <= MAX_COMPARE:
            d["values"] = np.array(x.detach().cpu().numpy(), copy=True)
        return d
    if isinstance(x, (tuple, list)) and not (type(x).__name__ == "Size"):
        return {"kind": "seq", "items": [summarize(v, shape_only) for v in x]}
    if type(x).__name__ == "Size":
        return {"kind": "py", "value": tuple(x)}
    if x is None or isinstance(x, (bool, int, float, str)):
        return {"kind": "py", "value": x}
    if isinstance(x, np.ndarray):
        return {"kind": "tensor", "shape": x.shape, "dtype": str(x.dtype), "values": x}
    if "dtype" in type(x).__name__ or type(x).__name__ == "dtype":
        return {"kind": "py", "value": dtype_name(x)}
    return {"kind": "other", "type": type(x).__name__}


# float64 inputs near 1e8 (the "large" fill, N(1e8, 1)) have an ulp of 1.5e-8: any op that
# subtracts a rounded statistic (a mean, a max + log-sum-exp, q·k) is a few ulps off in absolute
# terms, and normalising by a std of ~1 keeps that absolute. Measured against an exact (50-digit)
# evaluation, torch and tinygrad_lite are each up to ~6.5e-8 off in layer/group/batch norm of such
# rows (different rounding, neither exact); so the two are compared to 24 ulps of 1e8 there. When
# such a normalised value is then multiplied by another large operand (a weight of ~1e8), the same
# error is relative: rtol 1e-7 (measured: 3.6e-9 between the two in layer_norm with such a weight).
LARGE_F64_ATOL, LARGE_F64_RTOL = 3.6e-7, 1e-7


def close(a, b, dtype, large_f64=False):
    if a.shape != b.shape:
        return False, f"values shape {a.shape} vs {b.shape}"
    if a.dtype.kind == "b" or b.dtype.kind == "b" or a.dtype.kind in "iu":
        ok = np.array_equal(a.astype(np.float64) if a.dtype.kind == "f" else a, b.astype(a.dtype, copy=False)
                            if b.dtype.kind != "f" else b)
        if ok:
            return True, ""
        bad = np.argwhere(a != b)
        i = tuple(bad[0]) if len(bad) else ()
        return False, f"values differ at {list(i)}: torch {a[i]!r}, ours {b[i]!r} ({len(bad)} of {a.size})"
    rtol, atol = (1e-4, 1e-5) if "32" in dtype else ((LARGE_F64_RTOL, LARGE_F64_ATOL) if large_f64 else (1e-9, 1e-12))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True)
        # a huge reference value: relative comparison only
        ok |= np.isfinite(a64) & np.isfinite(b64) & (np.abs(a64 - b64) <= rtol * np.maximum(np.abs(a64), np.abs(b64)))
    if ok.all():
        return True, ""
    bad = np.argwhere(~ok)
    i = tuple(bad[0])
    return False, f"values differ at {list(i)}: torch {a64[i]!r}, ours {b64[i]!r} ({len(bad)} of {a.size})"


def compare(ref, got, path="result", large_f64=False):
    """(equal?, reason) for two summaries; large_f64: a float64 input had the "large" fill."""
    if ref["kind"] != got["kind"]:
        if ref["kind"] == "py" and got["kind"] == "tensor" or ref["kind"] == "tensor" and got["kind"] == "py":
            return False, f"{path}: torch gives {ref.get('type', ref['kind'])}, ours {got.get('type', got['kind'])}"
        return False, f"{path}: torch gives {ref['kind']}, ours {got['kind']}"
    k = ref["kind"]
    if k == "tensor":
        if tuple(ref["shape"]) != tuple(got["shape"]):
            return False, f"{path}: shape {tuple(ref['shape'])} vs ours {tuple(got['shape'])}"
        if ref["dtype"] != got["dtype"]:
            return False, f"{path}: dtype {ref['dtype']} vs ours {got['dtype']}"
        if "values" in ref and "values" in got:
            ok, why = close(ref["values"], got["values"], ref["dtype"], large_f64)
            return ok, "" if ok else f"{path}: {why}"
        return True, ""
    if k == "seq":
        if len(ref["items"]) != len(got["items"]):
            return False, f"{path}: {len(ref['items'])} items vs ours {len(got['items'])}"
        for i, (a, b) in enumerate(zip(ref["items"], got["items"])):
            ok, why = compare(a, b, f"{path}[{i}]", large_f64)
            if not ok:
                return ok, why
        return True, ""
    if k == "py":
        a, b = ref["value"], got["value"]
        if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
            if (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6):
                return True, ""
        if a == b and type(a) is type(b):
            return True, ""
        if isinstance(a, tuple) and isinstance(b, (tuple, list)) and tuple(a) == tuple(b):
            return True, ""
        return False, f"{path}: torch {a!r} ({type(a).__name__}), ours {b!r} ({type(b).__name__})"
    if got.get("type") == ref.get("type"):
        return True, ""
    return False, f"{path}: torch gives {ref.get('type')}, ours {got.get('type')}"


RANDOM_OPS = {"empty", "rand", "randn", "randint", "dropout", "empty_like"}


def outcome(lib, case):
    """('ok', summary incl. mutated inputs) or ('error', type, message)."""
    shape_only = case["call"] == "create" or case["name"] in RANDOM_OPS and case["name"] != "dropout"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result, made = call(lib, case)
            if case["name"] == "dropout":
                shape_only = not any(case["kwargs"].get("p") == p for p in (0.0, 1.0)) and case["kwargs"].get("training", True)
            s = summarize(result, shape_only)
            inputs = [summarize(t, shape_only) for t in made] if case["call"] in ("method", "op", "setitem") else []
            return {"status": "ok", "result": s, "inputs": inputs}
    except BaseException as e:  # noqa: BLE001 - whatever the library raised is the outcome
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return {"status": "error", "type": type(e).__name__, "message": str(e)[:600]}


def main():
    only_ours = "--only-ours" in sys.argv
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # library prints go to stderr
    sys.stdout = sys.stderr
    sys.setrecursionlimit(5000)
    ref = None if only_ours else Lib("torch")
    ours = Lib("ours")
    proto.write(json.dumps({"phase": "ready"}) + "\n")
    for line in sys.stdin:
        case = json.loads(line)
        r = outcome(ref, case) if ref else {"status": "skipped"}
        proto.write(json.dumps({"phase": "torch", "id": case["id"], "status": r["status"]}) + "\n")
        o = outcome(ours, case)
        from .classify import classify  # noqa: PLC0415 - keeps the worker's import small

        proto.write(json.dumps(dict(classify(case, r, o), phase="done", id=case["id"])) + "\n")


if __name__ == "__main__":
    main()
