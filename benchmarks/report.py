"""The results as a table (stdout), JSON and a PNG chart of ours/torch per case."""
import json


def fmt_time(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_span(t):
    """'median [min–max]' with the span in the median's unit."""
    if not t:
        return "-"
    med = fmt_time(t["median"])
    unit = med.split()[1]
    scale = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}[unit]
    return f"{med} [{t['min'] / scale:.3g}–{t['max'] / scale:.3g}]"


COLUMNS = (("case", 38), ("thr", 3), ("ours median [min–max]", 26), ("torch median [min–max]", 26),
           ("ours/torch", 10), ("ours/other", 16), ("% limit", 10), ("target", 18), ("met?", 5))


def fmt_extra(r):
    """'0.52× numpy' (several: ', '-joined); '-' without further references."""
    return ", ".join(f"{v:.2f}× {k}" for k, v in (r.get("extra_ratio") or {}).items()) or "-"



def header():
    line = "  ".join(f"{name:<{w}}" for name, w in COLUMNS)
    return line + "\n" + "-" * len(line)


def row(r):
    if r.get("error"):
        cells = (r["case"], r["threads"], "ERROR: " + r["error"])
        return f"{cells[0]:<38}  {cells[1]:<3}  {cells[2]}"
    ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "-"
    pct = f"{100 * r['frac_of_limit']:.0f}% {r['limit_kind']}" if r["frac_of_limit"] is not None else "-"
    target = ", ".join(t["label"] for t in r["targets"]) or "-"
    met = {True: "yes", False: "MISS", None: "-"}[r["met"]]
    name = r["case"] + (" !" if r.get("mismatch") else "")
    cells = (name, r["threads"], fmt_span(r["ours"]), fmt_span(r["torch"]), ratio, fmt_extra(r), pct, target, met)
    return "  ".join(f"{str(c):<{w}}" for c, (_, w) in zip(cells, COLUMNS))


def summary(records):
    judged = [r for r in records if r.get("met") is not None]
    lines = [f"targets met: {sum(r['met'] for r in judged)}/{len(judged)}"]
    lines += [f"  miss: {r['case']} @ {r['threads']}T" for r in judged if not r["met"]]
    lines += [f"  results differ: {r['case']} @ {r['threads']}T: {r['mismatch']}" for r in records if r.get("mismatch")]
    errors = dict.fromkeys((r["case"], r["error"]) for r in records if r.get("error"))
    lines += [f"  error: {name}: {err}" for name, err in errors]
    return "\n".join(lines)


def write_markdown(path, meta, limits, records):
    """The table as markdown (for README.md): one row per case, 1- and 2-thread columns."""
    threads = meta["threads"]
    lim = "; ".join(
        f"{n} thread{'s' if n > 1 else ''}: FMA peak {limits[n]['fma_gflops']:.0f} GF/s, triad {limits[n]['triad_gbps']:.1f} GB/s"
        for n in threads if n in limits
    )
    head = "| case | " + " | ".join(f"{n}T ours | {n}T torch | {n}T ours/torch | {n}T ours/other | {n}T % limit"
                                     for n in threads)
    lines = [f"Measured {meta['started']} ({meta['cpu']}, {meta['cores']} cores, torch {meta['torch']}); limits: {lim}.",
             "Times are medians of 5 samples; ✗ marks a missed target.", "",
             head + " | target |", "|---" * (1 + 5 * len(threads)) + "|---|"]
    by_case = {}
    for r in records:
        by_case.setdefault(r["case"], {})[r["threads"]] = r
    for case, per in by_case.items():
        cells, targets = [case], set()
        for n in threads:
            r = per.get(n)
            if r is None or r.get("error"):
                cells += ["-"] * 5
                continue
            miss = " ✗" if r["met"] is False else ""
            cells += [fmt_time(r["ours"]["median"]), fmt_time(r["torch"]["median"]),
                      (f"{r['ratio']:.2f}×" if r["ratio"] is not None else "-") + miss, fmt_extra(r),
                      f"{100 * r['frac_of_limit']:.0f}% {r['limit_kind']}" if r["frac_of_limit"] is not None else "-"]
            targets.update(t["label"] + (f" ({n}T)" if len(threads) > 1 else "") for t in r["targets"])
        lines.append("| " + " | ".join(cells) + " | " + (", ".join(sorted(targets)) or "-") + " |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_json(path, meta, limits, records):
    with open(path, "w") as f:
        json.dump({"meta": meta, "limits": {str(k): v for k, v in limits.items()}, "results": records}, f, indent=1)


def write_png(path, records, threads_list):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["case"] for r in records))
    if not names:
        return False
    from matplotlib.patches import Patch
    height = 0.8 / max(1, len(threads_list))
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.32 * len(names) * max(1, len(threads_list)) ** 0.5))
    legend = []
    for k, n in enumerate(threads_list):
        rows = [(names.index(r["case"]), r) for r in records if r["threads"] == n and r.get("ratio")]
        if not rows:
            continue
        legend.append(Patch(color=f"C{k}", label=f"{n} thread{'s' * (n > 1)}"))
        for i, r in rows:  # a bar from 1 to the ratio; hatched where a target was missed
            y = i + (k - (len(threads_list) - 1) / 2) * height
            ax.barh(y, r["ratio"] - 1, height=height, left=1, color=f"C{k}", edgecolor="black" if r["met"] is False
                    else f"C{k}", hatch="///" if r["met"] is False else None, lw=0.5)
            for t in r["targets"]:  # the ratio target of the row, if any
                if t["kind"] == "ratio":
                    ax.plot([t["value"]] * 2, [y - height / 2, y + height / 2], color="black", lw=1.5)
    legend.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="target missed"))
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time ours / torch (log scale; left of 1: ours faster; black tick: the ratio target)")
    ax.legend(handles=legend, fontsize=7, loc="best")
    ax.set_title("tinygrad_lite vs torch", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
