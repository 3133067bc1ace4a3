"""The benchmark suite runs end to end in --quick mode: every light case builds, runs in both
libraries, and the table, results.json and ratio.png come out. Timings are never asserted."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_run_writes_table_json_and_png(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--threads", "1,2", "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "ours/torch" in proc.stdout and "limits, 1 thread" in proc.stdout

    data = json.loads((tmp_path / "results.json").read_text())
    assert data["meta"]["OMP_WAIT_POLICY"] == "PASSIVE"
    for n in ("1", "2"):
        assert data["limits"][n]["fma_gflops"] > 0 and data["limits"][n]["triad_gbps"] > 0
    results = data["results"]
    assert {r["threads"] for r in results} == {1, 2}
    assert {r["group"] for r in results} >= {"sgemm", "sgemm mlp", "memory", "nn", "overhead", "model step", "epoch"}
    for r in results:
        assert not r.get("error"), r
        assert r["ours"]["median"] > 0 and r["torch"]["median"] > 0 and len(r["ours"]["samples"]) >= 3
        assert r["mismatch"] is None, r  # ours and torch computed the same thing
    assert (tmp_path / "ratio.png").stat().st_size > 0


def test_registry_selects_and_skips_heavy_cases():
    sys.path.insert(0, ROOT)
    from benchmarks.registry import load_cases, select
    cases = load_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names))
    assert "sgemm 2048^3" in names and "sgemm 2048^3" not in [c.name for c in select(cases, quick=True)]
    assert [c.name for c in select(cases, r"^sgemm 512\^3$")] == ["sgemm 512^3"]
