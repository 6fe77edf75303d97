"""Backfill: aggregate request rows into per-SLO, per-bucket good/total (Rust, GIL released,
both cores), then derive burn rates, budget and the alert backtest per SLO.

`backfill_partial` over any part of the data gives a `PartialState`; states of disjoint parts
merge (a sum: associative and commutative) and `finish` turns the merged state into a
`BackfillResult`. `backfill` is the three in one for data that fits one machine.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from .. import _core
from ..common.arrow_numpy import to_numpy
from ..config.model import SLO, Config, Service
from ..errors import InvalidInputError
from ..slo.evaluate import covered_backtest
from ..slo.windows import alert_windows, check_alert_buckets
from .calendar import calendar_budget_remaining
from .counts import dense
from .options import BackfillOptions
from .progress import Progress
from .result import BackfillResult, BacktestAlert, SloSeries
from .source import RowGroups, open_source
from .state import PartialState, reasons


def backfill_slos(config: Config) -> list[tuple[Service, SLO]]:
    """The SLOs request rows can measure: availability and latency. A ratio SLI counts
    whatever its own good/total queries count, which a request export does not hold."""
    return [(sv, slo) for sv, slo in config.slos() if slo.sli.type != "ratio"]


def unmeasured_slos(config: Config) -> list[str]:
    """`service/slo` of the SLOs a backfill leaves out (see `backfill_slos`)."""
    return [f"{sv.name}/{slo.id}" for sv, slo in config.slos() if slo.sli.type == "ratio"]


def _slo_specs(config: Config) -> tuple[list[str], list[tuple[int, float | None]], list[Any]]:
    services: list[str] = [s.name for s in config.services]
    specs: list[tuple[int, float | None]] = []
    pairs: list[tuple[Service, SLO]] = []
    for service, slo in backfill_slos(config):
        threshold = slo.sli.threshold_ms if slo.sli.type == "latency" else None
        if slo.sli.type == "latency" and threshold is None:
            raise InvalidInputError(f"SLO {slo.id}: a latency SLO needs a threshold")
        specs.append((services.index(service.name), threshold))
        pairs.append((service, slo))
    return services, specs, pairs


def run_partial(data: Any, options: BackfillOptions) -> PartialState:
    """Aggregate `data` (a path, or any Arrow producer) into a mergeable state
    (`nexus_sre.backfill_partial`)."""
    columns, bucket_seconds = options.settings()
    lo, hi = options.bounds()
    threads = options.threads
    services, specs, pairs = _slo_specs(options.config)
    source = open_source(data, columns.service)
    columns = columns.resolve(source.names)
    needs_latency = any(t is not None for _, t in specs)
    if needs_latency and not columns.latency:
        raise InvalidInputError("columns: a latency SLO needs a latency column")
    agg = _core.BackfillAggregator(
        bucket_seconds=int(bucket_seconds),
        services=services,
        slos=specs,
        timestamp=columns.timestamp,
        service=columns.service,
        success=columns.success,
        status=columns.status,
        failure_codes=list(columns.failure_codes),
        latency=columns.latency if needs_latency else None,
        latency_unit=columns.latency_unit,
        count=columns.count,
        epoch_unit=columns.epoch_unit,
        start=lo,
        end=hi,
        skip_bad_rows=options.skip_bad_rows,
        # Half the cores aggregate while the others decode the next row group (measured
        # faster on 2 cores than both aggregating: benches/README.md).
        threads=threads or max(1, (os.cpu_count() or 2) // 2),
    )
    bar = Progress(source.total_rows, enabled=options.progress)
    try:
        for batch, loc in source.batches(columns.needed(needs_latency)):
            if batch.num_rows == 0:
                continue  # no rows, and its column types are only a reader's guess (CSV: Null)
            # A bad row raises BadRowError (column, reason, file, row group, row) and a file
            # that cannot be read BadFileError, both from the extension (errors.rs).
            if isinstance(batch, RowGroups):
                # Decode and aggregation together, row groups over all the cores.
                agg.push_parquet(
                    batch.path, batch.columns, batch.groups, threads=threads or os.cpu_count() or 2
                )
            else:
                agg.push(
                    batch,
                    source=loc.source,
                    batch_index=loc.batch,
                    first_row=loc.first_row,
                    row_groups=loc.row_groups,
                )
            bar.update(batch.num_rows)
    finally:
        bar.close()
    series, rows_read, rows_outside, skipped = agg.state()
    return PartialState(
        bucket_seconds=int(bucket_seconds),
        slo_keys=tuple((s.name, o.id) for s, o in pairs),
        bases=[int(b) for b, _, _ in series],
        good=[to_numpy(g) for _, g, _ in series],
        total=[to_numpy(t) for _, _, t in series],
        rows_read=int(rows_read),
        rows_outside=int(rows_outside),
        skipped={str(k): int(v) for k, v in skipped},
        start=lo,
        end=hi,
    )


def _span(state: PartialState) -> tuple[int, int] | None:
    """First and last bucket index of the result: --start/--end, else where data was."""
    bs = state.bucket_seconds
    if state.start is not None and state.end is not None:
        return state.start // bs, (state.end - 1) // bs
    firsts, lasts = [], []
    for base, total in zip(state.bases, state.total, strict=True):
        nz = np.flatnonzero(total)
        if len(nz):
            firsts.append(base + int(nz[0]))
            lasts.append(base + int(nz[-1]))
    if not firsts:
        return None
    first = state.start // bs if state.start is not None else min(firsts)
    last = (state.end - 1) // bs if state.end is not None else max(lasts)
    return first, last


def _buckets(seconds: int, bucket_seconds: int, what: str) -> int:
    if seconds % bucket_seconds:
        raise InvalidInputError(
            f"{what}: {seconds} s is not a whole number of {bucket_seconds}-second buckets"
        )
    return seconds // bucket_seconds


def finish(state: PartialState, config: Config) -> BackfillResult:
    """Per-bucket figures, alert backtest and summary from a (merged) state."""
    return _finish(state, config, reuse=False)


def _finish(state: PartialState, config: Config, reuse: bool) -> BackfillResult:
    """`reuse`: the result may share the state's arrays (the state is thrown away)."""

    _, _, pairs = _slo_specs(config)
    keys = tuple((s.name, o.id) for s, o in pairs)
    if keys != state.slo_keys:
        raise InvalidInputError("finish: the state was built from a different config")
    bs = state.bucket_seconds
    span = _span(state)
    for _, slo in pairs:
        check_alert_buckets(slo, bs)  # the streaming evaluation's error, word for word
    windows = sorted({w for _, slo in pairs for w in alert_windows(slo)})

    def series_of(i: int) -> SloSeries:
        service, slo = pairs[i]
        target = float(slo.target)
        if span is None:
            good = total = np.zeros(0, dtype=np.uint64)
            first = 0
        else:
            first, last = span
            good = dense(state.bases[i], state.good[i], first, last, reuse)
            total = dense(state.bases[i], state.total[i], first, last, reuse)
        ks = [w // bs for w in windows]
        k_budget = _buckets(slo.time_window.seconds, bs, f"SLO {slo.id} time window")
        if len(total):
            burns = [
                to_numpy(a) for a in _core.rolling_burn_rates(good, total, [*ks, k_budget], target)
            ]
            # The data begins at `first`: the evaluator's rule for partial windows.
            fired = covered_backtest(slo, good, total, bs)
        else:
            burns = [np.zeros(0) for _ in [*ks, k_budget]]
            fired = []
        return SloSeries(
            service=service.name,
            slo_id=slo.id,
            target=target,
            budget_fraction=float(slo.budget_fraction),
            first_bucket=first,
            good=good,
            total=total,
            burn={w: b for w, b in zip(windows, burns[:-1], strict=True)},
            budget_remaining=(
                1.0 - burns[-1]
                if slo.time_window.calendar is None
                else calendar_budget_remaining(
                    slo.time_window, first, bs, good, total, float(slo.budget_fraction)
                )
            ),
            alerts=[
                BacktestAlert(
                    name=slo.alerting.burn_rate[t].name,
                    severity=slo.alerting.burn_rate[t].severity,
                    factor=float(slo.alerting.burn_rate[t].factor),
                    long_window=slo.alerting.burn_rate[t].long_window,
                    short_window=slo.alerting.burn_rate[t].short_window,
                    # Evaluated at bucket ends: fires at the end of bucket `s`, stops at
                    # the end of bucket `e` (None: still firing when the data ends).
                    start=(first + s + 1) * bs,
                    end=(first + e + 1) * bs if e < len(total) else None,
                    peak_burn=float(peak),
                )
                for t, s, e, peak in fired
            ],
        )

    # SLOs are independent and the Rust math releases the GIL: one thread per core.
    workers = min(len(pairs), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            per_slo = list(pool.map(series_of, range(len(pairs))))
    else:
        per_slo = [series_of(i) for i in range(len(pairs))]
    return BackfillResult(
        bucket_seconds=bs,
        windows=windows,
        slos=per_slo,
        rows_read=state.rows_read,
        rows_outside=state.rows_outside,
        skipped={r: state.skipped.get(r, 0) for r in reasons()},
        start=None if span is None else span[0] * bs,
        end=None if span is None else (span[1] + 1) * bs,
        unmeasured=unmeasured_slos(config),
        bad_files=dict(state.bad_files),
    )


def run_backfill(
    data: Any, options: BackfillOptions, *, engine: str, client: Any, address: str | None
) -> BackfillResult:
    """The backfill (`nexus_sre.backfill`). `engine="local"` with `on_bad_file="raise"`
    reads in this process, streaming; anything else plans the data into tasks
    (`distributed.run`) and merges their states."""
    if engine == "local" and options.on_bad_file == "raise":
        return _finish(run_partial(data, options), options.config, reuse=True)
    from .distributed import run

    options.settings()  # bad options fail here, not in every task
    options.bounds()
    # On a cluster a task is one core's work (the engines parallelise over tasks); in this
    # process a task uses every core.
    tasks = replace(options, progress=False, threads=None if engine == "local" else 1)
    state, stats = run(data, tasks, engine=engine, client=client, address=address)
    result = _finish(state, options.config, reuse=True)
    result.state_bytes = stats.state_bytes
    result.tasks = stats.tasks
    return result
