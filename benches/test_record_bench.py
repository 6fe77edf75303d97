"""Per-call cost of recording one request from Python (issue 2).

Each benchmarked function times a loop of `loop_size` calls and the per-call cost is the
round's time divided by the loop size: pytest-benchmark's own per-round overhead would swamp
a ~50 ns call. All contenders run in the same session so the ratios compare like with like:

* `ServiceRecorder.record(ok, duration_ms)` bound to an availability and a latency SLO;
* prometheus_client `Counter.inc()` + `Histogram.observe()` (labels resolved beforehand);
* `_core._empty_call(ok, duration_ms)`: an empty PyO3 function with the same arguments;
* the recorder from 1 and from 2 threads (each thread a fixed loop; total wall time).

Targets (full mode only): >= 20x cheaper than the prometheus_client pair, within 1.5x of the
empty PyO3 call, and 2 threads recording at least as many events per second as 1.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from nexus_sre import _core

OK, DURATION_MS = True, 12.5
THRESHOLD_MS = 250.0
# Median seconds per call of each contender, filled as the benchmarks run (file order).
RESULTS: dict[str, float] = {}


def make_recorder() -> _core.ServiceRecorder:
    avail = _core.WindowedCounter(60, 30 * 86_400)
    latency = _core.WindowedCounter(60, 30 * 86_400)
    return _core.ServiceRecorder([(avail, None), (latency, THRESHOLD_MS)])


def make_prometheus_pair() -> Callable[[bool, float], None]:
    prom = pytest.importorskip("prometheus_client")
    registry = prom.CollectorRegistry()
    requests = prom.Counter("requests", "Requests", ["service", "code"], registry=registry).labels(
        "api", "200"
    )
    latency = prom.Histogram(
        "request_duration_ms",
        "Request duration",
        ["service"],
        buckets=(50, 100, THRESHOLD_MS, 500, 1000),
        registry=registry,
    ).labels("api")

    def record(ok: bool, duration_ms: float) -> None:
        requests.inc()
        latency.observe(duration_ms)

    return record


def loop(call: Callable[[bool, float], Any], n: int) -> float:
    """Seconds per call over a loop of n calls."""
    start = time.perf_counter()
    for _ in range(n):
        call(OK, DURATION_MS)
    return (time.perf_counter() - start) / n


def threaded(call: Callable[[bool, float], Any], n: int, threads: int) -> float:
    """Wall seconds per event when `threads` threads each make n calls at once."""
    barrier = threading.Barrier(threads + 1)

    def body() -> None:
        barrier.wait()
        for _ in range(n):
            call(OK, DURATION_MS)

    pool = [threading.Thread(target=body) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return (time.perf_counter() - start) / (n * threads)


ROUNDS = 21


def run(benchmark: Any, quick: bool, name: str, fn: Callable[[], float]) -> None:
    """Benchmark `fn` (which returns seconds per call) and keep the median per-call cost."""
    per_call: list[float] = []

    def body() -> None:
        per_call.append(fn())

    rounds = 1 if quick else ROUNDS
    benchmark.pedantic(body, rounds=rounds, iterations=1, warmup_rounds=0 if quick else 2)
    per_call = sorted(per_call[-rounds:])  # without the warm-up rounds
    median = per_call[len(per_call) // 2]
    RESULTS[name] = median
    benchmark.extra_info["ns_per_call"] = round(median * 1e9, 1)
    assert median > 0


def test_empty_pyo3_call(benchmark: Any, quick: bool, loop_size: int) -> None:
    run(benchmark, quick, "empty_call", lambda: loop(_core._empty_call, loop_size))


def test_service_recorder_record(benchmark: Any, quick: bool, loop_size: int) -> None:
    rec = make_recorder()
    assert len(rec) == 2
    run(benchmark, quick, "recorder", lambda: loop(rec.record, loop_size))


def test_prometheus_counter_and_histogram(benchmark: Any, quick: bool, loop_size: int) -> None:
    run(benchmark, quick, "prometheus", lambda: loop(make_prometheus_pair(), loop_size))


def test_recorder_1_thread(benchmark: Any, quick: bool, loop_size: int) -> None:
    rec = make_recorder()
    run(benchmark, quick, "thread_1", lambda: threaded(rec.record, loop_size, 1))


def test_recorder_2_threads(benchmark: Any, quick: bool, loop_size: int) -> None:
    rec = make_recorder()
    run(benchmark, quick, "threads_2", lambda: threaded(rec.record, loop_size // 2, 2))


def test_recorder_counts_every_benchmarked_call(loop_size: int) -> None:
    """The harness records what it claims: n calls from 2 threads land in both SLOs."""
    avail = _core.WindowedCounter(60, 3600, clock="manual", now=1_700_000_000.0)
    latency = _core.WindowedCounter(60, 3600, clock="manual", now=1_700_000_000.0)
    rec = _core.ServiceRecorder([(avail, None), (latency, THRESHOLD_MS)])
    threaded(rec.record, loop_size // 2, 2)
    for c in (avail, latency):
        w = c.window(120, end=1_700_000_060.0)
        assert (w.good, w.total) == (loop_size // 2 * 2, loop_size // 2 * 2)


def paired_ratio(slow: Callable[[], float], fast: Callable[[], float], pairs: int) -> float:
    """Median of slow/fast over back-to-back pairs: robust to load that drifts over time."""
    ratios = sorted(slow() / fast() for _ in range(pairs))
    return ratios[len(ratios) // 2]


def test_ratios(quick: bool, loop_size: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Print the ratios; enforce the targets only in full mode.

    The medians of the benchmarks above are printed; the targets are checked on ratios of
    back-to-back pairs (the same contenders, alternated), which a busy machine skews less.
    """
    needed = {"empty_call", "recorder", "prometheus", "thread_1", "threads_2"}
    if not needed <= RESULTS.keys():
        pytest.skip(f"run the whole file to compare; have {sorted(RESULTS)}")
    r = RESULTS
    rec, prom, n, pairs = make_recorder(), make_prometheus_pair(), loop_size, 1 if quick else ROUNDS
    vs_prometheus = paired_ratio(lambda: loop(prom, n // 10), lambda: loop(rec.record, n), pairs)
    vs_empty = paired_ratio(lambda: loop(rec.record, n), lambda: loop(_core._empty_call, n), pairs)
    # events/s of 2 threads over 1 thread
    threads_speedup = paired_ratio(
        lambda: threaded(rec.record, n, 1), lambda: threaded(rec.record, n // 2, 2), pairs
    )
    with capsys.disabled():
        print()
        print("  benchmark medians:")
        for name in sorted(r):
            print(f"  {name:12s} {r[name] * 1e9:8.1f} ns/call  {1 / r[name] / 1e6:6.2f} M events/s")
        print("  ratios of back-to-back pairs (medians):")
        print(f"  prometheus pair / recorder = {vs_prometheus:.1f}x (target >= 20)")
        print(f"  recorder / empty PyO3 call = {vs_empty:.2f}x (target <= 1.5)")
        print(f"  2 threads / 1 thread events/s = {threads_speedup:.2f}x (target >= 1.0)")
    if quick:
        return
    assert vs_prometheus >= 20, f"only {vs_prometheus:.1f}x cheaper than prometheus_client"
    assert vs_empty <= 1.5, f"{vs_empty:.2f}x the empty PyO3 call"
    if getattr(sys, "_is_gil_enabled", lambda: True)():
        # With the GIL only one thread runs Python at a time and `record` is far too short
        # to release it: 2 threads cannot beat 1 (see benches/README.md). Reported above.
        return
    assert threads_speedup >= 1.0, f"2 threads record {threads_speedup:.2f}x the events/s of 1"
