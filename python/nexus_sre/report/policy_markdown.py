"""The error budget policy as Markdown for a team's wiki, and which steps are in force.

`policy_markdown(config)` lists each distinct policy of a config (the defaults, the
top-level `policy:`, service and SLO overrides) with the SLOs it applies to, its steps
(trigger, actions, whether it freezes releases) and what each action means.
`in_force_markdown(config, evaluations)` adds a table of the steps in force per SLO now.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..common.figures import fmt_number
from ..common.markdown import md_escape
from ..config import Config
from ..config.policy import ACTIONS, Policy
from ..slo.policy import describe_trigger, facts_from_evaluation, steps_in_force

_ORIGIN = {"default": "Default policy (the seed's four steps)", "config": "Policy of the config"}


def _title(policy: Policy) -> str:
    return _ORIGIN.get(policy.origin, f"Policy of {policy.origin}")


def policy_markdown(config: Config) -> str:
    groups: dict[Policy, list[str]] = {}
    for service, slo in config.slos():
        groups.setdefault(slo.policy, []).append(f"{service.name}/{slo.id}")
    lines = [
        "# Error budget policy",
        "",
        f"From `{md_escape(config.source)}`. A step is in force when any of its conditions "
        "holds at the end of the SLO's period. A step that freezes releases makes the release "
        "gate (`nexus-sre budgets --check-violations`) fail; the others only warn.",
    ]
    used: list[str] = []
    for policy, slos in groups.items():
        lines += ["", f"## {md_escape(_title(policy))}", ""]
        lines.append("Applies to: " + ", ".join(f"`{md_escape(s)}`" for s in slos) + ".")
        lines += ["", "| Step | When | Actions | Release gate |", "| --- | --- | --- | --- |"]
        for step in policy.steps:
            actions = [f"`{a}`" for a in step.actions]
            if step.text:
                actions.append(md_escape(step.text))
            gate = "**freezes releases**" if step.freezes_releases else "warns"
            lines.append(
                f"| {md_escape(step.name)} | {md_escape(describe_trigger(step.when))} "
                f"| {'<br>'.join(actions)} | {gate} |"
            )
            used += [a for a in step.actions if a not in used]
    if used:
        lines += ["", "## What the actions mean", ""]
        lines += [f"- `{a}`: {md_escape(ACTIONS[a])}." for a in used]
    return "\n".join(lines) + "\n"


def in_force_markdown(config: Config, evaluations: Sequence[Any]) -> str:
    """A table: per SLO, its budget used, the steps in force (with why) and the gate."""
    lines = [
        "## In force now",
        "",
        "| Service | SLO | Budget used | Steps in force | Release gate |",
        "| --- | --- | --- | --- | --- |",
    ]
    for e in evaluations:
        _, slo = config.find(e.slo_id)
        hits = steps_in_force(slo.policy, facts_from_evaluation(e))
        used = (
            f"{fmt_number(e.budget.consumed_percent, max_decimals=2)} %"
            if e.has_data
            else "no data"
        )
        steps = "<br>".join(
            f"{md_escape(h.step.name)}: {md_escape('; '.join(h.reasons))}" for h in hits
        )
        gate = (
            "**frozen**" if any(h.freezes_releases for h in hits) else ("warn" if hits else "open")
        )
        lines.append(
            f"| {md_escape(e.service)} | {md_escape(e.slo_id)} | {used} | {steps or '—'} | {gate} |"
        )
    return "\n".join(lines) + "\n"
