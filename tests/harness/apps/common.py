"""The store every test server builds, from a real config file and env settings."""

from __future__ import annotations

import logging
import os

from nexus_sre.config import load_config_text
from nexus_sre.embedded import EmbeddedStore

CONFIG = """\
version: "1.0"
services:
  - name: shop
    tier: tier-1
    slos:
      - id: availability
        target: 99.5
        timeWindow: 1d
        sli:
          type: availability
      - id: latency
        target: 99.5
        timeWindow: 1d
        sli:
          type: latency
          threshold: 250ms
  # A per-route SLO: its own service, fed by the route recorder of /items/{id}.
  - name: shop-items
    tier: tier-1
    slos:
      - id: items-availability
        target: 99.5
        timeWindow: 1d
        sli:
          type: availability
  - name: web-frontend
    tier: tier-2
    slos:
      - id: browser-errors
        target: 99.5
        timeWindow: 1d
        sli:
          type: availability
"""


def build_store() -> EmbeddedStore:
    logging.basicConfig(level=logging.INFO)
    config = load_config_text(CONFIG, "test-config.yaml")
    return EmbeddedStore.from_config(
        config,
        shared_dir=os.environ.get("NEXUS_TEST_SHARED_DIR") or None,
        persist_dir=os.environ.get("NEXUS_TEST_PERSIST_DIR") or None,
        flush_interval=float(os.environ.get("NEXUS_TEST_FLUSH", "5")),
        bucket_seconds=60,
    )


def store_state(store: EmbeddedStore) -> str:
    """The store as the service sees it, as JSON: window and cumulative counts per SLO."""
    import json

    out = {}
    for e in store.entries():
        w = e.counter.window(e.window_seconds)
        out[f"{e.service}/{e.slo}"] = {
            "good": w.good,
            "total": w.total,
            "cumulative": list(e.counter.cumulative()),
        }
    digest = {
        e.service: [
            {"message": b.message, "count": b.count, "component": b.component, "url": b.url}
            for b in store.browser_errors(e.service)
        ]
        for e in store.entries()
        if e.sli == "availability"
    }
    return json.dumps({"pid": os.getpid(), "slos": out, "browser_errors": digest})
