"""nexus-sre embedded in a service: the embedded store (counters per SLO, in-process or
shared by the workers of a pre-fork server), persistence, and /metrics. See
docs/embedding.md."""

from __future__ import annotations

from .snapshots import load_store
from .store import DEFAULT_BURN_WINDOWS, EmbeddedStore, SloEntry, ring_file_name

__all__ = [
    "DEFAULT_BURN_WINDOWS",
    "EmbeddedStore",
    "SloEntry",
    "load_store",
    "ring_file_name",
]
