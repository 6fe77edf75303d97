"""The report's recommendations follow each SLO's policy: the `policy` recommendation is
critical when a step in force freezes releases, a warning when the steps only warn, and
absent when none is in force."""

from __future__ import annotations

from nexus_sre.config import load_config_text
from nexus_sre.report.meta import services_meta_from_config

CONFIG = """\
version: "1.0"
services:
  - name: nexus-api
    slos:
      - id: api-availability
        target: 99.9
        sli: {type: availability}
      - id: api-latency
        target: 99.9
        sli: {type: latency, threshold: 300ms}
        policy:
          steps:
            - name: freeze-at-half
              when: {budgetConsumed: 50}
              actions: [freezeReleases]
policy:
  steps:
    - name: warn-at-half
      when: {budgetConsumed: 50}
      actions: [focusOnReliability]
      text: Tell the product owner
"""


def _policy_recs(report):
    return {r["slo"]: r for r in report["recommendations"] if r["code"] == "policy"}


def test_each_slo_follows_its_own_policy(rf) -> None:
    config = load_config_text(CONFIG, "p.yaml")
    meta = services_meta_from_config(config)
    # 600 bad of 1000 allowed: 60 % of the budget, for both SLOs.
    evals = [
        rf.eval(good=999_400),
        rf.eval(slo_id="api-latency", slo_name="API Latency", good=999_400),
    ]
    recs = _policy_recs(rf.build(evals, services_meta=meta))
    warn, freeze = recs["api-availability"], recs["api-latency"]
    assert warn["type"] == "warning"
    assert "no step freezes releases (config policy)" in warn["description"]
    assert (
        "step warn-at-half: 60 % of the error budget consumed (level 50 %)" in (warn["description"])
    )
    assert warn["actions"] == [
        "Put the team on reliability work: fix the top causes of errors before new features",
        "Tell the product owner",
    ]
    assert freeze["type"] == "critical"
    assert (
        "releases are frozen by step freeze-at-half (SLO api-latency policy)"
        in (freeze["description"])
    )
    # Below every level: no policy recommendation at all.
    quiet = rf.build([rf.eval(good=999_600)], services_meta=meta)
    assert _policy_recs(quiet) == {}


def test_without_a_config_the_default_policy_applies(rf) -> None:
    page_now = rf.alert("page-1h", severity="critical", hours=None)
    recs = _policy_recs(rf.build([rf.eval(good=999_900, alerts=[page_now])]))
    rec = recs["api-availability"]
    assert rec["type"] == "critical"
    assert "step release-freeze: burn-rate alert page-1h is firing" in rec["description"]
    assert "step postmortem: burn-rate alert page-1h fired in the period" in rec["description"]
