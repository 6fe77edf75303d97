"""History for the dashboards' queries: raw counters, then the generated recording rules
backfilled over them with `promtool tsdb create-blocks-from rules`.

promtool evaluates recording rules only, each pass against the data Prometheus already
has. So: pass 1 records the SLI error ratios, pass 2 (after a restart on the new blocks)
the metadata and the alerts. Alerting rules become recording rules named `ALERTS` with the
labels Prometheus gives a firing alert (alertname, alertstate, the rule's labels), value 1.
The rules are the generated ones, evaluated every minute.

promtool (as Prometheus) evaluates a group at a fixed offset within its interval, derived
from a hash of the group's name, so the recorded windows end a few seconds after the
counters' minute samples: each covers one scrape interval less than its nominal window
(extrapolated to the full length). The report's buckets are exact minutes, hence the
tolerances in the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from prom_harness import Process, promtool, start_prometheus

from nexus_sre.rules.generate import SloRules


def _as_record(rule: dict[str, Any]) -> dict[str, Any]:
    if "record" in rule:
        return rule
    assert "for" not in rule, "the backfill emulates alerts without `for`"
    labels = {"alertname": rule["alert"], "alertstate": "firing", **rule["labels"]}
    return {"record": "ALERTS", "expr": f"(\n{rule['expr']}\n) * 0 + 1", "labels": labels}


def passes(rules: list[SloRules]) -> list[list[dict[str, Any]]]:
    """Rule groups per pass, every minute: [SLI ratios], [metadata and alerts]."""
    out: list[list[dict[str, Any]]] = [[], []]
    for r in rules:
        for group in r.groups:
            stage = 0 if group["name"].endswith("-sli") else 1
            records = [_as_record(rule) for rule in group["rules"]]
            out[stage].append({"name": group["name"], "interval": "1m", "rules": records})
    return out


def backfill_rules(
    prom: Process, data_dir: Path, rules: list[SloRules], spans: list[tuple[int, int]]
) -> Process:
    """Backfill both passes over each (start, end) span into data_dir; returns the
    Prometheus restarted on the result (the caller's `prom` is stopped). promtool writes a
    block per rule and 2h, so the spans are kept to where the tests look."""
    for n, groups in enumerate(passes(rules)):
        work = data_dir.parent / f"rules-pass-{n}"
        work.mkdir()
        rule_file = work / "rules.yaml"
        rule_file.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        for start, end in spans:
            _promtool_rules(prom, rule_file, start, end, work / "blocks")
        prom.stop()
        for block in (work / "blocks").iterdir():
            shutil.move(str(block), data_dir / block.name)
        prom = start_prometheus(prom.workdir, data_dir=data_dir)
    return prom


def _promtool_rules(prom: Process, rule_file: Path, start: int, end: int, out_dir: Path) -> None:
    out = promtool(
        "tsdb",
        "create-blocks-from",
        "rules",
        f"--start={start}",
        f"--end={end}",
        f"--url={prom.url}",
        f"--output-dir={out_dir}",
        "--quiet",
        rule_file,
    )
    if out.returncode != 0:
        raise RuntimeError(f"promtool rules backfill failed:\n{out.stdout}\n{out.stderr}")
