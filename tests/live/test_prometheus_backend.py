"""SLOManager(monitoring_backend="prometheus") against a real Prometheus holding two days of
backfilled minute history: budgets and alerts equal an independent count of the events,
and every call reads all its windows at one pinned instant."""

from __future__ import annotations

import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from prom_harness import Series, make_config, make_slo

from nexus_sre import BackendError, SLOManager
from nexus_sre.config import BurnRateAlert

pytestmark = pytest.mark.prometheus

STEP = 60
N = 2 * 24 * 60
# Recent history (the periodic loop reads "now"), ending on a whole minute.
T_END = int(time.time()) // 60 * 60 - 60
T0 = T_END - (N - 1) * STEP
TARGET = 99.0
BF = 0.01
TIERS = [  # (name, factor, long window, short window)
    ("page-1h", 2, 3600, 300),
    ("ticket-6h", 1, 21600, 1800),
    ("slow-1d", 0.9, 86400, 7200),
]


def _events() -> list[tuple[int, int, int]]:
    """(ts, good, total) per minute: 100 requests, an error in three minutes of four, and
    five errors a minute in the last 20 minutes."""
    out = []
    for i in range(N):
        bad = 5 if i >= N - 20 else (1 if i % 4 else 0)
        out.append((T0 + i * STEP, 100 - bad, 100))
    return out


EVENTS = _events()


def expected(window_s: int, at: int) -> tuple[int, int]:
    inside = [(g, t) for ts, g, t in EVENTS if at - window_s < ts <= at]
    return sum(g for g, _ in inside), sum(t for _, t in inside)


def burn(window_s: int, at: int) -> float:
    g, t = expected(window_s, at)
    return (t - g) / t / BF


@pytest.fixture
def prom(start_prometheus):
    labels = {"service": "api", "slo": "availability"}
    good = Series("nexus_sre_requests_good_total", labels)
    total = Series("nexus_sre_requests_total", labels)
    g = t = 1000
    for ts, dg, dt in EVENTS:
        g, t = g + dg, t + dt
        good.samples.append((ts, g))
        total.samples.append((ts, t))
    return start_prometheus(history=[good, total])


def manager(url: str) -> SLOManager:
    alerts = [
        BurnRateAlert(
            name=n, factor=Decimal(str(f)), long_window=lw, short_window=sw, severity="critical"
        )
        for n, f, lw, sw in TIERS
    ]
    config = make_config([make_slo(target=str(TARGET), period_s=86400, burn_rate=alerts)])
    return SLOManager(config, monitoring_backend="prometheus", prometheus_url=url)


def test_budget_and_alerts_equal_an_independent_count(prom) -> None:
    with manager(prom.url) as m:
        b = m.get_error_budget("availability", at=T_END)
        good, total = expected(86400, T_END)
        assert b.events == total
        assert b.sli_percent == pytest.approx(100 * good / total, rel=1e-12)
        assert b.consumption_percentage == pytest.approx(100 * (total - good) / total / BF)
        assert b.burn_rate == pytest.approx((total - good) / total / BF)
        # 1,165 bad of 144,000 against a budget of 1,440: 80.9 % consumed
        assert b.consumption_percentage == pytest.approx(100 * 1165 / 1440)
        assert b.status == "warning"
        firing = m.check_burn_rate_alerts("availability", at=T_END)
        want = {
            name
            for name, f, long_w, short_w in TIERS
            if burn(long_w, T_END) >= f and burn(short_w, T_END) >= f
        }
        assert want == {"page-1h"}  # the independent count: only the page burns enough
        burn_alerts = {a.name: a for a in firing if a.kind == "burn_rate"}
        assert set(burn_alerts) == want
        page = burn_alerts["page-1h"]
        assert page.burn_rates == {
            "1h": pytest.approx(burn(3600, T_END)),
            "5m": pytest.approx(burn(300, T_END)),
        }
        assert [a.name for a in firing if a.kind == "budget_exhaustion"] == ["budget-75"]
        # An hour later the 1h window holds no traffic: the page alert resolves.
        m.check_burn_rate_alerts("availability", at=T_END + 3600)
        assert "page-1h" not in {a.name for a in m.get_active_alerts("api")}


def test_every_call_reads_at_one_pinned_instant(prom, local_server) -> None:
    seen: list[tuple[str, dict[str, list[str]]]] = []

    def forward(method: str, path: str, body: bytes):
        parts = urlsplit(path)
        seen.append((parts.path, parse_qs(parts.query)))
        r = httpx.request(method, prom.url + path, content=body or None)
        return r.status_code, {"Content-Type": "application/json"}, r.content

    proxy = local_server(forward)
    with manager(proxy.url) as m:
        for call in (m.get_error_budget, m.check_burn_rate_alerts):
            seen.clear()
            call("availability")
            assert {p for p, _ in seen} == {"/api/v1/query"}  # instant queries only
            times = {q["time"][0] for _, q in seen}
            assert len(times) == 1, times
            # each query returns good and total together (one query per window)
            assert all("good" in q["query"][0] and "total" in q["query"][0] for _, q in seen)
        assert m.get_error_budget("availability").events > 0  # "now" is near T_END


def test_periodic_evaluation_reads_prometheus(prom) -> None:
    with manager(prom.url) as m:
        m.start(interval_seconds=0.1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "availability" not in m.last_budgets:
            time.sleep(0.05)
        m.stop()
        assert m.last_budgets["availability"].events  # read from Prometheus, not in-process
        assert m.store.counter("availability").window(86400).total == 0


def test_unreachable_prometheus_is_an_error_not_no_data() -> None:
    config = make_config([make_slo()])
    with SLOManager(
        config, monitoring_backend="prometheus", prometheus_url="http://127.0.0.1:9"
    ) as m:
        m._reader.backend.retries = 0  # type: ignore[attr-defined]
        with pytest.raises(BackendError, match=r"127\.0\.0\.1:9"):
            m.get_error_budget("availability")
