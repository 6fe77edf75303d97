"""The overview dashboard: SLO compliance, error-budget status and firing alerts across all
services, with links to each service's dashboard."""

from __future__ import annotations

from typing import Any

from ..config.model import SLO, Config
from ..rules.generate import OBJECTIVE
from ..rules.sli import quote
from . import panels as p
from .ids import overview_uid, service_uid
from .queries import (
    SEVERITIES,
    STATUS_EXHAUSTED,
    SloQueries,
    alert_count,
    firing,
    overview_queries,
)

SERVICE = "$service"
STATUS_TEXT = {0: ("healthy", "green"), 1: ("info level crossed", "yellow")}
STATUS_TEXT |= {2: ("warning level crossed", "orange"), 3: ("critical level crossed", "red")}
STATUS_TEXT |= {STATUS_EXHAUSTED: ("budget exhausted", "dark-red")}


def budget_thresholds(slo: SLO) -> dict[str, Any]:
    """Colours of the remaining budget (percent) from the SLO's own budget levels: each
    level (percent consumed) becomes a step at 100 - level in its severity's colour; below
    zero the budget is exhausted."""
    levels = sorted(
        ((100 - t.percentage, t.severity) for t in slo.alerting.budget_exhaustion),
        key=lambda x: x[0],
    )
    # Between 0 and the lowest level: the colour of that (most consumed) level; between
    # two levels, the colour of the upper one; above the highest, green.
    pairs: list[tuple[float | None, str]] = [(None, "dark-red")]
    colours = [p.SEVERITY_COLOURS.get(sev, "red") for _, sev in levels] + ["green"]
    pairs.append((0.0, colours[0]))
    for (remaining, _), colour in zip(levels, colours[1:], strict=True):
        pairs.append((float(remaining), colour))
    return p.steps(*pairs)


def _status_mappings() -> list[dict[str, Any]]:
    """Colours of the status texts (mappings match the text of the `status` label)."""
    return [
        {
            "type": "value",
            "options": {
                t: {"text": t, "color": c, "index": k} for k, (t, c) in STATUS_TEXT.items()
            },
        }
    ]


def _compliance_stats(config: Config) -> list[tuple[dict[str, Any], int, int]]:
    out = []
    for service, slo in config.slos():
        q = SloQueries(service, slo)
        panel = p.stat(
            f"{service.name} / {slo.name}",
            [p.target("A", q.budget_remaining_percent(), "budget remaining", instant=True)],
            unit="percent",
            decimals=2,
            thresholds=budget_thresholds(slo),
            description=f"Error budget left of the {slo.target}% objective over "
            f"{slo.time_window.label}; colours from this SLO's budget levels.",
        )
        out.append((panel, 4, 4))
    return out


def status_expr(config: Config, service_filter: str = SERVICE) -> str:
    """Each SLO's status as a `status` label (the text of its rank): a PromQL comparison
    picks the rank, label_replace names it."""
    ranks = "(\n" + "\nor\n".join(SloQueries(sv, slo).status() for sv, slo in config.slos()) + "\n)"
    named = "\n  or ".join(
        f'label_replace({ranks} == {k}, "status", {quote(text)}, "", "")'
        for k, (text, _) in STATUS_TEXT.items()
    )
    filt = f"{OBJECTIVE}{{service=~{quote(service_filter)}}}"
    return f"(\n  {named}\n) and on(service, slo) {filt}"


def _compliance_table(config: Config) -> dict[str, Any]:
    q = overview_queries(SERVICE)
    targets = [
        p.target("A", q["target"], instant=True),
        p.target("B", q["sli"], instant=True),
        p.target("C", q["remaining"], instant=True),
        p.target("D", q["burn"], instant=True),
        p.target("E", status_expr(config), instant=True),
    ]
    columns = {
        "service": "Service",
        "slo": "SLO",
        "Value #A": "Target (%)",
        "Value #B": "SLI over period (%)",
        "Value #C": "Budget remaining (%)",
        "Value #D": "Burn rate now (x)",
        "status": "Status",
    }
    return p.table(
        "SLO compliance",
        targets,
        columns=columns,
        hidden=("Value #E",),
        decimals=4,
        mappings=_status_mappings(),
        description="Per SLO: target, SLI over its period, error budget left, burn rate over "
        "the shortest alert window, and the most severe of the SLO's own budget levels "
        "crossed.",
    )


def _budget_table() -> dict[str, Any]:
    q = overview_queries(SERVICE)
    targets = [
        p.target("A", q["budget"], instant=True),
        p.target("B", q["consumed"], instant=True),
        p.target("C", q["remaining"], instant=True),
        p.target("D", q["burn_period"], instant=True),
    ]
    columns = {
        "service": "Service",
        "slo": "SLO",
        "Value #A": "Error budget (%)",
        "Value #B": "Consumed (%)",
        "Value #C": "Remaining (%)",
        "Value #D": "Burn rate over period (x)",
    }
    return p.table(
        "Error budget status",
        targets,
        columns=columns,
        decimals=4,
        description="Error budget (100 - target), the share of it consumed and left over "
        "each SLO's period, and the period's burn rate (1 = spending exactly the budget).",
    )


def _alert_panels() -> list[tuple[dict[str, Any], int, int]]:
    counts = p.stat(
        "Firing SLO alerts by severity",
        [
            p.target(chr(ord("A") + i), alert_count(sev, SERVICE), sev, instant=True)
            for i, sev in enumerate(SEVERITIES)
        ],
        unit="none",
        thresholds=p.steps((None, "green"), (1, "red")),
        text_mode="value_and_name",
        description="Burn-rate and budget-exhaustion alerts firing now.",
    )
    listing = p.table(
        "Firing SLO alerts",
        [p.target("A", firing(f',service=~"{SERVICE}"'), instant=True)],
        columns={
            "service": "Service",
            "slo": "SLO",
            "alertname": "Alert",
            "severity": "Severity",
            "alert_tier": "Burn-rate tier",
            "threshold": "Budget level (%)",
        },
        hidden=("Value",),
        description="One row per firing alert (empty when all is well).",
    )
    return [(counts, 8, 6), (listing, 16, 6)]


def overview_dashboard(config: Config) -> dict[str, Any]:
    settings = config.global_.dashboards
    folder = settings.folder
    placed: list[tuple[dict[str, Any], int, int]] = [(p.row("SLO compliance"), 24, 1)]
    placed += _compliance_stats(config)
    placed += [(_compliance_table(config), 24, 9), (p.row("Error budgets and alerts"), 24, 1)]
    placed += [(_budget_table(), 24, 8), *_alert_panels()]
    links = [
        p.link(
            f"{svc.name} SLOs",
            f"/d/{service_uid(folder, svc.name)}",
            f"{svc.name} ({svc.tier}): SLI, budget and burn-rate trends",
        )
        for svc in config.services
    ]
    return p.dashboard(
        uid=overview_uid(folder),
        title="SLO overview",
        description="SLO compliance, error budgets and firing alerts of every service "
        "(generated by nexus-sre from the recorded series of `nexus-sre rules`).",
        tags=list(settings.tags),
        panels=p.layout(placed),
        variables=[p.query_variable("service", "Service", f"label_values({OBJECTIVE}, service)")],
        annotations=[],
        links=links,
        time_from="now-24h",
    )
