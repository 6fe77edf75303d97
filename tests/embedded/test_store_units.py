"""The embedded store, persistence and exposition, in-process (real files)."""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families

from nexus_sre import _core
from nexus_sre.embedded import EmbeddedStore, load_store
from nexus_sre.embedded.collector import NexusSRECollector
from nexus_sre.embedded.metrics import render_openmetrics, render_text, store_families
from nexus_sre.errors import InvalidInputError, UnknownSLOError


def small_store(tmp_path: Path, **kw: object) -> EmbeddedStore:
    store = EmbeddedStore(bucket_seconds=60, **kw)  # type: ignore[arg-type]
    store.add_slo("api", "avail", target=99.0, window_seconds=3600, burn_windows=(300, 3600))
    store.add_slo("api", "fast", target=95.0, window_seconds=3600, threshold_ms=100.0)
    return store


# -- shared files ---------------------------------------------------------------------


def test_shared_file_with_other_settings_is_a_clear_error(tmp_path: Path) -> None:
    path = str(tmp_path / "x.ring")
    _core.WindowedCounter.open_shared(path, bucket_seconds=60, horizon_seconds=3600)
    with pytest.raises(InvalidInputError, match="30-second buckets"):
        _core.WindowedCounter.open_shared(path, bucket_seconds=30, horizon_seconds=3600)
    Path(path).write_bytes(b"garbage" * 100)
    with pytest.raises(InvalidInputError, match="bad magic"):
        _core.WindowedCounter.open_shared(path, bucket_seconds=60, horizon_seconds=3600)


def test_two_stores_on_one_directory_share_counts(tmp_path: Path) -> None:
    a = small_store(tmp_path, shared_dir=tmp_path / "shm")
    b = small_store(tmp_path, shared_dir=tmp_path / "shm")
    assert a.entry("api", "avail").created and not b.entry("api", "avail").created
    a.recorder("api").record(True, 50.0)
    b.recorder("api").record(False, 500.0)
    w = a.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (1, 2)
    assert b.counter("api", "fast").cumulative() == (1, 2)
    assert str(a.counter("api", "avail").path).endswith("api--avail.ring")


def test_alert_windows_longer_than_the_slo_window_widen_the_horizon() -> None:
    store = EmbeddedStore()
    e = store.add_slo("api", "a", target=99.0, window_seconds=3600, burn_windows=(300, 7200))
    assert (e.window_seconds, e.burn_windows, e.counter.horizon_seconds) == (
        3600,
        (300, 7200),
        7200,
    )
    d = store.add_slo("api", "b", target=99.0, window_seconds=3600)  # defaults that fit
    assert (d.burn_windows, d.counter.horizon_seconds) == ((300, 1800, 3600), 3600)
    with pytest.raises(InvalidInputError, match="burn_windows"):
        store.add_slo("api", "c", target=99.0, window_seconds=3600, burn_windows=(0,))


def test_unknown_service_and_duplicate_slo(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    with pytest.raises(UnknownSLOError):
        store.recorder("nope")
    with pytest.raises(InvalidInputError, match="already registered"):
        store.add_slo("api", "avail", target=99.0, window_seconds=3600)
    with pytest.raises(InvalidInputError, match="target"):
        store.add_slo("api", "x", target=100, window_seconds=3600)


# -- one store for SLOManager and services --------------------------------------------

CALENDAR_AND_RATIO = """\
version: "1.0"
services:
  - name: shop
    tier: tier-3
    slos:
      - id: avail
        target: 99.5
        timeWindow: {calendar: month}
        sli: {type: availability}
      - id: fast
        target: 99.0
        timeWindow: 1d
        sli: {type: latency, threshold: 250ms}
      - id: jobs
        target: 99.0
        timeWindow: 7d
        sli: {type: ratio, goodQuery: good, totalQuery: total}
"""


def test_manager_and_service_open_the_same_rings(tmp_path: Path) -> None:
    from nexus_sre.config import load_config_text
    from nexus_sre.live.manager import SLOManager

    config = load_config_text(CALENDAR_AND_RATIO, "t.yaml")
    service = EmbeddedStore.from_config(config, shared_dir=tmp_path / "shm")
    manager = SLOManager(config, shared_dir=tmp_path / "shm")  # same layout: no mismatch
    assert not manager.store.entry("shop", "avail").created
    # A calendar month keeps 31 days; /metrics still reads the nominal 30-day window.
    e = service.entry("avail")
    assert (e.counter.horizon_seconds, e.window_seconds) == (31 * 86400, 30 * 86400)
    # The recorder feeds availability and latency, never the ratio SLO.
    service.recorder("shop").record(False, 500.0)
    assert len(service.recorder("shop")) == 2
    assert service.availability_counters("shop") == [service.counter("shop", "avail")]
    assert manager.get_error_budget("avail").events == 1
    assert manager.store.counter("jobs").window(3600).total == 0


def test_lookups_by_id_and_by_service() -> None:
    store = EmbeddedStore()
    store.add_slo("a", "avail", target=99.0, window_seconds=3600)
    store.add_slo("b", "avail", target=99.0, window_seconds=3600)
    store.add_slo("b", "jobs", target=99.0, window_seconds=3600, sli="ratio")
    assert store.counter("jobs") is store.counter("b", "jobs")
    assert [e.slo for e in store.entries("b")] == ["avail", "jobs"]
    with pytest.raises(UnknownSLOError, match="several services"):
        store.counter("avail")
    with pytest.raises(UnknownSLOError, match="unknown SLO id 'nope'"):
        store.counter("nope")
    with pytest.raises(UnknownSLOError, match="unknown service 'c'"):
        store.entries("c")
    with pytest.raises(InvalidInputError, match="sli"):
        store.add_slo("b", "x", target=99.0, window_seconds=3600, sli="latency")


def test_saved_snapshot_loads_into_a_report_store(tmp_path: Path) -> None:
    """What a service flushes, a report reads (event clock: old history is kept)."""
    from nexus_sre.config import load_config_text
    from nexus_sre.sources.embedded import open_store

    config = load_config_text(CALENDAR_AND_RATIO, "t.yaml")
    service = EmbeddedStore.from_config(config, persist_dir=tmp_path / "seg")
    service.recorder("shop").record(True, 10.0)
    service.counter("jobs").add(9, 10)
    service.close()
    report = open_store(config, tmp_path / "seg")
    assert report.clock == "event"
    assert [report.counter(i).window(3600).total for i in ("avail", "fast", "jobs")] == [1, 1, 10]


# -- persistence ----------------------------------------------------------------------


def test_flush_and_restore_round_trip(tmp_path: Path) -> None:
    seg_dir = tmp_path / "seg"
    store = small_store(tmp_path, persist_dir=seg_dir)
    rec = store.recorder("api")
    for i in range(40):
        rec.record(i % 4 != 0, 10.0 * i)
    path = store.flush()
    assert path is not None and path.exists()
    assert not list(seg_dir.glob(".tmp-*"))

    fresh = small_store(tmp_path, persist_dir=seg_dir)
    assert fresh.restore() == 80  # 40 events into each of two SLOs
    w = fresh.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (30, 40)
    assert fresh.counter("api", "fast").cumulative() == (11, 40)

    tables = load_store(seg_dir)
    assert set(tables) == {("api", "avail"), ("api", "fast")}
    assert sum(tables[("api", "avail")].column("total").to_pylist()) == 40


def test_corrupt_segments_are_skipped_with_warning(tmp_path: Path, caplog) -> None:
    seg_dir = tmp_path / "seg"
    store = small_store(tmp_path, persist_dir=seg_dir)
    store.recorder("api").record(False, 1.0)
    good = store.flush()
    assert good is not None
    ns = int(good.name.split("-")[1])
    junk = b"ARROW1\x00\x00" + b"\x07" * 100
    (seg_dir / f"segment-{ns + 5:020d}-9-{zlib.crc32(junk):08x}.arrow").write_bytes(junk)
    (seg_dir / f"segment-{ns + 9:020d}-9-00000000.arrow").write_bytes(b"partial")
    with caplog.at_level(logging.WARNING, logger="nexus_sre.embedded"):
        tables = load_store(seg_dir)
    assert sum(tables[("api", "avail")].column("total").to_pylist()) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("checksum mismatch" in m for m in messages)
    assert any("not a readable Arrow IPC file" in m for m in messages)


def test_only_newest_segments_are_kept(tmp_path: Path) -> None:
    store = small_store(tmp_path, persist_dir=tmp_path / "seg", keep_segments=2)
    for _ in range(5):
        store.flush()
    assert len(list((tmp_path / "seg").glob("segment-*.arrow"))) == 2


def test_background_flusher_writes_and_close_flushes(tmp_path: Path) -> None:
    store = small_store(tmp_path, persist_dir=tmp_path / "seg", flush_interval=0.05)
    store.start()
    store.recorder("api").record(True, 1.0)
    store.close()
    assert sum(load_store(tmp_path / "seg")[("api", "avail")].column("total").to_pylist()) == 1


# -- exposition -----------------------------------------------------------------------


def test_text_and_openmetrics_parse(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    rec = store.recorder("api")
    for i in range(200):
        rec.record(i % 50 != 0, 150.0 if i % 10 == 0 else 5.0)
    store.add_slo('we"ird\\svc', "a\nb", target=99.9, window_seconds=3600)
    fams = store_families(store)
    parsed = {f.name: f for f in text_string_to_metric_families(render_text(fams))}
    totals = {
        tuple(sorted(s.labels.items())): s.value for s in parsed["nexus_sre_requests"].samples
    }
    assert totals[(("service", "api"), ("slo", "avail"))] == 200
    assert totals[(("service", 'we"ird\\svc'), ("slo", "a\nb"))] == 0
    burn = {
        (s.labels["slo"], s.labels["window"]): s.value
        for s in parsed["nexus_sre_burn_rate"].samples
        if s.labels["service"] == "api"
    }
    assert burn[("avail", "5m")] == pytest.approx((4 / 200) / 0.01)
    assert burn[("fast", "1h")] == pytest.approx((20 / 200) / 0.05)
    counters_only = render_text(store_families(store, gauges=False))
    assert {f.name for f in text_string_to_metric_families(counters_only)} == {
        "nexus_sre_requests",
        "nexus_sre_requests_good",
    }
    om = {f.name: f for f in om_parse(render_openmetrics(fams))}
    assert om["nexus_sre_requests_good"].type == "counter"
    assert om["nexus_sre_error_budget_remaining_ratio"].type == "gauge"


def test_collector_in_an_existing_registry(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    store.recorder("api").record(False, 1.0)
    registry = CollectorRegistry()
    registry.register(NexusSRECollector(store))
    text = generate_latest(registry).decode()
    parsed = {f.name: f for f in text_string_to_metric_families(text)}
    values = {(s.name, s.labels["slo"]): s.value for s in parsed["nexus_sre_requests_good"].samples}
    assert values[("nexus_sre_requests_good_total", "fast")] == 1
    assert values[("nexus_sre_requests_good_total", "avail")] == 0


def test_budget_gauge_of_a_calendar_month_reads_the_month_so_far() -> None:
    # December 20: the 1 % errors of November 25 belong to November's budget, not to
    # December's (a rolling 30 days would still hold them).
    from datetime import UTC, datetime

    from nexus_sre.config import parse_config

    slo = {"id": "m", "target": 99.5, "timeWindow": {"calendar": "month"}}
    config = parse_config(
        {
            "version": "1.0",
            "services": [
                {
                    "name": "shop",
                    "tier": "tier-2",
                    "slos": [{**slo, "sli": {"type": "availability"}}],
                }
            ],
        }
    )
    at = datetime(2026, 12, 20, tzinfo=UTC).timestamp()
    store = EmbeddedStore.from_config(config, clock="manual", now=at)
    store.counter("m").add(990, 1000, datetime(2026, 11, 25, tzinfo=UTC).timestamp())
    store.counter("m").add(999, 1000, datetime(2026, 12, 10, tzinfo=UTC).timestamp())
    fams = {f.name: f for f in store_families(store)}
    (remaining,) = fams["nexus_sre_error_budget_remaining_ratio"].samples
    assert remaining.value == pytest.approx(1 - (1 / 1000) / 0.005)  # 0.8
