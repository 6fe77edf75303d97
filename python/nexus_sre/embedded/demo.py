"""A realistic, deterministic 30-day demo dataset for the embedded store.

Traffic follows a daily cycle with noise; each service gets its own story so the report
has something to say: a short total outage (a page), a slow latency burn (a ticket), a
frontend that overspends its budget, and a service far inside its target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from ..config import SLO, Config
from . import EmbeddedStore

MINUTE = 60


@dataclass(frozen=True)
class Incident:
    """Extra bad share of requests between two offsets (minutes before the end)."""

    start_minutes_ago: int
    length_minutes: int
    bad_share: float


# Stories keyed by the demo config's SLO ids; other SLOs get only the baseline.
INCIDENTS: dict[str, list[Incident]] = {
    # A 20-minute total outage 9 days ago, then a smaller blip: pages fire.
    "api-availability": [Incident(9 * 1440 + 300, 20, 1.0), Incident(2 * 1440 + 90, 8, 0.2)],
    # A slow 3-day latency regression at about 3x the sustainable burn: tickets fire.
    "checkout-latency": [Incident(6 * 1440, 3 * 1440, 0.02)],
    # A bad deploy that stayed for two days: the budget runs out.
    "frontend-availability": [Incident(4 * 1440, 2 * 1440, 0.12)],
    "frontend-latency": [Incident(4 * 1440, 2 * 1440, 0.08)],
    # A few hours of degraded search.
    "search-availability": [Incident(12 * 1440 + 600, 180, 0.05)],
}

# Baseline bad share as a fraction of each SLO's budget: most SLOs spend under half.
BASELINE_BUDGET_SHARE = {"search-relevance": 0.02, "checkout-availability": 0.25}


def _traffic(
    rng: np.random.Generator, minutes: int, peak_per_minute: float, end: datetime
) -> np.ndarray:
    t = np.arange(minutes)
    end_minute_of_day = end.hour * 60 + end.minute
    minute_of_day = (end_minute_of_day - (minutes - t)) % 1440
    daily = 0.55 + 0.45 * np.sin((minute_of_day / 1440.0 - 0.3) * 2 * np.pi)
    return rng.poisson(peak_per_minute * daily).astype(np.int64)


def _bad_share(slo: SLO, minutes: int, rng: np.random.Generator) -> np.ndarray:
    budget = float(slo.budget_fraction)
    share = np.full(minutes, budget * BASELINE_BUDGET_SHARE.get(slo.id, 0.4))
    share *= rng.lognormal(0.0, 0.5, minutes)  # minute-to-minute noise
    for inc in INCIDENTS.get(slo.id, []):
        lo = max(0, minutes - inc.start_minutes_ago)
        hi = min(minutes, lo + inc.length_minutes)
        share[lo:hi] = np.maximum(share[lo:hi], inc.bad_share)
    return np.clip(share, 0.0, 1.0)


def seed_store(
    store: EmbeddedStore,
    config: Config,
    *,
    days: int = 30,
    end: datetime | None = None,
    seed: int = 7,
) -> int:
    """Fill `store` with `days` of per-minute traffic ending at `end` (default: now).
    Returns the number of events added."""
    end = (end or datetime.now(UTC)).replace(second=0, microsecond=0)
    minutes = days * 1440
    first_ts = end.timestamp() - minutes * MINUTE
    rng = np.random.default_rng(seed)
    added = 0
    for index, (service, _) in enumerate((s, None) for s in config.services):
        peak = 400.0 * (0.5 ** (index % 4)) + 20.0
        total = _traffic(rng, minutes, peak, end)
        for slo in service.slos:
            bad = rng.binomial(total, _bad_share(slo, minutes, rng))
            good = (total - bad).astype(np.uint64)
            total_u = total.astype(np.uint64)
            starts = (first_ts + np.arange(minutes) * MINUTE).astype("datetime64[s]")
            table = pa.table(
                {
                    "bucket_start": pa.array(starts, pa.timestamp("s", tz="UTC")),
                    "good": good,
                    "total": total_u,
                }
            )
            store.counter(slo.id).load_arrow(table)
            added += int(total.sum())
    return added
