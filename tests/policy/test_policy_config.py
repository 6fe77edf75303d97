"""The `policy:` section: defaults, overrides by service and SLO, and every bad input with
the exact message a user sees."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from nexus_sre.config import load_config_text
from nexus_sre.config.policy import DEFAULT_POLICY, AlertMatch
from nexus_sre.errors import ConfigError

BASE = """\
version: "1.0"
services:
  - name: api
    tier: tier-1
    slos:
      - id: avail
        target: 99.5
        sli: {type: availability}
      - id: fast
        target: 99.5
        sli: {type: latency, threshold: 300ms}
  - name: web
    slos:
      - id: pages
        target: 99
        sli: {type: availability}
"""


def load(extra: str = "", base: str = BASE):
    return load_config_text(base + textwrap.dedent(extra), "cfg.yaml")


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(text, "cfg.yaml")
    return [str(i) for i in info.value.issues]


def test_defaults_are_the_seeds_four_steps() -> None:
    config = load()
    assert config.policy == DEFAULT_POLICY
    steps = {s.name: s for s in DEFAULT_POLICY.steps}
    assert [a for s in DEFAULT_POLICY.steps for a in s.actions] == [
        "freezeReleases",
        "focusOnReliability",
        "postmortem",
        "reviewSlo",
    ]
    freeze = steps["release-freeze"].when
    assert freeze.budget_exhausted and freeze.alert_firing == AlertMatch(severity="critical")
    assert freeze.budget_consumed is None
    assert steps["postmortem"].when.alert_fired == AlertMatch(severity="critical")
    assert all(slo.policy == DEFAULT_POLICY for _, slo in config.slos())


def test_top_level_policy_and_overrides_by_service_and_slo() -> None:
    text = BASE.replace(
        "      - id: fast\n",
        "      - id: fast\n"
        "        policy:\n"
        "          steps:\n"
        "            - {name: watch, when: {budgetConsumed: 90}, text: tell the lead}\n",
    ).replace(
        "  - name: web\n",
        "  - name: web\n"
        "    policy:\n"
        "      steps:\n"
        "        - name: burn\n"
        "          when: {burnRate: {window: 1h, above: 14.40}}\n"
        "          actions: [freezeReleases, postmortem]\n",
    )
    text += textwrap.dedent(
        """\
        policy:
          steps:
            - name: half
              when: {budgetConsumed: 50.0, alertFired: {name: page-1h}}
              actions: [focusOnReliability]
        """
    )
    config = load_config_text(text, "cfg.yaml")
    assert config.policy.origin == "config"
    by_id = {slo.id: slo.policy for _, slo in config.slos()}
    assert by_id["avail"] == config.policy
    half = by_id["avail"].steps[0]
    assert half.when.budget_consumed == Decimal("50")
    assert str(half.when.budget_consumed) == "50"
    assert half.when.alert_fired == AlertMatch(name="page-1h")
    assert not half.freezes_releases
    assert by_id["fast"].origin == "SLO fast"
    assert by_id["fast"].steps[0].text == "tell the lead"
    assert by_id["pages"].origin == "service web"
    burn = by_id["pages"].steps[0]
    assert (burn.when.burn_rate.window, str(burn.when.burn_rate.above)) == (3600, "14.4")
    assert burn.freezes_releases


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "policy: {steps: [{name: a, when: {}, actions: [postmortem]}]}",
            [
                "cfg.yaml:17:34: policy.steps[0].when: give at least one of budgetExhausted, "
                "budgetConsumed, alertFiring, alertFired, burnRate"
            ],
        ),
        (
            "policy: {steps: [{name: a, when: {budgetConsumed: 50}}]}",
            ["cfg.yaml:17:18: policy.steps[0]: a policy step needs actions, text or both"],
        ),
        (
            "policy: {steps: [{name: a, when: {budgetConsumed: 50}, actions: [freeze]}]}",
            [
                "cfg.yaml:17:66: policy.steps[0].actions[0]: unknown policy action 'freeze'; "
                "expected freezeReleases, focusOnReliability, postmortem or reviewSlo; "
                "did you mean 'freezeReleases'?"
            ],
        ),
        (
            "policy: {steps: [{name: a, when: {budgetConsumed: 150}, actions: [postmortem]}]}",
            [
                "cfg.yaml:17:51: policy.steps[0].when.budgetConsumed: a budget percentage must "
                "be above 0 and at most 100, got the number 150"
            ],
        ),
        (
            "policy: {steps: [{name: a, when: {alertFiring: {}}, actions: [postmortem]}]}",
            [
                "cfg.yaml:17:48: policy.steps[0].when.alertFiring: name the alert tier "
                "(name: page-1h), its severity (severity: critical) or both"
            ],
        ),
        (
            "policy: {steps: [{name: a, when: {budgetConsumed: 1}, actions: [postmortem]},"
            " {name: a, when: {budgetConsumed: 2}, text: x}]}",
            ["cfg.yaml:17:86: policy.steps[1].name: duplicate policy step name 'a'"],
        ),
        (
            "policy: {steps: [{name: a, when: {burnRate: {window: 3h, above: 3}}, text: x}]}",
            [
                "cfg.yaml:17:54: policy.steps[0].when.burnRate.window: SLO 'avail' has no 3h "
                "window; use one of its alert windows or its period: "
                "5m, 30m, 1h, 2h, 6h, 1d, 3d, 30d"
            ],
        ),
        (
            "policy: {steps: [{name: a, when: {alertFiring: {name: fast}}, text: x}]}",
            [
                "cfg.yaml:17:55: policy.steps[0].when.alertFiring.name: SLO 'avail' has no "
                "burn-rate alert 'fast'; its tiers: page-1h, page-6h, ticket-1d, ticket-3d"
            ],
        ),
        (
            "policy: {steps: []}",
            ["cfg.yaml:17:17: policy.steps: needs at least 1 item, got none"],
        ),
    ],
)
def test_bad_policies_say_where_and_what(policy: str, expected: list[str]) -> None:
    assert issues(BASE + policy + "\n") == expected


def test_the_readme_example_policy_is_valid_for_the_example_config() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    block = readme.split("## Error budget policy")[1].split("```yaml\n")[1].split("```")[0]
    text = (root / "examples" / "slos.yaml").read_text() + block
    config = load_config_text(text, "README.md")
    assert [s.name for s in config.policy.steps] == ["slow-down", "freeze", "learn"]
    freeze = config.policy.steps[1]
    assert freeze.freezes_releases and freeze.when.burn_rate.window == 3600
