"""SLOManager with `shared_dir`: worker processes count into the same counters."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from nexus_sre import InvalidInputError
from nexus_sre.live.manager import SLOManager

from .conftest import config_dict

PER_WORKER = 20_000


def _worker(shared: str, worker: int) -> None:
    manager = SLOManager(config_dict(), shared_dir=shared)
    rec = manager.recorder("api")
    for i in range(PER_WORKER):
        # Worker w fails every (w + 2)th request and is slow every 10th.
        rec.record(i % (worker + 2) != 0, 500.0 if i % 10 == 0 else 5.0)


def test_workers_share_counts_exactly(tmp_path: Path) -> None:
    shared = str(tmp_path / "shm")
    ctx = mp.get_context("spawn")  # fresh interpreters, like gunicorn workers after exec
    procs = [ctx.Process(target=_worker, args=(shared, w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    reader = SLOManager(config_dict(), shared_dir=shared)
    total = 3 * PER_WORKER
    bad = sum(len(range(0, PER_WORKER, w + 2)) for w in range(3))
    a = reader.get_error_budget("api-availability")
    assert a.events == total
    assert a.sli_percent == pytest.approx(100 * (total - bad) / total)
    slow = 3 * len(range(0, PER_WORKER, 10))
    lat = reader.store.counter("api-latency").window(3600)
    assert (lat.total - lat.good, lat.total) == (slow, total)


def test_shared_dir_needs_the_system_clock(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="shared_dir"):
        SLOManager(config_dict(), shared_dir=tmp_path, clock="manual", now=0)
