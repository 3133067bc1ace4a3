"""Shared pytest setup for the tinygrad_lite test suite.

- Puts the repository root first on sys.path, so the tests exercise the checkout they live in
  (build it first: `python setup.py build_ext --inplace`).
- `device` fixture: "cpu", plus "cuda" when `tinygrad_lite.cuda.is_available()` says so.
- A hypothesis profile ("tl") with small example counts and no deadline; select another with
  HYPOTHESIS_PROFILE=... ("tl-thorough" for a longer run, "tl-noshrink" to skip shrinking).
"""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
TESTS = os.path.dirname(os.path.abspath(__file__))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

try:
    from hypothesis import HealthCheck, Phase, settings

    _suppress = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
    settings.register_profile("tl", max_examples=25, deadline=None, suppress_health_check=_suppress)
    settings.register_profile("tl-thorough", max_examples=300, deadline=None, suppress_health_check=_suppress)
    # triage while the engine is incomplete: report the first failing example without shrinking it
    settings.register_profile("tl-noshrink", max_examples=25, deadline=None, suppress_health_check=_suppress,
                              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tl"))
except ImportError:  # hypothesis is a test dependency; modules that need it import it themselves
    pass


def _devices():
    devs = ["cpu"]
    try:
        import tinygrad_lite as tl
    except Exception:  # the package failing to import is reported by the tests themselves
        return devs
    cuda = getattr(tl, "cuda", None)
    is_available = getattr(cuda, "is_available", None)
    try:
        if callable(is_available) and is_available():
            devs.append("cuda")
    except Exception:
        pass
    return devs


@pytest.fixture(params=_devices())
def device(request):
    """The tinygrad_lite device a test runs on; torch references always run on the CPU."""
    return request.param


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: minutes of training; skipped unless TL_SLOW=1")
