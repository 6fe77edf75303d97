"""Rules of calendar-aligned SLOs: the SLO-window error ratio, events, budget remaining and
budget alerts cover the month or week so far in the SLO's time zone, the period length
series is its real length, and burn-rate alerts are those of any window (a burn rate is
relative to the budget, whatever the period's length). Checked with promtool against a hand
count of the same minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from prom_harness import make_config, make_slo, promtool

from nexus_sre.config.model import TimeWindow
from nexus_sre.rules import generate, render
from nexus_sre.rules.generate import BUDGET_REMAINING, ERROR_RATIO, EVENTS, PERIOD
from nexus_sre.rules.promtool import promtool_test_files

pytestmark = pytest.mark.prometheus


def _calendar_slo(unit: str, zone: str = "UTC", **kw: Any) -> Any:
    slo = make_slo(f"{unit}-{zone.replace('/', '-').lower()}", target="99", **kw)
    return slo.model_copy(update={"time_window": TimeWindow.calendar_aligned(unit, zone)})


def _rules(slos: list[Any]) -> Any:
    return generate(make_config(slos))


def test_rule_files_pass_promtool_check_and_generated_tests(tmp_path: Path) -> None:
    slos = [
        _calendar_slo("month"),
        _calendar_slo("month", "Europe/Berlin", min_events=100),
        _calendar_slo("week", "America/New_York"),
        _calendar_slo(
            "week",
            "Asia/Kolkata",
            sli={"type": "ratio", "query": "100 * avg(up)"},  # a percent query
        ),
    ]
    rules = _rules(slos)
    rule_file = tmp_path / "slos.rules.yml"
    rule_file.write_text(render([g for r in rules for g in r.groups]))
    out = promtool("check", "rules", rule_file)
    assert out.returncode == 0, out.stdout + out.stderr
    files, skipped = promtool_test_files(rules)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    tests = sorted(tmp_path.glob("*.test.yaml"))
    assert len(tests) == 3 and len(skipped) == 1  # the percent query has no counters to feed
    out = promtool("test", "rules", *tests)
    assert out.returncode == 0, out.stdout + out.stderr


def test_burn_rate_alerts_do_not_depend_on_the_period_length() -> None:
    (month,) = _rules([_calendar_slo("month", burn_rate=None)])
    (rolling,) = generate(make_config([make_slo("month-utc", target="99")]))

    def alerts(r: Any) -> dict[str, str]:
        return {
            rule["alert"]: rule["expr"]
            for g in r.groups
            for rule in g["rules"]
            if rule.get("alert", "").startswith("SLOBurnRate")
        }

    assert alerts(month) == alerts(rolling)  # same thresholds, 14.4 x 1 % and so on
    page = next(
        rule
        for g in month.groups
        for rule in g["rules"]
        if rule.get("alert") == "SLOBurnRatePage1h"
    )
    # 14.4x the budget spends a 28-day month's budget in 46.7h, a 31-day one's in 51.7h
    assert "gone in 46.7 to 51.7h (the month's length)" in page["annotations"]["description"]


def _minute(at: datetime) -> int:
    return int(at.timestamp()) // 60


def _hand_count(boundary: int, at: int, bad: dict[bool, int], total: int) -> tuple[int, int]:
    """Bad and total sums of the 5-minute slices recorded at minutes boundary..at, each
    slice the increments of the 5 minutes before it: minute m's increment is `bad[m <=
    boundary]` bad of `total`."""
    bad_sum = total_sum = 0
    for s in range(boundary, at + 1):
        for m in range(s - 4, s + 1):
            bad_sum += bad[m <= boundary]
            total_sum += total
    return bad_sum, total_sum


# A fixed offset off UTC (the week begins at 18:30 UTC on Sunday) and a zone with two.
@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Europe/Berlin"])
def test_week_so_far_across_a_boundary_against_a_hand_count(tmp_path: Path, zone: str) -> None:
    """Counters from the epoch (promtool's start), 10 events a minute, 5 of them bad until
    the first Monday 00:00 in the zone, 1 after it. An hour into the week, the week so far
    holds only the slices recorded since it began."""
    slo = _calendar_slo("week", zone, burn_rate=[], budget_exhaustion=[])
    (rules,) = _rules([slo])
    tw = slo.time_window
    _, first_end = tw.bounds(datetime(1970, 1, 2, tzinfo=UTC))
    boundary = _minute(first_end.astimezone(UTC))  # the new week's first minute
    at = boundary + 60
    end = at + 2
    total, bad = 10, {True: 5, False: 1}
    bad_series = [sum(bad[m <= boundary] for m in range(1, k + 1)) for k in range(end + 1)]
    labels = f'{{service="api",slo="{slo.id}"}}'
    good = " ".join(str(total * k - b) for k, b in enumerate(bad_series))
    everything = " ".join(str(total * k) for k in range(end + 1))
    bad_sum, total_sum = _hand_count(boundary, at, bad, total)
    period = (first_end + timedelta(days=7)).astimezone(UTC) - first_end.astimezone(UTC)

    def sample(name: str, value: float) -> dict[str, Any]:
        return {
            "expr": f"{name}{labels}",
            "eval_time": f"{at}m",
            "exp_samples": [
                {
                    "labels": f'{name}{{service="api",slo="{slo.id}",window="week"}}',
                    "value": value,
                }
            ],
        }

    doc = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "group_eval_order": [g["name"] for g in rules.groups],
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": f"nexus_sre_requests_total{labels}", "values": everything},
                    {"series": f"nexus_sre_requests_good_total{labels}", "values": good},
                ],
                "promql_expr_test": [
                    sample(ERROR_RATIO.format(w="week"), bad_sum / total_sum),
                    sample(EVENTS.format(w="week"), total_sum / 5),  # 61 minutes of 10
                    sample(BUDGET_REMAINING, 1 - bad_sum / total_sum / 0.01),
                    sample(PERIOD, period.total_seconds()),
                ],
            }
        ],
    }
    # the first 5 slices still hold minutes of the week before: 25, 21, 17, 13, 9 bad
    assert total_sum / 5 == 610 and bad_sum == 25 + 21 + 17 + 13 + 9 + 56 * 5
    (tmp_path / "rules.yml").write_text(render(rules.groups))
    (tmp_path / "test.yml").write_text(yaml.safe_dump(doc))
    out = promtool("test", "rules", tmp_path / "test.yml")
    assert out.returncode == 0, out.stdout + out.stderr


def test_month_names_and_budget_alert_read_the_month_so_far() -> None:
    (rules,) = _rules([_calendar_slo("month", min_events=10)])
    by_record = {r["record"]: r for g in rules.groups for r in g["rules"] if "record" in r}
    assert "nexus_sre:slo_error_ratio:rate30d" not in by_record  # no rolling 30 days
    assert by_record[ERROR_RATIO.format(w="month")]["labels"]["window"] == "month"
    assert "[31d]" in by_record[EVENTS.format(w="month")]["expr"]
    assert by_record[PERIOD]["expr"] == (
        'days_in_month(nexus_sre:slo_calendar_time:shifted{service="api",slo="month-utc"}) * 86400'
    )
    exhaustion = [
        r for g in rules.groups for r in g["rules"] if r.get("alert") == "SLOErrorBudgetExhaustion"
    ]
    assert exhaustion and all("ratemonth" in r["expr"] for r in exhaustion)
    assert all("increasemonth" in r["expr"] and ">= 10" in r["expr"] for r in exhaustion)
    assert "over the month so far" in exhaustion[0]["annotations"]["description"]
    assert Decimal(rules.windows[-1]) == 31 * 86400  # the longest range read: a month


def test_dashboards_of_a_calendar_slo_read_series_the_rules_record() -> None:
    import json
    import re

    from nexus_sre.dashboards import generate_dashboards

    config = make_config([_calendar_slo("month", "Europe/Berlin"), make_slo("rolling")])
    records = {
        r["record"] for x in generate(config) for g in x.groups for r in g["rules"] if "record" in r
    }
    text = json.dumps(generate_dashboards(config).__dict__, default=lambda o: o.__dict__)
    read = set(re.findall(r"nexus_sre:[a-z0-9_:]+", text))
    assert ERROR_RATIO.format(w="month") in read and "nexus_sre:slo_error_ratio:rate30d" in read
    assert read <= records
