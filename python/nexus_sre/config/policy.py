"""The error budget policy model: steps, each a trigger and the actions it calls for.

A step is in force for an SLO when any condition of its trigger holds (slo/policy.py
decides that from the figures). A step with `freezeReleases` makes the release gate
(`budgets --check-violations`) fail; every other step only warns. The defaults are the
seed's four steps; `policy:` at the top of the config, on a service or on an SLO replaces
them (the nearest one wins, whole).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

_FROZEN = ConfigDict(frozen=True, extra="forbid")

# Action name -> what it asks of the team (Markdown, recommendations, gate messages).
ACTIONS: dict[str, str] = {
    "freezeReleases": "Stop feature releases until the error budget is restored; "
    "only fixes and security patches ship",
    "focusOnReliability": "Put the team on reliability work: fix the top causes of errors "
    "before new features",
    "postmortem": "Hold a blameless post-mortem and track its action items to completion",
    "reviewSlo": "Review the SLO with its stakeholders: adjust the target if it is "
    "consistently unrealistic",
}
FREEZE = "freezeReleases"


class AlertMatch(BaseModel):
    """Which burn-rate alert tiers a trigger means: by name, by severity, or both."""

    model_config = _FROZEN

    name: str | None = None
    severity: str | None = None

    def matches(self, name: str, severity: str) -> bool:
        return (self.name is None or self.name == name) and (
            self.severity is None or self.severity == severity
        )

    @property
    def label(self) -> str:
        parts = [f"tier {self.name}"] if self.name else []
        if self.severity:
            parts.append(f"severity {self.severity}")
        return "a burn-rate alert of " + " and ".join(parts)


class BurnCondition(BaseModel):
    """The burn rate over `window` (seconds, ending now) is above `above`."""

    model_config = _FROZEN

    window: int
    above: Decimal


class PolicyTrigger(BaseModel):
    """When a step is in force: any one of the conditions given holds."""

    model_config = _FROZEN

    budget_exhausted: bool = False  # more than the whole budget spent (the target missed)
    budget_consumed: Decimal | None = None  # percent of the period's budget, >=
    alert_firing: AlertMatch | None = None  # firing at the end of the period
    alert_fired: AlertMatch | None = None  # fired at any time in the period
    burn_rate: BurnCondition | None = None


class PolicyStep(BaseModel):
    model_config = _FROZEN

    name: str
    when: PolicyTrigger
    actions: tuple[str, ...] = ()
    text: str | None = None  # free text: what this team does

    @property
    def freezes_releases(self) -> bool:
        return FREEZE in self.actions


class Policy(BaseModel):
    model_config = _FROZEN

    steps: tuple[PolicyStep, ...]
    origin: str = "default"  # "default", "config", "service NAME" or "SLO ID"


_PAGE = AlertMatch(severity="critical")

DEFAULT_POLICY = Policy(
    steps=(
        PolicyStep(
            name="release-freeze",
            when=PolicyTrigger(budget_exhausted=True, alert_firing=_PAGE),
            actions=("freezeReleases",),
        ),
        PolicyStep(
            name="reliability-focus",
            when=PolicyTrigger(budget_exhausted=True),
            actions=("focusOnReliability",),
        ),
        PolicyStep(
            name="postmortem",
            when=PolicyTrigger(alert_fired=_PAGE),
            actions=("postmortem",),
        ),
        PolicyStep(
            name="slo-review",
            when=PolicyTrigger(budget_exhausted=True),
            actions=("reviewSlo",),
            text="An SLO whose budget runs out period after period is unrealistic: "
            "adjust the target or fix the service, and record the decision",
        ),
    )
)
