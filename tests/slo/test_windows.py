"""Alert windows that are not whole buckets: one clear error everywhere (config load for the
default 1-minute buckets; evaluation and backfill for other widths)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from nexus_sre.config import parse_config
from nexus_sre.errors import ConfigError, WindowError
from nexus_sre.slo.evaluate import BucketSeries, evaluate_series


def doc(window: str, short: str = "5m") -> dict[str, Any]:
    slo = {
        "id": "api-availability",
        "name": "API availability",
        "target": 99.9,
        "sli": {"type": "availability"},
        "alerting": {
            "burnRate": {
                "fast": {
                    "threshold": 14.4,
                    "window": window,
                    "shortWindow": short,
                    "severity": "critical",
                }
            }
        },
    }
    return {"version": "1.0", "services": [{"name": "api", "tier": "tier-2", "slos": [slo]}]}


def test_config_refuses_a_window_that_is_not_whole_minutes() -> None:
    with pytest.raises(ConfigError, match=r"fast.*window.*90s is not a whole number of minutes"):
        parse_config(doc("90s", "30s"))


def test_evaluation_raises_on_windows_that_are_not_whole_buckets() -> None:
    # 1h is 60 whole minutes but not a whole number of 7-minute buckets: the evaluation
    # used to skip the alert silently.
    service, slo = next(iter(parse_config(doc("1h")).slos()))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    series = BucketSeries(start, 420, np.ones(10, np.uint64), np.ones(10, np.uint64))
    with pytest.raises(WindowError, match=r"SLO 'api-availability': alert 'fast' window 1h"):
        evaluate_series(service, slo, series)


def test_backfill_raises_the_same_error(tmp_path: Any) -> None:
    import pyarrow as pa

    from nexus_sre.backfill import backfill

    rows = pa.table(
        {
            "timestamp": pa.array([1_772_323_200], pa.int64()),
            "service": ["api"],
            "success": [True],
        }
    )
    with pytest.raises(WindowError, match=r"SLO 'api-availability': alert 'fast' window 1h"):
        backfill(parse_config(doc("1h")), rows, bucket_seconds=420)
