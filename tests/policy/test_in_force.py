"""Which policy steps are in force, on hand-worked facts: levels are inclusive, burn rates
strictly above, `alertFiring` means firing now and `alertFired` at any time."""

from __future__ import annotations

from decimal import Decimal

from nexus_sre.config.policy import (
    DEFAULT_POLICY,
    AlertMatch,
    BurnCondition,
    Policy,
    PolicyStep,
    PolicyTrigger,
)
from nexus_sre.slo.policy import AlertFact, PolicyFacts, describe_trigger, steps_in_force


def facts(consumed=None, alerts=(), burn=None) -> PolicyFacts:
    """As the evaluation says: exhausted only when more than the whole budget is spent."""
    exhausted = consumed is not None and consumed > 100
    return PolicyFacts(consumed, exhausted, list(alerts), burn or {})


def names(policy: Policy, f: PolicyFacts) -> list[str]:
    return [h.step.name for h in steps_in_force(policy, f)]


HALF = Policy(
    steps=(
        PolicyStep(
            name="half", when=PolicyTrigger(budget_consumed=Decimal(50)), actions=("reviewSlo",)
        ),
        PolicyStep(
            name="burn",
            when=PolicyTrigger(burn_rate=BurnCondition(window=3600, above=Decimal("14.4"))),
            actions=("freezeReleases",),
        ),
        PolicyStep(
            name="tier",
            when=PolicyTrigger(alert_firing=AlertMatch(name="page-6h")),
            text="call the lead",
        ),
    )
)


def test_budget_level_is_inclusive_and_robust_to_binary_rounding() -> None:
    # 500 bad of 1000 allowed is 50 %: as a float product it may come out as 49.99999999.
    consumed = (1_000_000 - 999_500) / (0.001 * 1_000_000) * 100
    assert names(HALF, facts(consumed)) == ["half"]
    assert names(HALF, facts(49.99)) == []
    assert names(HALF, facts(None)) == []  # no data: no budget level is reached


def test_burn_rate_must_be_above_the_factor_in_that_window() -> None:
    assert names(HALF, facts(1.0, burn={"1h": 14.4})) == []
    hits = steps_in_force(HALF, facts(1.0, burn={"1h": 14.41, "6h": 99.0}))
    assert [h.step.name for h in hits] == ["burn"] and hits[0].freezes_releases
    assert hits[0].reasons == ("burn rate over 1h is 14.41x (above 14.4x)",)
    assert names(HALF, facts(1.0, burn={"6h": 99.0})) == []


def test_alert_matched_by_name_and_firing_now_only() -> None:
    resolved = AlertFact("page-6h", "critical", firing=False)
    firing = AlertFact("page-6h", "critical", firing=True)
    assert names(HALF, facts(0.0, [resolved])) == []
    assert names(HALF, facts(0.0, [firing])) == ["tier"]
    assert names(HALF, facts(0.0, [AlertFact("page-1h", "critical", True)])) == []


def test_default_policy_freezes_on_exhaustion_or_a_page_firing_and_warns_otherwise() -> None:
    page_over = AlertFact("page-1h", "critical", firing=False)
    page_now = AlertFact("page-1h", "critical", firing=True)
    ticket_now = AlertFact("ticket-1d", "warning", firing=True)
    assert names(DEFAULT_POLICY, facts(99.9, [ticket_now])) == []
    assert names(DEFAULT_POLICY, facts(10.0, [page_over])) == ["postmortem"]
    now = steps_in_force(DEFAULT_POLICY, facts(10.0, [page_now]))
    assert [h.step.name for h in now] == ["release-freeze", "postmortem"]
    assert now[0].reasons == ("burn-rate alert page-1h is firing",)
    # Exactly 100 % spent still meets the target (slo/budget.py): not exhausted, no freeze.
    assert names(DEFAULT_POLICY, facts(100.0)) == []
    exhausted = steps_in_force(DEFAULT_POLICY, facts(100.5))
    assert [h.step.name for h in exhausted] == ["release-freeze", "reliability-focus", "slo-review"]
    assert exhausted[0].reasons == ("error budget exhausted (100.5 % consumed)",)
    assert [h.freezes_releases for h in exhausted] == [True, False, False]


def test_a_budget_level_of_100_is_reached_at_exactly_100() -> None:
    full = Policy(
        steps=(PolicyStep(name="all", when=PolicyTrigger(budget_consumed=Decimal(100)), text="x"),)
    )
    hits = steps_in_force(full, facts(100.0))
    assert hits[0].reasons == ("100 % of the error budget consumed (level 100 %)",)


def test_triggers_in_words() -> None:
    assert describe_trigger(DEFAULT_POLICY.steps[0].when) == (
        "the error budget exhausted (more than all of it spent) or a burn-rate alert of "
        "severity critical firing now"
    )
    assert describe_trigger(HALF.steps[1].when) == "burn rate over 1h above 14.4x"
