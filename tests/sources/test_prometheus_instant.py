"""`budgets` from Prometheus with pinned instant queries (or recorded series), checked against
the events themselves and against the history (range-query) path, on a real Prometheus; the
seed's percent query is read as event counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prom_harness import Series, make_config, make_slo

from nexus_sre.sources.prometheus import PrometheusBackend
from nexus_sre.sources.prometheus_instant import instant_evaluations, prometheus_budgets
from nexus_sre.sources.select import evaluations_from

pytestmark = pytest.mark.prometheus

STEP = 60
N = 26 * 60  # 26 hours of one-minute samples: a 1-day period is fully covered
T_END = 1_700_006_400
T0 = T_END - (N - 1) * STEP
SEED = (
    '(sum(rate(http_requests_total{service="nexus-api",code!~"5.."}[5m])) /\n'
    ' sum(rate(http_requests_total{service="nexus-api"}[5m]))) * 100'
)


def _events() -> list[tuple[int, int, int]]:
    """(ts, good, bad) increments per minute, with an error burst in the last two hours."""
    out = []
    for i in range(N):
        good = 50 + (i * 7919) % 41
        bad = (i % 11 == 0) + (good // 3 if N - 100 <= i < N - 80 else 0)
        out.append((T0 + i * STEP, good, bad))
    return out


EVENTS = _events()


@pytest.fixture(scope="module")
def prom(tmp_path_factory):
    from prom_harness import backfill, start_prometheus

    ok = Series("http_requests_total", {"service": "nexus-api", "code": "200"})
    err = Series("http_requests_total", {"service": "nexus-api", "code": "503"})
    g = b = 1000
    for ts, dg, db in EVENTS:
        g, b = g + dg, b + db
        ok.samples.append((ts, g))
        err.samples.append((ts, b))
    work = tmp_path_factory.mktemp("prom")
    backfill([ok, err], work / "data")
    p = start_prometheus(work, data_dir=work / "data")
    yield p
    p.stop()


def _config(**kw):
    return make_config(
        [make_slo("seed", period_s=86400, sli={"type": "availability", "query": SEED}, **kw)],
        service="nexus-api",
    )


def _expected(window_s: int) -> tuple[int, int]:
    inside = [(g, b) for ts, g, b in EVENTS if T_END - window_s < ts <= T_END]
    good = sum(g for g, _ in inside)
    return good, good + sum(b for _, b in inside)


def test_instant_budget_matches_the_events_and_the_history_path(prom) -> None:
    config = _config()
    end = datetime.fromtimestamp(T_END, UTC)
    (ev,) = prometheus_budgets(config, prometheus_url=prom.url, end=end, use_records=False)
    assert (ev.good, ev.total) == _expected(86400)
    for label, w in (("1h", 3600), ("5m", 300), ("6h", 21600)):
        g, t = _expected(w)
        assert ev.burn_rates[label] == pytest.approx((t - g) / t / 0.001, rel=1e-12)
    (hist,) = evaluations_from(
        "prometheus", config, prometheus_url=prom.url, end=end, with_series=False
    )
    assert (hist.good, hist.total) == (ev.good, ev.total)
    assert hist.budget == ev.budget
    assert {k: pytest.approx(v) for k, v in hist.burn_rates.items()} == ev.burn_rates
    # the burst (a third of requests failing for 20 minutes, ending 80 minutes ago) is
    # over for the 1h tier but still pages over 6 hours
    assert {a.name for a in ev.alerts if a.kind == "burn_rate"} >= {"page-6h"}
    assert {a.name for a in hist.alerts if a.end is None and a.kind == "burn_rate"} == {
        a.name for a in ev.alerts if a.kind == "burn_rate"
    }


class _Counting(PrometheusBackend):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sent: list[str] = []

    def _get(self, path, params, query):
        self.sent.append(path)
        return super()._get(path, params, query)


def test_one_instant_query_per_slo_and_one_to_detect_records(prom) -> None:
    config = _config()
    end = datetime.fromtimestamp(T_END, UTC)
    pairs = list(config.slos())
    with _Counting(prom.url) as backend:
        instant_evaluations(backend, pairs, [(end - timedelta(days=1), end)])
    assert backend.sent == ["/api/v1/query", "/api/v1/query"]


def test_budgets_cli_reads_the_seed_query_from_prometheus(prom, tmp_path: Path) -> None:
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(
        "version: '1.0'\nservices:\n  - name: nexus-api\n    tier: tier-0\n    slos:\n"
        "      - id: api-availability\n        target: 99.9\n        timeWindow: 1d\n"
        "        sli:\n          type: availability\n          query: |\n"
        + "".join(f"            {line}\n" for line in SEED.splitlines())
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexus_sre",
            "budgets",
            str(cfg),
            "--source",
            "prometheus",
            "--prometheus-url",
            prom.url,
            "--end",
            datetime.fromtimestamp(T_END, UTC).isoformat(),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert r.returncode == 0, r.stderr
    (row,) = json.loads(r.stdout)["slos"]
    assert row["events"] == _expected(86400)[1]
    assert "time-weighted" not in r.stderr
