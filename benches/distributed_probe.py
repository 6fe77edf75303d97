"""Where a distributed backfill's time goes, for diagnosis (issue 18; not a benchmark).

    python benches/distributed_probe.py cluster WORKERS DATA CONFIG
        One job on a fresh LocalCluster of WORKERS one-thread workers: wall time, and per
        process (driver, each worker) user and system CPU seconds and minor page faults.
    python benches/distributed_probe.py states DATA CONFIG
        The first 8 tasks' states: bytes, and best-of-5 milliseconds of writing one
        (`to_ipc`), reading 8 (`from_ipc`) and one 8-way merge task (`merge_states`).

DATA and CONFIG as in distributed_engines.py (status column `status`, no latency).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from distributed_engines import descendants, warm_up


def cpu_and_faults(pid: int) -> tuple[float, float, int]:
    """(user s, system s, minor faults) of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick, int(fields[7])


def options(config: str) -> Any:
    from nexus_sre.backfill import Columns
    from nexus_sre.backfill.options import BackfillOptions, as_config

    return BackfillOptions(
        config=as_config(config),
        columns=Columns(status="status", latency=None),
        start=None,
        end=None,
        bucket_seconds=None,
        skip_bad_rows=False,
        progress=False,
        threads=1,
        on_bad_file="raise",
    )


def cluster(workers: int, data: str, config: str) -> None:
    from distributed import Client, LocalCluster

    import nexus_sre
    from nexus_sre.backfill import Columns

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            host="127.0.0.1",
        ) as lc,
        Client(lc) as client,
    ):
        warm_up("dask", client, workers)
        pids = [os.getpid(), *descendants(os.getpid())]
        before = {p: cpu_and_faults(p) for p in pids}
        began = time.perf_counter()
        nexus_sre.backfill(
            config,
            data,
            columns=Columns(status="status", latency=None),
            engine="dask",
            client=client,
            progress=False,
        )
        print(f"wall {time.perf_counter() - began:.2f} s")
        for p in pids:
            now = cpu_and_faults(p)
            user, system, faults = (a - b for a, b in zip(now, before[p], strict=True))
            if user + system > 0.01:
                role = "driver" if p == os.getpid() else "worker"
                print(f"  {role} {p}: user {user:.2f} s, system {system:.2f} s, {faults} faults")


def best_ms(run: Any, times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best * 1000


def states(data: str, config: str) -> None:
    from nexus_sre.backfill.distributed import aggregate_part, merge_states
    from nexus_sre.backfill.state import PartialState
    from nexus_sre.backfill.tasks import plan

    opts = options(config)
    blobs = [aggregate_part(part, opts) for part in plan(data).parts[:8]]
    one = PartialState.from_ipc(blobs[0])
    print(f"state bytes: {[len(b) for b in blobs]}")
    print(f"to_ipc, one state:         {best_ms(one.to_ipc):6.1f} ms")
    read = best_ms(lambda: [PartialState.from_ipc(b) for b in blobs])
    print(f"from_ipc, {len(blobs)} states:        {read:6.1f} ms")
    print(f"merge_states, {len(blobs)} states:    {best_ms(lambda: merge_states(*blobs)):6.1f} ms")


if __name__ == "__main__":
    if sys.argv[1] == "cluster":
        cluster(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        states(sys.argv[2], sys.argv[3])
