"""One dashboard per service: for each SLO, the SLI against its target, the budget burndown,
the burn rate per alert window with each tier's threshold as a line, the event rate and the
alerts that fired (also drawn as annotations on every panel)."""

from __future__ import annotations

from typing import Any

from ..common.durations import format_duration
from ..common.figures import fmt_number
from ..config.model import SLO, Config, Service
from ..rules.sli import quote
from . import panels as p
from .ids import overview_uid, service_uid
from .overview import budget_thresholds
from .queries import SloQueries, firing

Placed = tuple[dict[str, Any], int, int]


def burn_thresholds(slo: SLO) -> dict[str, Any]:
    """One step per burn-rate tier at its factor, in its severity's colour (drawn as lines)."""
    tiers = sorted(slo.alerting.burn_rate, key=lambda a: a.factor)
    pairs: list[tuple[float | None, str]] = [(None, "green")]
    pairs += [(float(a.factor), p.SEVERITY_COLOURS.get(a.severity, "red")) for a in tiers]
    return p.steps(*pairs)


def _burn_targets(q: SloQueries) -> list[dict[str, Any]]:
    out = []
    for i, w in enumerate(q.long_windows()):
        tiers = [a for a in q.slo.alerting.burn_rate if a.long_window == w]
        names = ", ".join(f"{a.name} ≥ {fmt_number(a.factor)}x" for a in tiers)
        out.append(p.target(chr(ord("A") + i), q.burn_rate(w), f"{format_duration(w)} ({names})"))
    return out


def slo_panels(service: Service, slo: SLO) -> list[Placed]:
    q = SloQueries(service, slo)
    period = slo.time_window.label
    cal = slo.time_window.calendar
    span = f"{cal} so far, starting whole on each new {cal}" if cal else f"rolling {period}"
    sli_targets = [
        p.target(
            chr(ord("A") + i),
            q.sli_percent(w),
            f"SLI ({w if isinstance(w, str) else format_duration(w)})",
        )
        for i, w in enumerate(q.sli_windows())
    ]
    sli_targets.append(p.target(chr(ord("A") + len(sli_targets)), q.objective_percent(), "target"))
    placed: list[Placed] = [
        (p.row(f"{slo.name} — target {fmt_number(slo.target)}% over {period}"), 24, 1),
        (
            p.timeseries(
                "SLI vs target",
                sli_targets,
                unit="percent",
                maximum=100,
                description=f"The SLI over the SLO period ({span}) and over the shortest "
                "alert window, against the target.",
            ),
            12,
            8,
        ),
        (
            p.timeseries(
                "Error budget remaining",
                [p.target("A", q.budget_remaining_percent(), "budget remaining")],
                unit="percent",
                thresholds=budget_thresholds(slo),
                threshold_style="line+area",
                maximum=100,
                description=f"Share of the error budget left over the {span}; the "
                "bands are this SLO's budget-exhaustion levels.",
            ),
            12,
            8,
        ),
        (
            p.timeseries(
                "Burn rate per alert window",
                _burn_targets(q),
                unit="none",
                thresholds=burn_thresholds(slo),
                threshold_style="line",
                log_scale=True,
                description="Error ratio over each tier's long window divided by the error "
                "budget (1 = spending exactly the budget). A tier pages when its line and "
                "its short window are both above its threshold line.",
            ),
            12,
            8,
        ),
    ]
    rates = q.event_rates()
    if rates is not None:
        placed.append(
            (
                p.timeseries(
                    "Event rate",
                    [p.target("A", rates[0], "events/s"), p.target("B", rates[1], "failed/s")],
                    unit="reqps",
                    description="Events per second over 5m, and those that failed the SLI.",
                ),
                12,
                8,
            )
        )
    placed.append(
        (
            p.state_timeline(
                "Alerts fired",
                [
                    p.target(
                        "A", q.alerts(), "{{alertname}} {{severity}} {{alert_tier}}{{threshold}}"
                    )
                ],
                description="When each burn-rate tier and budget level fired.",
            ),
            24 if rates is None else 12,
            8 if rates is not None else 5,
        )
    )
    return placed


def service_dashboard(config: Config, service: Service) -> dict[str, Any]:
    settings = config.global_.dashboards
    placed: list[Placed] = []
    for slo in service.slos:
        placed += slo_panels(service, slo)
    tags = [*settings.tags, service.name, service.tier]
    owner = f", owned by {service.owner}" if service.owner else ""
    return p.dashboard(
        uid=service_uid(settings.folder, service.name),
        title=f"SLOs: {service.name}",
        description=f"SLO trends of {service.name} ({service.tier}{owner}), generated by "
        "nexus-sre from the recorded series of `nexus-sre rules`.",
        tags=list(dict.fromkeys(tags)),
        panels=p.layout(placed),
        variables=[],
        annotations=[
            p.annotation(
                "SLO alerts",
                firing(f",service={quote(service.name)}"),
                "red",
            )
        ],
        links=[p.link("SLO overview", f"/d/{overview_uid(settings.folder)}")],
        time_from="now-7d",
    )


def service_dashboards(config: Config) -> list[dict[str, Any]]:
    return [service_dashboard(config, s) for s in config.services]
