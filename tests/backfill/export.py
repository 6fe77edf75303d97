"""A realistic request export for the example config (examples/slos.yaml): three days of
per-request rows of its four services, deterministic.

Traffic follows a daily cycle (Poisson per minute); each row has a status code (500/502/503
are failures, 429 is not) and a latency (log-normal per service). Known incidents:

* nexus-api: a 20-minute total outage on day 2 at 10:00 (pages), an 8-minute 20 % blip on
  day 3 at 01:30;
* nexus-checkout: latencies x2.2 for 12 hours from day 2 at 12:00 (a slow latency burn);
* nexus-frontend: a bad deploy on day 3 from 08:00 for 6 hours, 12 % errors and latencies x3
  (the budget runs out);
* nexus-search: 5 % errors for 3 hours on day 1 from 10:00.

Rows are shuffled (a backfill needs no order) and written in row groups of 50,000.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 3
MINUTES = DAYS * 1440
T0 = int(START.timestamp())

# name: (peak requests per minute, baseline failure share, median latency ms)
SERVICES = {
    "nexus-api": (50, 0.0003, 40.0),
    "nexus-checkout": (12, 0.002, 150.0),
    "nexus-search": (25, 0.003, 120.0),
    "nexus-frontend": (35, 0.004, 500.0),
}
# (service, first minute, minutes, failure share, latency factor)
INCIDENTS = [
    ("nexus-api", 1440 + 600, 20, 1.0, 1.0),
    ("nexus-api", 2 * 1440 + 90, 8, 0.2, 1.0),
    ("nexus-checkout", 1440 + 720, 720, 0.0, 2.2),
    ("nexus-frontend", 2 * 1440 + 480, 360, 0.12, 3.0),
    ("nexus-search", 600, 180, 0.05, 1.0),
]
FAILURES = (500, 502, 503)


def request_export(seed: int = 42) -> pa.Table:
    rng = np.random.default_rng(seed)
    minute = np.arange(MINUTES)
    daily = 0.55 + 0.45 * np.sin(((minute % 1440) / 1440.0 - 0.3) * 2 * np.pi)
    parts = []
    for name, (peak, failure_share, median) in SERVICES.items():
        share = np.full(MINUTES, failure_share)
        slow = np.ones(MINUTES)
        for service, first, length, bad, factor in INCIDENTS:
            if service == name:
                share[first : first + length] = np.maximum(share[first : first + length], bad)
                slow[first : first + length] = factor
        m = np.repeat(minute, rng.poisson(peak * daily))
        failed = rng.random(len(m)) < share[m]
        limited = rng.random(len(m)) < 0.01
        status = np.where(failed, rng.choice(FAILURES, len(m)), np.where(limited, 429, 200))
        parts.append(
            pa.table(
                {
                    "timestamp": pa.array(
                        (T0 + 60 * m) * 1000 + rng.integers(0, 60_000, len(m)),
                        pa.timestamp("ms", tz="UTC"),
                    ),
                    "service": pa.array([name] * len(m)),
                    "status": pa.array(status, pa.int32()),
                    "latency_ms": rng.lognormal(np.log(median), 0.5, len(m)) * slow[m],
                }
            )
        )
    table = pa.concat_tables(parts)
    return table.take(rng.permutation(table.num_rows))


def write_export(path: Path, seed: int = 42) -> pa.Table:
    table = request_export(seed)
    pq.write_table(table, path, row_group_size=50_000)
    return table
