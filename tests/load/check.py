"""Read what the service recorded, two ways, and compare it with what was sent.

- through /metrics (any worker: they share the ring files): counts, budget, burn rates;
- through the library, from the shared store as another process: `EmbeddedStore` on the
  same ring files, each counter's windows and burn rates, and `slo.budget.period_budget`.

Counts must be equal; budget and burn rates equal to the exact fraction up to the float's
own rounding (1e-12).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from plan import CONFIG, SERVICE, Expected
from prometheus_client.parser import text_string_to_metric_families

from nexus_sre.common.durations import format_duration
from nexus_sre.config import load_config_text
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.slo.budget import period_budget

EPS = 1e-12


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(base + "/metrics", timeout=10).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


def _close(a: float, b: Any) -> bool:
    return abs(a - float(b)) <= EPS


def compare(base: str, shared: Path, want: dict[str, Expected]) -> tuple[list[str], dict]:
    """(problems, figures): empty problems when both readings equal `want`."""
    problems: list[str] = []
    figures: dict[str, Any] = {}
    config = load_config_text(CONFIG, "load.yaml")
    store = EmbeddedStore.from_config(config, shared_dir=str(shared), bucket_seconds=60)
    for scrape_no in range(3):  # several scrapes: they may reach different workers
        found = scrape(base)
        for slo_id, w in want.items():
            labels = {"service": SERVICE, "slo": slo_id}

            def metric(
                name: str, labels: dict = labels, found: dict = found, **extra: str
            ) -> float:
                key = (name, tuple(sorted({**labels, **extra}.items())))
                return found.get(key, float("nan"))

            got = (metric("nexus_sre_requests_total"), metric("nexus_sre_requests_good_total"))
            if got != (w.total, w.good):
                problems.append(f"/metrics {slo_id}: total, good {got} != {(w.total, w.good)}")
            remaining = metric("nexus_sre_error_budget_remaining_ratio")
            if not _close(remaining, w.budget_remaining):
                want_remaining = float(w.budget_remaining)
                problems.append(
                    f"/metrics {slo_id}: budget remaining {remaining} != {want_remaining}"
                )
            _, slo = config.find(slo_id)
            for a in slo.alerting.burn_rate:
                for seconds in (a.long_window, a.short_window):
                    label = format_duration(seconds)
                    rate = metric("nexus_sre_burn_rate", window=label)
                    if not _close(rate, w.burn_rate):
                        problems.append(
                            f"/metrics {slo_id}: burn rate {label} {rate} != {float(w.burn_rate)}"
                        )
            if scrape_no == 0:
                figures[slo_id] = {
                    "total": w.total,
                    "good": w.good,
                    "budget_remaining": float(w.budget_remaining),
                    "burn_rate": float(w.burn_rate),
                }
    for entry in store.entries(SERVICE):
        w = want[entry.slo]
        _, slo = config.find(entry.slo)
        stats = entry.counter.window(slo.time_window.seconds)
        if (stats.total, stats.good) != (w.total, w.good):
            problems.append(
                f"store {entry.slo}: total, good {(stats.total, stats.good)} != {(w.total, w.good)}"
            )
        budget = period_budget(slo, slo.time_window.seconds, stats.good, stats.total, 0.0)
        if not _close(budget.remaining_fraction, w.budget_remaining):
            problems.append(
                f"store {entry.slo}: budget remaining {budget.remaining_fraction} != "
                f"{float(w.budget_remaining)}"
            )
        for a in slo.alerting.burn_rate:
            rate = entry.counter.burn_rate(a.long_window, float(slo.target))
            if not _close(rate, w.burn_rate):
                problems.append(
                    f"store {entry.slo}: burn rate {format_duration(a.long_window)} {rate} != "
                    f"{float(w.burn_rate)}"
                )
    return problems, figures
