"""tinygrad_lite vs torch, side by side in one process: `python -m benchmarks --help`.

Both libraries run OpenMP thread pools (torch ships its own libgomp): with busy-waiting workers
two pools fight over the cores, so passive waiting is set here, before anything imports either
library (this package is imported before its __main__ runs).

Adding a case: in a cases_*.py module (or a new one listed in CASE_MODULES),

    @case("my op 64x128", "elementwise", bytes=2 * 4 * 64 * 128, targets=[ratio_at_most(1.0)])
    def _():
        x, tx = pair(randn(64, 128))
        return (lambda: x.my_op()), (lambda: tx.my_op())

A model's training step is one line with cases_models.training_step_case (see that module).
"""
import os
import sys

# True when a thread pool may already exist, started before the policy below could take effect.
IMPORTED_LATE = "torch" in sys.modules or "tinygrad_lite" in sys.modules
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

CASE_MODULES = ("cases_gemm", "cases_ops", "cases_overhead", "cases_models", "cases_llm", "cases_transformer",
                "cases_cnn", "cases_bert")
