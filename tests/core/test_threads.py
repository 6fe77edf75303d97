"""Concurrent recording loses nothing.

No free-threaded CPython is installed here (only GIL builds of 3.11-3.13, and the extension
is built for the cp311 stable ABI, which free-threaded builds cannot load), so these run with
the GIL: threads interleave between calls, and the Rust side is exercised concurrently only
where PyO3 switches threads. `test_free_threaded` runs only on a free-threaded interpreter.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import pytest

from nexus_sre import _core

T0 = 1_700_000_000.0
THREADS = 4
N = 20_000
THRESHOLD_MS = 250.0


def run_threads(work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def body(k: int) -> None:
        try:
            barrier.wait()
            work(k)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=body, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def request(k: int, i: int) -> tuple[bool, float]:
    """A deterministic request per thread and index: ~1 in 7 fails, durations 0..599 ms."""
    return (i + k) % 7 != 0, float((i * 37 + k * 11) % 600)


def expected() -> tuple[int, int]:
    ok = sum(request(k, i)[0] for k in range(THREADS) for i in range(N))
    fast = sum(request(k, i)[1] <= THRESHOLD_MS for k in range(THREADS) for i in range(N))
    return ok, fast


@pytest.mark.parametrize("clock", ["manual", "system"])
def test_counter_threads_lose_nothing(clock: str) -> None:
    c = _core.WindowedCounter(60, 3600, clock=clock, now=T0 if clock == "manual" else None)

    def work(k: int) -> None:
        record = c.record
        for i in range(N):
            record(request(k, i)[0])

    run_threads(work)
    w = c.window(3600, end=c.now() + 60)
    assert (w.good, w.total, c.dropped) == (expected()[0], THREADS * N, 0)


@pytest.mark.parametrize("clock", ["manual", "system"])
def test_service_recorder_threads_lose_nothing(clock: str) -> None:
    now = T0 if clock == "manual" else None
    avail = _core.WindowedCounter(60, 3600, clock=clock, now=now)
    latency = _core.WindowedCounter(60, 3600, clock=clock, now=now)
    rec = _core.ServiceRecorder([(avail, None), (latency, THRESHOLD_MS)])

    def work(k: int) -> None:
        record = rec.record
        for i in range(N):
            record(*request(k, i))

    run_threads(work)
    ok, fast = expected()
    # Latency is good iff duration <= threshold, whatever the outcome; 250 ms exactly is good.
    assert 0 < fast < THREADS * N and 0 < ok < THREADS * N
    a = avail.window(3600, end=avail.now() + 60)
    lat = latency.window(3600, end=latency.now() + 60)
    assert (a.good, a.total) == (ok, THREADS * N)
    assert (lat.good, lat.total) == (fast, THREADS * N)
    assert avail.dropped == latency.dropped == 0


def test_latency_threshold_is_inclusive() -> None:
    c = _core.WindowedCounter(60, 3600, clock="manual", now=T0)
    rec = _core.ServiceRecorder([(c, THRESHOLD_MS)])
    for d in (0.0, THRESHOLD_MS, THRESHOLD_MS + 1e-9, 10_000.0):
        rec.record(False, d)  # the outcome does not matter to a latency SLO
    w = c.window(60, end=T0)  # the bucket holding T0, which is not bucket-aligned
    assert (w.good, w.total) == (2, 4)


@pytest.mark.skipif(
    getattr(sys, "_is_gil_enabled", lambda: True)(),
    reason="needs a free-threaded CPython (none installed here)",
)
def test_free_threaded() -> None:  # pragma: no cover - runs only on a free-threaded build
    test_service_recorder_threads_lose_nothing("system")
