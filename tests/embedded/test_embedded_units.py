"""The embedded store, persistence, exposition, middleware and error intake, in-process
(real Starlette/Flask apps called directly, real files)."""

from __future__ import annotations

import io
import logging
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from nexus_sre import _core
from nexus_sre.embedded import EmbeddedStore, load_store
from nexus_sre.embedded.metrics import render_openmetrics, render_text, store_families
from nexus_sre.embedded.prometheus import NexusSRECollector
from nexus_sre.errors import InvalidInputError, UnknownSLOError
from nexus_sre.middleware import (
    SLOMiddleware,
    TokenBucket,
    WSGISLOMiddleware,
    error_intake_route,
    parse_beacon,
    record_error,
)


def small_store(tmp_path: Path, **kw: object) -> EmbeddedStore:
    store = EmbeddedStore(bucket_seconds=60, **kw)  # type: ignore[arg-type]
    store.add_slo("api", "avail", target=99.0, window_seconds=3600, burn_windows=(300, 3600))
    store.add_slo("api", "fast", target=95.0, window_seconds=3600, threshold_ms=100.0)
    return store


# -- shared files ---------------------------------------------------------------------


def test_shared_file_with_other_settings_is_a_clear_error(tmp_path: Path) -> None:
    path = str(tmp_path / "x.ring")
    _core.open_shared_counter(path, bucket_seconds=60, horizon_seconds=3600)
    with pytest.raises(InvalidInputError, match="30-second buckets"):
        _core.open_shared_counter(path, bucket_seconds=30, horizon_seconds=3600)
    Path(path).write_bytes(b"garbage" * 100)
    with pytest.raises(InvalidInputError, match="bad magic"):
        _core.open_shared_counter(path, bucket_seconds=60, horizon_seconds=3600)


def test_two_stores_on_one_directory_share_counts(tmp_path: Path) -> None:
    a = small_store(tmp_path, shared_dir=tmp_path / "shm")
    b = small_store(tmp_path, shared_dir=tmp_path / "shm")
    assert a.entry("api", "avail").created and not b.entry("api", "avail").created
    a.recorder("api").record(True, 50.0)
    b.recorder("api").record(False, 500.0)
    w = a.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (1, 2)
    assert _core.counter_cumulative(b.counter("api", "fast")) == (1, 2)
    assert str(_core.counter_path(a.counter("api", "avail"))).endswith("api--avail.ring")


def test_alert_windows_longer_than_the_slo_window_widen_the_horizon() -> None:
    store = EmbeddedStore()
    e = store.add_slo("api", "a", target=99.0, window_seconds=3600, burn_windows=(300, 7200))
    assert (e.window_seconds, e.burn_windows, e.counter.horizon_seconds) == (
        3600,
        (300, 7200),
        7200,
    )
    d = store.add_slo("api", "b", target=99.0, window_seconds=3600)  # defaults that fit
    assert (d.burn_windows, d.counter.horizon_seconds) == ((300, 1800, 3600), 3600)
    with pytest.raises(InvalidInputError, match="burn_windows"):
        store.add_slo("api", "c", target=99.0, window_seconds=3600, burn_windows=(0,))


def test_unknown_service_and_duplicate_slo(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    with pytest.raises(UnknownSLOError):
        store.recorder("nope")
    with pytest.raises(InvalidInputError, match="already registered"):
        store.add_slo("api", "avail", target=99.0, window_seconds=3600)
    with pytest.raises(InvalidInputError, match="target"):
        store.add_slo("api", "x", target=100, window_seconds=3600)


# -- one store for SLOManager and services --------------------------------------------

CALENDAR_AND_RATIO = """\
version: "1.0"
services:
  - name: shop
    tier: tier-3
    slos:
      - id: avail
        target: 99.5
        timeWindow: {calendar: month}
        sli: {type: availability}
      - id: fast
        target: 99.0
        timeWindow: 1d
        sli: {type: latency, threshold: 250ms}
      - id: jobs
        target: 99.0
        timeWindow: 7d
        sli: {type: ratio, goodQuery: good, totalQuery: total}
"""


def test_manager_and_service_open_the_same_rings(tmp_path: Path) -> None:
    from nexus_sre.config import load_config_text
    from nexus_sre.manager import SLOManager

    config = load_config_text(CALENDAR_AND_RATIO, "t.yaml")
    service = EmbeddedStore.from_config(config, shared_dir=tmp_path / "shm")
    manager = SLOManager(config, shared_dir=tmp_path / "shm")  # same layout: no mismatch
    assert not manager.store.entry("shop", "avail").created
    # A calendar month keeps 31 days; /metrics still reads the nominal 30-day window.
    e = service.entry("avail")
    assert (e.counter.horizon_seconds, e.window_seconds) == (31 * 86400, 30 * 86400)
    # The recorder feeds availability and latency, never the ratio SLO.
    service.recorder("shop").record(False, 500.0)
    assert len(service.recorder("shop")) == 2
    assert service.availability_counters("shop") == [service.counter("shop", "avail")]
    assert manager.get_error_budget("avail").events == 1
    assert manager.store.counter("jobs").window(3600).total == 0


def test_lookups_by_id_and_by_service() -> None:
    store = EmbeddedStore()
    store.add_slo("a", "avail", target=99.0, window_seconds=3600)
    store.add_slo("b", "avail", target=99.0, window_seconds=3600)
    store.add_slo("b", "jobs", target=99.0, window_seconds=3600, sli="ratio")
    assert store.counter("jobs") is store.counter("b", "jobs")
    assert [e.slo for e in store.entries("b")] == ["avail", "jobs"]
    with pytest.raises(UnknownSLOError, match="several services"):
        store.counter("avail")
    with pytest.raises(UnknownSLOError, match="unknown SLO id 'nope'"):
        store.counter("nope")
    with pytest.raises(UnknownSLOError, match="unknown service 'c'"):
        store.entries("c")
    with pytest.raises(InvalidInputError, match="sli"):
        store.add_slo("b", "x", target=99.0, window_seconds=3600, sli="latency")


def test_saved_snapshot_loads_into_a_report_store(tmp_path: Path) -> None:
    """What a service flushes, a report reads (event clock: old history is kept)."""
    from nexus_sre.config import load_config_text
    from nexus_sre.sources.embedded import open_store

    config = load_config_text(CALENDAR_AND_RATIO, "t.yaml")
    service = EmbeddedStore.from_config(config, persist_dir=tmp_path / "seg")
    service.recorder("shop").record(True, 10.0)
    service.counter("jobs").add(9, 10)
    service.close()
    report = open_store(config, tmp_path / "seg")
    assert report.clock == "event"
    assert [report.counter(i).window(3600).total for i in ("avail", "fast", "jobs")] == [1, 1, 10]


# -- persistence ----------------------------------------------------------------------


def test_flush_and_restore_round_trip(tmp_path: Path) -> None:
    seg_dir = tmp_path / "seg"
    store = small_store(tmp_path, persist_dir=seg_dir)
    rec = store.recorder("api")
    for i in range(40):
        rec.record(i % 4 != 0, 10.0 * i)
    path = store.flush()
    assert path is not None and path.exists()
    assert not list(seg_dir.glob(".tmp-*"))

    fresh = small_store(tmp_path, persist_dir=seg_dir)
    assert fresh.restore() == 80  # 40 events into each of two SLOs
    w = fresh.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (30, 40)
    assert _core.counter_cumulative(fresh.counter("api", "fast")) == (11, 40)

    tables = load_store(seg_dir)
    assert set(tables) == {("api", "avail"), ("api", "fast")}
    assert sum(tables[("api", "avail")].column("total").to_pylist()) == 40


def test_corrupt_segments_are_skipped_with_warning(tmp_path: Path, caplog) -> None:
    seg_dir = tmp_path / "seg"
    store = small_store(tmp_path, persist_dir=seg_dir)
    store.recorder("api").record(False, 1.0)
    good = store.flush()
    assert good is not None
    ns = int(good.name.split("-")[1])
    junk = b"ARROW1\x00\x00" + b"\x07" * 100
    (seg_dir / f"segment-{ns + 5:020d}-9-{zlib.crc32(junk):08x}.arrow").write_bytes(junk)
    (seg_dir / f"segment-{ns + 9:020d}-9-00000000.arrow").write_bytes(b"partial")
    with caplog.at_level(logging.WARNING, logger="nexus_sre.embedded"):
        tables = load_store(seg_dir)
    assert sum(tables[("api", "avail")].column("total").to_pylist()) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("checksum mismatch" in m for m in messages)
    assert any("not a readable Arrow IPC file" in m for m in messages)


def test_only_newest_segments_are_kept(tmp_path: Path) -> None:
    store = small_store(tmp_path, persist_dir=tmp_path / "seg", keep_segments=2)
    for _ in range(5):
        store.flush()
    assert len(list((tmp_path / "seg").glob("segment-*.arrow"))) == 2


def test_background_flusher_writes_and_close_flushes(tmp_path: Path) -> None:
    store = small_store(tmp_path, persist_dir=tmp_path / "seg", flush_interval=0.05)
    store.start()
    store.recorder("api").record(True, 1.0)
    store.close()
    assert sum(load_store(tmp_path / "seg")[("api", "avail")].column("total").to_pylist()) == 1


# -- exposition -----------------------------------------------------------------------


def test_text_and_openmetrics_parse(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    rec = store.recorder("api")
    for i in range(200):
        rec.record(i % 50 != 0, 150.0 if i % 10 == 0 else 5.0)
    store.add_slo('we"ird\\svc', "a\nb", target=99.9, window_seconds=3600)
    fams = store_families(store)
    parsed = {f.name: f for f in text_string_to_metric_families(render_text(fams))}
    totals = {
        tuple(sorted(s.labels.items())): s.value for s in parsed["nexus_sre_requests"].samples
    }
    assert totals[(("service", "api"), ("slo", "avail"))] == 200
    assert totals[(("service", 'we"ird\\svc'), ("slo", "a\nb"))] == 0
    burn = {
        (s.labels["slo"], s.labels["window"]): s.value
        for s in parsed["nexus_sre_burn_rate"].samples
        if s.labels["service"] == "api"
    }
    assert burn[("avail", "5m")] == pytest.approx((4 / 200) / 0.01)
    assert burn[("fast", "1h")] == pytest.approx((20 / 200) / 0.05)
    counters_only = render_text(store_families(store, gauges=False))
    assert {f.name for f in text_string_to_metric_families(counters_only)} == {
        "nexus_sre_requests",
        "nexus_sre_requests_good",
    }
    om = {f.name: f for f in om_parse(render_openmetrics(fams))}
    assert om["nexus_sre_requests_good"].type == "counter"
    assert om["nexus_sre_error_budget_remaining_ratio"].type == "gauge"


def test_collector_in_an_existing_registry(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    store.recorder("api").record(False, 1.0)
    registry = CollectorRegistry()
    registry.register(NexusSRECollector(store))
    text = generate_latest(registry).decode()
    parsed = {f.name: f for f in text_string_to_metric_families(text)}
    values = {(s.name, s.labels["slo"]): s.value for s in parsed["nexus_sre_requests_good"].samples}
    assert values[("nexus_sre_requests_good_total", "fast")] == 1
    assert values[("nexus_sre_requests_good_total", "avail")] == 0


# -- middleware -----------------------------------------------------------------------


def starlette_app(store: EmbeddedStore, **kw: object) -> Starlette:
    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    async def teapot(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("no", status_code=418)

    async def crash(request):  # type: ignore[no-untyped-def]
        raise ValueError("bug")

    return Starlette(
        routes=[
            Route("/ok", ok),
            Route("/healthz", ok),
            Route("/teapot", teapot),
            Route("/crash", crash),
        ],
        middleware=[Middleware(SLOMiddleware, recorder=store.recorder("api"), **kw)],
    )


def test_asgi_exception_is_a_failure_and_reraised(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    client = TestClient(starlette_app(store), raise_server_exceptions=True)
    with pytest.raises(ValueError, match="bug"):
        client.get("/crash")
    assert client.get("/ok").status_code == 200
    assert client.get("/healthz").status_code == 200  # skipped by default
    assert client.get("/teapot").status_code == 418  # 4xx is good by default
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (2, 3)


def test_asgi_custom_classifier_and_skip(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    app = starlette_app(store, classifier=lambda s: s < 400, skip=lambda p: p == "/ok")
    client = TestClient(app)
    client.get("/ok")
    client.get("/teapot")
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (0, 1)


def test_wsgi_records_status_exceptions_and_routes(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    store.add_slo("api-route", "user", target=99.0, window_seconds=3600)
    flask = Flask("t")

    @flask.route("/user/<int:uid>")
    def user(uid: int) -> str:
        return "x" if uid else ("gone", 503)  # type: ignore[return-value]

    @flask.route("/crash")
    def crash() -> str:
        raise KeyError("bug")

    flask.config["PROPAGATE_EXCEPTIONS"] = True
    from nexus_sre.middleware import flask_route_resolver

    flask.wsgi_app = WSGISLOMiddleware(  # type: ignore[method-assign]
        flask.wsgi_app,
        recorder=store.recorder("api"),
        route_recorders={"/user/<int:uid>": store.recorder("api-route")},
        route_resolver=flask_route_resolver(flask),
    )
    client = flask.test_client()
    # A request is recorded once its body is written: as a server does, read and close.
    for uid in (1, 2, 0):
        client.get(f"/user/{uid}").close()
    client.get("/healthz").close()
    with pytest.raises(KeyError):
        client.get("/crash")
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (2, 4)
    r = store.counter("api-route", "user").window(3600)
    assert (r.good, r.total) == (2, 3)


def test_recording_failure_never_breaks_the_request(tmp_path: Path) -> None:
    class Broken:
        def record(self, ok: bool, duration_ms: float) -> None:
            raise RuntimeError("store gone")

    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/ok", ok)], middleware=[Middleware(SLOMiddleware, recorder=Broken())]
    )
    assert TestClient(app).get("/ok").text == "ok"
    with pytest.raises(InvalidInputError, match="recorder"):
        SLOMiddleware(app, recorder=object())  # type: ignore[arg-type]


# -- browser error intake -------------------------------------------------------------


def test_beacon_validation() -> None:
    b = parse_beacon(
        b'{"message": "x is undefined", "component": "Cart", "timestamp": 1700000000000}'
    )
    assert b.component == "Cart" and b.timestamp == 1_700_000_000.0
    assert (
        parse_beacon(b'{"message": "m", "timestamp": "2024-01-01T00:00:00Z"}').timestamp
        == 1704067200.0
    )
    for bad, why in [
        (b"not json", "not valid JSON"),
        (b"[1]", "JSON object"),
        (b'{"stack": "s"}', "message"),
        (b'{"message": 3}', "expected a string"),
        (b'{"message": "m", "timestamp": "yesterday"}', "ISO 8601"),
        (b'{"message": "m", "timestamp": true}', "timestamp"),
        (b'{"message": "' + b"x" * 3000 + b'"}', "over 2000"),
    ]:
        with pytest.raises(InvalidInputError, match=why):
            parse_beacon(bad)
    with pytest.raises(InvalidInputError, match="byte limit"):
        parse_beacon(b" " * 20000)


def test_token_bucket_refills_and_bounds_clients() -> None:
    tb = TokenBucket(rate=2, burst=3, max_clients=2)
    assert [tb.take("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert tb.take("a", 0.5)  # one token back after half a second at 2/s
    assert not tb.take("a", 0.5)
    tb.take("b", 1.0)
    tb.take("c", 1.0)
    assert len(tb._buckets) == 2


def test_error_intake_records_and_limits(tmp_path: Path) -> None:
    store = EmbeddedStore()
    store.add_slo("frontend", "avail", target=99.0, window_seconds=3600)
    store.add_slo("frontend", "lcp", target=90.0, window_seconds=3600, threshold_ms=2500)
    now = [0.0]
    route = error_intake_route(
        store.availability_counters("frontend"),
        rate=1,
        burst=3,
        max_bytes=1024,
        clock=lambda: now[0],
    )
    client = TestClient(Starlette(routes=[route]))
    beacon = {"message": "TypeError: x", "stack": "at Cart", "component": "Cart", "url": "/cart"}
    codes = [client.post("/errors", json=beacon).status_code for _ in range(4)]
    assert codes == [204, 204, 204, 429]
    now[0] = 10.0
    assert client.post("/errors", content=b"{oops").status_code == 422
    assert client.post("/errors", content=b"{" + b" " * 2000 + b"}").status_code == 413
    w = store.counter("frontend", "avail").window(3600)
    assert (w.good, w.total) == (0, 3)
    assert store.counter("frontend", "lcp").window(3600).total == 0


def test_record_error_targets() -> None:
    store = EmbeddedStore()
    store.add_slo("fe", "avail", target=99.0, window_seconds=3600)
    assert record_error(store.recorder("fe"))
    assert record_error(store.counter("fe", "avail"))
    assert not record_error(store.counter("fe", "avail"), timestamp=1.0)  # far too old
    assert store.counter("fe", "avail").window(3600).bad == 2
    with pytest.raises(InvalidInputError):
        record_error("frontend")


def test_wsgi_body_that_breaks_while_written_is_a_failure(tmp_path: Path) -> None:
    """The status line went out as 200, then the stream raised: not an answered request."""
    store = small_store(tmp_path)

    def streaming(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body() -> Any:
            yield b"first rows\n"
            if environ["PATH_INFO"] == "/broken":
                raise ConnectionError("upstream went away")
            yield b"last rows\n"

        return body()

    app = WSGISLOMiddleware(streaming, recorder=store.recorder("api"))
    for path in ("/fine", "/broken", "/fine"):
        environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
        chunks = app(environ, lambda *a: None)
        try:
            for _ in chunks:
                pass
        except ConnectionError:
            assert path == "/broken"
        finally:
            chunks.close()  # type: ignore[attr-defined]
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (2, 3)


def test_wsgi_file_wrapper_reaches_the_server_unwrapped(tmp_path: Path) -> None:
    """Servers send a `wsgi.file_wrapper` with sendfile only if they get it back as is."""
    store = small_store(tmp_path)

    class FileWrapper:
        def __init__(self, f: Any, blksize: int = 8192) -> None:
            self.f = f

        def __iter__(self) -> Any:
            return iter([self.f.read()])

    def download(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"payload"))

    app = WSGISLOMiddleware(download, recorder=store.recorder("api"))
    environ = {"PATH_INFO": "/file", "REQUEST_METHOD": "GET", "wsgi.file_wrapper": FileWrapper}
    body = app(environ, lambda *a: None)
    assert type(body) is FileWrapper
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (1, 1)
