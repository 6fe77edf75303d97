"""Which minutes alerts fire at, measured with promtool: every minute is asserted quiet, and
each failure promtool reports is a minute an alert fired."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prom_harness import promtool

from nexus_sre.common.durations import parse_duration

_FAILED = re.compile(r"alertname: (\S+), time: (\S+),")


def segments(phases: list[tuple[int, int]]) -> str:
    """promtool values for a counter from (minutes, increase per minute) phases: the first
    phase starts at 0 at minute 0, each later one continues the minute after."""
    out: list[str] = []
    end: int | None = None
    for minutes, step in phases:
        start = 0 if end is None else end + step
        n = minutes if end is None else minutes - 1
        out.append(f"{start}+{step}x{n}")
        end = start + step * n
    return " ".join(out)


def firing_minutes(
    tmp: Path,
    rule_files: dict[str, str],
    series: dict[str, str],
    alerts: list[str],
    minutes: int,
) -> dict[str, set[int]]:
    """{alert name: minutes it fires at} over [1, minutes], from promtool on real rules."""
    for name, text in rule_files.items():
        (tmp / name).write_text(text)
    test = {
        "rule_files": list(rule_files),
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "alert_rule_test": [
                    {"eval_time": f"{m}m", "alertname": a, "exp_alerts": []}
                    for m in range(1, minutes + 1)
                    for a in alerts
                ],
            }
        ],
    }
    path = tmp / "firing.test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    out = promtool("test", "rules", path)
    text = out.stdout + out.stderr
    assert out.returncode == 0 or _FAILED.search(text), text[:2000]  # loaded and ran
    fired: dict[str, set[int]] = {a: set() for a in alerts}
    for name, when in _FAILED.findall(text):
        fired[name].add(parse_duration(when) // 60)
    return fired
