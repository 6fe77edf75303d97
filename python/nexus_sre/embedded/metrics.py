"""Prometheus exposition of the embedded store: metric families from counter state (pure),
rendered as the Prometheus text format 0.0.4 or OpenMetrics 1.0.

Families, all labelled `service` and `slo`:

* `nexus_sre_requests_total`, `nexus_sre_requests_good_total` (counters): cumulative
  events, monotonic while the ring (or its shared file) lives.
* `nexus_sre_error_budget_remaining_ratio` (gauge): 1 - error ratio / budget over the SLO
  window (a calendar window: the month or week so far); negative once overspent.
* `nexus_sre_burn_rate{window}` (gauge): error ratio / budget over each alert window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..common.durations import format_duration
from .store import EmbeddedStore, SloEntry

_window_label = lru_cache(maxsize=1024)(format_duration)

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


@dataclass(frozen=True)
class Sample:
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass(frozen=True)
class Family:
    name: str  # without `_total` for counters
    kind: str  # "counter" or "gauge"
    help: str
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class SloState:
    """What the exposition needs of one SLO, read from its counter."""

    service: str
    slo: str
    budget_fraction: float
    good_total: int
    total: int
    window_good: int
    window_total: int
    burn: tuple[tuple[int, float], ...]  # (window seconds, burn rate)


def read_state(entry: SloEntry, *, gauges: bool = True) -> SloState:
    """One pass over the counter: the SLO window and every burn window at once (skipped
    without gauges: the cumulative totals alone are two atomic loads)."""
    c = entry.counter
    good, total = c.cumulative()
    bf = entry.budget_fraction
    if not gauges:
        return SloState(entry.service, entry.slo, bf, good, total, 0, 0, ())
    stats = c.windows([entry.window_so_far(c.now()), *entry.burn_windows])
    burn = tuple(
        (w, s.error_ratio / bf) for w, s in zip(entry.burn_windows, stats[1:], strict=True)
    )
    return SloState(entry.service, entry.slo, bf, good, total, stats[0].good, stats[0].total, burn)


def families(states: Iterable[SloState], *, gauges: bool = True) -> list[Family]:
    states = list(states)

    def lab(s: SloState, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        return (("service", s.service), ("slo", s.slo), *extra)

    def remaining(s: SloState) -> float:
        if s.window_total == 0:
            return 1.0
        ratio = (s.window_total - s.window_good) / s.window_total
        return 1.0 - ratio / s.budget_fraction

    counters = [
        Family(
            "nexus_sre_requests",
            "counter",
            "Requests recorded for the SLO.",
            tuple(Sample(lab(s), s.total) for s in states),
        ),
        Family(
            "nexus_sre_requests_good",
            "counter",
            "Requests that met the SLO.",
            tuple(Sample(lab(s), s.good_total) for s in states),
        ),
    ]
    if not gauges:
        return counters
    return [
        *counters,
        Family(
            "nexus_sre_error_budget_remaining_ratio",
            "gauge",
            "Share of the error budget left over the SLO window (negative when overspent).",
            tuple(Sample(lab(s), remaining(s)) for s in states),
        ),
        Family(
            "nexus_sre_burn_rate",
            "gauge",
            "Error ratio over the window divided by the error budget.",
            tuple(
                Sample(lab(s, ("window", _window_label(w))), rate)
                for s in states
                for w, rate in s.burn
            ),
        ),
    ]


def store_families(store: EmbeddedStore, *, gauges: bool = True) -> list[Family]:
    """The store's families; `gauges=False` leaves out the budget and burn-rate gauges
    (which read whole windows) for services that compute those in Prometheus."""
    return families((read_state(e, gauges=gauges) for e in store.entries()), gauges=gauges)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(v: float) -> str:
    if isinstance(v, int) or (math.isfinite(v) and v == int(v) and abs(v) < 2**53):
        return str(int(v))
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v))


@lru_cache(maxsize=8192)  # label sets repeat on every scrape; escaping them once is enough
def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels) + "}"


def render_text(fams: Iterable[Family]) -> str:
    """Prometheus text format 0.0.4."""
    out = []
    for f in fams:
        name = f.name + "_total" if f.kind == "counter" else f.name
        out.append(f"# HELP {name} {_help(f.help)}")
        out.append(f"# TYPE {name} {f.kind}")
        out.extend(f"{name}{_labels(s.labels)} {_number(s.value)}" for s in f.samples)
    return "\n".join(out) + "\n"


def render_openmetrics(fams: Iterable[Family]) -> str:
    """OpenMetrics 1.0 text: counter families named without `_total`, and `# EOF`."""
    out = []
    for f in fams:
        out.append(f"# TYPE {f.name} {f.kind}")
        out.append(f"# HELP {f.name} {_help(f.help)}")
        suffix = "_total" if f.kind == "counter" else ""
        out.extend(f"{f.name}{suffix}{_labels(s.labels)} {_number(s.value)}" for s in f.samples)
    out.append("# EOF")
    return "\n".join(out) + "\n"


def wants_openmetrics(accept: str | None) -> bool:
    return bool(accept) and "application/openmetrics-text" in accept  # type: ignore[operator]


def exposition(
    store: EmbeddedStore, accept: str | None = None, *, gauges: bool = True
) -> tuple[bytes, str]:
    """(body, content type) for a scrape with this Accept header."""
    fams = store_families(store, gauges=gauges)
    if wants_openmetrics(accept):
        return render_openmetrics(fams).encode(), OPENMETRICS_CONTENT_TYPE
    return render_text(fams).encode(), TEXT_CONTENT_TYPE
