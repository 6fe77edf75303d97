"""Create or update the exported objects in Datadog, idempotently, and say what changes.

Each object is found by its tag (SLOs, monitors: `nexus-sre-slo:<id>`,
`nexus-sre-monitor:<id>.<alert>`) or its title (the dashboard). One found and equal (in every
field we set) is left alone; one found and different is updated in place; none is created.
A managed object found twice is an error (we would not know which one to keep). `plan`
only reads; `apply` writes. Managed objects no longer in the config are reported, not
deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import BackendError
from .api import call
from .export import MANAGED_TAG, Export, Managed, resolve
from .settings import Connection


@dataclass(frozen=True)
class Change:
    action: str  # "create", "update" or "unchanged"
    kind: str
    name: str
    datadog_id: str | None
    differences: tuple[str, ...] = ()

    def line(self) -> str:
        mark = {"create": "+", "update": "~", "unchanged": "="}[self.action]
        where = f" ({self.datadog_id})" if self.datadog_id else ""
        head = f"{mark} {self.action} {self.kind} {self.name}{where}"
        return "\n".join([head, *(f"    {d}" for d in self.differences)])


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # managed in Datadog, gone from the config

    def text(self) -> str:
        lines = [c.line() for c in self.changes]
        lines += [f"! {s}: in Datadog but no longer in the config (left alone)" for s in self.stale]
        return "\n".join(lines)

    @property
    def pending(self) -> int:
        return sum(c.action != "unchanged" for c in self.changes)


def differences(want: Any, have: Any, path: str = "") -> list[str]:
    """Where `have` differs from `want`, in the fields `want` sets (Datadog adds its own)."""
    here = path or "(body)"
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return [f"{here}: {have!r:.80} -> {want!r:.80}"]
        out = []
        for k, v in want.items():
            out += differences(v, have.get(k), f"{path}.{k}" if path else k)
        return out
    if isinstance(want, list):
        if path.endswith("tags") and isinstance(have, list):
            return (
                []
                if sorted(want) == sorted(have)
                else [f"{here}: {sorted(have)} -> {sorted(want)}"]
            )
        if not isinstance(have, list) or len(have) != len(want):
            n = len(have) if isinstance(have, list) else have
            return [f"{here}: {n!r:.80} item(s) -> {len(want)}"]
        out = []
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            out += differences(w, h, f"{path}[{i}]")
        return out
    if want != have:
        return [f"{here}: {have!r:.80} -> {want!r:.80}"]
    return []


def _to_model(body: dict[str, Any], cls: type) -> Any:
    """A body as the client's model (the client's own deserialization, types checked)."""
    from datadog_api_client import Configuration
    from datadog_api_client.model_utils import validate_and_convert_types

    return validate_and_convert_types(body, (cls,), ["body"], True, True, Configuration())


def _plain(obj: Any) -> Any:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


class Applier:
    """Datadog's SLO, monitor and dashboard APIs through the official client."""

    def __init__(
        self, conn: Connection, *, retries: int = 3, sleep: Callable[[float], None] | None = None
    ):
        from datadog_api_client import ApiClient
        from datadog_api_client.v1.api.dashboards_api import DashboardsApi
        from datadog_api_client.v1.api.monitors_api import MonitorsApi
        from datadog_api_client.v1.api.service_level_objectives_api import (
            ServiceLevelObjectivesApi,
        )

        self.conn = conn
        self._retry: dict[str, Any] = {"retries": retries}
        if sleep is not None:
            self._retry["sleep"] = sleep
        self._client = ApiClient(conn.configuration())
        self.slos = ServiceLevelObjectivesApi(self._client)
        self.monitors = MonitorsApi(self._client)
        self.dashboards = DashboardsApi(self._client)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Applier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        return call(self.conn, fn, what, **self._retry)

    # --- finding what exists ----------------------------------------------------------

    def _one(self, kind: str, key: str, found: list[dict[str, Any]]) -> dict[str, Any] | None:
        if len(found) > 1:
            ids = ", ".join(str(f.get("id")) for f in found)
            raise BackendError(
                f"Datadog has {len(found)} {kind}s tagged {key!r} ({ids}); nexus-sre manages "
                "one: delete the extra ones"
            )
        return found[0] if found else None

    def _managed_slos(self) -> list[dict[str, Any]]:
        resp = self._call("listing SLOs", lambda: self.slos.list_slos(tags_query=MANAGED_TAG))
        return [_plain(s) for s in (getattr(resp, "data", None) or [])]

    def _managed_monitors(self) -> list[dict[str, Any]]:
        found = self._call(
            "listing monitors", lambda: self.monitors.list_monitors(monitor_tags=MANAGED_TAG)
        )
        return [_plain(m) for m in found]

    def _dashboard(self, title: str) -> dict[str, Any] | None:
        summary = self._call("listing dashboards", lambda: self.dashboards.list_dashboards())
        hits = [d for d in _plain(summary).get("dashboards", []) if d.get("title") == title]
        hit = self._one("dashboard", title, hits)
        if hit is None:
            return None
        return _plain(
            self._call("reading a dashboard", lambda: self.dashboards.get_dashboard(hit["id"]))
        )

    # --- planning and applying --------------------------------------------------------

    def run(self, export: Export, dashboard: dict[str, Any] | None, *, write: bool) -> Plan:
        """The changes (made when `write`): SLOs first (monitors and the dashboard name
        them by id), then monitors, then the dashboard."""
        from datadog_api_client.v1.model.dashboard import Dashboard
        from datadog_api_client.v1.model.monitor import Monitor
        from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest
        from datadog_api_client.v1.model.service_level_objective import ServiceLevelObjective
        from datadog_api_client.v1.model.service_level_objective_request import (
            ServiceLevelObjectiveRequest,
        )

        plan = Plan()
        existing_slos = self._managed_slos()
        slo_ids: dict[str, str] = {}
        wanted_tags: set[str] = set()
        for m in export.slos:
            wanted_tags.add(m.key)
            have = self._one("SLO", m.key, [s for s in existing_slos if m.key in s.get("tags", [])])
            change, new_id = self._sync(
                m,
                m.body,
                have,
                write,
                create=lambda b: self.slos.create_slo(_to_model(b, ServiceLevelObjectiveRequest)),
                update=lambda i, b: self.slos.update_slo(i, _to_model(b, ServiceLevelObjective)),
            )
            plan.changes.append(change)
            if new_id is not None and m.slo_id is not None:
                slo_ids[m.slo_id] = new_id
        existing_monitors = self._managed_monitors()
        for m in export.monitors:
            wanted_tags.add(m.key)
            have = self._one(
                "monitor", m.key, [x for x in existing_monitors if m.key in x.get("tags", [])]
            )
            body = _resolved(m.body, slo_ids)
            change, _ = self._sync(
                m,
                body,
                have,
                write,
                create=lambda b: self.monitors.create_monitor(_to_model(b, Monitor)),
                update=lambda i, b: self.monitors.update_monitor(
                    int(i), _to_model(b, MonitorUpdateRequest)
                ),
            )
            plan.changes.append(change)
        if dashboard is not None:
            board = Managed("dashboard", dashboard["title"], dashboard["title"], dashboard)
            have = self._dashboard(board.key)
            change, _ = self._sync(
                board,
                _resolved(dashboard, slo_ids),
                have,
                write,
                create=lambda b: self.dashboards.create_dashboard(_to_model(b, Dashboard)),
                update=lambda i, b: self.dashboards.update_dashboard(i, _to_model(b, Dashboard)),
            )
            plan.changes.append(change)
        for objects, prefix in (
            (existing_slos, "nexus-sre-slo:"),
            (existing_monitors, "nexus-sre-monitor:"),
        ):
            for obj in objects:
                keys = [t for t in obj.get("tags", []) if t.startswith(prefix)]
                if keys and not set(keys) & wanted_tags:
                    plan.stale.append(f"{obj.get('name')} ({obj.get('id')})")
        return plan

    def _sync(
        self,
        m: Managed,
        body: dict[str, Any] | None,
        have: dict[str, Any] | None,
        write: bool,
        *,
        create: Callable[[dict[str, Any]], Any],
        update: Callable[[str, dict[str, Any]], Any],
    ) -> tuple[Change, str | None]:
        if have is None:
            new_id = None
            if write:
                if body is None:
                    raise BackendError(f"{m.kind} {m.name}: its SLO was not created")
                made = _plain(self._call(f"creating {m.kind} {m.name}", lambda: create(body)))
                new_id = str(made["data"][0]["id"] if "data" in made else made["id"])
            return Change("create", m.kind, m.name, new_id), new_id
        ident = str(have["id"])
        diff = differences(body if body is not None else m.body, have)
        if not diff:
            return Change("unchanged", m.kind, m.name, ident), ident
        if write and body is not None:
            self._call(f"updating {m.kind} {m.name}", lambda: update(ident, body))
        return Change("update", m.kind, m.name, ident, tuple(diff)), ident


def _resolved(body: dict[str, Any], slo_ids: dict[str, str]) -> dict[str, Any] | None:
    """The body with SLO ids filled in; None while an SLO it names does not exist yet."""
    try:
        return resolve(body, slo_ids)
    except KeyError:
        return None
