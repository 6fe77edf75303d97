"""`nexus-sre budgets CONFIG` (alias calculate-budgets): every SLO's error budget and burn
rates, as a table.

With --check-violations it is a release gate that follows the config's error budget
policy (config/policy.py): exit 1 when a step that freezes releases is in force for some SLO
(by default: its budget is exhausted or a page-severity burn-rate alert is firing at the
end of the period); steps that do not freeze releases print a warning line and exit 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..common.markdown import md_escape
from .common import (
    add_source_options,
    check_period,
    load,
    note_time_weighted,
    note_unmeasured,
    pick_source,
    source_options,
)

HELP = "show error budgets and burn rates; --check-violations gates releases in CI"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("budgets", help=HELP, description=HELP)
    add_source_options(p)
    p.add_argument(
        "--check-violations",
        action="store_true",
        help="exit 1 when a budget is exhausted or a page alert fires now",
    )
    p.add_argument(
        "--format",
        choices=("table", "json", "markdown"),
        default="table",
        help="markdown: a table for a CI job summary ($GITHUB_STEP_SUMMARY)",
    )
    return p


def _gate(config: Any, evaluations: list[Any]) -> tuple[list[str], list[str]]:
    """(violations, warnings): one line per SLO and policy step in force."""
    from ..slo.policy import facts_from_evaluation, steps_in_force

    violations: list[str] = []
    warnings: list[str] = []
    for e in evaluations:
        _, slo = config.find(e.slo_id)
        for hit in steps_in_force(slo.policy, facts_from_evaluation(e)):
            actions = ", ".join(hit.step.actions) or "see its text"
            line = (
                f"{e.service}/{e.slo_id}: {'; '.join(hit.reasons)} "
                f"-> policy step {hit.step.name} ({actions})"
            )
            (violations if hit.freezes_releases else warnings).append(line)
    return violations, warnings


def _row(e: Any) -> dict[str, Any]:
    firing = [a for a in e.alerts if a.end is None]
    return {
        "service": e.service,
        "slo": e.slo_id,
        "target": e.target_percent,
        "sli": e.sli_percent,
        "events": e.total,
        "budgetConsumedPercent": e.budget.consumed_percent if e.has_data else None,
        "budgetRemainingMinutes": e.budget.remaining_minutes if e.has_data else None,
        "status": e.budget.status if e.has_data else "no-data",
        "burnRates": e.burn_rates,
        "firing": [a.name for a in sorted(firing, key=_urgency)],
    }


_SEVERITY = {"critical": 0, "warning": 1, "info": 2}


def _urgency(alert: Any) -> tuple[int, int, float]:
    """Burn-rate tiers before budget levels; within each, the most severe first, then the
    fastest burn (page-1h before page-6h) or the highest budget level (budget-100 first)."""
    kind = 0 if alert.kind == "burn_rate" else 1
    size = -(alert.factor or 0.0) if kind == 0 else -_level(alert.name)
    return kind, _SEVERITY.get(alert.severity, 3), size


def _level(name: str) -> float:
    try:
        return float(name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0.0


# JSON keeps the decimals the report keeps for the same kind of figure (docs/report.md).
_DECIMALS = {
    "target": 4,
    "sli": 4,
    "budgetConsumedPercent": 4,
    "budgetRemainingMinutes": 3,
    "burnRates": 4,
}


def _clean(value: Any, decimals: int | None = None) -> Any:
    """Floats rounded like the report's (99.88 not 99.879993632, 14.4 not
    14.399999999999999); NaN as null."""
    from ..common.figures import clean_float, fmt_number

    if isinstance(value, float):
        if value != value:
            return None
        if decimals is None:
            return clean_float(value)
        return float(fmt_number(value, max_decimals=decimals))
    if isinstance(value, dict):
        return {k: _clean(v, _DECIMALS.get(k, decimals)) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, decimals) for v in value]
    return value


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


HEADER = (
    "SERVICE",
    "SLO",
    "TARGET",
    "SLI",
    "BUDGET USED",
    "LEFT (min)",
    "STATUS",
    "BURN 1h",
    "BURN 6h",
    "FIRING",
)

MD_HEADER = (
    "Service",
    "SLO",
    "Target",
    "SLI",
    "Budget used",
    "Left (min)",
    "Status",
    "Burn 1h",
    "Burn 6h",
    "Firing",
)


def _table(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The header and one row of cells per SLO (text and Markdown show the same cells)."""
    table: list[tuple[str, ...]] = [HEADER]
    for r in rows:
        b = r["burnRates"]
        table.append(
            (
                r["service"],
                r["slo"],
                f"{r['target']:g}%",
                _fmt(r["sli"], ".4f"),
                _fmt(r["budgetConsumedPercent"], ".1f") + ("%" if r["sli"] is not None else ""),
                _fmt(r["budgetRemainingMinutes"], ".1f"),
                r["status"],
                _fmt(b.get("1h") if r["events"] else None, ".2f"),
                _fmt(b.get("6h") if r["events"] else None, ".2f"),
                ",".join(r["firing"]) or "-",
            )
        )
    return table


def _markdown(
    table: list[tuple[str, ...]], problems: list[str], warnings: list[str], gate: bool
) -> str:
    """A GitHub-flavoured Markdown table (a CI job summary), then the gate's outcome."""
    _, *body = table
    lines = ["## Error budgets", ""]
    lines.append("| " + " | ".join(MD_HEADER) + " |")
    lines.append("|" + "|".join(" --- " for _ in MD_HEADER) + "|")
    lines.extend("| " + " | ".join(md_escape(c) for c in row) + " |" for row in body)
    if gate:
        lines.append("")
        verdict = "**failed**: releases are frozen" if problems else "**passed**"
        lines.append(f"Release gate {verdict}.")
        if problems or warnings:
            lines.append("")
        lines.extend(f"- :no_entry: {md_escape(p)}" for p in problems)
        lines.extend(f"- :warning: {md_escape(w)}" for w in warnings)
    return "\n".join(lines)


def evaluations_now(args: argparse.Namespace, config: Any) -> list[Any]:
    """Every SLO's evaluation at the end of the period, from the source the options pick
    (`policy` reads them the same way)."""
    source = pick_source(args, config)
    note_unmeasured(config, source)
    if source == "prometheus":
        # pinned instant queries (or recorded series): a gate needs no history
        from ..sources.prometheus_instant import prometheus_budgets

        note_time_weighted(config.slos(), "nexus-sre budgets")
        options = source_options(args)
        return list(
            prometheus_budgets(
                config,
                **{k: options[k] for k in ("prometheus_url", "start", "end", "days", "services")},
            )
        )
    from ..sources.select import evaluations_from

    return list(evaluations_from(source, config, with_series=False, **source_options(args)))


def run(args: argparse.Namespace) -> int:
    check_period(args)
    config = load(args)
    evaluations = evaluations_now(args, config)
    rows = [_row(e) for e in evaluations]
    problems, warnings = _gate(config, evaluations) if args.check_violations else ([], [])
    if args.format == "json":
        json.dump(
            {"slos": _clean(rows), "violations": problems, "warnings": warnings},
            sys.stdout,
            indent=2,
            default=str,
        )
        print()
    elif args.format == "markdown":
        print(_markdown(_table(rows), problems, warnings, args.check_violations))
    else:
        table = _table(rows)
        widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
        for row in table:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if problems:
        for p in problems:
            print(f"violation: {p}", file=sys.stderr)
        print(
            "release gate: stop feature releases until the error budget is restored",
            file=sys.stderr,
        )
        return 1
    return 0
