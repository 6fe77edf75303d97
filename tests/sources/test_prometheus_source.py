"""`report` and `budgets` with `--source prometheus`: history from a real Prometheus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prom_harness import Series, make_config, make_slo

from nexus_sre.sources.select import evaluations_from

pytestmark = pytest.mark.prometheus

STEP = 60
N = 12 * 60  # twelve hours of one-minute samples
T_END = 1_700_006_400  # sample-aligned
T0 = T_END - (N - 1) * STEP


def _events() -> list[tuple[int, int, int]]:
    """(ts, good increment, total increment), with a 20-minute error burst."""
    out = []
    for i in range(N):
        total = 40 + (i * 7919) % 61
        bad = (i % 7 == 0) + (total // 2 if 500 <= i < 520 else 0)
        out.append((T0 + i * STEP, total - bad, total))
    return out


EVENTS = _events()


@pytest.fixture
def prom(start_prometheus):
    labels = {"service": "api", "slo": "availability"}
    good = Series("nexus_sre_requests_good_total", labels)
    total = Series("nexus_sre_requests_total", labels)
    g = t = 500
    for ts, dg, dt in EVENTS:
        g, t = g + dg, t + dt
        good.samples.append((ts, g))
        total.samples.append((ts, t))
    return start_prometheus(history=[good, total])


def test_history_evaluation_matches_the_events(prom) -> None:
    config = make_config([make_slo()])
    start = datetime.fromtimestamp(T_END - 6 * 3600, UTC)
    end = datetime.fromtimestamp(T_END, UTC)
    (ev,) = evaluations_from("prometheus", config, prometheus_url=prom.url, start=start, end=end)
    # Independently: the increments of samples in (start, end].
    inside = [(g, t) for ts, g, t in EVENTS if start.timestamp() < ts <= end.timestamp()]
    good, total = sum(g for g, _ in inside), sum(t for _, t in inside)
    assert (ev.good, ev.total) == (good, total)
    assert ev.sli_percent == pytest.approx(100 * good / total)
    # The burst (half of the requests failing for 20 minutes, 500x) pages.
    assert any(a.name == "page-1h" for a in ev.alerts)


def test_report_cli_from_prometheus(prom, tmp_path: Path) -> None:
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(
        "version: '1.0'\n"
        "services:\n"
        "  - name: api\n    tier: tier-2\n    slos:\n"
        "      - id: availability\n        target: 99.0\n        sli: {type: availability}\n"
    )
    env = {**os.environ}
    args = [
        sys.executable,
        "-m",
        "nexus_sre",
        "report",
        "--config",
        str(cfg),
        "--source",
        "prometheus",
        "--prometheus-url",
        prom.url,
        "--start",
        datetime.fromtimestamp(T_END - 6 * 3600, UTC).isoformat(),
        "--end",
        datetime.fromtimestamp(T_END, UTC).isoformat(),
        "--exit-zero",
    ]
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["metadata"]["source"] == "prometheus"
    slo = report["services"][0]["slos"][0]
    inside = [t for ts, _, t in EVENTS if T_END - 6 * 3600 < ts <= T_END]
    assert slo["eventsCount"] == sum(inside)


def test_prometheus_down_is_a_clear_error_not_a_healthy_report(tmp_path: Path) -> None:
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(
        "version: '1.0'\nservices:\n  - name: api\n    tier: tier-2\n    slos:\n"
        "      - id: availability\n        target: 99.0\n        sli: {type: availability}\n"
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexus_sre",
            "budgets",
            str(cfg),
            "--source",
            "prometheus",
            "--prometheus-url",
            "http://127.0.0.1:9",
            "--days",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "127.0.0.1:9" in r.stderr
    assert "Traceback" not in r.stderr


def test_config_credentials_reach_prometheus(tmp_path: Path) -> None:
    """bearerToken from the config (with ${VAR}) is sent on every query."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            kind = b"vector" if self.path.startswith("/api/v1/query?") else b"matrix"
            body = b'{"status":"success","data":{"resultType":"%s","result":[]}}' % kind
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        cfg = tmp_path / "slos.yaml"
        cfg.write_text(
            "version: '1.0'\n"
            "global:\n  monitoringBackend: prometheus\n"
            f"  prometheus: {{url: '{url}', bearerToken: '${{PROM_TOKEN}}'}}\n"
            "services:\n  - name: api\n    tier: tier-2\n    slos:\n"
            "      - id: a\n        target: 99.0\n        sli: {type: availability, "
            "goodQuery: 'sum(increase(g[{{window}}]))', "
            "totalQuery: 'sum(increase(t[{{window}}]))'}\n"
        )
        r = subprocess.run(
            [sys.executable, "-m", "nexus_sre", "budgets", str(cfg), "--days", "1"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PROM_TOKEN": "s3cret"},
        )
    finally:
        server.shutdown()
        server.server_close()
    # No samples: "no data" and exit 2, never a healthy-looking budget.
    assert r.returncode == 2, r.stdout + r.stderr
    assert "no events" in r.stderr or "no data" in r.stderr
    assert seen and all(h == "Bearer s3cret" for h in seen)
