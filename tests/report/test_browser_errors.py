"""Browser errors in the report: the embedded store's digest reaches the model (from a live
store and from its saved snapshots), only where seen in the period, and every format shows
the browsers' text safely."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import yaml

from nexus_sre.config import parse_config
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.embedded.digest import BrowserError
from nexus_sre.report import render
from nexus_sre.report.make import make_report

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json").read_text()
)
EVIL = "<script>alert(1)</script> | col\nnew line"
T0 = datetime(2026, 11, 10, tzinfo=UTC).timestamp()  # inside the fixture's November period


def entry(message: str, count: int, first: float = T0, last: float = T0 + 60) -> BrowserError:
    return BrowserError(message, count, "Cart", "https://shop.example/cart", first, last)


def test_top_entries_seen_in_the_period_most_counted_first(rf) -> None:
    day = 86400.0
    entries = [
        entry("rare", 1),
        entry("frequent", 7, last=T0 + 5 * day),
        entry("tie, older", 3, last=T0 + 100),
        entry("tie, newer", 3, last=T0 + 200),
        entry("before the period", 50, rf.start.timestamp() - 2 * day, rf.start.timestamp() - day),
        entry("after the period", 50, rf.end.timestamp(), rf.end.timestamp() + 60),
        # first seen before the period, still seen in it: shown, with its whole count
        entry("long-running", 4, rf.start.timestamp() - day, T0),
        *(entry(f"filler {i:02d}", 2) for i in range(10)),
    ]
    other = [rf.eval(service="nexus-batch", slo_id="b")]
    report = rf.build([rf.eval(), *other], browser_errors={"nexus-api": entries, "nexus-batch": []})
    api, batch = report["services"]
    shown = api["browserErrors"]
    assert [b["message"] for b in shown[:5]] == [
        "frequent",
        "long-running",
        "tie, newer",
        "tie, older",
        "filler 00",  # equal counts and times: by message
    ]
    assert len(shown) == 10  # at most ten per service
    assert shown[0] == {
        "message": "frequent",
        "component": "Cart",
        "url": "https://shop.example/cart",
        "count": 7,
        "firstSeen": "2026-11-10T00:00:00Z",
        "lastSeen": "2026-11-15T00:00:00Z",
    }
    assert "browserErrors" not in batch  # none seen: no empty section
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert json.loads(render(report, "json")) == report
    assert yaml.safe_load(render(report, "yaml")) == report


def test_no_digest_no_section(rf) -> None:
    report = rf.build([rf.eval()])
    assert "browserErrors" not in report["services"][0]
    assert "Browser errors" not in render(report, "html")
    assert "Browser errors" not in render(report, "markdown")
    assert "browserErrors" not in render(report, "csv").splitlines()[0]


def _evil_report(rf) -> dict[str, Any]:
    errors = [
        BrowserError(EVIL, 3, "<b>Cart</b>", "javascript:alert(2)", T0, T0),
        entry('=HYPERLINK("http://x")', 1),
    ]
    return rf.build([rf.eval()], browser_errors={"nexus-api": errors})


def test_html_escapes_browser_text(rf) -> None:
    html = render(_evil_report(rf), "html")
    assert "<script" not in html.lower() and "<b>Cart" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | col\nnew line" in html
    assert "&lt;b&gt;Cart&lt;/b&gt;" in html
    assert 'href="javascript' not in html and "javascript:alert(2)" in html  # text, no link
    assert "<caption>Browser errors (top 2)</caption>" in html


def test_markdown_escapes_pipes_newlines_and_markup(rf) -> None:
    text = render(_evil_report(rf), "markdown")
    lines = text.splitlines()
    at = lines.index("#### Browser errors")
    header, _, row, second = lines[at + 2 : at + 6]

    def cells(line: str) -> int:
        return line.replace("\\|", "").count("|")

    assert cells(row) == cells(second) == cells(header) == 6  # 5 columns, no extra
    assert "<script" not in text and "&lt;script\\>alert(1)&lt;/script\\>" in row
    assert "\\| col new line" in row  # the pipe escaped, the newline a space
    assert "&lt;b\\>Cart&lt;/b\\>" in row
    assert row.startswith("| nexus-api | ") and row.endswith(" | 3 | 2026-11-10T00:00:00Z |")


def test_markdown_clips_long_messages(rf) -> None:
    long = "x" * 450
    report = rf.build([rf.eval()], browser_errors={"nexus-api": [entry(long, 1)]})
    text = render(report, "markdown")
    assert "x" * 199 + "…" in text and "x" * 200 not in text
    assert report["services"][0]["browserErrors"][0]["message"] == long  # JSON keeps it


def test_csv_columns_per_service_and_guarded(rf) -> None:
    report = rf.build(
        [rf.eval(), rf.eval(slo_id="api-latency"), rf.eval(service="other", slo_id="o")],
        browser_errors={"nexus-api": [entry('=HYPERLINK("http://x")', 5), entry("second", 2)]},
    )
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"), newline="")))
    assert [r["browserErrors"] for r in rows] == ["7", "7", "0"]
    assert rows[0]["topBrowserError"] == '\'=HYPERLINK("http://x")'  # formula guarded
    assert rows[2]["topBrowserError"] == ""


def _store_config() -> Any:
    slo = {
        "id": "browser-errors",
        "target": 99.5,
        "timeWindow": "1d",
        "sli": {"type": "availability"},
    }
    return parse_config(
        {
            "version": "1.0",
            "services": [
                {"name": "web", "tier": "tier-2", "slos": [slo]},
                {"name": "api", "tier": "tier-1", "slos": [{**slo, "id": "api-availability"}]},
            ],
        }
    )


def _filled_store(config: Any) -> tuple[EmbeddedStore, float]:
    store = EmbeddedStore.from_config(config, clock="event")
    now = float(int(datetime.now(UTC).timestamp()) // 60 * 60)
    store.counter("api-availability").add(1000, 1000, now - 120)
    store.counter("browser-errors").add(500, 500, now - 3600)
    for i, message in enumerate(["TypeError: x is undefined"] * 3 + [EVIL]):
        store.record_browser_error("web", message, "Cart", "https://shop/c", timestamp=now - i)
    return store, now


def test_make_report_from_a_live_store_and_from_its_snapshot(tmp_path: Path) -> None:
    config = _store_config()
    store, now = _filled_store(config)
    live, _ = make_report(config, source="embedded", store=store)
    web = next(s for s in live["services"] if s["name"] == "web")
    assert [(b["message"], b["count"]) for b in web["browserErrors"]] == [
        ("TypeError: x is undefined", 3),
        (EVIL, 1),
    ]
    assert web["browserErrors"][0]["lastSeen"] == datetime.fromtimestamp(now, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert "browserErrors" not in next(s for s in live["services"] if s["name"] == "api")

    # What `nexus-sre report --store DIR` reads: the snapshot the service wrote.
    store.save(tmp_path / "segments")
    saved, _ = make_report(config, source="embedded", store=str(tmp_path / "segments"))
    assert saved["services"] == live["services"]
    # A services filter leaves the others' errors out with them.
    only_api, _ = make_report(
        config, source="embedded", store=str(tmp_path / "segments"), services=["api"]
    )
    assert [s["name"] for s in only_api["services"]] == ["api"]


def test_other_sources_have_no_browser_errors(tmp_path: Path) -> None:
    from nexus_sre.backfill.counts import SloCounts
    from nexus_sre.sources.backfill import BackfillSource

    config = _store_config()
    end = datetime(2026, 12, 20, tzinfo=UTC)
    first = int((end - timedelta(days=1)).timestamp()) // 60
    ones = np.ones(1440, np.uint64)
    counts = {(sv.name, s.id): SloCounts(first, ones, ones) for sv, s in config.slos()}
    src = BackfillSource(60, counts, start=first * 60, end=(first + 1440) * 60)
    report, _ = make_report(config, source="backfill", data=src, end=end)
    assert all("browserErrors" not in s for s in report["services"])
