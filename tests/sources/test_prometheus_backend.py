"""PrometheusBackend against a real Prometheus with backfilled history, and a faulty one."""

from __future__ import annotations

import json
import time

import pytest
from prom_harness import Series, make_config, make_slo

from nexus_sre.errors import BackendError, InvalidInputError, NoDataError, QueryError
from nexus_sre.sources.prometheus import PrometheusBackend

pytestmark = pytest.mark.prometheus

STEP = 60
N = 24 * 60  # one day of one-minute samples
T_END = 1_700_006_400  # a sample-aligned instant (multiple of 60)
T0 = T_END - (N - 1) * STEP


def _events() -> list[tuple[int, int, int]]:
    """(ts, good increment, total increment): varying traffic, an error burst, a quiet hour."""
    out = []
    for i in range(N):
        ts = T0 + i * STEP
        total = 0 if N - 120 <= i < N - 60 else 50 + (i * 7919) % 97
        bad = min(total, (i * 31) % 5 + (40 if 600 <= i < 630 else 0))
        out.append((ts, total - bad, total))
    return out


EVENTS = _events()


def _series() -> list[Series]:
    labels = {"service": "api", "slo": "availability"}
    good = Series("nexus_sre_requests_good_total", labels)
    total = Series("nexus_sre_requests_total", labels)
    pct = Series("x_percent", {"job": "api"})
    g = t = 1000
    for ts, dg, dt in EVENTS:
        g, t = g + dg, t + dt
        good.samples.append((ts, g))
        total.samples.append((ts, t))
        pct.samples.append((ts, 99.5 if ts % 120 == 0 else 98.5))
    return [good, total, pct]


def expected(window_s: int, at: int) -> tuple[int, int]:
    """Independent count: increments of samples in (at - window, at]."""
    inside = [(g, t) for ts, g, t in EVENTS if at - window_s < ts <= at]
    return sum(g for g, _ in inside), sum(t for _, t in inside)


@pytest.fixture
def prom(start_prometheus):
    return start_prometheus(history=_series())


@pytest.fixture
def config():
    return make_config(
        [
            make_slo(),
            make_slo("pct", sli={"type": "ratio", "query": "avg(x_percent)"}),
        ]
    )


@pytest.mark.parametrize(
    ("window_s", "at"),
    [
        (3600, T_END - 3 * 3600),
        (300, T_END - 1000 * 60),
        (6 * 3600, T_END),
        (1800, T_END - 105 * 60),
    ],
)
def test_counts_and_sli_are_exact(prom, config, window_s, at) -> None:
    """At a sample timestamp, with a whole number of sample intervals whose start holds a
    sample, Prometheus 2's closed range [at-w, at] makes increase() the exact counter delta."""
    with PrometheusBackend(prom.url, config=config) as backend:
        good, total = backend.counts("availability", window_s, at=at)
        exp_good, exp_total = expected(window_s, at)
        assert (good, total) == (exp_good, exp_total)
        reading = backend.calculate_sli("availability", window_s, at=at)
        assert reading.sli_percent == pytest.approx(100 * exp_good / exp_total, rel=1e-12)
        assert (reading.good, reading.total) == (exp_good, exp_total)


def test_no_traffic_is_no_data_not_100_percent(prom, config) -> None:
    with PrometheusBackend(prom.url, config=config) as backend:
        at = T_END - 61 * 60  # inside the quiet hour
        assert backend.counts("availability", 1800, at=at) == (0, 0)
        with pytest.raises(NoDataError, match="no events"):
            backend.calculate_sli("availability", 1800, at=at)
        with pytest.raises(NoDataError):  # before any history exists
            backend.calculate_sli("availability", 300, at=T0 - 86400)


def test_percent_query_sli(prom, config) -> None:
    with PrometheusBackend(prom.url, config=config) as backend:
        at = T_END
        r = backend.calculate_sli("pct", 3600, at=at)
        assert r.good is None and r.total is None
        # the subquery samples the gauge at each minute: alternating 99.5 and 98.5
        assert r.sli_percent == pytest.approx(99.0, abs=0.02)
        with pytest.raises(InvalidInputError, match="no event counts"):
            backend.counts("pct", 3600, at=at)


def test_history_is_chunked_and_exact(prom, config) -> None:
    start, end = T_END - 12 * 3600, T_END
    with PrometheusBackend(prom.url, config=config, max_points=50) as backend:
        points = backend.history("availability", start, end, 300)
    # 12 h of 5-minute steps in chunks of 50 points: every step once, in order
    stamps = [p.timestamp for p in points]
    assert stamps == sorted(set(stamps))
    quiet = {T_END - 3600 - k * 300 for k in range(12)}  # steps inside the quiet hour
    assert len(points) == 12 * 12 + 1
    for p in points:
        g, t = expected(300, int(p.timestamp))
        assert (p.good, p.total) == (g, t), p
        if int(p.timestamp) in quiet:
            assert p.total == 0


def test_bad_promql_is_a_query_error_quoting_both(prom) -> None:
    cfg = make_config(
        [
            make_slo(
                sli={
                    "type": "availability",
                    "good_query": "sum(rate(x[{{window}}])",
                    "total_query": "y",
                }
            )
        ]
    )
    with PrometheusBackend(prom.url, config=cfg) as backend, pytest.raises(QueryError) as err:
        backend.counts("availability", 300, at=T_END)
    assert "sum(rate(x[5m])" in str(err.value)
    assert "parse error" in str(err.value)


# --- a faulty Prometheus --------------------------------------------------------------------


def test_down_is_a_backend_error(config) -> None:
    from prom_harness import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with (
        PrometheusBackend(url, config=config, retries=1, backoff=0.01) as backend,
        pytest.raises(BackendError, match="cannot connect"),
    ):
        backend.counts("availability", 300, at=T_END)


def test_500_retried_then_error(local_server, config) -> None:
    srv = local_server(lambda m, p, b: (500, {}, b"boom"))
    with (
        PrometheusBackend(srv.url, config=config, retries=2, backoff=0.01) as backend,
        pytest.raises(BackendError, match="HTTP 500: boom"),
    ):
        backend.counts("availability", 300, at=T_END)
    assert len(srv.requests) == 3


def test_500_then_success_recovers(local_server, config) -> None:
    answers = [(503, {}, b"busy"), (429, {}, b"slow down")]
    ok = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"nexus_sre_kind": "good"}, "value": [T_END, "9"]},
                {"metric": {"nexus_sre_kind": "total"}, "value": [T_END, "10"]},
            ],
        },
    }
    srv = local_server(
        lambda m, p, b: answers.pop(0) if answers else (200, {}, json.dumps(ok).encode())
    )
    with PrometheusBackend(srv.url, config=config, retries=3, backoff=0.01) as backend:
        assert backend.counts("availability", 300, at=T_END) == (9.0, 10.0)
    # one pinned instant for both, in a single query
    assert len(srv.requests) == 3 and f"time={T_END}.000" in srv.requests[-1][1]


def test_other_4xx_not_retried(local_server, config) -> None:
    srv = local_server(lambda m, p, b: (401, {}, b'{"status":"error","error":"unauthorized"}'))
    with (
        PrometheusBackend(srv.url, config=config, retries=3, backoff=0.01) as backend,
        pytest.raises(BackendError, match="401"),
    ):
        backend.counts("availability", 300, at=T_END)
    assert len(srv.requests) == 1


def test_malformed_json(local_server, config) -> None:
    srv = local_server(lambda m, p, b: (200, {}, b"{not json"))
    with (
        PrometheusBackend(srv.url, config=config, retries=0) as backend,
        pytest.raises(BackendError, match="non-JSON"),
    ):
        backend.counts("availability", 300, at=T_END)


def test_slow_is_a_timeout(local_server, config) -> None:
    def slow(m, p, b):
        time.sleep(1.0)
        return 200, {}, b"{}"

    srv = local_server(slow)
    with PrometheusBackend(srv.url, config=config, timeout=0.2, retries=1, backoff=0.01) as backend:
        t = time.monotonic()
        with pytest.raises(BackendError, match="timed out"):
            backend.counts("availability", 300, at=T_END)
    assert time.monotonic() - t < 1.5


def test_deadline_bounds_a_slow_prometheus(local_server, config) -> None:
    """Ten retries of a 0.4 s timeout would take over 4 s; the deadline stops it at 1 s."""

    def slow(m, p, b):
        time.sleep(0.6)
        return 200, {}, b"{}"

    srv = local_server(slow)
    backend = PrometheusBackend(
        srv.url, config=config, timeout=0.4, retries=10, backoff=0.05, deadline=1.0
    )
    t = time.monotonic()
    with backend, pytest.raises(BackendError, match=r"the 1s deadline\): timed out") as info:
        backend.counts("availability", 300, at=T_END)
    spent = time.monotonic() - t
    assert 0.9 <= spent < 1.5, spent
    attempts = int(str(info.value).split("after ")[1].split(" attempt")[0])
    assert 2 <= attempts <= 3 and len(srv.requests) == attempts


def test_deadline_holds_against_a_trickling_answer(local_server, config) -> None:
    """A byte every 0.1 s never trips a 1 s read timeout; the deadline still ends it."""
    srv = local_server(lambda m, p, b: (200, {}, [b" "] * 100))
    backend = PrometheusBackend(srv.url, config=config, timeout=1.0, retries=0, deadline=1.0)
    t = time.monotonic()
    with backend, pytest.raises(BackendError, match="still arriving at the deadline"):
        backend.counts("availability", 300, at=T_END)
    assert time.monotonic() - t < 1.6
