"""Every generated dashboard validates against Grafana's dashboard JSON Schema (11.6)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from nexus_sre.config import load_config
from nexus_sre.dashboards import generate_dashboards

from .grafana_schema import panels, problems
from .sample import sample_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("which", ["example", "sample"])
def test_every_dashboard_validates(which: str) -> None:
    config = load_config(ROOT / "examples" / "slos.yaml") if which == "example" else sample_config()
    generated = generate_dashboards(config)
    assert len(generated.dashboards) == 1 + len(config.services)
    for dash in generated.dashboards:
        assert problems(dash) == [], dash["title"]


def test_the_check_catches_invalid_dashboards() -> None:
    dash = generate_dashboards(sample_config()).dashboards[1]
    broken = copy.deepcopy(dash)
    broken["bogus"] = 1
    assert any("bogus" in p for p in problems(broken))
    broken = copy.deepcopy(dash)
    panel = next(p for p in panels(broken) if p["type"] == "timeseries")
    panel["targets"][0]["expr"] = 5
    panel["options"]["legend"].pop("placement")
    found = problems(broken)
    assert any("target A" in p for p in found) and any("placement" in p for p in found)


def test_no_hard_coded_datasource() -> None:
    for dash in generate_dashboards(sample_config()).dashboards:
        text = json.dumps(dash)
        refs = [p.get("datasource") for p in panels(dash)]
        refs += [t["datasource"] for p in panels(dash) for t in p.get("targets", [])]
        refs += [a["datasource"] for a in dash["annotations"]["list"][1:]]
        assert refs and all(r == {"type": "prometheus", "uid": "${datasource}"} for r in refs if r)
        assert dash["templating"]["list"][0]["type"] == "datasource"
        assert '"uid": "${datasource}"' in text
