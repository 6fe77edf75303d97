"""A collector for an application's existing prometheus_client registry (the `prometheus`
extra): `REGISTRY.register(NexusSRECollector(store))`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import InvalidInputError
from .metrics import store_families
from .store import EmbeddedStore

try:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "nexus_sre.embedded.collector needs prometheus_client: pip install 'nexus-sre[prometheus]'"
    ) from e


class NexusSRECollector:
    """Yields the store's families on every collection (custom collector protocol)."""

    def __init__(self, store: EmbeddedStore, *, gauges: bool = True) -> None:
        if not isinstance(store, EmbeddedStore):
            raise InvalidInputError(f"store: expected an EmbeddedStore, got {type(store).__name__}")
        self.store = store
        self.gauges = gauges

    def collect(self) -> Iterator[Any]:
        for f in store_families(self.store, gauges=self.gauges):
            label_names = [k for k, _ in f.samples[0].labels] if f.samples else ["service", "slo"]
            fam: Any
            if f.kind == "counter":
                fam = CounterMetricFamily(f.name, f.help, labels=label_names)
            else:
                fam = GaugeMetricFamily(f.name, f.help, labels=label_names)
            for s in f.samples:
                fam.add_metric([v for _, v in s.labels], s.value)
            yield fam

    def describe(self) -> list[Any]:
        # Families depend on the store's SLOs; an empty description lets registration
        # skip collecting at register time.
        return []
