"""Classes of a case's two outcomes (see tools/fuzz/__init__.py), and what makes an error clear."""
import re

from .worker import compare

# Exceptions that leak an implementation detail instead of saying what was wrong with the call.
INTERNAL = {"AttributeError", "KeyError", "ZeroDivisionError", "RecursionError", "AssertionError",
            "UnboundLocalError", "NameError", "SystemError", "StopIteration", "UnicodeDecodeError"}
UNCLEAR_TEXT = [
    "incompatible function arguments",  # a pybind11 signature dump
    "Invoked with:",
    "tuple index out of range",
    "list index out of range",
    "object is not subscriptable",
    "object is not iterable",
    "object cannot be interpreted as an integer",
    "NoneType",
    "has no attribute",
    "unhashable type",
    "not supported between instances of",
    "takes from",
    "positional argument",
]
# Words that show the message speaks about the call (its arguments, shapes, dtypes, sizes).
TOPICAL = re.compile(r"shape|size|dim|dtype|index|argument|expected|must|tensor|float|int|bool|bound|range|"
                     r"overflow|memory|broadcast|scalar|element|value|type|step|device|support|invalid|empty|"
                     r"negative|mismatch|match", re.I)


def error_is_clear(case, err):
    """A clean error names the op or speaks about its inputs, and is not an internal exception."""
    msg, typ = err.get("message", ""), err.get("type", "")
    if typ in INTERNAL:
        return False, f"{typ}"
    if not msg.strip():
        return False, f"{typ} with no message"
    for text in UNCLEAR_TEXT:
        if text in msg:
            return False, f"{typ}: '{text}'"
    name = case["name"].strip("_").rstrip("_")
    if name.lower() in msg.lower() or TOPICAL.search(msg):
        return True, ""
    return False, f"{typ}: names neither the op nor its inputs"


def short(o):
    if o["status"] == "error":
        first = o["message"].splitlines()[0] if o["message"] else ""
        return f"{o['type']}: {first[:200]}"
    if o["status"] == "ok":
        r = o["result"]
        if r["kind"] == "tensor":
            return f"tensor {tuple(r['shape'])} {r['dtype']}"
        if r["kind"] == "py":
            return f"{r['value']!r}"[:120]
        return r["kind"]
    return o["status"]


def _has_large_f64(x):
    """Whether a case has a float64 tensor with the "large" fill (worker.LARGE_F64_ATOL)."""
    if isinstance(x, dict):
        if x.get("fill") == "large" and x.get("dtype") == "float64":
            return True
        return any(_has_large_f64(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_has_large_f64(v) for v in x)
    return False


def classify(case, ref, ours):
    out = {"torch": short(ref), "ours": short(ours)}
    if ref["status"] == "skipped":  # a torch-free worker (minimising): only our outcome matters
        out["class"] = "ours-" + ours["status"]
        return out
    if ref["status"] == "error" and ours["status"] == "error":
        ok, why = error_is_clear(case, ours)
        out["class"] = "clean-error" if ok else "unclear-error"
        out["reason"] = why
        return out
    if ref["status"] == "error":
        out["class"] = "accepted-bad"
        out["reason"] = f"torch raises {ref['type']}"
        return out
    if ours["status"] == "error":
        ok, why = error_is_clear(case, ours)
        out["class"] = "rejected-good"
        out["reason"] = f"{ours['type']}" + ("" if ok else " (unclear)")
        out["unclear"] = not ok
        return out
    large = _has_large_f64(case)
    equal, why = compare(ref["result"], ours["result"], large_f64=large)
    if equal:
        for i, (a, b) in enumerate(zip(ref["inputs"], ours["inputs"])):
            equal, why = compare(a, b, f"input{i} after the call", large_f64=large)
            if not equal:
                break
    out["class"] = "equal" if equal else "wrong"
    if not equal:
        out["reason"] = why
    return out
