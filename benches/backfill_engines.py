"""The backfill computation written three ways, plus the decode floor.

Per service and minute: good (status < 500) and total; then the error ratio and the burn
rate at 99.9 % over 5m, 30m, 1h, 2h, 6h, 1d, 3d and 30d windows ending at each minute.

* `ours`: `nexus_sre.backfill` (Parquet decoded and aggregated in Rust, both cores).
* `polars`: lazy scan, group_by on the truncated minute, `rolling_sum_by` per service.
* `duckdb`: a GROUP BY, then window functions with RANGE frames over the minute.
* `read_table`: pyarrow reading the same columns into memory, nothing else.

Each returns a pyarrow table (service, minute, good, total, burn_<w>...) over the minutes
with traffic, so the three can be compared; `python benches/backfill_engines.py ENGINE
PATH CONFIG` runs one in a fresh process and prints its time and peak RSS as JSON.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

import pyarrow as pa

WINDOWS = {"5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320}
WINDOWS["30d"] = 43_200
BUDGET = 0.001  # 99.9 %
COLUMNS = ["timestamp", "service", "status"]


def ours(path: str, config_path: str) -> pa.Table:
    """The library's own Arrow output (`BackfillResult.buckets`): every minute of the range,
    with more columns than the others (`normalise` picks the shared ones)."""
    import nexus_sre
    from nexus_sre.backfill import Columns

    result = nexus_sre.backfill(config_path, path, columns=Columns(status="status", latency=None))
    return result.buckets


def polars(path: str, config_path: str) -> pa.Table:
    import polars as pl

    # The service stays Categorical (as stored); truncate() is the fastest idiom measured.
    per_minute = (
        pl.scan_parquet(path)
        .select(
            pl.col("service"),
            pl.col("timestamp").dt.truncate("1m").alias("minute"),
            (pl.col("status") < 500).alias("ok"),
        )
        .group_by("service", "minute")
        .agg(
            pl.col("ok").sum().cast(pl.Int64).alias("good"),
            pl.len().cast(pl.Int64).alias("total"),
        )
        .sort("service", "minute")
    )
    burns = []
    for label, k in WINDOWS.items():
        w = f"{k}m"  # rolling_sum_by covers (t - w, t]: the k minutes ending at t
        bad = (pl.col("total") - pl.col("good")).rolling_sum_by("minute", w).over("service")
        tot = pl.col("total").rolling_sum_by("minute", w).over("service")
        burns.append((bad / tot / BUDGET).alias(f"burn_{label}"))
    return per_minute.with_columns(burns).collect().to_arrow()


def duckdb(path: str, config_path: str) -> pa.Table:
    import duckdb as ddb

    # Named windows: DuckDB partitions and sorts once for all of them (16 inline OVER
    # clauses took 15 s instead of 0.2 s).
    burns = ",\n".join(
        f"sum(total - good) over w{k} / sum(total) over w{k} / {BUDGET} as burn_{label}"
        for label, k in WINDOWS.items()
    )
    windows = ",\n".join(
        f"w{k} as (partition by service order by minute "
        f"range between interval {k - 1} minutes preceding and current row)"
        for k in WINDOWS.values()
    )
    sql = f"""
        with m as (
            select service, time_bucket(interval 1 minute, timestamp) as minute,
                   count(*) filter (where status < 500) as good, count(*) as total
            from read_parquet('{path}') group by all
        )
        select service, minute, good, total, {burns} from m window {windows}
    """
    con = ddb.connect()
    con.execute("set timezone = 'UTC'")
    return con.sql(sql).to_arrow_table()


def read_table(path: str, config_path: str) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=COLUMNS)


ENGINES = {"ours": ours, "polars": polars, "duckdb": duckdb, "read_table": read_table}


def normalise(t: Any) -> pa.Table:
    """Sorted, with plain types, for comparing engines."""
    import pyarrow.compute as pc

    if not isinstance(t, pa.Table):
        t = t.read_all()
    if "bucket_start" in t.column_names:  # ours: every minute, burn rates by window name
        t = t.filter(pc.greater(t["total"], 0))
        burn = {f"burn_{w}": t[f"burn_rate_{w}"] for w in WINDOWS if w != "30d"}
        burn["burn_30d"] = pc.subtract(1.0, t["budget_remaining"])
        t = pa.table(
            {
                "service": t["service"],
                "minute": t["bucket_start"],
                "good": t["good"],
                "total": t["total"],
                **burn,
            }
        )
    t = t.select(["service", "minute", "good", "total", *(f"burn_{w}" for w in WINDOWS)])
    minute = pc.cast(pc.cast(t["minute"], pa.timestamp("s", tz="UTC")), pa.int64())
    t = t.set_column(1, "minute", minute)
    t = t.set_column(0, "service", pc.cast(t["service"], pa.string()))
    for c in ("good", "total"):
        t = t.set_column(t.schema.get_field_index(c), c, pc.cast(t[c], pa.int64()))
    return t.sort_by([("service", "ascending"), ("minute", "ascending")])


def main() -> None:
    engine, path, config_path = sys.argv[1:4]
    t0 = time.perf_counter()
    out = ENGINES[engine](path, config_path)
    seconds = time.perf_counter() - t0
    rows = out.num_rows if hasattr(out, "num_rows") else -1
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"engine": engine, "seconds": seconds, "peak_rss_mb": rss_kb / 1024, "rows": rows}
        )
    )


if __name__ == "__main__":
    main()
