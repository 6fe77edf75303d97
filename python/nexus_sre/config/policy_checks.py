"""Checks of `policy:` sections (top level, service, SLO) that the field types cannot say.

`check_policies` runs on the raw data with the other cross-field checks: a trigger needs a
condition, a step an action or text, an alert match a name or severity, step names are
unique. `check_policy_windows` runs on the built model, where every SLO's alert tiers
(defaults included) are known: a `burnRate` window and an alert tier name must exist for
every SLO the policy applies to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..common.durations import format_duration
from .loader import PathKey
from .model import SLO, Config

TRIGGER_KEYS = ("budgetExhausted", "budgetConsumed", "alertFiring", "alertFired", "burnRate")


def _policies(data: dict[str, Any]) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    """Every raw `policy:` mapping with its path."""
    if isinstance(data.get("policy"), dict):
        yield ("policy",), data["policy"]
    services = data.get("services")
    for i, svc in enumerate(services if isinstance(services, list) else []):
        if not isinstance(svc, dict):
            continue
        if isinstance(svc.get("policy"), dict):
            yield ("services", i, "policy"), svc["policy"]
        slos = svc.get("slos")
        for j, slo in enumerate(slos if isinstance(slos, list) else []):
            if isinstance(slo, dict) and isinstance(slo.get("policy"), dict):
                yield ("services", i, "slos", j, "policy"), slo["policy"]


def check_policies(data: dict[str, Any]) -> list[tuple[PathKey, str]]:
    out: list[tuple[PathKey, str]] = []
    for at, policy in _policies(data):
        steps = policy.get("steps")
        seen: set[str] = set()
        for k, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            here: PathKey = (*at, "steps", k)
            name = step.get("name")
            if isinstance(name, str):
                if name in seen:
                    out.append(((*here, "name"), f"duplicate policy step name {name!r}"))
                seen.add(name)
            if not step.get("actions") and not step.get("text"):
                out.append((here, "a policy step needs actions, text or both"))
            when = step.get("when")
            if isinstance(when, dict):
                given = [k for k in TRIGGER_KEYS if when.get(k) not in (None, False)]
                if not given:
                    out.append(((*here, "when"), f"give at least one of {', '.join(TRIGGER_KEYS)}"))
                for key in ("alertFiring", "alertFired"):
                    match = when.get(key)
                    if (
                        isinstance(match, dict)
                        and not match.get("name")
                        and not match.get("severity")
                    ):
                        out.append(
                            (
                                (*here, "when", key),
                                "name the alert tier (name: page-1h), its severity "
                                "(severity: critical) or both",
                            )
                        )
    return out


def _slo_windows(slo: SLO) -> set[int]:
    windows = {slo.time_window.seconds}
    for a in slo.alerting.burn_rate:
        windows |= {a.long_window, a.short_window}
    return windows


def check_policy_windows(config: Config) -> list[tuple[PathKey, str]]:
    """Each problem once per policy step, naming the first SLO it does not fit."""
    out: dict[PathKey, str] = {}
    for i, service in enumerate(config.services):
        for j, slo in enumerate(service.slos):
            base = _policy_path(slo.policy.origin, i, j)
            if base is None:
                continue  # the defaults name no tier and no window
            tiers = {a.name for a in slo.alerting.burn_rate}
            for k, step in enumerate(slo.policy.steps):
                here: PathKey = (*base, "steps", k, "when")
                burn = step.when.burn_rate
                if burn is not None and burn.window not in _slo_windows(slo):
                    known = ", ".join(format_duration(w) for w in sorted(_slo_windows(slo)))
                    out.setdefault(
                        (*here, "burnRate", "window"),
                        f"SLO {slo.id!r} has no {format_duration(burn.window)} window; "
                        f"use one of its alert windows or its period: {known}",
                    )
                for key, match in (
                    ("alertFiring", step.when.alert_firing),
                    ("alertFired", step.when.alert_fired),
                ):
                    if match is not None and match.name and match.name not in tiers:
                        out.setdefault(
                            (*here, key, "name"),
                            f"SLO {slo.id!r} has no burn-rate alert {match.name!r}; its "
                            f"tiers: {', '.join(sorted(tiers)) or 'none'}",
                        )
    return list(out.items())


def _policy_path(origin: str, i: int, j: int) -> PathKey | None:
    if origin == "config":
        return ("policy",)
    if origin.startswith("service "):
        return ("services", i, "policy")
    if origin.startswith("SLO "):
        return ("services", i, "slos", j, "policy")
    return None
