"""Shared benchmark settings.

Quick mode (`NEXUS_BENCH_QUICK=1`, or benchmarks disabled, which is the default through
pyproject's `--benchmark-disable`): every benchmark runs its body once, as a plain test, with
small loops; ratio targets are reported but not enforced (the machines are noisy).

Full mode: `python -m pytest benches/<file> --benchmark-enable --benchmark-min-rounds=15`.
"""

from __future__ import annotations

import os

import pytest

QUICK_ENV = "NEXUS_BENCH_QUICK"


def quick_from_env() -> bool:
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark reads the options
def pytest_configure(config: pytest.Config) -> None:
    if quick_from_env():
        # Each benchmark once, as a test, whatever else the command line says.
        config.option.benchmark_disable = True
        config.option.benchmark_enable = False


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    """True when benchmarks only run once: loops are small and ratios are not enforced."""
    opt = request.config.getoption
    return quick_from_env() or (opt("benchmark_disable") and not opt("benchmark_enable"))


@pytest.fixture(scope="session")
def loop_size(quick: bool) -> int:
    """Calls per timed loop: enough to dwarf pytest-benchmark's per-round overhead."""
    return 2_000 if quick else 100_000
