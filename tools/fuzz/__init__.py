"""Differential fuzzer: the same op call, with bad and edge inputs, in tinygrad_lite and in torch.

    python -m tools.fuzz --cases 3000 --seed 0            # CI size
    python -m tools.fuzz --cases 10000 --seed 0 --out build/fuzz   # nightly
    python -m tools.fuzz --seed 0 --replay 1234           # one case, both outcomes printed

Cases (spec.py) are JSON: an op of the public API and encoded arguments — tensors described by
shape, dtype, fill (normal, NaN/inf mixes, ints, bools, zeros) and view (transposed, sliced,
expanded/overlapping, selected), numpy arrays of other dtypes and byte orders, shapes with
0-d/empty/huge/negative sizes and ints beyond int64, out-of-range dims, wrong Python types.
Case i depends only on (seed, i).

Each case runs in a long-lived child process (worker.py; a pool of them, runner.py): torch
first, then ours, so a crash or a hang is attributed and caught (the child is replaced) and
then minimised in a torch-free child. Classes:
  crash, hang           ours died or passed the per-case timeout
  clean-error           both raise; ours names the op or the inputs
  unclear-error         both raise; ours is a pybind11 signature dump, an internal exception
                        (KeyError, AttributeError, ZeroDivisionError, ...) or names nothing
  accepted-bad          torch raises, ours returns
  rejected-good         ours raises, torch returns
  wrong                 both return; shape, dtype or values (beyond tolerance) differ
  equal                 both return the same
  torch-crash/torch-hang  the reference failed (not counted against us)
Outputs: <out>/fuzz.json (every non-equal case, counts, categories) and <out>/fuzz.md.
"""
