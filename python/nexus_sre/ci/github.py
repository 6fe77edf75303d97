"""The GitHub Actions workflows: validate, budget gate, reports, sync.

Every `run:` step reads what it needs from `env:` (never `${{ }}` inside a script), so no
event text can be injected into a shell; checkout keeps no credentials; each workflow asks
for read-only contents.
"""

from __future__ import annotations

from typing import Any

from .settings import CiSettings

# Actions pinned to a commit (a tag can be moved; a commit cannot), with the release it is.
PINS = {
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": "v4.2.2",
    "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065": "v5.6.0",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2",
}
CHECKOUT, SETUP_PYTHON, UPLOAD = PINS
DAILY, WEEKLY = "0 6 * * *", "0 7 * * 1"

Workflow = dict[str, Any]


def _secret(name: str) -> str:
    """An expression for a secret, used only in `env:` (never inside a script)."""
    return "${{ secrets." + name + " }}"


def _setup(s: CiSettings) -> list[dict[str, Any]]:
    return [
        {"uses": CHECKOUT, "with": {"persist-credentials": False}},
        {"uses": SETUP_PYTHON, "with": {"python-version": s.python_version}},
        {
            "name": "Install nexus-sre",
            "env": {"NEXUS_SRE_PACKAGE": s.package},
            "run": 'python -m pip install "$NEXUS_SRE_PACKAGE"',
        },
    ]


def _source_env(s: CiSettings) -> dict[str, str]:
    env = {"NEXUS_SRE_CONFIG": s.config}
    if s.source == "prometheus":
        env["PROMETHEUS_URL"] = _secret(s.prometheus_url_secret)
    return env


def _source_args(s: CiSettings) -> str:
    if s.source == "prometheus":
        return '--source prometheus --prometheus-url "$PROMETHEUS_URL"'
    return "--source embedded"


def _workflow(name: str, on: dict[str, Any], jobs: dict[str, Any]) -> Workflow:
    return {"name": name, "on": on, "permissions": {"contents": "read"}, "jobs": jobs}


def _job(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"runs-on": "ubuntu-latest", "timeout-minutes": 15, **extra, "steps": steps}


def validate(s: CiSettings) -> Workflow:
    """On pull requests (and pushes) that touch the config: every problem as an annotation
    on the changed line."""
    paths = [s.config]
    step = {
        "name": "Validate the SLO config",
        "env": {"NEXUS_SRE_CONFIG": s.config},
        "run": 'nexus-sre validate "$NEXUS_SRE_CONFIG" --format github',
    }
    return _workflow(
        "SLO config",
        {"pull_request": {"paths": paths}, "push": {"branches": [s.branch], "paths": paths}},
        {"validate": _job([*_setup(s), step])},
    )


def budget_gate(s: CiSettings) -> Workflow:
    """Every 15 minutes, on demand, and as a job release workflows call and require (exit 1
    on an exhausted budget or a firing page). The table goes to the job summary."""
    step = {
        "name": "Error budget gate",
        "env": _source_env(s),
        "run": (
            "set -o pipefail\n"
            f'nexus-sre budgets "$NEXUS_SRE_CONFIG" {_source_args(s)} --check-violations '
            '--format markdown | tee -a "$GITHUB_STEP_SUMMARY"\n'
        ),
    }
    return _workflow(
        "SLO budget gate",
        {
            "schedule": [{"cron": "*/15 * * * *"}],
            "workflow_dispatch": {},
            "workflow_call": {},
        },
        {
            "budget-gate": _job(
                [*_setup(s), step],
                concurrency={"group": "slo-budget-gate", "cancel-in-progress": False},
            )
        },
    )


def reports(s: CiSettings) -> Workflow:
    """A daily (last day) and a weekly (last 7 days) report, HTML and JSON, as artifacts."""
    step = {
        "name": "Write the reports",
        "env": {**_source_env(s), "SCHEDULE": "${{ github.event.schedule }}"},
        "run": (
            'days=1; label=daily\nif [ "$SCHEDULE" = "%s" ]; then days=7; label=weekly; fi\n'
            "mkdir -p reports\n"
            "for fmt in html json; do\n"
            f'  nexus-sre report "$NEXUS_SRE_CONFIG" {_source_args(s)} --days "$days" '
            '--format "$fmt" --exit-zero -o "reports/slo-$label.$fmt"\n'
            "done\n"
            'echo "REPORT_LABEL=$label" >> "$GITHUB_ENV"\n'
        )
        % WEEKLY,
    }
    upload = {
        "uses": UPLOAD,
        "with": {"name": "slo-report-${{ env.REPORT_LABEL }}", "path": "reports/"},
    }
    return _workflow(
        "SLO reports",
        {"schedule": [{"cron": DAILY}, {"cron": WEEKLY}], "workflow_dispatch": {}},
        {"reports": _job([*_setup(s), step, upload])},
    )


def sync(s: CiSettings) -> Workflow:
    """When the config changes on the main branch: rules (with their promtool tests) and
    dashboards regenerated, kept as an artifact, and the dashboards pushed to Grafana."""
    generate = {
        "name": "Generate rules and dashboards",
        "env": {
            "NEXUS_SRE_CONFIG": s.config,
            "RULES_DIR": s.rules_dir,
            "DASHBOARDS_DIR": s.dashboards_dir,
        },
        "run": (
            'mkdir -p "$RULES_DIR" "$DASHBOARDS_DIR"\n'
            'nexus-sre rules "$NEXUS_SRE_CONFIG" -o "$RULES_DIR/slos.rules.yml" '
            '--tests "$RULES_DIR/tests"\n'
            'nexus-sre dashboards "$NEXUS_SRE_CONFIG" -o "$DASHBOARDS_DIR"\n'
        ),
    }
    deploy = {
        "name": "Push the dashboards to Grafana",
        "if": "${{ vars.NEXUS_SRE_DEPLOY_DASHBOARDS == 'true' }}",
        "env": {
            "NEXUS_SRE_CONFIG": s.config,
            "DASHBOARDS_DIR": s.dashboards_dir,
            "GRAFANA_URL": _secret(s.grafana_url_secret),
            "GRAFANA_TOKEN": _secret(s.grafana_token_secret),
        },
        "run": (
            'nexus-sre dashboards "$NEXUS_SRE_CONFIG" -o "$DASHBOARDS_DIR" --deploy "$GRAFANA_URL"'
        ),
    }
    upload = {
        "uses": UPLOAD,
        "with": {
            "name": "slo-rules-and-dashboards",
            "path": f"{s.rules_dir}/\n{s.dashboards_dir}/",
        },
    }
    return _workflow(
        "SLO rules and dashboards",
        {"push": {"branches": [s.branch], "paths": [s.config]}, "workflow_dispatch": {}},
        {"sync": _job([*_setup(s), generate, upload, deploy])},
    )


WORKFLOWS = {
    "slo-validate.yml": validate,
    "slo-budget-gate.yml": budget_gate,
    "slo-reports.yml": reports,
    "slo-sync.yml": sync,
}
