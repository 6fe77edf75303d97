"""The backfill source: SLO history from per-SLO, per-bucket good/total counts.

The counts come from a `BackfillResult` in memory, from the files `nexus-sre backfill -o`
wrote, from any Arrow table of the same columns, or from the aggregated state of a request
export (the parquet source). Only good and total are read: a report's burn rates, budget
and alerts are computed from them over the report's own period by the evaluator every
source ends in, so a report from a backfill agrees exactly with one from its export.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..backfill.counts import SloCounts, split_counts
from ..backfill.engine import backfill_slos
from ..common.times import from_epoch, iso
from ..config import SLO, Config, Service
from ..errors import InvalidInputError
from ..slo.evaluate import BucketSeries
from ..slo.evaluation import SloEvaluation
from .evaluate_all import chosen_slos, evaluate_all

if TYPE_CHECKING:
    from ..backfill.engine import PartialState
    from ..backfill.result import BackfillResult

Key = tuple[str, str]  # (service, SLO id)


_dt = from_epoch


def _iso(seconds: int | None) -> str:
    return "..." if seconds is None else iso(seconds)


class BackfillSource:
    """Counts by (service, SLO id) over `[start, end)` (epoch seconds; None: not known)."""

    def __init__(
        self,
        bucket_seconds: int,
        counts: Mapping[Key, SloCounts],
        *,
        start: int | None = None,
        end: int | None = None,
        label: str = "<backfill>",
    ):
        self.bucket_seconds = bucket_seconds
        self.counts = dict(counts)
        self.start, self.end = start, end
        self.label = label  # names the data in messages

    @classmethod
    def from_result(cls, result: BackfillResult, label: str = "<BackfillResult>") -> BackfillSource:
        counts = {
            (s.service, s.slo_id): SloCounts(s.first_bucket, s.good, s.total) for s in result.slos
        }
        return cls(result.bucket_seconds, counts, start=result.start, end=result.end, label=label)

    @classmethod
    def from_state(cls, state: PartialState, label: str = "<PartialState>") -> BackfillSource:
        """A state's bounds are its --start/--end, when given."""
        parts = zip(state.slo_keys, state.bases, state.good, state.total, strict=True)
        counts = {key: SloCounts(base, g, t) for key, base, g, t in parts}
        return cls(state.bucket_seconds, counts, start=state.start, end=state.end, label=label)

    @classmethod
    def from_table(
        cls, table: pa.Table, *, bucket_seconds: int | None = None, label: str = "<table>"
    ) -> BackfillSource:
        """From a table of service, slo_id, bucket_start, good, total (as
        `BackfillResult.buckets`); the bounds are its first and last bucket."""
        width, counts = split_counts(table, label, bucket_seconds)
        first = min(c.first for c in counts.values())
        stop = max(c.first + len(c.total) for c in counts.values())
        return cls(width, counts, start=first * width, end=stop * width, label=label)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> BackfillSource:
        """From the buckets file `BackfillResult.write` wrote (Parquet, CSV or JSON)."""
        from ..backfill.readback import read_output

        table, width = read_output(path)
        return cls.from_table(table, bucket_seconds=width, label=str(path))

    @classmethod
    def of(cls, data: Any) -> BackfillSource:
        """A source from a path, a `BackfillResult`, an Arrow table, or a source."""
        from ..backfill.result import BackfillResult

        if isinstance(data, BackfillSource):
            return data
        if isinstance(data, BackfillResult):
            return cls.from_result(data)
        if isinstance(data, str | os.PathLike):
            return cls.read(data)
        if isinstance(data, pa.Table):
            return cls.from_table(data)
        raise InvalidInputError(
            "data: the backfill source takes a path, a BackfillResult or a pyarrow Table, "
            f"got {type(data).__name__}"
        )

    def evaluations(
        self,
        config: Config,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        days: float | None = None,
        services: list[str] | None = None,
        with_series: bool = True,
    ) -> list[SloEvaluation]:
        """Each SLO of `config` (of `services`) over its period: explicit start/end, the
        last `days`, or its own window, ending at `end`, by default the end of the data.
        Buckets of the period outside the data count as no traffic."""
        return evaluate_all(
            config,
            self,
            start=start,
            end=end,
            days=days,
            services=services,
            with_series=with_series,
        )

    # The `BucketSource` side (see `evaluate_all`).

    parallel = False
    no_data_hint = "choose a period inside the data with --start/--end/--days"

    def slos(self, config: Config, services: Sequence[str] | None) -> list[tuple[Service, SLO]]:
        chosen = chosen_slos(backfill_slos(config), services)
        self._check_slos([(sv.name, s.id) for sv, s in chosen], config)
        return chosen

    def default_end(self) -> datetime:
        return _dt(self._data_end())

    def data_start(self, service: Service, slo: SLO, end: datetime) -> datetime | None:
        """Where the rows begin: the first bucket with events of any SLO, not before the
        data's stated start (a backfill's --start)."""
        nonzero = [(c.first, c.total.nonzero()[0]) for c in self.counts.values()]
        firsts = [first + int(nz[0]) for first, nz in nonzero if len(nz)]
        first = min(firsts) * self.bucket_seconds if firsts else None
        if first is None:
            return None if self.start is None else _dt(self.start)
        return _dt(first if self.start is None else max(first, self.start))

    def buckets(self, service: Service, slo: SLO, start: datetime, end: datetime) -> BucketSeries:
        bs = self.bucket_seconds
        first, stop = int(start.timestamp()) // bs, int(end.timestamp()) // bs
        good, total = self.counts[(service.name, slo.id)].dense(first, stop - 1)
        return BucketSeries(start, bs, good, total)

    def _data_end(self) -> int:
        if self.end is not None:
            return self.end
        lasts = [c.last_with_events for c in self.counts.values()]
        found = [x for x in lasts if x is not None]
        if not found:
            raise InvalidInputError(f"--data: no events in {self.label}")
        return (max(found) + 1) * self.bucket_seconds

    def _check_slos(self, wanted: list[Key], config: Config) -> None:
        missing = [f"{sv}/{slo}" for sv, slo in wanted if (sv, slo) not in self.counts]
        if not missing:
            return
        have = [f"{sv}/{slo}" for sv, slo in self.counts]
        shown = ", ".join(have[:10]) + (f" ... ({len(have)} in all)" if len(have) > 10 else "")
        raise InvalidInputError(
            f"{self.label}: no counts for SLO(s) {', '.join(missing)} of {config.source} "
            f"(it has {shown or 'none'}); run `nexus-sre backfill` with this config, or "
            "choose services with --services"
        )

    def check_period(self, start_dt: datetime, end_dt: datetime) -> None:
        """A period that misses the data entirely is a mistake, not a no-traffic report."""
        start, end = int(start_dt.timestamp()), int(end_dt.timestamp())
        if (self.end is None or start < self.end) and (self.start is None or end > self.start):
            return
        raise InvalidInputError(
            f"period: {_iso(start)} to {_iso(end)} is outside the data in {self.label} "
            f"({_iso(self.start)} to {_iso(self.end)}); choose --start/--end/--days within it"
        )
