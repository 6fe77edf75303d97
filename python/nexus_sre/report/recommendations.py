"""Recommendations: what the error-budget policy says to do, given the report's figures.

Works on the report model's `services` list (the figures the reader sees), so every number
quoted in a description is one the report shows. The `policy` recommendation of an SLO
lists the steps of its error budget policy (config `policy:`, default the seed's four
steps) in force, and is critical when one of them freezes releases; the other rules state
facts and what to investigate. Rules and thresholds: docs/report.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..common.figures import fmt_number
from ..config.policy import DEFAULT_POLICY, Policy
from ..slo.policy import action_texts, facts_from_report, steps_in_force

# Alerts of these severities wake someone up: each deserves a post-mortem.
PAGE_SEVERITIES = frozenset({"page", "critical"})
# Below this share of budget consumed over the whole period, the target is loose.
GENEROUS_CONSUMED_PERCENT = 10
# An SLI is meaningful when the budget allows at least this many bad events.
MIN_BUDGET_EVENTS = 10
# Warn when the budget runs out within this many hours at the current burn rate.
FORECAST_HOURS = 72
# The same alert firing this often in one period is noise, not signal.
NOISY_ALERT_COUNT = 5
# Targets people actually pick, for "tighten the target to ...".
STANDARD_TARGETS = tuple(
    Decimal(t) for t in ("90", "95", "99", "99.5", "99.9", "99.95", "99.99", "99.999")
)

_TYPE_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _n(value: Any, decimals: int = 4) -> str:
    return fmt_number(value, max_decimals=decimals)


def _rec(
    type_: str,
    code: str,
    title: str,
    description: str,
    actions: list[str],
    service: str | None,
    slo: str | None,
) -> dict[str, Any]:
    return {
        "type": type_,
        "code": code,
        "title": title,
        "description": description,
        "actions": actions,
        "service": service,
        "slo": slo,
    }


def min_meaningful_events(target_percent: float) -> int:
    """Events needed for the budget to allow MIN_BUDGET_EVENTS bad ones: 10 / (1 - target)."""
    fraction = (Decimal(100) - Decimal(_n(target_percent))) / 100
    if fraction <= 0:
        return 0  # a 100 % target has no budget to measure against
    needed = Decimal(MIN_BUDGET_EVENTS) / fraction
    return int(needed.to_integral_value(rounding="ROUND_CEILING"))


def tighter_target(target: float, actual: float) -> Decimal | None:
    """The tightest standard target above `target` that `actual` still met, if any."""
    t, a = Decimal(_n(target)), Decimal(_n(actual))
    met = [s for s in STANDARD_TARGETS if t < s <= a]
    return max(met) if met else None


def _policy_rec(svc: dict[str, Any], slo: dict[str, Any], policy: Policy) -> dict[str, Any] | None:
    """The steps of the SLO's policy in force: critical when one freezes releases."""
    hits = steps_in_force(policy, facts_from_report(slo))
    if not hits:
        return None
    service, sid, name = svc["name"], slo["id"], slo["name"]
    freeze = [h.step.name for h in hits if h.freezes_releases]
    steps = "; ".join(f"step {h.step.name}: {', '.join(h.reasons)}" for h in hits)
    actions: list[str] = []
    for h in hits:
        actions.extend(a for a in action_texts(h.step) if a not in actions)
    verdict = (
        f"releases are frozen by step {', '.join(freeze)}" if freeze else "no step freezes releases"
    )
    return _rec(
        "critical" if freeze else "warning",
        "policy",
        f"Error budget policy {'freezes releases' if freeze else 'in force'}: {name}",
        f"{service}/{sid}: {verdict} ({policy.origin} policy). {steps}.",
        actions,
        service,
        sid,
    )


def _slo_recs(
    svc: dict[str, Any], slo: dict[str, Any], policy: Policy = DEFAULT_POLICY
) -> list[dict[str, Any]]:
    service, sid, name = svc["name"], slo["id"], slo["name"]
    b = slo["errorBudget"]
    out: list[dict[str, Any]] = []

    if slo["status"] == "no-data":
        out.append(
            _rec(
                "warning",
                "no-data",
                f"No data for {name}",
                f"{service}/{sid} recorded no events in the period, so its SLI and error "
                "budget are unknown (not 0 % and not 100 %).",
                [
                    "Check that the service is instrumented and the metrics reach the backend",
                    "Check the SLI queries (metric names, labels) against live data",
                    "If the service had no traffic, consider synthetic probes",
                ],
                service,
                sid,
            )
        )
        return out

    consumed = b["consumedPercent"]
    policy_rec = _policy_rec(svc, slo, policy)
    if policy_rec is not None:
        out.append(policy_rec)
    if b["status"] == "exhausted" or slo["targetMet"] is False:
        out.append(
            _rec(
                "critical",
                "budget-exhausted",
                f"Error budget exhausted: {name}",
                f"{service}/{sid} consumed {_n(consumed)} % of its error budget "
                f"({_n(b['consumedMinutes'])} of {_n(b['totalMinutes'])} minutes); "
                f"SLI {_n(slo['actualValue'])} % against a target of {_n(slo['target'])} %.",
                [
                    "Find the top causes of the errors that spent the budget",
                    "Apply the error budget policy (the `policy` recommendation of this SLO)",
                ],
                service,
                sid,
            )
        )
    elif b["status"] in ("warning", "critical"):
        out.append(
            _rec(
                "warning",
                f"budget-{b['status']}",
                f"Error budget running low: {name}",
                f"{service}/{sid} consumed {_n(consumed)} % of its error budget "
                f"({_n(b['remainingMinutes'])} minutes left), status {b['status']}.",
                [
                    "Slow down releases and prefer small, easily reverted changes",
                    "Review changes deployed in the period for regressions",
                    "Check dependencies and capacity for the error sources",
                ],
                service,
                sid,
            )
        )

    tte = b["timeToExhaustionHours"]
    if tte is not None and b["status"] != "exhausted" and tte <= FORECAST_HOURS:
        out.append(
            _rec(
                "warning",
                "exhaustion-forecast",
                f"Budget runs out within {FORECAST_HOURS} h: {name}",
                f"At the current burn rate, {service}/{sid} exhausts its error budget in "
                f"{_n(tte)} hours.",
                [
                    "Find what is burning the budget now (recent deploys, dependencies)",
                    "Hold risky releases until the burn rate is back below 1",
                ],
                service,
                sid,
            )
        )

    burn_alerts = [a for a in slo["alerts"] if a["kind"] == "burn_rate"]
    pages = [a for a in burn_alerts if a["severity"] in PAGE_SEVERITIES]
    if pages:
        peaks = [a["peakBurnRate"] for a in pages if a["peakBurnRate"] is not None]
        peak = f", peak burn rate {_n(max(peaks))}" if peaks else ""
        firing = sum(1 for a in pages if a["end"] is None)
        still = f"; {firing} still firing at period end" if firing else ""
        out.append(
            _rec(
                "critical",
                "fast-burn",
                f"Fast burn paged: {name}",
                f"{service}/{sid} fired {len(pages)} page-severity burn-rate alert(s) "
                f"(first at {pages[0]['start']}{peak}){still}.",
                [
                    "Check that the runbook for this alert was accurate and sufficient",
                    "Apply the error budget policy (the `policy` recommendation of this SLO)",
                ],
                service,
                sid,
            )
        )
    elif burn_alerts:
        out.append(
            _rec(
                "warning",
                "slow-burn",
                f"Slow burn detected: {name}",
                f"{service}/{sid} fired {len(burn_alerts)} ticket-severity burn-rate alert(s): "
                "a gradual degradation is eating the budget.",
                [
                    "Investigate the error sources before they turn into a fast burn",
                    "Look for a slow regression (latency creep, rising retries, saturation)",
                ],
                service,
                sid,
            )
        )

    for alert_name, count in Counter(a["name"] for a in slo["alerts"]).items():
        if count >= NOISY_ALERT_COUNT:
            out.append(
                _rec(
                    "info",
                    "noisy-alert",
                    f"Noisy alert {alert_name}: {name}",
                    f"{service}/{sid} fired alert {alert_name} {count} times in the period; "
                    "alerts that flap lose the on-call's trust.",
                    [
                        "Check the short window and factor of this alert",
                        "Fix the recurring cause, or adjust the SLO if it is tolerated",
                    ],
                    service,
                    sid,
                )
            )

    needed = max(slo["minEvents"], min_meaningful_events(slo["target"]))
    low_traffic = slo["eventsCount"] < needed
    if low_traffic:
        configured = slo["eventsCount"] < slo["minEvents"]
        out.append(
            _rec(
                "warning" if configured else "info",
                "low-traffic",
                f"Too little traffic for a meaningful SLI: {name}",
                f"{service}/{sid} saw {slo['eventsCount']} events; at a {_n(slo['target'])} % "
                f"target at least {needed} are needed for the SLI to be meaningful "
                f"(a single bad event moves it by {_n(Decimal(100) / slo['eventsCount'])} %).",
                [
                    "Add synthetic probes to generate steady traffic",
                    "Use a longer SLO window, or merge low-traffic endpoints into one SLO",
                ],
                service,
                sid,
            )
        )

    if (
        not low_traffic
        and slo["targetMet"]
        and consumed is not None
        and consumed < GENEROUS_CONSUMED_PERCENT
        and not slo["alerts"]
    ):
        tighter = tighter_target(slo["target"], slo["actualValue"])
        hint = (
            f" A target of {_n(tighter)} % would still have been met."
            if tighter is not None
            else ""
        )
        out.append(
            _rec(
                "info",
                "target-too-loose",
                f"Unused error budget: {name}",
                f"{service}/{sid} used only {_n(consumed)} % of its error budget (SLI "
                f"{_n(slo['actualValue'])} % against {_n(slo['target'])} %).{hint}",
                [
                    "Tighten the target if users expect this level of reliability",
                    "Or spend the budget: release faster, run chaos experiments",
                ],
                service,
                sid,
            )
        )
    return out


def _service_recs(svc: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    name = svc["name"]
    if svc["slos"] and not any(s["sliType"] == "latency" for s in svc["slos"]):
        out.append(
            _rec(
                "info",
                "missing-latency-slo",
                f"No latency SLO for {name}",
                f"{name} has {len(svc['slos'])} SLO(s) but none on latency: slow responses "
                "do not consume any error budget.",
                ["Add a latency SLO, e.g. 99 % of requests faster than a threshold users notice"],
                name,
                None,
            )
        )
    if not svc["slos"]:
        out.append(
            _rec(
                "warning",
                "no-slos",
                f"No SLOs evaluated for {name}",
                f"{name} is in the config but no SLO of it was evaluated.",
                ["Define SLOs for the service, or remove it from the config"],
                name,
                None,
            )
        )
    if not svc["owner"]:
        out.append(
            _rec(
                "info",
                "no-owner",
                f"No owner for {name}",
                f"{name} ({svc['tier'] or 'no tier'}) has no owner: nobody is accountable "
                "for its error budget.",
                ["Set `owner` on the service in the SLO config"],
                name,
                None,
            )
        )
    return out


def recommend(
    services: Sequence[dict[str, Any]],
    policies: Mapping[tuple[str, str], Policy] | None = None,
) -> list[dict[str, Any]]:
    """All recommendations, critical first, then in service and SLO order. `policies`:
    (service, SLO id) -> its error budget policy; the default policy for the others."""
    found: list[dict[str, Any]] = []
    slos = [s for svc in services for s in svc["slos"]]
    if slos and all(s["status"] == "no-data" for s in slos):
        found.append(
            _rec(
                "critical",
                "no-data-at-all",
                "No data for any SLO",
                f"None of the {len(slos)} SLOs recorded an event in the period: the source "
                "is probably disconnected or misconfigured.",
                [
                    "Check the connection to the monitoring backend and its credentials",
                    "Check that the period covers a time when the services ran",
                    "Check the instrumentation of the services",
                ],
                None,
                None,
            )
        )
    for svc in services:
        for slo in svc["slos"]:
            policy = (policies or {}).get((svc["name"], slo["id"]), DEFAULT_POLICY)
            found.extend(_slo_recs(svc, slo, policy))
        found.extend(_service_recs(svc))
    # sorted() is stable, so config order holds within each type.
    return sorted(found, key=lambda r: _TYPE_ORDER[r["type"]])
