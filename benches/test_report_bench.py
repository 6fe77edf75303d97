"""Report throughput: 1,000 SLOs over 30 days of minute buckets, store to HTML, end to end.

Timed: evaluating every SLO from the embedded counters (budget, burn rates, backtest),
building the report model and rendering the HTML. Not timed: creating the data.
Quick mode (NEXUS_BENCH_QUICK=1): 20 SLOs over 2 days, once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from nexus_sre.config import parse_config
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.report import build_report, render, services_meta_from_config
from nexus_sre.sources.embedded import evaluate_store

QUICK = os.environ.get("NEXUS_BENCH_QUICK") == "1"
N_SLOS, DAYS = (20, 2) if QUICK else (1000, 30)
END = datetime(2026, 11, 1, tzinfo=UTC)


def _config(n: int):  # type: ignore[no-untyped-def]
    services = []
    for s in range(n // 5):
        slos = [
            {
                "id": f"svc{s}-slo{k}",
                "target": 99.5,
                "timeWindow": f"{DAYS}d",
                "sli": {"type": "availability"},
            }
            for k in range(5)
        ]
        services.append({"name": f"svc{s}", "tier": "tier-1", "owner": "team", "slos": slos})
    return parse_config({"version": "1.0", "services": services})


@pytest.fixture(scope="module")
def store_and_config():  # type: ignore[no-untyped-def]
    config = _config(N_SLOS)
    store = EmbeddedStore.from_config(config, clock="event")
    minutes = DAYS * 1440
    starts = pa.array(
        (int(END.timestamp()) - minutes * 60 + np.arange(minutes) * 60).astype("datetime64[s]"),
        pa.timestamp("s", tz="UTC"),
    )
    rng = np.random.default_rng(1)
    for _, slo in config.slos():
        total = rng.poisson(200, minutes).astype(np.uint64)
        bad = rng.binomial(total.astype(np.int64), 0.004).astype(np.uint64)
        store.counter(slo.id).load_arrow(
            pa.table({"bucket_start": starts, "good": total - bad, "total": total})
        )
    return store, config


def test_report_1000_slos_to_html(benchmark, store_and_config) -> None:  # type: ignore[no-untyped-def]
    store, config = store_and_config
    meta = services_meta_from_config(config)

    def job() -> str:
        evaluations = evaluate_store(config, store, end=END)
        report = build_report(
            evaluations,
            source="embedded",
            period_start=evaluations[0].period_start,
            period_end=END,
            config_hash="bench",
            services_meta=meta,
        )
        return render(report, "html")

    html = benchmark.pedantic(job, rounds=1 if QUICK else 5, iterations=1)
    assert html.count('<svg class="chart"') == 3 * N_SLOS
