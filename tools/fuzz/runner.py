"""A pool of worker processes: cases in, classes out; crashes and hangs caught, the worker replaced,
and the case minimised in a torch-free worker."""
import copy
import json
import os
import queue
import resource
import select
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEMORY_LIMIT = 6 << 30  # address space of a worker: a huge allocation fails instead of swapping the machine


def _limit_memory():
    # Under AddressSanitizer (tools/sanitize.sh preloads libasan) the address-space cap would stop
    # ASan reserving its shadow memory (terabytes of virtual space), so the worker would never start;
    # there ASan's allocator_may_return_null turns a huge allocation into MemoryError instead.
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Worker:
    """One child process running tools.fuzz.worker."""

    def __init__(self, only_ours=False, start_timeout=300.0):
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   PYTHONFAULTHANDLER="1")
        cmd = [sys.executable, "-m", "tools.fuzz.worker"] + (["--only-ours"] if only_ours else [])
        self.p = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env, preexec_fn=_limit_memory)
        self.buf = ""
        self.stderr_tail = []
        threading.Thread(target=self._drain, daemon=True).start()
        msg = self._read(start_timeout)
        if not msg or msg.get("phase") != "ready":
            raise RuntimeError("fuzz worker failed to start: " + "".join(self.stderr_tail[-20:]))

    def _drain(self):
        for line in self.p.stderr:
            self.stderr_tail.append(line)
            del self.stderr_tail[:-40]

    def _read(self, timeout):
        """The next protocol line, or None on timeout / EOF."""
        deadline = time.time() + timeout
        while "\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.p.stdout.fileno(), 1 << 16).decode(errors="replace")
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split("\n", 1)
        return json.loads(line)

    def run(self, case, timeout):
        """{"class": ...} for the case; crash/hang (ours or torch's) kill this worker."""
        try:
            self.p.stdin.write(json.dumps(case) + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._dead("torch-crash", case)
        first = self._read(timeout)
        if first is None:
            return self._dead("torch-hang" if self._still_running() else "torch-crash", case)
        done = self._read(timeout)
        if done is None:
            return self._dead("hang" if self._still_running() else "crash", case, torch=first.get("status"))
        return done

    def _still_running(self):
        """After no answer: is the worker alive (a hang) or dying (a crash)? A crashed worker's
        stdout reaches EOF a moment before the process can be reaped (and faulthandler is still
        writing its traceback): give it a few seconds to exit before calling it a hang."""
        try:
            self.p.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            return True
        return False

    def _dead(self, cls, case, torch=None):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        rc = self.p.returncode
        time.sleep(0.05)
        tail = "".join(self.stderr_tail[-12:])
        return {"id": case["id"], "class": cls, "returncode": rc, "torch": torch or "", "ours": f"exit {rc}",
                "reason": f"exit status {rc}", "stderr": tail[-2000:]}

    @property
    def alive(self):
        return self.p.poll() is None

    def close(self):
        if self.alive:
            try:
                self.p.stdin.close()
                self.p.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()


def run_cases(cases, workers=2, timeout=10.0, progress=None):
    """Classify every case; returns {id: result}."""
    todo = queue.Queue()
    for c in cases:
        todo.put(c)
    results, lock = {}, threading.Lock()

    def fresh():
        for attempt in range(3):
            try:
                return Worker()
            except Exception:  # noqa: BLE001 - a loaded machine may time a start out: try again
                if attempt == 2:
                    raise
        return None

    def loop():
        w = fresh()
        try:
            while True:
                try:
                    c = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    r = w.run(c, timeout)
                except Exception as e:  # noqa: BLE001 - a protocol failure is the harness's, not a verdict
                    r = {"id": c["id"], "class": "harness-error", "torch": "", "ours": "", "reason": repr(e)[:300]}
                    w.close()
                    w.p.kill()
                if not w.alive:
                    w = fresh()
                with lock:
                    results[c["id"]] = r
                    if progress:
                        progress(len(results), r)
        finally:
            w.close()

    threads = [threading.Thread(target=loop) for _ in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in cases:  # a worker that could not be restarted leaves cases behind: say so
        results.setdefault(c["id"], {"id": c["id"], "class": "not-run", "torch": "", "ours": "", "reason": ""})
    return results


# ---- minimisation ----------------------------------------------------------------------------

def _simpler(case):
    """Candidate cases, each one step simpler."""
    out = []

    def walk(v, setter):
        if isinstance(v, dict) and "T" in v:
            t = v["T"]
            for key, simple in (("view", "contig"), ("fill", "zeros"), ("grad", False)):
                if t.get(key) != simple and not (key == "fill" and t["dtype"] == "bool"):
                    nv = copy.deepcopy(v)
                    nv["T"][key] = simple
                    out.append(setter(nv))
            for i, d in enumerate(t["shape"]):
                if d > 1:
                    nv = copy.deepcopy(v)
                    nv["T"]["shape"][i] = d // 2
                    out.append(setter(nv))
            if t["shape"]:
                nv = copy.deepcopy(v)
                nv["T"]["shape"] = t["shape"][1:]
                out.append(setter(nv))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, lambda nx, i=i: setter(v[:i] + [nx] + v[i + 1:]))
        elif isinstance(v, dict) and "TL" in v:
            walk(v["TL"], lambda nx: setter({"TL": nx}))

    def set_args(na):
        c = copy.deepcopy(case)
        c["args"] = na
        return c

    walk(case["args"], set_args)
    for k in sorted(case["kwargs"]):
        c = copy.deepcopy(case)
        del c["kwargs"][k]
        out.append(c)
    return out


def minimise(case, cls, timeout=10.0, budget=25):
    """Greedy: take any one-step-simpler case that still crashes/hangs ours; at most `budget` tries,
    each in a fresh torch-free worker."""
    want = {"crash": "crash", "hang": "hang"}[cls]
    best, tries = case, 0
    improved = True
    while improved and tries < budget:
        improved = False
        for cand in _simpler(best):
            if tries >= budget:
                break
            tries += 1
            w = Worker(only_ours=True)
            r = w.run(cand, timeout)
            w.close()
            if r["class"] == want:
                best, improved = cand, True
                break
    return best, tries
