"""One held-out scenario through both backends: a real Prometheus (backfilled counters) and
the fake Datadog API (the same events as per-minute counts). The figures must agree with
each other and with the events counted by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prom_harness import Series, make_config, make_slo

from conftest import dd_config
from nexus_sre.datadog.queries import GOOD_METRIC, TOTAL_METRIC
from nexus_sre.datadog.source import evaluations
from nexus_sre.sources.select import evaluations_from

pytestmark = pytest.mark.prometheus

STEP = 60
N = 10 * 60  # ten hours of minutes
T_END = 1_700_100_000 // 3600 * 3600
T0 = T_END - (N - 1) * STEP


def _events() -> list[tuple[int, int, int]]:
    """(ts, good, total) events in the minute ending at ts: uneven traffic, a steady trickle
    of failures, and a 25-minute outage where 60 % fail."""
    out = []
    for i in range(N):
        total = 30 + (i * 104729) % 47
        bad = (i % 11 == 0) * 2 + ((total * 3) // 5 if 380 <= i < 405 else 0)
        out.append((T0 + i * STEP, total - bad, total))
    return out


EVENTS = _events()


def test_prometheus_and_datadog_agree_on_every_figure(start_prometheus, fake) -> None:
    labels = {"service": "api", "slo": "availability"}
    good_s, total_s = (
        Series("nexus_sre_requests_good_total", labels),
        Series("nexus_sre_requests_total", labels),
    )
    g = t = 1000
    dd_good: dict[int, float] = {}
    dd_total: dict[int, float] = {}
    for ts, dg, dt in EVENTS:
        g, t = g + dg, t + dt
        good_s.samples.append((ts, g))
        total_s.samples.append((ts, t))
        # Datadog stamps a count with the start of its minute: events in (ts - 60, ts].
        dd_good[ts - STEP], dd_total[ts - STEP] = float(dg), float(dt)
    prom = start_prometheus(history=[good_s, total_s])
    scope = "{service:api,slo:availability}"
    fake.define(f"sum:{GOOD_METRIC}{scope}.as_count()", dd_good)
    fake.define(f"sum:{TOTAL_METRIC}{scope}.as_count()", dd_total)

    slo = make_slo(target="99.5", runbook_url="https://runbooks.example/api")
    start = datetime.fromtimestamp(T_END - 8 * 3600, UTC)
    end = datetime.fromtimestamp(T_END, UTC)
    (p,) = evaluations_from(
        "prometheus", make_config([slo]), prometheus_url=prom.url, start=start, end=end
    )
    dd = dd_config(
        fake.url, slos=[{"id": "availability", "target": 99.5, "sli": {"type": "availability"}}]
    )
    dd = dd.model_copy(
        update={"services": [dd.services[0].model_copy(update={"name": "api", "slos": [slo]})]}
    )
    (d,) = evaluations(dd, start=start, end=end)

    inside = [(g, t) for ts, g, t in EVENTS if start.timestamp() < ts <= end.timestamp()]
    good, total = sum(x for x, _ in inside), sum(y for _, y in inside)
    assert (p.good, p.total) == (d.good, d.total) == (good, total)
    assert p.sli_percent == pytest.approx(d.sli_percent) == pytest.approx(100 * good / total)
    assert p.budget.consumed_percent == pytest.approx(d.budget.consumed_percent)
    assert p.burn_rates == pytest.approx(d.burn_rates)
    fired = [(a.name, a.start, a.end) for a in p.alerts]
    assert fired == [(a.name, a.start, a.end) for a in d.alerts]
    assert any(name == "page-1h" for name, _, _ in fired)  # the outage pages in both
    assert fake.rejected == []
