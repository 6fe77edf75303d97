"""`nexus-sre budgets CONFIG` (alias calculate-budgets): every SLO's error budget and burn
rates, as a table.

With --check-violations it is a release gate: exit 1 when a budget is exhausted or a
page-severity (critical) burn-rate alert is firing at the end of the period.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

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
    p.add_argument("--format", choices=("table", "json"), default="table")
    return p


def _violations(evaluations: list[Any]) -> list[str]:
    out = []
    for e in evaluations:
        if e.budget.status == "exhausted":
            out.append(
                f"{e.service}/{e.slo_id}: error budget exhausted "
                f"({e.budget.consumed_percent:.1f}% consumed)"
            )
        for a in e.alerts:
            if a.kind == "burn_rate" and a.severity == "critical" and a.end is None:
                out.append(
                    f"{e.service}/{e.slo_id}: page alert {a.name} is firing "
                    f"(burn rate {a.peak_burn_rate:.1f}x, threshold {a.factor:g}x)"
                )
    return out


def _row(e: Any) -> dict[str, Any]:
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
        "firing": [a.name for a in e.alerts if a.end is None],
    }


def _clean(value: Any) -> Any:
    """Floats without binary artefacts, for JSON a user reads (99.94201003035 not
    99.94201003035079); NaN as null."""
    from ..common.figures import clean_float

    if isinstance(value, float):
        return clean_float(value) if value == value else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def run(args: argparse.Namespace) -> int:

    check_period(args)
    config = load(args)
    source = pick_source(args, config)
    note_unmeasured(config, source)
    if source == "prometheus":
        # pinned instant queries (or recorded series): a gate needs no history
        from ..sources.prometheus_instant import prometheus_budgets

        note_time_weighted(config.slos(), "nexus-sre budgets")
        options = source_options(args)
        evaluations = prometheus_budgets(
            config,
            **{k: options[k] for k in ("prometheus_url", "start", "end", "days", "services")},
        )
    else:
        from ..sources.select import evaluations_from

        evaluations = evaluations_from(source, config, with_series=False, **source_options(args))
    rows = [_row(e) for e in evaluations]
    problems = _violations(evaluations) if args.check_violations else []
    if args.format == "json":
        json.dump({"slos": _clean(rows), "violations": problems}, sys.stdout, indent=2, default=str)
        print()
    else:
        header = (
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
        table = [header]
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
        widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
        for row in table:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if problems:
        for p in problems:
            print(f"violation: {p}", file=sys.stderr)
        print(
            "release gate: stop feature releases until the error budget is restored",
            file=sys.stderr,
        )
        return 1
    return 0
