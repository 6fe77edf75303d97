"""The embedded source: SLO history from the embedded store's saved counters."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from ..config import SLO, Config, Service
from ..embedded import EmbeddedStore
from ..errors import NoDataError
from ..slo.evaluate import BucketSeries, evaluate_series, period_bounds
from ..slo.evaluation import SloEvaluation

DEFAULT_STORE = ".nexus-sre/store"


def default_store_dir() -> Path:
    return Path(os.environ.get("NEXUS_SRE_STORE", DEFAULT_STORE))


def open_store(config: Config, directory: str | os.PathLike[str] | None = None) -> EmbeddedStore:
    """A store for `config` with what was saved in `directory` loaded (event-time clock:
    saved history is never "too old" because the wall clock moved on)."""
    store = EmbeddedStore.from_config(config, clock="event")
    path = Path(directory) if directory is not None else default_store_dir()
    if path.exists():
        store.load(path)
    return store


def evaluate_store(
    config: Config,
    store: EmbeddedStore,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
    services: list[str] | None = None,
    with_series: bool = True,
    store_label: str = "",
) -> list[SloEvaluation]:
    chosen = [(sv, s) for sv, s in config.slos() if not services or sv.name in services]

    def one(pair: tuple[Service, SLO]) -> SloEvaluation:
        service, slo = pair
        p_start, p_end = period_bounds(
            slo, start=start, end=end, days=days, bucket_seconds=store.bucket_seconds
        )
        table = store.counter(slo.id).series(p_start.timestamp(), p_end.timestamp())
        series = BucketSeries.from_table(table, store.bucket_seconds, p_start)
        return evaluate_series(service, slo, series, period_end=p_end, with_series=with_series)

    # The core's kernels and numpy release the GIL: workers keep both cores busy.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        out = list(pool.map(one, chosen))
    if out and not any(e.total for e in out):
        raise NoDataError(
            f"embedded store {store_label or default_store_dir()}: no events recorded for these "
            "SLOs in the period; record requests with SLOManager, or run `nexus-sre demo` "
            "to create a demo dataset"
        )
    return out
