"""Grafana dashboards generated from an SLO config: an overview and one per service.

`generate_dashboards(config)` returns the dashboards as JSON-ready dicts;
`write_dashboards(config, directory)` writes them with a Grafana file-provisioning YAML;
`deploy_dashboards(config, url)` pushes them through Grafana's HTTP API (see grafana_api).
See docs/dashboards.md for what each panel shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config.model import Config
from ..errors import InvalidInputError
from .files import PROVISIONING_FILE, write_dashboards
from .grafana_api import DEFAULT_TOKEN_ENV, DeployResult, deploy_dashboards
from .overview import overview_dashboard
from .service import service_dashboards


@dataclass(frozen=True)
class Dashboards:
    """The generated dashboards and the folder they belong in."""

    folder: str
    dashboards: list[dict[str, Any]]


def generate_dashboards(config: Config) -> Dashboards:
    """The overview first, then one dashboard per service, in config order."""
    platform = config.global_.dashboards.platform
    if platform != "grafana":
        raise InvalidInputError(
            f"{config.source}: global.dashboards.platform {platform!r} has no dashboard "
            "generator; expected grafana"
        )
    from ..rules import generate

    generate(config)  # the same checks as the rules the dashboards read (duplicates, budget)
    dashboards = [overview_dashboard(config), *service_dashboards(config)]
    return Dashboards(config.global_.dashboards.folder, dashboards)


__all__ = [
    "DEFAULT_TOKEN_ENV",
    "PROVISIONING_FILE",
    "Dashboards",
    "DeployResult",
    "deploy_dashboards",
    "generate_dashboards",
    "write_dashboards",
]
