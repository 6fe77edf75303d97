"""The backfill on one machine, on Dask and on Ray, and Dask's own dataframe way, each in a
fresh process: `python benches/distributed_engines.py ENGINE WORKERS DATA_DIR CONFIG` prints
JSON with the wall time (`wall_s`: the first job on a fresh cluster; `warm_wall_s`: the
same job again on it), the driver's and each worker's peak RSS (VmHWM), the bytes of
partial state moved, and a digest of the per-service, per-minute counts (equal across
engines).

* `local`: `nexus_sre.backfill(config, dir)` (Rust reader, both cores).
* `dask`, `ray`: `engine="dask"|"ray"` on a LocalCluster / local Ray runtime of WORKERS
  single-threaded workers (one task per core: the engines' own model of parallelism).
* `dask-dataframe`: `dask.dataframe.read_parquet` -> per-minute good/total groupby on the
  same LocalCluster: what a Dask user would write without us.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from typing import Any

import numpy as np


def peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (workers, nannies, raylets)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def digest_result(result: Any) -> str:
    h = hashlib.sha256()
    for s in result.slos:
        nz = np.flatnonzero(s.total)
        h.update(s.service.encode())
        h.update(((s.first_bucket + nz) * result.bucket_seconds).astype(np.int64).tobytes())
        h.update(s.good[nz].astype(np.int64).tobytes())
        h.update(s.total[nz].astype(np.int64).tobytes())
    return h.hexdigest()[:16]


def digest_frame(df: Any) -> str:
    """The same digest from a pandas frame of service, minute (epoch s), good, total."""
    h = hashlib.sha256()
    for service, part in df.sort_values(["service", "minute"]).groupby("service", sort=True):
        h.update(str(service).encode())
        h.update(part["minute"].to_numpy(np.int64).tobytes())
        h.update(part["good"].to_numpy(np.int64).tobytes())
        h.update(part["total"].to_numpy(np.int64).tobytes())
    return h.hexdigest()[:16]


def _imports() -> int:
    import dask.dataframe  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import nexus_sre.backfill.engine  # noqa: F401

    return os.getpid()


def warm_up(engine: str, client: Any, workers: int) -> None:
    """Start-up is not the work: every worker imports what its tasks need before the clock
    starts (a cluster that backfills is up and warm)."""
    if client is not None:
        client.run(_imports)
    if engine == "ray":
        import ray

        remote = ray.remote(_imports)
        ray.get([remote.remote() for _ in range(workers * 2)])


def run(engine: str, workers: int, data: str, config: str) -> dict[str, Any]:
    import nexus_sre
    from nexus_sre.backfill import Columns

    columns = Columns(status="status", latency=None)
    cluster = client = None
    if engine in ("dask", "dask-dataframe"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            host="127.0.0.1",
        )
        client = Client(cluster)
    if engine == "ray":
        import ray

        ray.init(
            num_cpus=workers,
            include_dashboard=False,
            log_to_driver=False,
            _node_ip_address="127.0.0.1",
        )
    warm_up(engine, client, workers)
    out: dict[str, Any] = {"engine": engine, "workers": workers}
    began = time.perf_counter()
    if engine == "dask-dataframe":
        import dask.dataframe as dd

        df = dd.read_parquet(data, columns=["timestamp", "service", "status"])
        import pandas as pd

        epoch = pd.Timestamp(0, tz="UTC")
        df = df.assign(
            # Whole minutes since the epoch, in seconds, whatever the timestamp's unit.
            minute=(df["timestamp"] - epoch) // pd.Timedelta("1min") * 60,
            good=(df["status"] < 500).astype("int64"),
            total=1,
        )
        per_minute = df.groupby(["service", "minute"], observed=True)[["good", "total"]].sum()
        frame = per_minute.compute().reset_index()
        out["wall_s"] = time.perf_counter() - began
        frame = frame[frame["total"] > 0]
        out["digest"] = digest_frame(frame)
        out["state_bytes"] = None
    else:
        kw: dict[str, Any] = {"engine": engine, "progress": False}
        if engine == "dask":
            kw["client"] = client
        result = nexus_sre.backfill(config, data, columns=columns, **kw)
        out["wall_s"] = time.perf_counter() - began
        out["digest"] = digest_result(result)
        out["state_bytes"] = result.state_bytes
        out["rows"] = result.rows_read
        out["driver_rss_mb"] = peak_rss_mb(os.getpid())  # before a second result is held
        del result
        if engine != "local":
            # The same job again on the cluster the first one warmed: what a long-lived
            # cluster gives every job after its first.
            began = time.perf_counter()
            again = nexus_sre.backfill(config, data, columns=columns, **kw)
            out["warm_wall_s"] = time.perf_counter() - began
            assert digest_result(again) == out["digest"]
    out.setdefault("driver_rss_mb", peak_rss_mb(os.getpid()))
    out["worker_rss_mb"] = sorted(
        (round(peak_rss_mb(p), 1) for p in descendants(os.getpid())), reverse=True
    )[: max(workers, 1) + 2]
    if client is not None:
        client.close()
        cluster.close()
    if engine == "ray":
        import ray

        ray.shutdown()
    return out


if __name__ == "__main__":
    engine, workers, data, config = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    print(json.dumps(run(engine, workers, data, config)))
