"""Embedded recording costs: the bound recorder, the middleware, shared vs in-process
counters, and reading the combined state, each against prometheus_client (single-process
and multiprocess mode) in the same run.

Every benchmarked function does `loops` operations, so per-operation cost is the round's
time divided by `loops` (see `extra_info["per_op_ns"]`).

    pytest benches/test_embedded_bench.py --benchmark-enable -p no:randomly
    NEXUS_BENCH_QUICK=1 pytest benches/test_embedded_bench.py     # each once, as a test
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from time import perf_counter
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector

from nexus_sre import _core
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.embedded.metrics import exposition
from nexus_sre.middleware import SLOMiddleware

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


N_SLOS_READ = 6  # SLOs exposed when measuring a read of the combined state


def reads_per_round(loops: int) -> int:
    return max(loops // 100, 1)


def per_op(benchmark: Any, loops: int, events_per_loop: int = 1) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.data:
        benchmark.extra_info["per_op_ns"] = stats.stats.median / (loops * events_per_loop) * 1e9


def make_store(tmp_path: Path, shared: bool) -> EmbeddedStore:
    """A service with the usual pair of SLOs: one call of its recorder feeds both."""
    store = EmbeddedStore(shared_dir=tmp_path / "shm" if shared else None)
    store.add_slo("api", "availability", target=99.9, window_seconds=30 * 86400)
    store.add_slo("api", "latency", target=99.0, window_seconds=30 * 86400, threshold_ms=300)
    return store


# -- prometheus_client equivalents: two counters (total, good) per request --------------


class PromRecorder:
    """The same recording with prometheus_client: total and good counters for each of the
    two SLOs (availability, latency <= 300 ms), pre-bound children (its cheapest use)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        kw: dict[str, Any] = {"registry": registry}
        total = Counter("bench_requests", "requests", ["service", "slo"], **kw)
        good = Counter("bench_requests_good", "good", ["service", "slo"], **kw)
        self.avail_total = total.labels("api", "availability")
        self.avail_good = good.labels("api", "availability")
        self.lat_total = total.labels("api", "latency")
        self.lat_good = good.labels("api", "latency")

    def record(self, ok: bool, duration_ms: float) -> None:
        self.avail_total.inc()
        if ok:
            self.avail_good.inc()
        self.lat_total.inc()
        if duration_ms <= 300:
            self.lat_good.inc()


@pytest.fixture
def prom_single() -> PromRecorder:
    return PromRecorder(CollectorRegistry())


@pytest.fixture
def prom_multi(tmp_path: Path) -> Iterator[tuple[PromRecorder, Path]]:
    """prometheus_client in multiprocess mode (mmap files in PROMETHEUS_MULTIPROC_DIR)."""
    d = tmp_path / "prom-multiproc"
    d.mkdir()
    old_env = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(d)
    old = values.ValueClass
    values.ValueClass = values.MultiProcessValue()
    try:
        yield PromRecorder(None), d
    finally:
        values.ValueClass = old
        if old_env is None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = old_env


# -- the bound recorder -------------------------------------------------------------------


def record_loop(recorder: Any) -> Callable[[int], None]:
    record = recorder.record

    def run(n: int) -> None:
        for i in range(n):
            record(i & 63 != 0, 12.5)

    return run


def empty_loop(n: int) -> None:
    f = _core._empty_call
    for i in range(n):
        f(i & 63 != 0, 12.5)


@pytest.mark.benchmark(group="recorder")
def test_call_floor(bench, benchmark, loops) -> None:  # type: ignore[no-untyped-def]
    """A PyO3 call that does nothing, with the same loop: the floor under every recorder."""
    bench(empty_loop)
    per_op(benchmark, loops)


@pytest.mark.benchmark(group="recorder")
def test_recorder_in_process(bench, benchmark, loops, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = make_store(tmp_path, shared=False)
    bench(record_loop(store.recorder("api")))
    per_op(benchmark, loops)
    assert store.counter("api", "availability").window(3600).total >= loops


@pytest.mark.benchmark(group="recorder")
def test_recorder_shared(bench, benchmark, loops, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = make_store(tmp_path, shared=True)
    bench(record_loop(store.recorder("api")))
    per_op(benchmark, loops)
    assert store.counter("api", "availability").window(3600).total >= loops


def threaded(run: Callable[[int], None], threads: int) -> Callable[[int], None]:
    def go(n: int) -> None:
        ts = [threading.Thread(target=run, args=(n * 5,)) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    return go


@pytest.mark.benchmark(group="threads")
@pytest.mark.parametrize("threads", [1, 2])
def test_recorder_shared_threads(bench, benchmark, loops, tmp_path, threads) -> None:  # type: ignore[no-untyped-def]
    """`threads` threads, each doing 5 x `loops` calls (thread start included in both
    cases): per_op is per event over all threads, so 1/per_op is events/s."""
    store = make_store(tmp_path, shared=True)
    bench(threaded(record_loop(store.recorder("api")), threads))
    per_op(benchmark, loops, events_per_loop=5 * threads)
    assert store.counter("api", "availability").window(3600).total >= 5 * loops * threads


@pytest.mark.benchmark(group="recorder")
def test_recorder_prometheus_single(bench, benchmark, loops, prom_single) -> None:  # type: ignore[no-untyped-def]
    bench(record_loop(prom_single))
    per_op(benchmark, loops)


@pytest.mark.benchmark(group="recorder")
def test_recorder_prometheus_multiprocess(bench, benchmark, loops, prom_multi) -> None:  # type: ignore[no-untyped-def]
    rec, d = prom_multi
    bench(record_loop(rec))
    per_op(benchmark, loops)
    assert list(d.glob("counter_*.db"))


# -- middleware overhead, in-process ASGI calls ------------------------------------------


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class PromMiddleware:
    """What an app would write with prometheus_client: count total and good."""

    def __init__(self, app: Any, recorder: PromRecorder) -> None:
        self.app, self.rec = app, recorder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Duration too: nexus records it for latency SLOs, so the work is the same.
        start = perf_counter()
        status = 500

        async def wrapped(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            self.rec.record(status < 500, (perf_counter() - start) * 1000.0)


def asgi_loop(app: Any) -> Callable[[int], None]:
    """Drive the app's coroutine by hand: nothing in it suspends, so no event loop is
    needed and the figure is the middleware's cost, not asyncio's."""
    scope = {"type": "http", "path": "/orders", "method": "GET", "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    def run(n: int) -> None:
        for _ in range(n):
            coro = app(scope, receive, send)
            try:  # noqa: SIM105 - contextlib.suppress would add its own cost to the loop
                coro.send(None)
            except StopIteration:
                pass

    return run


@pytest.mark.benchmark(group="middleware")
def test_asgi_no_middleware(bench, benchmark, loops) -> None:  # type: ignore[no-untyped-def]
    bench(asgi_loop(bare_app))
    per_op(benchmark, loops)


@pytest.mark.benchmark(group="middleware")
def test_asgi_nexus_middleware_shared(bench, benchmark, loops, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = make_store(tmp_path, shared=True)
    bench(asgi_loop(SLOMiddleware(bare_app, recorder=store.recorder("api"))))
    per_op(benchmark, loops)
    assert store.counter("api", "availability").window(3600).total >= loops


@pytest.mark.benchmark(group="middleware")
def test_asgi_prometheus_single(bench, benchmark, loops, prom_single) -> None:  # type: ignore[no-untyped-def]
    bench(asgi_loop(PromMiddleware(bare_app, prom_single)))
    per_op(benchmark, loops)


@pytest.mark.benchmark(group="middleware")
def test_asgi_prometheus_multiprocess(bench, benchmark, loops, prom_multi) -> None:  # type: ignore[no-untyped-def]
    bench(asgi_loop(PromMiddleware(bare_app, prom_multi[0])))
    per_op(benchmark, loops)


# -- reading the combined state ------------------------------------------------------------


def read_store(tmp_path: Path) -> EmbeddedStore:
    """Six SLOs over shared rings with 30-day windows and six burn windows each."""
    store = EmbeddedStore(shared_dir=tmp_path / "shm")
    for i in range(N_SLOS_READ):
        store.add_slo(f"svc{i % 3}", f"slo{i}", target=99.9, window_seconds=30 * 86400)
        store.recorder(f"svc{i % 3}").record(True, 1.0)
    return store


@pytest.mark.benchmark(group="read")
def test_read_combined_nexus_counters(bench, benchmark, loops, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same series prometheus_client exposes: total and good counters per SLO."""
    store = read_store(tmp_path)

    def read(n: int) -> None:
        for _ in range(reads_per_round(n)):
            exposition(store, gauges=False)

    bench(read, rounds=10)
    per_op(benchmark, reads_per_round(loops))
    assert b"nexus_sre_burn_rate" not in exposition(store, gauges=False)[0]


@pytest.mark.benchmark(group="read")
def test_read_combined_nexus_full(bench, benchmark, loops, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The full /metrics body: counters, plus budget and burn gauges, which read every
    bucket of each 30-day window (work prometheus_client leaves to PromQL)."""
    store = read_store(tmp_path)

    def read(n: int) -> None:
        for _ in range(reads_per_round(n)):
            exposition(store)

    bench(read, rounds=10)
    per_op(benchmark, reads_per_round(loops))
    assert b"nexus_sre_burn_rate" in exposition(store)[0]


@pytest.mark.benchmark(group="read")
def test_read_combined_prometheus_multiprocess(
    bench, benchmark, loops, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """MultiProcessCollector over the files of three workers, the same series."""
    d = tmp_path / "prom-multiproc"
    d.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(d))
    old = values.ValueClass
    try:
        for worker in range(3):
            values.ValueClass = values.MultiProcessValue(
                process_identifier=lambda w=worker: 9000 + w
            )
            total = Counter("nexus_requests", "r", ["service", "slo"], registry=None)
            good = Counter("nexus_requests_good", "g", ["service", "slo"], registry=None)
            for i in range(N_SLOS_READ):
                total.labels(f"svc{i % 3}", f"slo{i}").inc()
                good.labels(f"svc{i % 3}", f"slo{i}").inc()
    finally:
        values.ValueClass = old
    registry = CollectorRegistry()
    collector = MultiProcessCollector(registry, path=str(d))

    def read(n: int) -> None:
        for _ in range(reads_per_round(n)):
            generate_latest(registry)

    bench(read, rounds=10)
    per_op(benchmark, reads_per_round(loops))
    assert len(list(d.glob("counter_*.db"))) == 3
    assert collector is not None
