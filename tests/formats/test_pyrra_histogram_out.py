"""Writing Pyrra from a latency SLI on a classic histogram: the indicator's selectors are the
bucket (with le) and the count, as the rules read them (once an AttributeError: the
writer used names the SLI queries no longer had)."""

from __future__ import annotations

from pathlib import Path

import yaml

from nexus_sre.cli import main

CONFIG = """\
version: "1.0"
global: {monitoringBackend: prometheus}
services:
  - name: api
    tier: tier-2
    slos:
      - id: api-latency
        target: 99
        sli: {type: latency, threshold: 300ms, query: 'http_request_duration_seconds{job="api"}'}
"""


def test_histogram_latency_becomes_a_pyrra_latency_indicator(tmp_path: Path) -> None:
    src = tmp_path / "slos.yaml"
    src.write_text(CONFIG)
    out = tmp_path / "pyrra.yaml"
    assert main(["convert", str(src), "--to", "pyrra", "-o", str(out)]) == 0
    indicator = yaml.safe_load(out.read_text())["spec"]["indicator"]
    assert indicator == {
        "latency": {
            "success": {"metric": 'http_request_duration_seconds_bucket{job="api",le="0.3"}'},
            "total": {"metric": 'http_request_duration_seconds_count{job="api"}'},
        }
    }
