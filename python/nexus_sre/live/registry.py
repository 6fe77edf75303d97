"""The SLO registry of `SLOManager`: services and SLOs by id, registration from a config or
from one SLO object in the seed's shape (`service` and `tier` inside it), and config errors
worded for Python callers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..config import SLO, Config, Service, parse_config
from ..config.tiers import DEFAULT_TIER
from ..errors import ConfigError, ConfigIssue, InvalidInputError, UnknownSLOError

DEFAULT_SERVICE = "default"
# Service-level keys the seed's SLO object carries; each has a keyword of register_slo.
SERVICE_KEYS = ("service", "tier", "owner")


class SloRegistry:
    """Thread-safe. `on_add(service_name, slo)` is called for every SLO added (the manager
    creates its counters there)."""

    def __init__(self, on_add: Callable[[str, SLO], object]):
        self._lock = threading.RLock()
        self._on_add = on_add
        self._services: dict[str, Service] = {}
        self._slos: dict[str, tuple[Service, SLO]] = {}
        # global.allowBelowTier of a loaded config: register() honours it too
        self.allow_below_tier = False

    def add_config(self, config: Config) -> None:
        with self._lock:
            self.allow_below_tier |= config.global_.allow_below_tier
            for _, slo in config.slos():
                if slo.id in self._slos:
                    raise InvalidInputError(f"SLO id {slo.id!r} is already registered")
            for service, slo in config.slos():
                self._add(service, slo)

    def _add(self, service: Service, slo: SLO) -> None:
        # The registry's Service lists the SLOs registered so far, this one last.
        known = self._services.get(service.name)
        base, slos = (service, [slo]) if known is None else (known, [*known.slos, slo])
        merged = base.model_copy(update={"slos": slos})
        self._on_add(service.name, slo)
        self._services[service.name] = merged
        self._slos[slo.id] = (merged, slo)

    def register(
        self,
        slo: SLO | Mapping[str, Any],
        *,
        service: str | None = None,
        tier: str | None = None,
        owner: str | None = None,
    ) -> SLO:
        """Add one SLO: an `SLO` model, or a mapping in the config file's format that may
        also carry `service`, `tier` and `owner` (as the seed's SLO objects do). A value
        given both in the object and as a keyword must agree."""
        with self._lock:
            given = {"service": service, "tier": tier, "owner": owner}
            if isinstance(slo, SLO):
                model = None
                doc_slo: dict[str, Any] | None = None
            elif isinstance(slo, Mapping):
                doc_slo = dict(slo)
                for key in SERVICE_KEYS:
                    inside = doc_slo.pop(key, None)
                    if inside is not None and given[key] is not None and inside != given[key]:
                        raise InvalidInputError(
                            f"register_slo: the SLO object says {key} {inside!r} but the "
                            f"{key}= keyword says {given[key]!r}; give one, or make them agree"
                        )
                    given[key] = given[key] if inside is None else inside
            else:
                raise InvalidInputError(
                    f"register_slo: expected an SLO object (a dict) or an SLO model, "
                    f"got {type(slo).__name__}"
                )
            name = given["service"] or DEFAULT_SERVICE
            existing = self._services.get(name)
            if existing is not None and given["tier"] not in (None, existing.tier):
                raise InvalidInputError(
                    f"register_slo: service {name!r} is registered as {existing.tier}, "
                    f"not {given['tier']}"
                )
            svc_tier = existing.tier if existing else (given["tier"] or DEFAULT_TIER)
            svc_owner = existing.owner if existing else given["owner"]
            if doc_slo is not None:
                service_doc: dict[str, Any] = {"name": name, "tier": svc_tier, "slos": [doc_slo]}
                if svc_owner is not None:
                    service_doc["owner"] = svc_owner
                allow = self.allow_below_tier or bool(existing and existing.allow_below_tier)
                doc = {
                    "version": "1.0",
                    "global": {"allowBelowTier": allow},
                    "services": [service_doc],
                }
                try:
                    config = parse_config(doc, source="register_slo")
                except ConfigError as exc:
                    raise for_python(exc, strip="services[0].slos[0].") from None
                model = config.services[0].slos[0]
            assert model is not None or isinstance(slo, SLO)
            model = model or slo  # type: ignore[assignment]
            assert isinstance(model, SLO)
            if model.id in self._slos:
                raise InvalidInputError(f"register_slo: SLO id {model.id!r} is already registered")
            svc = existing or Service(name=name, tier=svc_tier, owner=svc_owner, slos=[])
            self._add(svc, model)
            return model

    def find(self, slo_id: str) -> tuple[Service, SLO]:
        try:
            return self._slos[slo_id]
        except KeyError:
            known = ", ".join(self._slos) or "none"
            raise UnknownSLOError(f"unknown SLO id {slo_id!r}; known: {known}") from None

    def slos(self) -> list[tuple[Service, SLO]]:
        with self._lock:
            return list(self._slos.values())

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._slos)


def for_python(exc: ConfigError, *, strip: str = "") -> ConfigError:
    """The same problems, worded for a Python caller: no command-line flag to pass, and
    paths relative to the SLO object when it was registered alone."""

    def fix(issue: ConfigIssue) -> ConfigIssue:
        message = issue.message
        if "--allow-below-tier" in message:  # the CLI's advice; Python callers have no flags
            head = message.split(";")[0].split(" (allowed")[0]
            advice = (
                " (allowed)"
                if issue.severity != "error"
                else (
                    "; raise the target, lower the service tier, or set 'allowBelowTier: "
                    "true' in the config (under global, or on the service)"
                )
            )
            message = head + advice
        path = issue.path
        if strip and path.startswith(strip):
            path = path.removeprefix(strip)
        elif strip and path.startswith("services[0]."):
            path = {"name": "service"}.get(path[12:], path[12:])
        return ConfigIssue(issue.file, path, message, issue.line, issue.column, issue.severity)

    return ConfigError([fix(i) for i in exc.issues], [fix(w) for w in exc.warnings])
