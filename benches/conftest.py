from __future__ import annotations

import os

import pytest

QUICK = os.environ.get("NEXUS_BENCH_QUICK") == "1"


@pytest.fixture
def loops() -> int:
    """Calls per benchmark round: enough to dwarf the timer's own cost, few in quick mode."""
    return 200 if QUICK else 20_000


@pytest.fixture
def bench(benchmark, loops: int):  # type: ignore[no-untyped-def]
    """Run `fn(loops)` as a benchmark; quick mode runs it once, as a plain test."""

    def run(fn, *, rounds: int = 15):  # type: ignore[no-untyped-def]
        if QUICK:
            return benchmark.pedantic(fn, args=(loops,), rounds=1, iterations=1)
        return benchmark.pedantic(fn, args=(loops,), rounds=rounds, iterations=1, warmup_rounds=2)

    return run
