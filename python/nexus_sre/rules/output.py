"""Serialising rule groups: a plain Prometheus rule file or a prometheus-operator resource."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import InvalidInputError

FORMATS = ("prometheus", "prometheus-operator")


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # shared label dicts must not become &id001 anchors


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line PromQL reads best as a literal block.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def _k8s_name(name: str) -> str:
    out = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not out:
        raise InvalidInputError(f"{name!r} does not make a Kubernetes resource name")
    return out[:253]


def render(
    groups: list[dict[str, Any]],
    fmt: str = "prometheus",
    *,
    name: str = "nexus-sre-slos",
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The rule file text in `fmt` ("prometheus" or "prometheus-operator")."""
    if fmt == "prometheus":
        return dump_yaml({"groups": groups})
    if fmt == "prometheus-operator":
        metadata: dict[str, Any] = {"name": _k8s_name(name)}
        if namespace:
            metadata["namespace"] = namespace
        metadata["labels"] = {"app.kubernetes.io/managed-by": "nexus-sre"} | (labels or {})
        return dump_yaml(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PrometheusRule",
                "metadata": metadata,
                "spec": {"groups": groups},
            }
        )
    raise InvalidInputError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
