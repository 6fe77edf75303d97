"""CI/CD integration: GitHub Actions workflows and a GitLab CI file that validate the SLO
config on changes, gate releases on the error budget every 15 minutes, publish daily and
weekly reports, and sync rules and dashboards from the main branch (`nexus-sre init --ci`)."""

from __future__ import annotations

from .settings import CiSettings
from .write import write_ci

__all__ = ["CiSettings", "write_ci"]
