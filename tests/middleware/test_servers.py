"""nexus-sre inside real servers: uvicorn, and gunicorn with three workers sharing one
store through memory-mapped counters. Counts must equal what the clients were answered."""

from __future__ import annotations

import os
import random
import shutil
import signal
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from embed_harness import LoadResult, run_load, server_env, start_gunicorn, start_uvicorn
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families

from nexus_sre import _core
from nexus_sre.embedded import EmbeddedStore


def plan(
    seed: int, ok: int, fail: int, items: int = 0, health: int = 0, crash: int = 0
) -> list[str]:
    paths = (
        ["/ok"] * ok
        + ["/fail"] * fail
        + [f"/items/{i}" for i in range(items)]
        + ["/health"] * health
        + ["/crash"] * crash
    )
    random.Random(seed).shuffle(paths)
    return paths


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def metric(found: dict, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def shared_counts(shared: Path, service: str, slo: str) -> tuple[int, int]:
    """Read the combined state straight from the mapped file, as another process."""
    counter, created = _core.WindowedCounter.open_shared(
        str(shared / f"{service}--{slo}.ring"), create=False
    )
    assert not created
    w = counter.window(counter.horizon_seconds)
    return w.good, w.total


def test_uvicorn_records_every_request_exactly(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_SHARED_DIR=str(dirs["shared"]))
    srv = servers(start_uvicorn("starlette_app:app", tmp_path / "uvicorn.log", env))
    paths = plan(1, ok=2600, fail=200, items=80, health=100, crash=20)
    res = run_load(srv.url, paths, threads=4)
    assert res.unanswered == 0
    assert res.count("/health", 200) == 100
    assert res.count("/crash", 500) == 20
    recorded = 2600 + 200 + 80 + 20  # health checks are skipped
    good = 2600 + 80

    state = httpx.get(srv.url + "/state").json()["slos"]
    assert state["shop/availability"] == {
        "good": good,
        "total": recorded,
        "cumulative": [good, recorded],
    }
    assert state["shop/latency"]["total"] == recorded
    # Per-route SLO by template: the 80 distinct /items/{id} paths land on one route.
    assert state["shop-items/items-availability"] == {
        "good": 80,
        "total": 80,
        "cumulative": [80, 80],
    }
    assert shared_counts(dirs["shared"], "shop", "availability") == (good, recorded)

    text = httpx.get(srv.url + "/metrics").text
    found = samples(text)
    assert metric(found, "nexus_sre_requests_total", service="shop", slo="availability") == recorded
    assert (
        metric(found, "nexus_sre_requests_good_total", service="shop", slo="availability") == good
    )
    bad_ratio = (recorded - good) / recorded
    assert (
        abs(
            metric(
                found, "nexus_sre_error_budget_remaining_ratio", service="shop", slo="availability"
            )
            - (1 - bad_ratio / 0.005)
        )
        < 1e-9
    )
    assert (
        abs(
            metric(found, "nexus_sre_burn_rate", service="shop", slo="availability", window="1h")
            - bad_ratio / 0.005
        )
        < 1e-9
    )

    om = httpx.get(srv.url + "/metrics", headers={"Accept": "application/openmetrics-text"})
    assert om.headers["content-type"].startswith("application/openmetrics-text")
    fams = {f.name: f for f in om_parse(om.text)}
    assert fams["nexus_sre_requests"].type == "counter"
    totals = {tuple(sorted(s.labels.items())): s.value for s in fams["nexus_sre_requests"].samples}
    assert totals[(("service", "shop"), ("slo", "availability"))] == recorded


def test_gunicorn_three_workers_combine_without_loss(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_SHARED_DIR=str(dirs["shared"]))
    srv = servers(start_gunicorn("flask_app:application", tmp_path / "gunicorn.log", env))
    assert len(srv.children()) == 3
    paths = plan(2, ok=2650, fail=300, items=50, health=60) + ["/pid"] * 60
    res = run_load(srv.url, paths, threads=6)
    assert res.unanswered == 0
    with ThreadPoolExecutor(6) as pool:
        answers = pool.map(lambda _: httpx.get(srv.url + "/pid?sleep=0.3").text, range(6))
        pids = {int(a) for a in answers}
    recorded, good = 3000, 2700
    assert shared_counts(dirs["shared"], "shop", "availability") == (good, recorded)
    assert shared_counts(dirs["shared"], "shop-items", "items-availability") == (50, 50)
    # Any worker's /metrics shows the combined state.
    for _ in range(3):
        found = samples(httpx.get(srv.url + "/metrics").text)
        assert (
            metric(found, "nexus_sre_requests_total", service="shop", slo="availability")
            == recorded
        )
        assert (
            metric(found, "nexus_sre_requests_good_total", service="shop", slo="availability")
            == good
        )
    assert len(pids) >= 2 and pids <= set(srv.children())  # several workers were serving


def test_kill_9_of_a_worker_loses_nothing_recorded(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_SHARED_DIR=str(dirs["shared"]))
    srv = servers(start_gunicorn("flask_app:application", tmp_path / "gunicorn.log", env))
    workers_before = srv.children()
    paths = plan(3, ok=2700, fail=300)
    box: dict[str, LoadResult] = {}
    load = threading.Thread(target=lambda: box.update(r=run_load(srv.url, paths, threads=4)))
    load.start()
    time.sleep(0.7)  # well inside the load, which takes several seconds
    victim = workers_before[0]
    os.kill(victim, signal.SIGKILL)
    load.join(120)
    res = box["r"]
    assert res.count() > 0
    good, total = shared_counts(dirs["shared"], "shop", "availability")
    # Every answered request was recorded before its answer went out; a request in
    # flight at the kill may be recorded without an answer, never the reverse.
    assert res.count() <= total <= res.count() + res.unanswered
    assert res.count("/ok", 200) <= good <= res.count("/ok", 200) + res.unanswered
    # gunicorn replaced the worker and the service keeps answering.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (victim in srv.children() or len(srv.children()) < 3):
        time.sleep(0.1)
    assert victim not in srv.children() and len(srv.children()) == 3
    after = run_load(srv.url, ["/ok"] * 30, threads=3)
    assert after.count("/ok", 200) == 30
    assert shared_counts(dirs["shared"], "shop", "availability")[1] == total + 30


def test_restart_restores_the_budget(dirs, servers, tmp_path: Path) -> None:
    # In-process store: only the snapshots carry state across a restart. No periodic
    # flush comes due here, so the segment can only be the one written at shutdown.
    env = server_env(NEXUS_TEST_PERSIST_DIR=str(dirs["persist"]), NEXUS_TEST_FLUSH="600")
    first = servers(start_uvicorn("starlette_app:app", tmp_path / "first.log", env))
    run_load(first.url, plan(4, ok=400, fail=100), threads=2)
    before = httpx.get(first.url + "/state").json()["slos"]
    budget_before = metric(
        samples(httpx.get(first.url + "/metrics").text),
        "nexus_sre_error_budget_remaining_ratio",
        service="shop",
        slo="availability",
    )
    assert not list(dirs["persist"].glob("segment-*.arrow"))
    first.stop()  # SIGTERM: uvicorn's lifespan shutdown writes the last snapshot
    assert len(list(dirs["persist"].glob("segment-*.arrow"))) == 1

    env = server_env(NEXUS_TEST_PERSIST_DIR=str(dirs["persist"]), NEXUS_TEST_FLUSH="0.5")
    second = servers(start_uvicorn("starlette_app:app", tmp_path / "second.log", env))
    after = httpx.get(second.url + "/state").json()["slos"]
    assert (
        after["shop/availability"]
        == before["shop/availability"]
        == {"good": 400, "total": 500, "cumulative": [400, 500]}
    )
    budget_after = metric(
        samples(httpx.get(second.url + "/metrics").text),
        "nexus_sre_error_budget_remaining_ratio",
        service="shop",
        slo="availability",
    )
    assert budget_after == budget_before < 1.0

    # A crash loses at most one flush interval: wait past it, then kill -9.
    run_load(second.url, ["/fail"] * 50, threads=2)
    time.sleep(1.5)
    second.stop(signal.SIGKILL)
    third = servers(start_uvicorn("starlette_app:app", tmp_path / "third.log", env))
    got = httpx.get(third.url + "/state").json()["slos"]["shop/availability"]
    assert (got["good"], got["total"]) == (400, 550)


def test_corrupt_segment_is_skipped_with_a_warning(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_PERSIST_DIR=str(dirs["persist"]), NEXUS_TEST_FLUSH="600")
    first = servers(start_uvicorn("starlette_app:app", tmp_path / "first.log", env))
    run_load(first.url, plan(5, ok=90, fail=10), threads=2)
    first.stop()
    [good_seg] = dirs["persist"].glob("segment-*.arrow")
    # A newer segment with a flipped byte (checksum in its name no longer matches), and a
    # newer still one cut short (a partial write that somehow got its final name).
    data = bytearray(good_seg.read_bytes())
    name_parts = good_seg.name.split("-")
    ns = int(name_parts[1])
    data[len(data) // 2] ^= 0xFF
    (dirs["persist"] / f"segment-{ns + 1:020d}-1-{name_parts[3]}").write_bytes(bytes(data))
    cut = good_seg.read_bytes()[:200]
    (dirs["persist"] / f"segment-{ns + 2:020d}-1-{zlib.crc32(cut):08x}.arrow").write_bytes(cut)

    second = servers(start_uvicorn("starlette_app:app", tmp_path / "second.log", env))
    got = httpx.get(second.url + "/state").json()["slos"]["shop/availability"]
    assert (got["good"], got["total"]) == (90, 100)
    second.stop()
    log = second.output()
    assert log.count("skipping segment") == 2, log
    assert "checksum mismatch" in log
    assert "not a readable Arrow IPC file" in log


def test_shared_rings_outlive_the_server(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_SHARED_DIR=str(dirs["shared"]))
    srv = servers(start_gunicorn("flask_app:application", tmp_path / "g1.log", env, workers=2))
    run_load(srv.url, plan(6, ok=190, fail=10), threads=2)
    srv.stop()
    again = servers(start_gunicorn("flask_app:application", tmp_path / "g2.log", env, workers=2))
    state = httpx.get(again.url + "/state").json()["slos"]["shop/availability"]
    assert (state["good"], state["total"]) == (190, 200)
    # The same files read by a store in this process (the report's view).
    store = EmbeddedStore(shared_dir=dirs["shared"])
    e = store.add_slo("shop", "availability", target=99.5, window_seconds=86400)
    assert not e.created
    assert e.counter.window(86400).total == 200


def test_uvicorn_workers_share_one_store(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_SHARED_DIR=str(dirs["shared"]))
    srv = servers(start_uvicorn("starlette_app:app", tmp_path / "uv.log", env, workers=3))
    res = run_load(srv.url, plan(7, ok=2750, fail=250), threads=6)
    assert res.unanswered == 0
    assert shared_counts(dirs["shared"], "shop", "availability") == (2750, 3000)
    with ThreadPoolExecutor(6) as pool:
        answers = pool.map(lambda _: httpx.get(srv.url + "/pid?block=0.3").text, range(6))
        pids = {int(a) for a in answers}
    assert len(pids) >= 2  # several workers were serving
    for _ in range(10):  # whichever worker answers sees the combined state
        body = httpx.get(srv.url + "/state").json()
        assert body["slos"]["shop/availability"]["cumulative"] == [2750, 3000]


def test_lost_shared_rings_are_restored_from_segments(dirs, servers, tmp_path: Path) -> None:
    """tmpfs cleared (a reboot): the rings come back from the newest snapshot."""
    env = server_env(
        NEXUS_TEST_SHARED_DIR=str(dirs["shared"]),
        NEXUS_TEST_PERSIST_DIR=str(dirs["persist"]),
        NEXUS_TEST_FLUSH="0.3",
    )
    srv = servers(start_gunicorn("flask_app:application", tmp_path / "g1.log", env))
    run_load(srv.url, plan(8, ok=280, fail=20), threads=3)
    srv.stop()
    shutil.rmtree(dirs["shared"])
    again = servers(start_gunicorn("flask_app:application", tmp_path / "g2.log", env))
    state = httpx.get(again.url + "/state").json()["slos"]["shop/availability"]
    assert state == {"good": 280, "total": 300, "cumulative": [280, 300]}
    # Restored exactly once, although three workers started on the empty directory.
    run_load(again.url, ["/ok"] * 10, threads=2)
    assert shared_counts(dirs["shared"], "shop", "availability") == (290, 310)


def test_kill_9_under_full_load_loses_at_most_one_flush_interval(
    dirs, servers, tmp_path: Path
) -> None:
    """In-process store, flush_interval=1.0: kill -9 at different points of the flush
    cycle while clients keep the server busy. What comes back after the restart must hold
    every request answered up to 1 s before the kill (a little slack for the scheduler)."""
    env = server_env(NEXUS_TEST_PERSIST_DIR=str(dirs["persist"]), NEXUS_TEST_FLUSH="1.0")
    lost_spans = []
    restored_before = 0
    for trial, phase in enumerate((4.3, 4.75, 5.2)):
        srv = servers(start_uvicorn("starlette_app:app", tmp_path / f"t{trial}.log", env))
        base = httpx.get(srv.url + "/state").json()["slos"]["shop/availability"]["total"]
        assert base == restored_before
        answered: list[float] = []
        stop = threading.Event()
        clients = [
            threading.Thread(target=_answer_times, args=(srv.url, stop, answered)) for _ in range(4)
        ]
        for t in clients:
            t.start()
        time.sleep(phase)  # past the first flushes, which are slow while the server warms up
        killed_at = time.monotonic()
        srv.stop(signal.SIGKILL)
        stop.set()
        for t in clients:
            t.join(10)
        again = servers(start_uvicorn("starlette_app:app", tmp_path / f"r{trial}.log", env))
        got = httpx.get(again.url + "/state").json()["slos"]
        restored = got["shop/availability"]["total"] - base
        assert got["shop/latency"]["total"] - base == restored  # one consistent cut
        times = sorted(t for t in answered if t <= killed_at)
        assert 0 < restored <= len(times) + 4  # at most the requests in flight more
        kept_until = times[restored - 1] if restored <= len(times) else killed_at
        lost_spans.append(killed_at - kept_until)
        restored_before = got["shop/availability"]["total"]
        again.stop(signal.SIGKILL)
    print("lost spans (s):", [round(s, 3) for s in lost_spans])
    assert max(lost_spans) <= 1.1, lost_spans


def _answer_times(url: str, stop: threading.Event, answered: list[float]) -> None:
    """GET /ok until stopped or the server goes away, noting when each answer came."""
    with httpx.Client(base_url=url, timeout=5.0) as c:
        while not stop.is_set():
            try:
                c.get("/ok")
            except httpx.HTTPError:
                return
            answered.append(time.monotonic())  # list.append is atomic
