"""What the generated CI jobs are parameterised by: the config path, the backend and the
names (never the values) of the secrets that hold its URL and tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInputError

_SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")


@dataclass(frozen=True)
class CiSettings:
    config: str = "slos.yaml"
    # Where budgets and reports read SLIs: "prometheus" (a URL from a secret) or "embedded"
    # (a store directory checked into the repo or restored from a cache).
    source: str = "prometheus"
    prometheus_url_secret: str = "PROMETHEUS_URL"
    grafana_url_secret: str = "GRAFANA_URL"
    grafana_token_secret: str = "GRAFANA_TOKEN"
    rules_dir: str = "prometheus/rules"
    dashboards_dir: str = "grafana/dashboards"
    python_version: str = "3.12"
    package: str = "nexus-sre"  # what `pip install` gets; pin a version here
    branch: str = "main"

    def __post_init__(self) -> None:
        if self.source not in ("prometheus", "embedded"):
            raise InvalidInputError(f"source: must be prometheus or embedded, got {self.source!r}")
        for name in ("prometheus_url_secret", "grafana_url_secret", "grafana_token_secret"):
            value = getattr(self, name)
            if not _SECRET_NAME.match(value):
                raise InvalidInputError(
                    f"{name}: a secret name is UPPER_CASE letters, digits and _, got {value!r}"
                )
        # Paths and the package spec land in YAML and shell: keep them plain words.
        for name in ("config", "rules_dir", "dashboards_dir", "branch"):
            value = getattr(self, name)
            if not _SAFE_PATH.match(value) or value.startswith("-"):
                raise InvalidInputError(
                    f"{name}: use letters, digits and . _ / - only (got {value!r})"
                )
        if not re.match(r"^[A-Za-z0-9_.\[\],<>=!~ -]+$", self.package):
            raise InvalidInputError(f"package: not a pip requirement: {self.package!r}")
        if not re.match(r"^3\.\d+$", self.python_version):
            raise InvalidInputError(f"python_version: like 3.12, got {self.python_version!r}")
