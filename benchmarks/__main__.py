"""python -m benchmarks [--quick] [--threads 1,2] [--filter REGEX] [--out benchmarks/results] [--list]

Measures the machine's limits, then runs every case in tinygrad_lite and torch in this process,
prints the table, writes results.json and ratio.png to --out. Exits 1 if a case raised (a bug),
never because of a timing.
"""
import argparse
import os
import platform
import sys
import time

from . import IMPORTED_LATE, harness, limits, report
from .registry import load_cases, select


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    p.add_argument("--quick", action="store_true", help="few short samples, skip heavy cases (a smoke test)")
    p.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    p.add_argument("--filter", default=None, help="run cases whose name or group matches this regex")
    p.add_argument("--out", default="benchmarks/results", help="folder for results.json and ratio.png")
    p.add_argument("--list", action="store_true", help="list the selected cases and exit")
    args = p.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",") if t.strip()]
    return args


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def run_case(c, threads_list, settings, lim):
    """One record per thread count; a failure of the case becomes a record with `error`."""
    base = {"case": c.name, "group": c.group}
    try:
        built = c.build()
        ours, theirs, extras = built if len(built) == 3 else (*built, {})
    except Exception as e:  # a missing op or a bug: reported, the suite goes on
        return [dict(base, threads=n, error=f"{type(e).__name__}: {e}".splitlines()[0][:200]) for n in threads_list]
    records = []
    for k, n in enumerate(threads_list):
        harness.set_threads(n)
        try:  # results are compared once, on the first calls: later ones may see state (weights) that differ
            a, b, mismatch, ex = harness.measure(ours, theirs, settings, check=c.check and k == 0, extras=extras)
        except Exception as e:
            records.append(dict(base, threads=n, error=f"{type(e).__name__}: {e}".splitlines()[0][:200]))
            continue
        ratio = a["median"] / b["median"]
        frac, kind = limits.fraction_of_limit(c, a["median"], lim.get(n))
        frac_torch, _ = limits.fraction_of_limit(c, b["median"], lim.get(n))
        extra_ratio = {name: a["median"] / e["median"] for name, e in ex.items()}
        targets = [{"kind": t.kind, "value": t.value, "label": t.label(), "met": t.met(ratio, frac, extra_ratio)}
                   for t in c.targets if t.applies(n)]
        verdicts = [t["met"] for t in targets]
        met = None if not verdicts or None in verdicts else all(verdicts)
        records.append(dict(base, threads=n, ours=a, torch=b, ratio=ratio, frac_of_limit=frac,
                            frac_of_limit_torch=frac_torch, limit_kind=kind, flops=c.flops, bytes=c.bytes,
                            targets=targets, met=met, mismatch=mismatch, extra=ex,
                            extra_ratio=extra_ratio))
    return records


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    cases = select(load_cases(), args.filter, args.quick)
    if args.list:
        print("\n".join(f"{c.group:<12} {c.name}{'  (heavy)' * c.heavy}" for c in cases))
        return 0
    import torch

    import tinygrad_lite as tl

    if IMPORTED_LATE:
        print("warning: torch or tinygrad_lite was imported before OMP_WAIT_POLICY=PASSIVE was set; "
              "2-thread figures may suffer from two spinning thread pools", file=sys.stderr)
    settings = harness.QUICK if args.quick else harness.Settings()
    meta = {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "tinygrad_lite": os.path.dirname(tl.__file__),
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"), "quick": args.quick,
            "threads": args.threads, "samples": settings.samples, "min_sample_s": settings.min_sample_s,
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"{meta['cpu']}, {meta['cores']} cores; torch {meta['torch']}; tinygrad_lite from {meta['tinygrad_lite']}; "
          f"OMP_WAIT_POLICY={meta['OMP_WAIT_POLICY']}; {len(cases)} cases × threads {args.threads}"
          + (" (quick)" if args.quick else ""))
    harness.freeze_imports()
    t0 = time.perf_counter()
    lim = limits.measure(args.threads, args.quick)
    for n in args.threads:
        if n in lim:
            print(f"limits, {n} thread{'s' * (n > 1)}: FP32 FMA peak {lim[n]['fma_gflops']:.0f} GFLOP/s, "
                  f"triad {lim[n]['triad_gbps']:.1f} GB/s ({lim['triad_array_bytes'] >> 20} MiB arrays, {lim['simd']})")
    if not lim:
        print("limits: tinygrad_lite._C has no fma_peak_gflops (rebuild?); % of limit not shown")
    print(report.header())
    records = []
    for c in cases:
        for r in run_case(c, args.threads, settings, lim):
            records.append(r)
            print(report.row(r), flush=True)
    meta["seconds"] = round(time.perf_counter() - t0, 1)
    print(report.summary(records))
    os.makedirs(args.out, exist_ok=True)
    report.write_json(os.path.join(args.out, "results.json"), meta, lim, records)
    report.write_markdown(os.path.join(args.out, "results.md"), meta, lim, records)
    png = os.path.join(args.out, "ratio.png")
    report.write_png(png, records, args.threads)
    print(f"wrote {args.out}/results.json, results.md, {png} in {meta['seconds']} s")
    return 1 if any(r.get("error") for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
