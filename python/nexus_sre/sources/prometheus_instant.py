"""Budgets from Prometheus with a few pinned instant queries, for the CI gate.

A budget gate needs, per SLO, good and total events over the period and over each alert
window, all ending at one instant: one instant query per SLO (`increase` over every window,
told apart by labels) at one `time=` shared by every SLO of the run. Where the generated rules
are deployed (`nexus-sre rules`), the recorded `nexus_sre:` series already hold those figures:
one query reads them for every SLO at once, detected once per run. Range queries (history)
are for charts and backtests only (`PrometheusBackend.history`).

No numpy, no pyarrow: `budgets` starts fast and stays small.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..common.durations import format_duration, parse_duration
from ..common.figures import burns_at, reaches
from ..config.model import SLO, Config, Service
from ..errors import BackendError, NoDataError, SloError
from ..rules.generate import ERROR_RATIO, EVENTS, OBJECTIVE
from ..rules.sli import CounterSli, PercentSli, sli_queries
from ..slo.budget import period_budget
from ..slo.evaluation import FiredAlert, SloEvaluation
from ..slo.windows import alert_windows, budget_seconds, exhaustion_window
from .prometheus import PrometheusBackend, backend_from_config
from .prometheus_decode import event_count, sample

_KIND, _WINDOW = "nexus_sre_kind", "nexus_sre_window"
CALENDAR_UNITS = ("month", "week")  # window labels of calendar series (rules.generate)
#: Instant queries in flight at once (Prometheus answers up to 20 by default).
QUERY_CONCURRENCY = 4


@dataclass(frozen=True)
class Counts:
    good: float
    total: float


def slo_windows(slo: SLO, period_s: int) -> list[int]:
    """The period and every alert window, longest first."""
    return sorted({period_s, *alert_windows(slo)}, reverse=True)


def counts_query(q: CounterSli, windows: list[int]) -> str:
    """One PromQL query for good and total over every window, labelled by kind and window."""
    parts = []
    for w in windows:
        for kind, expr in (("good", q.good_expr(w)), ("total", q.total_expr(w))):
            parts.append(
                f'label_replace(label_replace({expr}, "{_KIND}", "{kind}", "", ""), '
                f'"{_WINDOW}", "{w}", "", "")'
            )
    return "\nor ".join(parts)


def read_counts(
    backend: PrometheusBackend, q: CounterSli, windows: list[int], at: float
) -> dict[int, Counts]:
    """Good and total per window at `at` (one query). A window whose total series does not
    exist is left out; counts are whole events (`increase` can extrapolate a fraction).
    A sample that is not an event count (NaN, infinite, negative, huge) is a BackendError."""
    promql = counts_query(q, windows)
    raw: dict[tuple[int, str], float] = {}
    for s in backend.query(promql, at):
        m = s["metric"]
        window, kind = m.get(_WINDOW, ""), m.get(_KIND, "")
        if not window.isdigit() or int(window) not in windows:
            raise BackendError(
                f"Prometheus answered a series {m!r:.200} without a known {_WINDOW} label for "
                f"the query {promql!r}"
            )
        what = f"{kind or 'a sample'} over {format_duration(int(window))}"
        raw[(int(window), kind)] = event_count(s["value"][1], promql, what)
    out = {}
    for w in windows:
        if (w, "total") in raw:
            total = max(round(raw[(w, "total")]), 0)
            out[w] = Counts(min(max(round(raw.get((w, "good"), 0.0)), 0), total), total)
    return out


def recorded_counts(backend: PrometheusBackend, at: float) -> dict[tuple[str, str], Any]:
    """Every SLO's recorded error ratios, events and objective at `at`, in one query:
    {(service, slo): {"objective": x, "ratio": {window_s: r}, "events": {window_s: n}}}.
    Empty when the generated rules are not deployed."""
    names = "|".join(n.replace("{w}", ".+") for n in (ERROR_RATIO, EVENTS, OBJECTIVE))
    out: dict[tuple[str, str], Any] = {}
    promql = f'{{__name__=~"{names}"}}'
    for s in backend.query(promql, at):
        m = s["metric"]
        key = (m.get("service", ""), m.get("slo", ""))
        entry = out.setdefault(key, {"objective": None, "ratio": {}, "events": {}})
        name = m.get("__name__", "")
        # Ratios may be NaN (no traffic: the SLO is then read by queries); events are counts.
        is_events = name.startswith(EVENTS.split("{")[0])
        value = (
            event_count(s["value"][1], promql, name) if is_events else sample(s["value"][1], promql)
        )
        if name == OBJECTIVE:
            entry["objective"] = value
        elif m.get("window") in CALENDAR_UNITS:
            continue  # a calendar window so far: read by queries, to the minute
        elif "window" in m:
            kind = "events" if is_events else "ratio"
            try:
                entry[kind][parse_duration(m["window"])] = value
            except SloError:
                raise BackendError(
                    f"Prometheus answered a series {m!r:.200} with a bad window label for the "
                    f"query {promql!r}"
                ) from None
    return out


def _from_records(entry: dict[str, Any], slo: SLO, windows: list[int]) -> dict[int, Counts] | None:
    """Window counts from recorded series, when they cover this SLO as configured: the
    objective matches and every window's ratio and the period's events are there."""
    period = windows[0]
    if entry["objective"] is None or abs(entry["objective"] - float(slo.target_fraction)) > 1e-12:
        return None
    if period not in entry["events"] or any(w not in entry["ratio"] for w in windows):
        return None
    total = max(round(entry["events"][period]), 0)
    out = {}
    for w in windows:
        ratio = entry["ratio"][w]
        if not math.isfinite(ratio):
            return None
        if not 0 <= ratio <= 1:
            raise BackendError(
                f"the recorded series {ERROR_RATIO.format(w=format_duration(w))} of SLO "
                f"{slo.id!r} is {ratio!r}; an error ratio must be between 0 and 1"
            )
        # only the period's events are recorded; shorter windows keep their ratio exactly
        t = total if w == period else entry["events"].get(w, 1.0)
        out[w] = Counts(t - ratio * t, t)
    out[period] = Counts(total - round(entry["ratio"][period] * total), total)
    return out


def _firing(slo: SLO, counts: dict[int, Counts], at: datetime) -> list[FiredAlert]:
    """The burn-rate tiers firing at `at`: both windows at or above the factor (`burns_at`,
    as the core and `SLOManager` decide), the long one with at least `min_events`."""
    bf = float(slo.budget_fraction)
    out = []
    for a in slo.alerting.burn_rate:
        long, short = counts.get(a.long_window), counts.get(a.short_window)
        if long is None or short is None or long.total <= 0 or short.total <= 0:
            continue
        long_burn = (long.total - long.good) / long.total / bf
        short_burn = (short.total - short.good) / short.total / bf
        if (
            long.total >= max(slo.alerting.min_events, 1)
            and burns_at(long_burn, float(a.factor))
            and burns_at(short_burn, float(a.factor))
        ):
            out.append(
                FiredAlert(
                    a.name,
                    a.severity,
                    "burn_rate",
                    at,
                    None,
                    long_burn,
                    float(a.factor),
                    a.long_window,
                    a.short_window,
                )
            )
    return out


def evaluation(
    service: Service, slo: SLO, counts: dict[int, Counts], start: datetime, end: datetime
) -> SloEvaluation:
    """An `SloEvaluation` from window counts ending at `end` (no chart series)."""
    period = int((end - start).total_seconds())
    p = counts.get(period, Counts(0, 0))
    good, total = int(p.good), int(p.total)
    bf = float(slo.budget_fraction)
    burn: dict[str, float] = {}
    for w in sorted(counts):
        c = counts[w]
        label = format_duration(w)
        if w == period and slo.time_window.calendar is not None:
            label = str(slo.time_window.calendar)
        burn[label] = 0.0 if c.total <= 0 else (c.total - c.good) / c.total / bf
    hour_window = exhaustion_window(slo)
    hour = burn.get(format_duration(hour_window), 0.0) if hour_window else 0.0
    budget = period_budget(slo, budget_seconds(slo, start, end), good, total, hour)
    alerts = _firing(slo, counts, end)
    for level in slo.alerting.budget_exhaustion:
        if total and reaches(budget.consumed_fraction, float(level.percentage) / 100):
            alerts.append(
                FiredAlert(
                    f"budget-{level.percentage}",
                    level.severity,
                    "budget_exhaustion",
                    end,
                    None,
                    None,
                    None,
                )
            )
    return SloEvaluation(
        service=service.name,
        tier=service.tier,
        owner=service.owner,
        slo_id=slo.id,
        slo_name=slo.name,
        sli_type=slo.sli.type,
        target_percent=float(slo.target),
        period_start=start,
        period_end=end,
        good=good,
        total=total,
        sli_percent=None if total == 0 else good / total * 100.0,
        budget=budget,
        burn_rates=burn,
        alerts=alerts,
        min_events=slo.alerting.min_events,
    )


def instant_evaluations(
    backend: PrometheusBackend,
    pairs: list[tuple[Service, SLO]],
    bounds: list[tuple[datetime, datetime]],
    *,
    use_records: bool = True,
) -> list[SloEvaluation]:
    """Evaluate each (service, slo) over its (start, end) with pinned instant queries.
    `use_records`: read the recorded `nexus_sre:` series where they cover an SLO whose
    period is its own window (checked with one query for the whole run)."""
    records: dict[tuple[str, str], Any] = {}
    ends = {e for _, e in bounds}
    if use_records and len(ends) == 1:
        records = recorded_counts(backend, next(iter(ends)).timestamp())
    # Per SLO: its period, its windows, and the counts from the records or the query to read.
    todo: list[
        tuple[Service, SLO, datetime, datetime, list[int], dict[int, Counts] | CounterSli]
    ] = []
    for (service, slo), (start, end) in zip(pairs, bounds, strict=True):
        period = int((end - start).total_seconds())
        windows = slo_windows(slo, period)
        counts = None
        entry = records.get((service.name, slo.id))
        if (
            entry is not None
            and slo.time_window.calendar is None
            and period == slo.time_window.seconds
        ):
            counts = _from_records(entry, slo, windows)
        source: dict[int, Counts] | CounterSli | PercentSli
        source = counts if counts is not None else sli_queries(service, slo)
        if isinstance(source, PercentSli):
            raise NoDataError(
                f"SLO {slo.id!r}: its query is not an event ratio; budgets need event "
                "counts (write good_query/total_query, or a sum(rate(good))/sum(rate(total)) "
                "query)"
            )
        todo.append((service, slo, start, end, windows, source))

    def counts_of(job: tuple[Any, ...]) -> dict[int, Counts]:
        _, _, _, end, windows, source = job
        if isinstance(source, CounterSli):
            return read_counts(backend, source, windows, end.timestamp())
        return source

    # Prometheus runs queries on every core (up to --query.max-concurrency, 20 by
    # default): a few in flight keep it busy while this process decodes answers.
    with ThreadPoolExecutor(max_workers=QUERY_CONCURRENCY) as pool:
        all_counts = list(pool.map(counts_of, todo))
    return [
        evaluation(service, slo, counts, start, end)
        for (service, slo, start, end, _, _), counts in zip(todo, all_counts, strict=True)
    ]


def prometheus_budgets(
    config: Config,
    *,
    prometheus_url: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
    services: list[str] | None = None,
    use_records: bool = True,
) -> list[SloEvaluation]:
    """`budgets --source prometheus`: every SLO's budget at one pinned instant (the period
    end, a whole minute), from instant queries or recorded series."""
    from ..slo.period import period_bounds

    pairs = [(s, o) for s, o in config.slos() if not services or s.name in services]
    bounds = [period_bounds(o, end=end, start=start, days=days) for _, o in pairs]
    with backend_from_config(config, prometheus_url) as backend:
        out = instant_evaluations(backend, pairs, bounds, use_records=use_records)
    if out and not any(e.total for e in out):
        raise NoDataError(f"Prometheus at {backend.url}: no events for these SLOs in the period")
    return out
