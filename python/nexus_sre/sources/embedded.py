"""The embedded source: SLO history from the embedded store's saved counters."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..common.times import from_epoch
from ..config import SLO, Config, Service
from ..embedded import EmbeddedStore
from ..embedded.digest import BrowserError
from ..slo.evaluate import BucketSeries
from ..slo.evaluation import SloEvaluation
from .evaluate_all import chosen_slos, evaluate_all

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


def resolve_store(
    config: Config, store: str | os.PathLike[str] | EmbeddedStore | None
) -> tuple[EmbeddedStore, str]:
    """The store a report reads and its name for messages: a given `EmbeddedStore` as it
    is, else one loaded from a snapshot directory (`open_store`)."""
    if isinstance(store, EmbeddedStore):
        where = store.persist_dir or store.shared_dir
        return store, str(where) if where is not None else "in this process"
    return open_store(config, store), str(store) if store is not None else ""


def browser_error_digests(
    store: EmbeddedStore, services: Sequence[str] | None = None
) -> dict[str, list[BrowserError]]:
    """Every entry of each service's browser error digest (of `services`), most counted
    first: what a report shows the top of."""
    return {
        name: store.browser_digest.top(name, None)
        for name in store.services()
        if not services or name in services
    }


class StoreSource:
    """An embedded store as a `BucketSource`: its data begins a horizon before its "now"."""

    parallel = True
    no_data_hint = (
        "record requests with SLOManager, or run `nexus-sre demo` to create a demo dataset"
    )

    def __init__(self, store: EmbeddedStore, label: str = ""):
        self.store = store
        self.bucket_seconds = store.bucket_seconds
        self.label = f"embedded store {label or default_store_dir()}"

    def slos(self, config: Config, services: Sequence[str] | None) -> list[tuple[Service, SLO]]:
        return chosen_slos(list(config.slos()), services)

    def default_end(self) -> datetime:
        return datetime.now(UTC)

    def data_start(self, service: Service, slo: SLO, end: datetime) -> datetime | None:
        # The ring keeps a horizon before its newest time; one read spans at most that.
        counter = self.store.counter(slo.id)
        return from_epoch(max(counter.now(), end.timestamp()) - counter.horizon_seconds)

    def check_period(self, start: datetime, end: datetime) -> None:
        pass  # any period: outside the ring is no data

    def buckets(self, service: Service, slo: SLO, start: datetime, end: datetime) -> BucketSeries:
        table = self.store.counter(slo.id).series(start.timestamp(), end.timestamp())
        return BucketSeries.from_table(table, self.bucket_seconds, start)


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
    return evaluate_all(
        config,
        StoreSource(store, store_label),
        start=start,
        end=end,
        days=days,
        services=services,
        with_series=with_series,
    )
