"""Service tiers and the minimum SLO target each one promises."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Tier:
    name: str
    label: str
    floor: Decimal  # the lowest target (percent) an SLO of this tier may have


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("tier-0", "critical", Decimal("99.9")),
        Tier("tier-1", "important", Decimal("99.5")),
        Tier("tier-2", "standard", Decimal("99.0")),
        Tier("tier-3", "best effort", Decimal("95.0")),
    )
}

# A service without a tier is held to the loosest promise rather than rejected.
DEFAULT_TIER = "tier-3"


def tier_floor(tier: str) -> Decimal:
    """The minimum target of `tier`; KeyError for an unknown tier."""
    return TIERS[tier].floor
