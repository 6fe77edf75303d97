"""Which steps of an error budget policy are in force for one SLO, from its figures.

Pure logic on plain facts (`PolicyFacts`), built from an `SloEvaluation` (the gate, the
`policy` command) or from a report's SLO entry (the recommendations), so both read the
same rule. A step is in force when any condition of its trigger holds; each reason says
which one, with the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..common.durations import format_duration
from ..common.figures import fmt_number, reaches
from ..config.policy import ACTIONS, Policy, PolicyStep, PolicyTrigger
from .evaluation import SloEvaluation


@dataclass(frozen=True)
class AlertFact:
    name: str
    severity: str
    firing: bool  # still firing at the end of the period


@dataclass(frozen=True)
class PolicyFacts:
    consumed_percent: float | None  # None: no data
    budget_exhausted: bool  # status "exhausted": more than the whole budget spent
    burn_alerts: Sequence[AlertFact]
    burn_rates: Mapping[str, float]  # window label ("1h") -> burn rate now


@dataclass(frozen=True)
class StepInForce:
    step: PolicyStep
    reasons: tuple[str, ...]

    @property
    def freezes_releases(self) -> bool:
        return self.step.freezes_releases


def facts_from_evaluation(e: SloEvaluation) -> PolicyFacts:
    return PolicyFacts(
        consumed_percent=e.budget.consumed_percent if e.has_data else None,
        budget_exhausted=e.has_data and e.budget.status == "exhausted",
        burn_alerts=[
            AlertFact(a.name, a.severity, a.end is None) for a in e.alerts if a.kind == "burn_rate"
        ],
        burn_rates=dict(e.burn_rates) if e.has_data else {},
    )


def facts_from_report(slo: Mapping[str, Any]) -> PolicyFacts:
    """From one SLO entry of the report model (report/model.py)."""
    has_data = slo["status"] != "no-data"
    return PolicyFacts(
        consumed_percent=slo["errorBudget"]["consumedPercent"] if has_data else None,
        budget_exhausted=has_data and slo["errorBudget"]["status"] == "exhausted",
        burn_alerts=[
            AlertFact(a["name"], a["severity"], a["end"] is None)
            for a in slo["alerts"]
            if a["kind"] == "burn_rate"
        ],
        burn_rates={k: float(v) for k, v in (slo.get("burnRate") or {}).items()}
        if has_data
        else {},
    )


def reasons(when: PolicyTrigger, facts: PolicyFacts) -> list[str]:
    """Why each condition of `when` holds (empty: the step is not in force)."""
    out: list[str] = []
    consumed = facts.consumed_percent
    level = when.budget_consumed
    shown = "?" if consumed is None else fmt_number(consumed, max_decimals=2)
    if when.budget_exhausted and facts.budget_exhausted:
        out.append(f"error budget exhausted ({shown} % consumed)")
    if level is not None and consumed is not None and reaches(consumed, float(level)):
        out.append(f"{shown} % of the error budget consumed (level {fmt_number(level)} %)")
    for match, firing in ((when.alert_firing, True), (when.alert_fired, False)):
        if match is None:
            continue
        hits = [
            a
            for a in facts.burn_alerts
            if match.matches(a.name, a.severity) and (a.firing or not firing)
        ]
        if hits:
            names = ", ".join(sorted({a.name for a in hits}))
            verb = "is firing" if firing else "fired in the period"
            out.append(f"burn-rate alert {names} {verb}")
    burn = when.burn_rate
    if burn is not None:
        label = format_duration(burn.window)
        rate = facts.burn_rates.get(label)
        # above, strictly: the same float tolerance as `reaches`, the other way round
        if rate is not None and not reaches(float(burn.above), rate):
            out.append(
                f"burn rate over {label} is {fmt_number(rate, max_decimals=2)}x "
                f"(above {fmt_number(burn.above)}x)"
            )
    return out


def steps_in_force(policy: Policy, facts: PolicyFacts) -> list[StepInForce]:
    found = []
    for step in policy.steps:
        why = reasons(step.when, facts)
        if why:
            found.append(StepInForce(step, tuple(why)))
    return found


def action_texts(step: PolicyStep) -> list[str]:
    """What the step asks, as sentences: each action's meaning, then the step's own text."""
    out = [ACTIONS[a] for a in step.actions]
    if step.text:
        out.append(step.text)
    return out


def describe_trigger(when: PolicyTrigger) -> str:
    """The trigger in words, for the policy's Markdown and messages."""
    parts = []
    if when.budget_exhausted:
        parts.append("the error budget exhausted (more than all of it spent)")
    if when.budget_consumed is not None:
        parts.append(f"at least {fmt_number(when.budget_consumed)} % of the error budget consumed")
    if when.alert_firing is not None:
        parts.append(f"{when.alert_firing.label} firing now")
    if when.alert_fired is not None:
        parts.append(f"{when.alert_fired.label} fired in the period")
    if when.burn_rate is not None:
        parts.append(
            f"burn rate over {format_duration(when.burn_rate.window)} above "
            f"{fmt_number(when.burn_rate.above)}x"
        )
    return " or ".join(parts)
