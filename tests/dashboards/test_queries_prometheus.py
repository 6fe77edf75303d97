"""Every panel query of the generated dashboards, run against a real Prometheus holding
30 days of synthetic counters and the generated recording rules backfilled over them; the
figures agree with `nexus-sre report --source prometheus` over the same period."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prom_harness import backfill, start_prometheus

from nexus_sre.dashboards import generate_dashboards
from nexus_sre.dashboards.queries import SloQueries
from nexus_sre.rules import generate
from nexus_sre.rules.generate import BUDGET_REMAINING
from nexus_sre.sources.prometheus import PrometheusBackend

from .backfill_rules import backfill_rules
from .grafana_schema import panels
from .sample import INCIDENTS, T0, T_END, history, sample_config

pytestmark = pytest.mark.prometheus

HOUR = 3600
# Where the recording rules are backfilled: around each incident (until its 6h window has
# passed) and the last hour (the 30-day figures at the end).


def _hour(ts: int) -> int:
    return ts - ts % HOUR


SPANS = [
    *sorted(
        (_hour(T0 + (i.start - 60) * 60), _hour(T0 + (i.start + i.minutes + 7 * 60) * 60))
        for i in INCIDENTS.values()
    ),
    (T_END - HOUR, T_END),
]
RULES_START = SPANS[0][0]
VARIABLES = {"$service": ".*", "${datasource}": ""}


def substitute(expr: str) -> str:
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, expr
    return expr


def intervals(values: list[list[Any]], step: int) -> list[tuple[int, int]]:
    """Runs of consecutive samples as [first, last + step) intervals."""
    out: list[tuple[int, int]] = []
    for ts, _ in values:
        t = int(float(ts))
        if out and out[-1][1] == t:
            out[-1] = (out[-1][0], t + step)
        else:
            out.append((t, t + step))
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, prom_bin: Path) -> Any:
    tmp = tmp_path_factory.mktemp("dash-prom")
    config = sample_config(tmp / "slos.yaml")
    data = tmp / "prom" / "data"
    backfill(history(), data)
    prom = start_prometheus(tmp / "prom", data_dir=data)
    try:
        prom = backfill_rules(prom, data, generate(config), SPANS)
        report = _report(tmp / "slos.yaml", prom.url)
        with PrometheusBackend(prom.url, timeout=60) as backend:
            yield config, backend, report, (tmp / "slos.yaml", prom.url)
    finally:
        prom.stop()


def _report(config_path: Path, url: str, end: int = T_END, *extra: str) -> dict[str, Any]:
    args = [sys.executable, "-m", "nexus_sre", "report", "--config", str(config_path)]
    args += ["--source", "prometheus", "--prometheus-url", url, "--exit-zero", *extra]
    args += ["--start", datetime.fromtimestamp(T0, UTC).isoformat()]
    args += ["--end", datetime.fromtimestamp(end, UTC).isoformat()]
    r = subprocess.run(args, capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert r.returncode == 0, r.stderr
    return dict(json.loads(r.stdout))


def _slo_report(report: dict[str, Any], service: str) -> dict[str, Any]:
    (svc,) = [s for s in report["services"] if s["name"] == service]
    return dict(svc["slos"][0])


def test_every_panel_target_returns_data(world: Any) -> None:
    config, backend, *_ = world
    checked = 0
    for dash in generate_dashboards(config).dashboards:
        queries = [(p["title"], t["expr"]) for p in panels(dash) for t in p.get("targets", [])]
        queries += [(a["name"], a["expr"]) for a in dash["annotations"]["list"] if "expr" in a]
        for title, expr in queries:
            # Recorded series exist where the rules were backfilled: look there.
            found = any(
                s["values"]
                for a, b in SPANS
                for s in backend.query_range(substitute(expr), a, b, 300)
            )
            assert found, f"{dash['title']}: {title}: {expr}"
            checked += 1
    assert checked > 40


def _overview_target(config: Any, title: str, ref: str) -> str:
    overview = generate_dashboards(config).dashboards[0]
    (panel,) = [p for p in panels(overview) if p["type"] == "table" and p["title"] == title]
    (target,) = [t for t in panel["targets"] if t["refId"] == ref]
    return substitute(target["expr"])


def test_overview_budget_remaining_equals_the_report(world: Any) -> None:
    """The overview's figure at the end equals the report's to its 4 decimals, over the
    minutes the recorded 30-day window holds: rules are evaluated a few seconds after the
    minute (see backfill_rules), so the last record read covers the increments up to the
    minute sample before it (one or two minutes before the end, by the groups' offsets)."""
    config, backend, report, (config_path, url) = world
    expr = _overview_target(config, "SLO compliance", "C")
    got = {s["metric"]["service"]: float(s["value"][1]) for s in backend.query(expr, T_END)}
    assert set(got) == {"api", "checkout", "search"}
    for service, value in got.items():
        (slo,) = [s for svc in config.services if svc.name == service for s in svc.slos]
        q = SloQueries(svc_of(config, service), slo)
        remaining_at = backend.query(f"timestamp({BUDGET_REMAINING}{q.m})", T_END)
        ratio_at = backend.query(
            f"timestamp({q.ratio(slo.time_window.seconds)})", float(remaining_at[0]["value"][1])
        )
        covered_to = int(float(ratio_at[0]["value"][1])) // 60 * 60
        assert T_END - 180 < covered_to < T_END, service
        same = _report(config_path, url, covered_to, "--services", service)
        expected = _slo_report(same, service)["errorBudget"]["remainingPercent"]
        assert abs(value - expected) <= 0.5e-4 + 1e-9, (service, value, expected)
        # ... and within a few minutes' share of the full period's figure.
        full = _slo_report(report, service)["errorBudget"]["remainingPercent"]
        assert abs(value - full) < 0.01, service
    # The known incidents: api's budget is more than half spent, the others' are not.
    assert got["api"] < 50 < got["checkout"]
    assert got["search"] > 50


def svc_of(config: Any, name: str) -> Any:
    return next(s for s in config.services if s.name == name)


def test_overview_status_reads_the_slos_own_levels(world: Any) -> None:
    config, backend, report, _ = world
    expr = _overview_target(config, "SLO compliance", "E")
    got = {s["metric"]["service"]: s["metric"]["status"] for s in backend.query(expr, T_END)}
    # api crossed its 50% level (info); nothing else crossed a level.
    budget_alerts = {
        s: [a for a in _slo_report(report, s)["alerts"] if a["kind"] == "budget_exhaustion"]
        for s in got
    }
    assert [a["name"] for a in budget_alerts["api"]] == ["budget-50"]
    assert got == {"api": "info level crossed", "checkout": "healthy", "search": "healthy"}


def _service_panel(config: Any, service: str, title: str) -> dict[str, Any]:
    dash = next(d for d in generate_dashboards(config).dashboards if d["title"].endswith(service))
    (panel,) = [p for p in panels(dash) if p.get("title") == title]
    return dict(panel)


def test_burn_rate_peaks_equal_the_reports_alert_peaks(world: Any) -> None:
    config, backend, report, _ = world
    for service in ("api", "checkout", "search"):
        slo = _slo_report(report, service)
        panel = _service_panel(config, service, "Burn rate per alert window")
        for target in panel["targets"]:
            window = target["legendFormat"].split()[0]
            series = backend.query_range(substitute(target["expr"]), RULES_START, T_END, 60)
            peak = max(float(v) for s in series for _, v in s["values"])
            fired = [a["peakBurnRate"] for a in slo["alerts"] if a.get("longWindow") == window]
            factor = next(
                a.factor for a in _tiers(config, service) if a.long_window_label == window
            )
            if fired:
                # Windows one minute short of nominal (see backfill_rules): within 1/60.
                assert peak == pytest.approx(max(fired), rel=1 / 60), (service, window)
            else:  # no alert of this tier: its peak stayed below the threshold
                assert peak < float(factor), (service, window)


def _tiers(config: Any, service: str) -> list[Any]:
    from nexus_sre.common.durations import format_duration

    (svc,) = [s for s in config.services if s.name == service]

    class Tier:
        def __init__(self, a: Any) -> None:
            self.factor, self.long_window_label = a.factor, format_duration(a.long_window)

    return [Tier(a) for a in svc.slos[0].alerting.burn_rate]


def _close(got: list[tuple[int, int]], want: list[tuple[int, int]], slack: int) -> bool:
    return len(got) == len(want) and all(
        abs(a - c) <= slack and abs(b - d) <= slack
        for (a, b), (c, d) in zip(got, want, strict=True)
    )


def test_alert_annotations_match_the_reports_fired_alerts(world: Any) -> None:
    config, backend, report, _ = world
    for dash in generate_dashboards(config).dashboards[1:]:
        service = dash["title"].split(": ")[1]
        (annotation,) = [a for a in dash["annotations"]["list"] if "expr" in a]
        # Backfilled blocks carry no staleness markers, so a series would linger for the
        # 5m lookback after its last sample: count a sample only at its own minute.
        expr = substitute(annotation["expr"])
        fresh = f"({expr}) and (time() - timestamp({expr}) < 60)"
        series = backend.query_range(fresh, RULES_START, T_END, 60)
        burn = {}
        budget_at_end = set()
        for s in series:
            labels = s["metric"]
            if labels["alertname"] == "SLOErrorBudgetExhaustion":
                if any(int(float(ts)) >= T_END - 120 for ts, _ in s["values"]):
                    budget_at_end.add(f"budget-{labels['threshold']}")
            else:
                burn[labels["alert_tier"]] = intervals(s["values"], 60)
        alerts = _slo_report(report, service)["alerts"]
        expected: dict[str, list[tuple[int, int]]] = {}
        for a in alerts:
            if a["kind"] == "burn_rate":
                start = int(datetime.fromisoformat(a["start"]).timestamp())
                end = int(datetime.fromisoformat(a["end"]).timestamp()) if a["end"] else T_END + 60
                expected.setdefault(a["name"], []).append((start, end))
        # Prometheus evaluates a few seconds into each minute (see backfill_rules): to
        # within two minutes of the report's minute buckets.
        assert sorted(burn) == sorted(expected), service
        for name, spans in expected.items():
            assert _close(burn[name], spans, 120), (service, name, burn[name], spans)
        assert budget_at_end == {a["name"] for a in alerts if a["kind"] == "budget_exhaustion"}
    # The known incidents fired: api both tiers and its 50% budget level, checkout only
    # the slow tier, search only the fast one.
    names = {
        s: sorted({a["name"] for a in _slo_report(report, s)["alerts"]})
        for s in ("api", "checkout", "search")
    }
    assert names == {
        "api": ["budget-50", "fast", "slow"],
        "checkout": ["slow"],
        "search": ["fast"],
    }


def test_preview_of_a_service_dashboard(world: Any, tmp_path: Path) -> None:
    """The api dashboard's time-series panels drawn from their own queries, screenshotted
    in headless Chromium. NEXUS_DASHBOARD_PREVIEW=docs/dashboards-preview.png keeps it."""
    import shutil

    from nexus_sre.dashboards.preview import preview_html

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium not installed")
    config, backend, *_ = world
    dash = next(d for d in generate_dashboards(config).dashboards if d["title"].endswith("api"))
    start, end = SPANS[0]  # where the api incident's rules were backfilled
    html = preview_html(
        dash, lambda e, a, b, s: backend.query_range(substitute(e), a, b, s), start, end, 300
    )
    assert html.count("<figure>") == 4 and "Burn rate per alert window" in html
    page, png = tmp_path / "preview.html", tmp_path / "preview.png"
    page.write_text(html)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            f"--screenshot={png}",
            "--window-size=1220,980",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert png.stat().st_size > 10_000
    keep = os.environ.get("NEXUS_DASHBOARD_PREVIEW")
    if keep:
        shutil.copy(png, keep)
