"""Summaries of a fuzz run: counts per class, the top categories (op + normalised reason) of each
class, an example per category, written as JSON and markdown."""
import collections
import json
import os
import re

CLASSES = ["crash", "hang", "wrong", "accepted-bad", "rejected-good", "unclear-error", "clean-error", "equal",
           "torch-crash", "torch-hang", "harness-error", "not-run"]


def render_arg(v):
    if isinstance(v, dict):
        if "T" in v:
            t = v["T"]
            extra = "" if t["view"] == "contig" else f" {t['view']}"
            return f"T{tuple(t['shape'])}:{t['dtype']}:{t['fill']}{extra}{' grad' if t.get('grad') else ''}"
        if "N" in v:
            n = v["N"]
            return f"np{tuple(n['shape'])}:{n['dtype']}{' ro' if n.get('readonly') else ''}{' bytes' if n.get('bool_bytes') else ''}"
        if "TL" in v:
            return "[" + ", ".join(render_arg(x) for x in v["TL"]) + "]"
        if "dtype" in v:
            return f"dtype.{v['dtype']}"
        if "F" in v:
            return f"float('{v['F']}')"
        if "slice" in v:
            a, b, c = v["slice"]
            return f"{'' if a is None else a}:{'' if b is None else b}" + ("" if c is None else f":{c}")
        if "E" in v:
            return "..."
        if "tuple" in v:
            return "(" + ", ".join(render_arg(x) for x in v["tuple"]) + ",)"
        if "A" in v:  # a view of the first argument
            a = v["A"]
            view = "x" if a.get("key") is None else f"x[{render_arg(a['key'])}]"
            return view + (".mT" if a.get("T") else "")
        if "bad" in v:
            return f"<{v['bad']}>"
    if isinstance(v, list):
        return "[" + ", ".join(render_arg(x) for x in v) + "]"
    return repr(v)


def render(case):
    args = [render_arg(a) for a in case["args"]]
    kw = [f"{k}={render_arg(v)}" for k, v in case["kwargs"].items()]
    kind, name = case["call"], case["name"]
    if kind == "getitem":
        return f"{args[0]}[{args[1]}]"
    if kind == "setitem":
        return f"{args[0]}[{args[1]}] = {args[2]}"
    if kind in ("method", "op"):
        return f"{args[0]}.{name}({', '.join(args[1:] + kw)})"
    prefix = {"F": "F.", "grad": "grad ", "module": "nn."}.get(kind, "")
    return f"{prefix}{name}({', '.join(args + kw)})"


def _norm(text):
    text = re.sub(r"0x[0-9a-f]+", "ADDR", text or "")
    text = re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", text)
    text = re.sub(r"\([N, ]*\)", "(shape)", text)
    return text[:100]


def category(case, r):
    cls = r["class"]
    if cls in ("clean-error", "unclear-error"):
        return f"{case['op']}: {_norm(r['reason'] or r['ours'].split(':')[0])}"
    if cls in ("accepted-bad", "rejected-good"):
        return f"{case['op']}: {_norm(r['torch'] if cls == 'accepted-bad' else r['ours'])}"
    if cls == "wrong":
        kind = re.sub(r"^[^:]*: ", "", r.get("reason", ""))
        kind = kind.split(" ")[0] if kind else "?"
        return f"{case['op']}: {kind}"
    return f"{case['op']}"


def summarize(cases, results, seed, seconds, minimised=None):
    counts = collections.Counter(r["class"] for r in results.values())
    cats = collections.defaultdict(collections.Counter)
    examples = {}
    by_id = {c["id"]: c for c in cases}
    unclear_rejections = sum(1 for r in results.values() if r["class"] == "unclear-error" or r.get("unclear"))
    our_errors = sum(1 for r in results.values() if r["class"] in ("clean-error", "unclear-error", "rejected-good"))
    for i, r in sorted(results.items()):
        c = by_id[i]
        if r["class"] == "equal":
            continue
        key = category(c, r)
        cats[r["class"]][key] += 1
        examples.setdefault((r["class"], key), {"id": i, "call": render(c), "torch": r.get("torch"),
                                                 "ours": r.get("ours"), "reason": r.get("reason", "")})
    return {
        "seed": seed, "cases": len(cases), "seconds": round(seconds, 1),
        "counts": {k: counts.get(k, 0) for k in CLASSES},
        "our_errors": our_errors, "unclear_errors": unclear_rejections,
        "categories": {cls: [{"category": k, "count": n, "example": examples[(cls, k)]} for k, n in cnt.most_common()]
                       for cls, cnt in cats.items()},
        "minimised": minimised or {},
        "non_equal": [dict(id=i, call=render(by_id[i]), **{k: v for k, v in r.items() if k != "id"})
                      for i, r in sorted(results.items()) if r["class"] != "equal"],
    }


def markdown(s, top=12):
    n = s["cases"]
    lines = [f"# Differential fuzz: tinygrad_lite vs torch — {n} cases, seed {s['seed']} ({s['seconds']} s)", "",
             "| class | cases | share |", "|---|---:|---:|"]
    for k, v in s["counts"].items():
        lines.append(f"| {k} | {v} | {100.0 * v / max(n, 1):.1f} % |")
    ue, oe = s["unclear_errors"], s["our_errors"]
    lines += ["", f"Unclear messages: {ue} of {oe} inputs ours rejected ({100.0 * ue / max(oe, 1):.1f} %).", ""]
    for cls in CLASSES:
        cats = s["categories"].get(cls)
        if not cats or cls == "clean-error":
            continue
        lines += [f"## {cls} — top categories", "", "| category | cases | example (replay: --replay ID) | torch | ours |",
                  "|---|---:|---|---|---|"]
        for c in cats[:top]:
            e = c["example"]
            cell = lambda x: str(x or "").replace("|", "\\|").replace("\n", " ")[:140]  # noqa: E731
            lines.append(f"| {cell(c['category'])} | {c['count']} | `{cell(e['call'])}` (#{e['id']}) | {cell(e['torch'])} | "
                         f"{cell(e['ours'])}{' — ' + cell(e['reason']) if cls == 'wrong' else ''} |")
        lines.append("")
    if s["minimised"]:
        lines += ["## minimised crashes and hangs", ""]
        for i, m in s["minimised"].items():
            lines.append(f"- #{i}: `{m}`")
    return "\n".join(lines) + "\n"


def write(s, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "fuzz.json"), "w") as f:
        json.dump(s, f, indent=1, default=str)
    with open(os.path.join(out_dir, "fuzz.md"), "w") as f:
        f.write(markdown(s))
