"""The middle of every conversion: a nexus-format draft built by a reader, turned into a
validated `Config` (through `config.parse_config`) that remembers where each field came from.

Readers write the nexus file format (camelCase dicts, as `config/spec.py` describes) and
record, for each nexus path they fill, the `Where` in the source. Validation problems then
point at the source file and line, and writers can cite the source of each field they drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from ..config import parse_config
from ..config.checks import check_config
from ..config.loader import PathKey, format_path
from ..config.model import SLO, Config, Service
from ..errors import ConfigError, ConfigIssue
from .losses import FormatError, Notes, Where


@dataclass(frozen=True)
class Kept:
    """A source field only its own format can write back, and where it came from."""

    where: Where
    value: Any


@dataclass
class Conversion:
    """A converted config and its provenance.

    `origins` maps nexus paths ("services", 0, "slos", 1, "target") to the source place;
    `metadata` keeps, per SLO id, source fields only the same format can write back (OpenSLO
    notification targets, ...); `notes` holds the losses found while reading.
    """

    config: Config
    origins: dict[PathKey, Where]
    notes: Notes = field(default_factory=Notes)
    metadata: dict[str, dict[str, Kept]] = field(default_factory=dict)
    source_format: str = "nexus"

    def where(self, path: PathKey) -> Where:
        """The source place of a nexus path (or of its nearest recorded ancestor)."""
        p = path
        while True:
            if p in self.origins:
                w = self.origins[p]
                extra = path[len(p) :]
                return Where(w.file, (*w.path, *extra), w.line, w.column) if extra else w
            if not p:
                return Where(self.config.source, path)
            p = p[:-1]

    def slo_path(self, service: Service, slo: SLO) -> PathKey:
        for i, svc in enumerate(self.config.services):
            for j, s in enumerate(svc.slos):
                if svc is service and s is slo:
                    return ("services", i, "slos", j)
        raise KeyError(slo.id)


class Draft:
    """A nexus config being written by a reader, with the source place of each field."""

    def __init__(self) -> None:
        self.services: list[dict[str, Any]] = []
        self.global_: dict[str, Any] = {}
        self.origins: dict[PathKey, Where] = {}
        self.metadata: dict[str, dict[str, Kept]] = {}
        self.files: list[str] = []

    def service(self, name: str, where: Where) -> int:
        """The index of service `name`, adding it on first use."""
        for i, svc in enumerate(self.services):
            if svc["name"] == name:
                return i
        self.services.append({"name": name, "slos": []})
        i = len(self.services) - 1
        self.origins[("services", i)] = where
        self.origins[("services", i, "name")] = where
        return i

    def add_slo(
        self,
        service: int,
        slo: dict[str, Any],
        where: Where,
        fields: dict[PathKey, Where] | None = None,
    ) -> PathKey:
        """Append an SLO (a nexus `slos[]` item); `fields` maps paths inside it to sources."""
        slos = self.services[service]["slos"]
        slos.append(slo)
        base: PathKey = ("services", service, "slos", len(slos) - 1)
        self.origins[base] = where
        for sub, w in (fields or {}).items():
            self.origins[(*base, *sub)] = w
        if where.file not in self.files:
            self.files.append(where.file)
        return base

    def finish(self, notes: Notes, source_format: str) -> Conversion:
        """Validate the draft as a nexus config; problems are reported at their source."""
        data: dict[str, Any] = {"version": "1.0", "services": self.services}
        if self.global_:
            data["global"] = self.global_
        if not self.services:
            notes.refuse(
                Where(self.files[0] if self.files else "<none>"), "no SLO found to convert"
            )
            notes.check()
        _drop_never_firing(data, self.origins, notes)
        notes.check()
        source = self.files[0] if len(self.files) == 1 else ", ".join(self.files) or "<none>"
        try:
            config = parse_config(data, source, allow_below_tier_floor=True)
        except ConfigError as exc:
            raise FormatError([self._relocate(i) for i in exc.issues]) from None
        config = config.model_copy(update={"warnings": []})  # tier floors: not a source fact
        return Conversion(config, dict(self.origins), notes, self.metadata, source_format)

    def _relocate(self, issue: ConfigIssue) -> ConfigIssue:
        """A nexus validation problem, told at the source field it came from."""
        best: PathKey | None = None
        for p in self.origins:
            text = format_path(p)
            inside = issue.path == text or issue.path.startswith((text + ".", text + "["))
            if inside and (best is None or len(p) > len(best)):
                best = p
        if best is None:
            return issue
        w = self.origins[best]
        return ConfigIssue(w.file, format_path(w.path), issue.message, w.line, w.column)


def _drop_never_firing(data: dict[str, Any], origins: dict[PathKey, Where], notes: Notes) -> None:
    """Burn-rate alerts whose threshold needs an error ratio above 100 % can never fire; the
    source tools generate them anyway, nexus refuses them. Dropping one keeps the meaning
    (it never fires either way), and the loss is listed."""
    for problem in check_config(data, allow_below_tier_floor=True):
        path = problem.path
        if len(path) >= 3 and path[-3] == "burnRate" and path[-1] == "threshold":
            pairs = _dig(data, path[:-2])
            if isinstance(pairs, dict) and path[-2] in pairs:
                del pairs[path[-2]]
                where = origins.get(path[:-1]) or origins.get(path[:-3]) or Where("<none>")
                notes.lost(where, f"alert {path[-2]!r} dropped: {problem.message}")


def _dig(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def burn_rate_entry(
    threshold: Any, long_s: int, short_s: int, severity: str, for_s: int | None = None
) -> dict[str, Any]:
    """One burn-rate alert as the nexus file format spells it (`alerting.burnRate.<name>`):
    what every reader drafts and the nexus writer writes back. `for` only when given."""
    entry: dict[str, Any] = {
        "threshold": threshold,
        "window": format_duration(long_s),
        "shortWindow": format_duration(short_s),
        "severity": severity,
    }
    if for_s is not None:
        entry["for"] = format_duration(for_s)
    return entry


def note_alerting_losses(
    conv: Conversion,
    slo: SLO,
    notes: Notes,
    at: PathKey,
    *,
    budget_exhaustion: str,
    min_events: str,
) -> None:
    """For writers: the SLO's budget-exhaustion alerts and its minimum-traffic guard
    (`minEvents`), which a format without them loses, each noted with the format's reason."""
    if slo.alerting.budget_exhaustion:
        notes.lost(
            conv.where((*at, "alerting", "budgetExhaustion")),
            f"budget-exhaustion alerts: {budget_exhaustion}",
        )
    if slo.alerting.min_events:
        notes.lost(conv.where((*at, "alerting", "minEvents")), f"minEvents: {min_events}")


def percent(value: Decimal) -> Decimal:
    """A fraction as a percentage, exact (0.999 -> 99.9)."""
    return _tidy(value * 100)


def fraction(value: Decimal) -> Decimal:
    """A percentage as a fraction, exact (99.9 -> 0.999)."""
    return _tidy(value / 100)


def _tidy(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
