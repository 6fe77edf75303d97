"""A config with the three kinds of counter SLI (nexus-sre's own counters, goodQuery/
totalQuery, a latency histogram) and 30 days of synthetic counters with known incidents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prom_harness import Series

from nexus_sre.config import Config, load_config_text

CONFIG = """\
version: "1.0"
global:
  dashboards: {folder: "Shop SLOs", tags: [slo, shop]}
services:
  - name: api
    tier: tier-0
    owner: backend-team
    slos:
      - id: availability
        name: API availability
        target: 99.95
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 14.4, window: 1h, severity: critical}
            slow: {threshold: 6, window: 6h, severity: warning}
  - name: checkout
    tier: tier-1
    slos:
      - id: orders
        name: Orders placed
        target: 99.5
        sli:
          type: ratio
          goodQuery: "sum(increase(checkout_orders_ok_total[{{window}}]))"
          totalQuery: "sum(increase(checkout_orders_total[{{window}}]))"
        alerting:
          burnRate:
            fast: {threshold: 14.4, window: 1h, severity: critical}
            slow: {threshold: 6, window: 6h, severity: warning}
  - name: search
    tier: tier-2
    slos:
      - id: latency
        name: Search within 250ms
        target: 99
        sli: {type: latency, threshold: 250ms, query: 'search_duration_seconds{job="search"}'}
        alerting:
          burnRate:
            fast: {threshold: 14.4, window: 1h, severity: critical}
            slow: {threshold: 6, window: 6h, severity: warning}
"""

DAY = 86400
STEP = 60
T_END = 1_700_006_400 - 1_700_006_400 % DAY  # a midnight (UTC), so hourly rules hit it
T0 = T_END - 30 * DAY
N = 30 * DAY // STEP  # minutes; samples at T0, T0 + 60, ..., T_END


@dataclass(frozen=True)
class Incident:
    """`bad_share` of the events fail for `minutes` from minute `start` of the history."""

    start: int
    minutes: int
    bad_share: float


# api: 5% errors for 90 min on day 10 (100x its 0.05% budget: both tiers fire).
# checkout: 4% for 7 h on day 20 (8x its 0.5% budget: only the 6x tier).
# search: 20% slow for 75 min on day 25 (20x its 1% budget over 1h; 4.2x over 6h:
# only the 14.4x tier).
INCIDENTS = {
    "api": Incident(10 * 1440 + 600, 90, 0.05),
    "checkout": Incident(20 * 1440 + 300, 420, 0.04),
    "search": Incident(25 * 1440 + 900, 75, 0.20),
}
SERIES = {
    "api": (
        ("nexus_sre_requests_good_total", {"service": "api", "slo": "availability"}),
        ("nexus_sre_requests_total", {"service": "api", "slo": "availability"}),
    ),
    "checkout": (("checkout_orders_ok_total", {}), ("checkout_orders_total", {})),
    "search": (
        ("search_duration_seconds_bucket", {"job": "search", "le": "0.25"}),
        ("search_duration_seconds_count", {"job": "search"}),
    ),
}


def sample_config(path: Path | None = None) -> Config:
    if path is not None:
        path.write_text(CONFIG)
    return load_config_text(CONFIG, source=str(path or "sample.yaml"))


def per_minute(service: str) -> list[tuple[int, int]]:
    """(good, total) events of each minute of the history (minute i ends at T0 + 60 i)."""
    incident = INCIDENTS[service]
    salt = len(service)
    out = []
    for i in range(1, N + 1):
        total = 60 + (i * 7919 + salt) % 41
        bad = 1 if (i + salt) % 61 == 0 else 0  # a trickle of errors (0.4x the api budget)
        if incident.start <= i < incident.start + incident.minutes:
            bad = round(total * incident.bad_share)
        out.append((total - bad, total))
    return out


def history() -> list[Series]:
    """Counter samples every minute from T0 to T_END (cumulative per_minute)."""
    out = []
    for service, ((good_name, good_labels), (total_name, total_labels)) in SERIES.items():
        good, total = Series(good_name, good_labels), Series(total_name, total_labels)
        g = t = 1000
        good.samples.append((T0, g))
        total.samples.append((T0, t))
        for i, (dg, dt) in enumerate(per_minute(service), start=1):
            g, t = g + dg, t + dt
            good.samples.append((T0 + i * STEP, g))
            total.samples.append((T0 + i * STEP, t))
        out += [good, total]
    return out
