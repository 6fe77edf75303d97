from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from nexus_sre.config import Config, load_config_text

# 2026-01-01T00:00:00Z
T0 = 1_767_225_600

# Short custom windows so that hours of random data exercise every alert path.
SMALL = """\
version: "1.0"
services:
  - name: api
    tier: tier-3
    slos:
      - id: api-avail
        name: API availability
        target: 99
        timeWindow: 1h
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 5, window: 10m, shortWindow: 2m, severity: critical}
            slow: {threshold: 2, window: 30m, shortWindow: 5m, severity: warning}
          minEvents: 3
      - id: api-latency
        name: API latency
        target: 95
        timeWindow: 1h
        sli: {type: latency, threshold: 200ms}
        alerting:
          burnRate:
            fast: {threshold: 3, window: 10m, shortWindow: 2m, severity: critical}
  - name: web
    tier: tier-3
    slos:
      - id: web-avail
        name: Web availability
        target: 98
        timeWindow: 2h
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 4, window: 5m, shortWindow: 1m, severity: critical}
"""


@pytest.fixture(scope="session")
def small_config() -> Config:
    return load_config_text(SMALL, "small.yaml")


def make_rows(rng: np.random.Generator, n: int, span_s: int = 4 * 3600) -> dict[str, np.ndarray]:
    """Random request rows with bursts of errors and slow requests."""
    ts = T0 + rng.integers(0, span_s, n)
    burst = (ts - T0) % 1800 < 300  # errors cluster in 5 minutes of every half hour
    p_err = np.where(burst, 0.3, 0.01)
    ok = rng.random(n) >= p_err
    latency = rng.lognormal(4.5, 0.8, n)
    service = np.where(rng.random(n) < 0.7, "api", "web")
    return {"ts": ts, "ok": ok, "latency": latency, "service": service}


def rows_table(rows: dict[str, np.ndarray], *, dictionary: bool = False) -> pa.Table:
    svc = pa.array(rows["service"].tolist(), pa.string())
    if dictionary:
        svc = svc.dictionary_encode()
    return pa.table(
        {
            "timestamp": pa.array(rows["ts"] * 1000, pa.timestamp("ms", tz="UTC")),
            "service": svc,
            "success": pa.array(rows["ok"]),
            "latency_ms": pa.array(rows["latency"]),
        }
    )
