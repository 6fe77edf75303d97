"""Synthetic request export for the backfill benchmarks.

    python benches/make_export.py OUT.parquet [--rows 50000000] [--seed 1]

30 days, 20 services, one row per request: timestamp (ms, UTC), service (dictionary),
status (int16), latency_ms (float32, lognormal). Each service has a few error bursts
(outages and slow burns) over a 0.05 % baseline. Written in time slices of 1M rows (one row
group each, rows unsorted within a slice), zstd: memory stays at one slice.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAYS = 30
SERVICES = [f"svc-{i:02d}" for i in range(20)]
SLICE = 1_000_000

CONFIG = """\
version: "1.0"
services:
{services}
"""
SERVICE = """\
  - name: {name}
    tier: tier-1
    slos:
      - id: {name}-avail
        name: {name} availability
        target: 99.9
        timeWindow: 30d
        sli: {{type: availability}}
"""


def config_text() -> str:
    """Availability at 99.9 % over 30 days for every service: the Workbook's tiers give
    windows 5m, 30m, 1h, 2h, 6h, 1d, 3d, and the 30d budget window."""
    return CONFIG.format(services="".join(SERVICE.format(name=n) for n in SERVICES))


def _bursts(rng: np.random.Generator) -> np.ndarray:
    """Per service, (start s, end s, error rate) rows: short outages and long slow burns."""
    out = []
    for s in range(len(SERVICES)):
        for _ in range(rng.integers(1, 4)):  # outages: 2-30 minutes at 20-100 %
            start = rng.integers(0, DAYS * 86400)
            out.append((s, start, start + 60 * rng.integers(2, 31), rng.uniform(0.2, 1.0)))
        for _ in range(rng.integers(0, 3)):  # slow burns: 1-12 hours at 0.5-2 %
            start = rng.integers(0, DAYS * 86400)
            out.append((s, start, start + 3600 * rng.integers(1, 13), rng.uniform(0.005, 0.02)))
    return np.array(out, dtype=np.float64)


def make(path: str | Path, rows: int = 50_000_000, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    bursts = _bursts(rng)
    # Service popularity is skewed (Zipf-like), as in real fleets.
    weights = 1.0 / np.arange(1, len(SERVICES) + 1)
    weights /= weights.sum()
    mu = rng.uniform(3.0, 5.0, len(SERVICES))  # median latency 20-150 ms
    dict_type = pa.dictionary(pa.int32(), pa.string())
    schema = pa.schema(
        [
            ("timestamp", pa.timestamp("ms", tz="UTC")),
            ("service", dict_type),
            ("status", pa.int16()),
            ("latency_ms", pa.float32()),
        ]
    )
    path = Path(path)
    span_ms = DAYS * 86400 * 1000
    slices = max(1, -(-rows // SLICE))
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for k in range(slices):
            n = min(SLICE, rows - k * SLICE)
            lo, hi = span_ms * k // slices, span_ms * (k + 1) // slices
            ts = rng.integers(lo, hi, n)  # a time slice, unsorted within it
            svc = rng.choice(len(SERVICES), n, p=weights).astype(np.int32)
            p_err = np.full(n, 0.0005)
            secs = ts // 1000
            for s, b0, b1, rate in bursts:
                hit = (svc == int(s)) & (secs >= b0) & (secs < b1)
                p_err[hit] = rate
            failed = rng.random(n) < p_err
            status = np.where(failed, rng.choice([500, 502, 503], n), 200).astype(np.int16)
            latency = rng.lognormal(mu[svc], 0.6).astype(np.float32)
            latency[failed] *= 3
            table = pa.table(
                {
                    "timestamp": pa.array(T0 * 1000 + ts, pa.timestamp("ms", tz="UTC")),
                    "service": pa.DictionaryArray.from_arrays(pa.array(svc), pa.array(SERVICES)),
                    "status": status,
                    "latency_ms": latency,
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=SLICE)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--config", help="also write the matching SLO config here")
    args = ap.parse_args()
    make(args.out, args.rows, args.seed)
    if args.config:
        Path(args.config).write_text(config_text())


if __name__ == "__main__":
    main()
