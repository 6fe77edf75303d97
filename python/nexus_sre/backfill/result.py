"""The result of a backfill as plain data, and its Arrow / Parquet / CSV / JSON forms.

Tables: `buckets` (per SLO and bucket: good, total, error ratio, burn rate over each alert
window, budget remaining over the SLO window ending there), `alerts` (the backtest: when
each burn-rate alert would have fired) and `summary` (per SLO over the whole range).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from ..common.durations import format_duration
from ..common.paths import make_parent_dirs
from ..common.times import iso
from ..errors import InvalidInputError

TS = pa.timestamp("s", tz="UTC")
# Parquet output carries `totals()` (bucket width, range, row accounting) under this key.
METADATA_KEY = b"nexus_sre.backfill"


@dataclass(frozen=True)
class BacktestAlert:
    name: str
    severity: str
    factor: float
    long_window: int
    short_window: int
    start: int  # epoch seconds: end of the first bucket at which it fired
    end: int | None  # epoch seconds: end of the first bucket at which it no longer fired
    peak_burn: float  # highest long-window burn rate while firing


@dataclass
class SloSeries:
    service: str
    slo_id: str
    target: float
    budget_fraction: float
    first_bucket: int
    good: np.ndarray
    total: np.ndarray
    burn: dict[int, np.ndarray]  # window seconds -> burn rate per bucket
    budget_remaining: np.ndarray  # budget share left over the SLO window (calendar: so far)
    alerts: list[BacktestAlert]

    @property
    def good_sum(self) -> int:
        return int(self.good.sum())

    @property
    def total_sum(self) -> int:
        return int(self.total.sum())

    @property
    def sli(self) -> float | None:
        """Good share over the whole range; None without traffic (never 0 or 1)."""
        t = self.total_sum
        return None if t == 0 else self.good_sum / t

    @property
    def budget_consumed(self) -> float | None:
        t = self.total_sum
        return None if t == 0 else (t - self.good_sum) / t / self.budget_fraction


@dataclass
class BackfillResult:
    bucket_seconds: int
    windows: list[int]
    slos: list[SloSeries]
    rows_read: int
    rows_outside: int
    skipped: dict[str, int]
    start: int | None  # epoch seconds, inclusive
    end: int | None  # exclusive
    # `service/slo` of the config's SLOs that request rows cannot measure (ratio SLIs).
    unmeasured: list[str] = field(default_factory=list)
    # Files left out with on_bad_file="skip": path -> why.
    bad_files: dict[str, str] = field(default_factory=dict)
    # A planned run (engine other than local, or skipping bad files): tasks run and the
    # Arrow IPC bytes of partial state they sent back.
    tasks: int = 0
    state_bytes: int = 0

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def slo(self, slo_id: str) -> SloSeries:
        for s in self.slos:
            if s.slo_id == slo_id:
                return s
        raise KeyError(slo_id)

    # -- Arrow tables -----------------------------------------------------------------

    @property
    def buckets(self) -> pa.Table:
        """One row per SLO and bucket. The counts and burn rates are the result's own
        arrays, not copies (Arrow wraps numpy buffers as they are), and service and SLO
        names are dictionary-encoded: the table costs little beyond the result itself."""
        parts = []
        for s in self.slos:
            n = len(s.total)
            starts = (s.first_bucket + np.arange(n, dtype=np.int64)) * self.bucket_seconds
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = (s.total - s.good).astype(np.float64) / s.total
            cols: dict[str, Any] = {
                "service": _repeated(s.service, n),
                "slo_id": _repeated(s.slo_id, n),
                "bucket_start": pa.array(starts, TS),
                "good": pa.array(s.good, pa.uint64()),
                "total": pa.array(s.total, pa.uint64()),
                "error_ratio": pa.array(ratio, pa.float64(), mask=s.total == 0),
            }
            for w in self.windows:
                cols[f"burn_rate_{format_duration(w)}"] = pa.array(s.burn[w], pa.float64())
            cols["budget_remaining"] = pa.array(s.budget_remaining, pa.float64())
            parts.append(pa.table(cols))
        if not parts:
            return pa.table({"service": pa.array([], pa.string())})
        return pa.concat_tables(parts)

    @property
    def alerts(self) -> pa.Table:
        rows = [(s, a) for s in self.slos for a in s.alerts]
        return pa.table(
            {
                "service": pa.array([s.service for s, _ in rows], pa.string()),
                "slo_id": pa.array([s.slo_id for s, _ in rows], pa.string()),
                "alert": pa.array([a.name for _, a in rows], pa.string()),
                "severity": pa.array([a.severity for _, a in rows], pa.string()),
                "factor": pa.array([a.factor for _, a in rows], pa.float64()),
                "long_window_s": pa.array([a.long_window for _, a in rows], pa.int64()),
                "short_window_s": pa.array([a.short_window for _, a in rows], pa.int64()),
                "start": pa.array([a.start for _, a in rows], TS),
                "end": pa.array([a.end for _, a in rows], TS),
                "peak_burn_rate": pa.array([a.peak_burn for _, a in rows], pa.float64()),
            }
        )

    @property
    def summary(self) -> pa.Table:
        return pa.table(
            {
                "service": [s.service for s in self.slos],
                "slo_id": [s.slo_id for s in self.slos],
                "target_percent": pa.array([s.target for s in self.slos], pa.float64()),
                "good": pa.array([s.good_sum for s in self.slos], pa.uint64()),
                "total": pa.array([s.total_sum for s in self.slos], pa.uint64()),
                "sli": pa.array([s.sli for s in self.slos], pa.float64()),
                "budget_consumed": pa.array([s.budget_consumed for s in self.slos], pa.float64()),
                "alerts": pa.array([len(s.alerts) for s in self.slos], pa.int64()),
            }
        )

    def totals(self) -> dict[str, Any]:
        """Row accounting of the whole run: nothing is dropped without being counted here."""
        return {
            "rows_read": self.rows_read,
            "rows_outside_range": self.rows_outside,
            "rows_skipped": self.rows_skipped,
            "skipped_by_reason": {k: v for k, v in self.skipped.items() if v},
            "start": self.start,
            "end": self.end,
            "bucket_seconds": self.bucket_seconds,
            "slos_not_measured": self.unmeasured,
            "files_skipped": dict(self.bad_files),
        }

    # -- files ------------------------------------------------------------------------

    def write(self, path: str, fmt: str = "parquet") -> list[str]:
        """Write the buckets to `path` and the alerts and summary next to it
        (`<stem>.alerts.<ext>`, `<stem>.summary.<ext>`); JSON is one document. Returns
        the files written. Missing parent directories are created; a path that cannot be
        written is an InvalidInputError naming it."""
        if fmt not in ("parquet", "csv", "json"):
            raise InvalidInputError(f"format: must be parquet, csv or json, got {fmt!r}")
        make_parent_dirs(path)
        try:
            return self._write(path, fmt)
        except OSError as exc:  # pyarrow raises FileNotFoundError/PermissionError too
            reason = exc.strerror or str(exc)
            raise InvalidInputError(f"--output: cannot write {path}: {reason}") from None

    def _write(self, path: str, fmt: str) -> list[str]:
        if fmt == "json":
            doc = {
                "totals": self.totals(),
                "summary": self.summary.to_pylist(),
                "alerts": _jsonable(self.alerts.to_pylist()),
                "buckets": _jsonable(self.buckets.to_pylist()),
            }
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=1, allow_nan=False)
            return [path]
        stem, ext = os.path.splitext(path)
        ext = ext or f".{fmt}"
        out = [stem + ext, f"{stem}.alerts{ext}", f"{stem}.summary{ext}"]
        tables = [self.buckets, self.alerts, self.summary]
        if fmt == "parquet":
            import pyarrow.parquet as pq

            meta = {METADATA_KEY: json.dumps(self.totals()).encode()}
            for p, t in zip(out, tables, strict=True):
                pq.write_table(t.replace_schema_metadata(meta), p, compression="zstd")
        elif fmt == "csv":
            import pyarrow.csv as pcsv

            for p, t in zip(out, tables, strict=True):
                pcsv.write_csv(t, p)
        return out


def _repeated(name: str, n: int) -> pa.DictionaryArray:
    """`name` n times, as a dictionary column (4 bytes a row, not a string each)."""
    return pa.DictionaryArray.from_arrays(np.zeros(n, dtype=np.int32), pa.array([name]))


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for JSON: times spelled as every output spells them (`common.times.iso`)."""
    for row in rows:
        for k, v in row.items():
            if isinstance(v, datetime):
                row[k] = iso(v)
    return rows
