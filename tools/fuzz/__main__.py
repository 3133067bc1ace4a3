"""python -m tools.fuzz [--cases N] [--seed S] [--workers W] [--timeout T] [--out DIR] [--replay ID]"""
import argparse
import json
import os
import sys
import time

from . import report
from .runner import minimise, run_cases
from .spec import make_case


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tools.fuzz", description=__doc__)
    ap.add_argument("--cases", type=int, default=3000, help="number of cases (CI: 3000, nightly: 10000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds a case may take in each library")
    ap.add_argument("--out", default="build/fuzz", help="directory for fuzz.json and fuzz.md")
    ap.add_argument("--replay", type=int, help="run one case and print both outcomes")
    ap.add_argument("--no-minimise", action="store_true")
    ap.add_argument("--ours-path", help="import tinygrad_lite from this checkout (e.g. to fuzz main's build)")
    a = ap.parse_args(argv)
    if a.ours_path:
        os.environ["TL_FUZZ_OURS_PATH"] = os.path.abspath(a.ours_path)

    if a.replay is not None:
        case = make_case(a.seed, a.replay)
        print(report.render(case))
        print(json.dumps(case))
        r = run_cases([case], workers=1, timeout=a.timeout)[case["id"]]
        print(json.dumps(r, indent=1))
        return 0

    cases = [make_case(a.seed, i) for i in range(a.start, a.start + a.cases)]
    t0 = time.time()

    def progress(n, r):
        if n % 250 == 0 or r["class"] in ("crash", "hang"):
            print(f"[{n}/{len(cases)}] {time.time() - t0:.0f}s" +
                  (f"  {r['class']}: case {r['id']}" if r["class"] in ("crash", "hang") else ""), flush=True)

    results = run_cases(cases, workers=a.workers, timeout=a.timeout, progress=progress)
    minimised = {}
    if not a.no_minimise:
        by_id = {c["id"]: c for c in cases}
        for i, r in sorted(results.items()):
            if r["class"] in ("crash", "hang"):
                small, tries = minimise(by_id[i], r["class"], timeout=a.timeout)
                minimised[i] = report.render(small) + f"  ({tries} tries)"
    s = report.summarize(cases, results, a.seed, time.time() - t0, minimised)
    report.write(s, a.out)
    print(report.markdown(s, top=5))
    print(f"written: {a.out}/fuzz.json, {a.out}/fuzz.md")
    return 1 if s["counts"]["crash"] or s["counts"]["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
