"""Alerts as SLOManager reports them: what fires now, and its lifecycle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Alert:
    """One firing (or resolved) alert of one SLO.

    `burn_rates` maps each window of a burn-rate alert ("1h", "5m") to its burn rate when
    last evaluated; budget-exhaustion alerts carry the consumed budget instead.
    """

    id: str
    slo_id: str
    service: str
    name: str  # "page-1h", "fast", "budget-90", ...
    kind: str  # "burn_rate" or "budget_exhaustion"
    severity: str  # critical | warning | info
    started_at: datetime
    burn_rates: dict[str, float] = field(default_factory=dict)
    factor: float | None = None
    budget_consumed_percent: float | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    resolved_at: datetime | None = None

    @property
    def firing(self) -> bool:
        return self.resolved_at is None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "slo": self.slo_id,
            "service": self.service,
            "name": self.name,
            "kind": self.kind,
            "severity": self.severity,
            "startedAt": self.started_at.isoformat(),
            "resolvedAt": self.resolved_at.isoformat() if self.resolved_at else None,
            "burnRates": dict(self.burn_rates),
            "factor": self.factor,
            "budgetConsumedPercent": self.budget_consumed_percent,
            "annotations": dict(self.annotations),
        }


def alert_id(slo_id: str, name: str, started_at: datetime) -> str:
    """Stable and unique per firing: the same alert firing again later gets a new id."""
    digest = hashlib.sha256(f"{slo_id}|{name}|{started_at.isoformat()}".encode()).hexdigest()
    return f"{slo_id}:{name}:{digest[:10]}"
