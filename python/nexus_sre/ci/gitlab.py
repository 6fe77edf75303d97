"""The same four jobs as one `.gitlab-ci.yml`: validate on merge requests that touch the
config, and the budget gate and the reports on pipeline schedules (a schedule sets
`NEXUS_SRE_JOB` to budget-gate, daily-report or weekly-report), sync on the default branch.
"""

from __future__ import annotations

from typing import Any

from .settings import CiSettings


def _on_schedule(job: str) -> list[dict[str, Any]]:
    return [
        {"if": f'$CI_PIPELINE_SOURCE == "schedule" && $NEXUS_SRE_JOB == "{job}"'},
        {"if": '$CI_PIPELINE_SOURCE == "web"', "when": "manual", "allow_failure": True},
    ]


def _source_args(s: CiSettings) -> str:
    if s.source == "prometheus":
        return '--source prometheus --prometheus-url "$PROMETHEUS_URL"'
    return "--source embedded"


def gitlab_ci(s: CiSettings) -> dict[str, Any]:
    config_changed = [
        {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"', "changes": [s.config]},
        {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "changes": [s.config]},
    ]
    variables: dict[str, Any] = {
        "NEXUS_SRE_PACKAGE": s.package,
        "NEXUS_SRE_CONFIG": s.config,
    }
    if s.source == "prometheus" and s.prometheus_url_secret != "PROMETHEUS_URL":
        # The URL comes from a masked CI/CD variable of the name given.
        variables["PROMETHEUS_URL"] = f"${s.prometheus_url_secret}"
    reports = {}
    for label, days in (("daily", 1), ("weekly", 7)):
        reports[f"slo-{label}-report"] = {
            "stage": "report",
            "script": [
                "mkdir -p reports",
                f'nexus-sre report "$NEXUS_SRE_CONFIG" {_source_args(s)} --days {days} '
                f"--format html --exit-zero -o reports/slo-{label}.html",
                f'nexus-sre report "$NEXUS_SRE_CONFIG" {_source_args(s)} --days {days} '
                f"--format json --exit-zero -o reports/slo-{label}.json",
            ],
            "artifacts": {"paths": ["reports/"], "expire_in": "30 days"},
            "rules": _on_schedule(f"{label}-report"),
        }
    return {
        "stages": ["validate", "gate", "report", "sync"],
        "default": {
            "image": f"python:{s.python_version}-slim",
            "before_script": ['python -m pip install "$NEXUS_SRE_PACKAGE"'],
        },
        "variables": variables,
        "slo-validate": {
            "stage": "validate",
            "script": ['nexus-sre validate "$NEXUS_SRE_CONFIG"'],
            "rules": config_changed,
        },
        "slo-budget-gate": {
            "stage": "gate",
            "script": [
                "set -o pipefail",
                f'nexus-sre budgets "$NEXUS_SRE_CONFIG" {_source_args(s)} --check-violations '
                "--format markdown | tee budget-gate.md",
            ],
            "artifacts": {"when": "always", "paths": ["budget-gate.md"], "expire_in": "7 days"},
            "rules": _on_schedule("budget-gate"),
        },
        **reports,
        "slo-sync": {
            "stage": "sync",
            "script": [
                f"mkdir -p {s.rules_dir} {s.dashboards_dir}",
                f'nexus-sre rules "$NEXUS_SRE_CONFIG" -o {s.rules_dir}/slos.rules.yml '
                f"--tests {s.rules_dir}/tests",
                f'nexus-sre dashboards "$NEXUS_SRE_CONFIG" -o {s.dashboards_dir}',
            ],
            "artifacts": {"paths": [f"{s.rules_dir}/", f"{s.dashboards_dir}/"]},
            "rules": [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "changes": [s.config]}],
        },
    }
