"""`nexus-sre backfill CONFIG --data PATH`: SLO history and alert backtest over
Parquet exports (a file or a hive-partitioned dataset directory) or CSV."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InvalidInputError
from .common import add_config_argument, load


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "backfill",
        help="SLO history and alert backtest over Parquet/CSV exports",
        description="Aggregate request rows into per-SLO, per-bucket good/total, burn rates, "
        "budget remaining and the burn-rate alerts that would have fired.",
    )
    add_config_argument(p)
    p.add_argument("--data", required=True, help="Parquet file, dataset directory, or CSV")
    p.add_argument("--start", help="ISO date/time (UTC when no zone); rows before are ignored")
    p.add_argument("--end", help="ISO date/time, exclusive")
    p.add_argument("-o", "--output", help="write the buckets here (alerts/summary next to it)")
    p.add_argument("--format", choices=["parquet", "csv", "json"], default="parquet")
    p.add_argument("--bucket", help="bucket width (default: backfill.bucket, else 1m)")
    p.add_argument(
        "--skip-bad-rows", action="store_true", help="skip and count bad rows instead of failing"
    )
    p.add_argument(
        "--skip-bad-files",
        action="store_true",
        help="leave out files that cannot be read (listed in the totals) instead of failing",
    )
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    e = p.add_argument_group(
        "past one machine",
        "Split the data (a directory, glob or file URL) into tasks by file and row group, "
        "aggregate them on a Dask or Ray cluster, merge the partial states here.",
    )
    e.add_argument("--engine", choices=["local", "dask", "ray"], default="local")
    e.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    e.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS, else local)")
    g = p.add_argument_group(
        "column mapping",
        "Each flag overrides the same field of the config's backfill.columns; what neither "
        "gives takes the default shown.",
    )
    g.add_argument("--timestamp-column", help="default: timestamp")
    g.add_argument("--epoch-unit", choices=["s", "ms"], help="for integer timestamps; default: s")
    g.add_argument("--service-column", help="default: service")
    g.add_argument("--success-column", help="boolean success column (default: success if present)")
    g.add_argument("--status-column", help="integer status-code column (default: status)")
    g.add_argument(
        "--failure-codes", help="status codes that are failures, e.g. 5xx,429 (default: 5xx)"
    )
    g.add_argument("--latency-column", help="default: latency_ms")
    g.add_argument("--latency-unit", choices=["ms", "s"], help="default: ms")
    g.add_argument("--count-column", help="events per row, for pre-aggregated exports")
    return p


def run(args: argparse.Namespace) -> int:
    from ..backfill import backfill
    from ..common.durations import parse_duration
    from ..common.status_codes import parse_failure_codes

    config = load(args)
    if args.format != "json" and args.output is None:
        raise InvalidInputError("--output: needed for parquet and csv output")
    codes = None if args.failure_codes is None else parse_failure_codes(args.failure_codes)
    bucket = None if args.bucket is None else parse_duration(args.bucket, name="--bucket")
    columns = {  # what the command line gives; the config's backfill.columns fill the rest
        "timestamp": args.timestamp_column,
        "service": args.service_column,
        "success": args.success_column,
        "status": args.status_column,
        "failure_codes": codes,
        "latency": args.latency_column,
        "latency_unit": args.latency_unit,
        "count": args.count_column,
        "epoch_unit": args.epoch_unit,
    }
    result = backfill(
        config,
        args.data,
        columns=columns,
        start=args.start,
        end=args.end,
        bucket_seconds=bucket,
        skip_bad_rows=args.skip_bad_rows,
        progress=False if args.no_progress else None,
        engine=args.engine,
        address=args.scheduler if args.engine == "dask" else args.address,
        on_bad_file="skip" if args.skip_bad_files else "raise",
    )
    if args.output:
        for path in result.write(args.output, args.format):
            print(f"wrote {path}", file=sys.stderr)
    else:
        import tempfile

        with tempfile.NamedTemporaryFile("r", suffix=".json") as fh:
            result.write(fh.name, "json")
            sys.stdout.write(fh.read())
    totals = result.totals()
    print(json.dumps(totals), file=sys.stderr)
    for path, why in result.bad_files.items():
        print(f"{path}: skipped ({why})", file=sys.stderr)
    for name in result.unmeasured:
        print(
            f"{name}: not measured (a ratio SLI: request rows do not hold its good/total)",
            file=sys.stderr,
        )
    for row in result.summary.to_pylist():
        sli = "no data" if row["sli"] is None else f"{row['sli'] * 100:.4f} %"
        print(
            f"{row['service']}/{row['slo_id']}: SLI {sli}, {row['total']} events, "
            f"{row['alerts']} alert interval(s)",
            file=sys.stderr,
        )
    return 0
