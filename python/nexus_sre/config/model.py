"""The validated config model: what every other module reads.

These classes describe a config *after* validation: windows are whole seconds, targets and
burn-rate factors exact Decimals, defaults filled in (an SLO always has a time window and
alerting). The file format itself (camelCase keys, `threshold: 300ms`, burn-rate pairs as a
mapping) is described by `spec.py`; `build.py` turns one into the other. Attribute names are
fixed by docs/ARCHITECTURE.md ("The config model").
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from ..common.durations import format_duration
from ..errors import ConfigIssue, UnknownSLOError
from .policy import DEFAULT_POLICY, Policy

CalendarUnit = Literal["month", "week"]
MonitoringBackend = Literal["embedded", "prometheus", "parquet", "datadog"]
SliType = Literal["availability", "latency", "ratio"]

# Nominal lengths of calendar windows: budgets and burn-rate factors are computed over these.
CALENDAR_SECONDS: dict[str, int] = {"month": 30 * 86400, "week": 7 * 86400}

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class TimeWindow(BaseModel):
    """An SLO period: rolling (`calendar is None`) or aligned to calendar months/weeks.

    `seconds` is the length used for budget math; for calendar windows it is nominal
    (30 days for a month, 7 days for a week) whatever the actual month length.
    """

    model_config = _FROZEN

    seconds: int = Field(gt=0)
    calendar: CalendarUnit | None = None
    timezone: str = "UTC"

    @classmethod
    def rolling(cls, seconds: int) -> TimeWindow:
        return cls(seconds=seconds)

    @classmethod
    def calendar_aligned(cls, unit: CalendarUnit, timezone: str = "UTC") -> TimeWindow:
        return cls(seconds=CALENDAR_SECONDS[unit], calendar=unit, timezone=timezone)

    @property
    def is_rolling(self) -> bool:
        return self.calendar is None

    @property
    def label(self) -> str:
        """Human spelling: "30d" or "calendar month (Europe/Berlin)"."""
        if self.calendar is None:
            return format_duration(self.seconds)
        return f"calendar {self.calendar} ({self.timezone})"

    def bounds(self, at: datetime) -> tuple[datetime, datetime]:
        """The period containing `at`: (at - seconds, at) when rolling, else the calendar
        month/week containing `at` in this window's time zone, as [start, end).

        A naive `at` is taken as UTC. Calendar bounds are aware datetimes in the window's zone.
        """
        if self.calendar is None:
            return at - timedelta(seconds=self.seconds), at
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        if self.calendar == "month":
            start = datetime(local.year, local.month, 1, tzinfo=zone)
            days = _calendar.monthrange(local.year, local.month)[1]
            end_day = start.replace(tzinfo=None) + timedelta(days=days)
        else:  # ISO weeks start on Monday
            day = local.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
            start_naive = day - timedelta(days=local.weekday())
            start = start_naive.replace(tzinfo=zone)
            end_day = start_naive + timedelta(days=7)
        # Build the end from wall-clock midnight so DST shifts inside the period are honoured.
        return start, end_day.replace(tzinfo=zone)


class Dashboards(BaseModel):
    model_config = _FROZEN

    auto_generate: bool = False
    platform: str = "grafana"
    folder: str = "SLOs"
    tags: tuple[str, ...] = ("nexus-sre", "slo")


class PrometheusSettings(BaseModel):
    """Where to query Prometheus (only read when `monitoring_backend == "prometheus"`)."""

    model_config = _FROZEN

    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_seconds: int = 30
    bearer_token: str | None = None
    basic_auth: tuple[str, str] | None = None
    ca_file: str | None = None
    tls_verify: bool = True

    @property
    def verify(self) -> bool | str:
        """What the HTTP clients take: a CA bundle path, or whether to verify at all."""
        return self.ca_file if self.ca_file else self.tls_verify


class DatadogSettings(BaseModel):
    """Where to reach Datadog's API (read with `monitoring_backend == "datadog"`, and by
    `nexus-sre datadog`). The keys are read from the environment variables named here."""

    model_config = _FROZEN

    site: str = "datadoghq.com"
    url: str | None = None  # overrides https://api.<site> (proxies, tests)
    api_key_env: str = "DD_API_KEY"
    app_key_env: str = "DD_APP_KEY"
    timeout_seconds: int = 30


class GlobalSettings(BaseModel):
    model_config = _FROZEN

    default_time_window: TimeWindow = TimeWindow(seconds=30 * 86400)
    monitoring_backend: MonitoringBackend = "embedded"
    alerting_enabled: bool = True
    budget_calculation_interval: int = 15  # minutes
    dashboards: Dashboards = Dashboards()
    prometheus: PrometheusSettings | None = None
    datadog: DatadogSettings | None = None
    allow_below_tier: bool = False  # `global.allowBelowTier`


class BackfillColumns(BaseModel):
    """The column mapping of `backfill.columns`: None where the config says nothing, so the
    command line, the API or the built-in default decides (`nexus_sre.backfill.Columns`)."""

    model_config = _FROZEN

    timestamp: str | None = None
    service: str | None = None
    success: str | None = None  # a boolean column ...
    status: str | None = None  # ... or a status-code column, never both
    failure_codes: tuple[tuple[int, int], ...] | None = None  # inclusive ranges
    latency: str | None = None
    latency_unit: Literal["ms", "s"] | None = None
    count: str | None = None
    epoch_unit: Literal["s", "ms"] | None = None

    def given(self) -> dict[str, Any]:
        """The fields the config sets, by `Columns` field name."""
        return self.model_dump(exclude_none=True)


# The bucket width of counters, evaluation and the backfill unless one is given.
DEFAULT_BUCKET_SECONDS = 60


class BackfillSettings(BaseModel):
    """`backfill:`: defaults of `nexus-sre backfill` and of the report's parquet source."""

    model_config = _FROZEN

    columns: BackfillColumns = BackfillColumns()
    bucket_seconds: int | None = Field(default=None, gt=0)  # None: DEFAULT_BUCKET_SECONDS


class SLI(BaseModel):
    """What counts as good. Queries are only needed with the Prometheus backend."""

    model_config = _FROZEN

    type: SliType
    id: str | None = None  # the seed's `sli.id`: a name for the SLI itself, shown in outputs
    query: str | None = None  # a single query returning the good share in percent
    good_query: str | None = None
    total_query: str | None = None
    threshold_ms: float | None = None  # latency: a request is good when duration <= this


class BurnRateAlert(BaseModel):
    """One multi-window burn-rate alert: fires when both windows burn faster than `factor`."""

    model_config = _FROZEN

    name: str  # "fast", "slow", or the Workbook defaults "page-1h", ...
    factor: Decimal  # burn rate threshold: 14.4 = budget spent 14.4x faster than sustainable
    long_window: int  # seconds
    short_window: int  # seconds
    severity: str
    for_duration: int | None = None  # seconds; Prometheus `for:`


class BudgetThreshold(BaseModel):
    """Notify when this share of the error budget (in percent) has been consumed."""

    model_config = _FROZEN

    percentage: Decimal
    severity: str


class Alerting(BaseModel):
    model_config = _FROZEN

    burn_rate: list[BurnRateAlert]
    budget_exhaustion: list[BudgetThreshold]
    min_events: int = 0  # fewer events than this in the long window: do not alert
    runbook_url: str | None = None


class SLO(BaseModel):
    model_config = _FROZEN

    id: str
    name: str
    description: str | None = None
    target: Decimal  # percent, e.g. Decimal("99.9")
    time_window: TimeWindow
    sli: SLI
    alerting: Alerting
    policy: Policy = DEFAULT_POLICY  # the error budget policy that applies to this SLO

    @property
    def budget_fraction(self) -> Decimal:
        """The allowed share of bad events: (100 - target) / 100, exact (0.001 for 99.9)."""
        return (Decimal(100) - self.target) / Decimal(100)

    @property
    def target_fraction(self) -> Decimal:
        """The target as a ratio: 0.999 for 99.9."""
        return self.target / Decimal(100)


class Service(BaseModel):
    model_config = _FROZEN

    name: str
    tier: str  # "tier-0" .. "tier-3", see tiers.py
    owner: str | None = None
    slos: list[SLO]
    allow_below_tier: bool = False  # `allowBelowTier` of the service (or of global)


class Config(BaseModel):
    model_config = _FROZEN

    version: str = "1.0"
    global_: GlobalSettings = GlobalSettings()
    services: list[Service]
    backfill: BackfillSettings = BackfillSettings()
    policy: Policy = DEFAULT_POLICY  # the top-level policy; SLO.policy is what applies
    source: str = "<dict>"  # the file it came from, for messages
    warnings: list[ConfigIssue] = Field(default_factory=list)  # e.g. targets below tier floor

    def slos(self) -> Iterator[tuple[Service, SLO]]:
        """Every SLO with its service, in file order."""
        for service in self.services:
            for slo in service.slos:
                yield service, slo

    def slo(self, slo_id: str) -> SLO:
        return self.find(slo_id)[1]

    def find(self, slo_id: str) -> tuple[Service, SLO]:
        """The SLO with this id and its service; UnknownSLOError (listing known ids) if absent."""
        for service, slo in self.slos():
            if slo.id == slo_id:
                return service, slo
        known = ", ".join(s.id for _, s in self.slos()) or "none"
        raise UnknownSLOError(f"unknown SLO id {slo_id!r}; known: {known}")

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        known = ", ".join(s.name for s in self.services) or "none"
        raise UnknownSLOError(f"unknown service {name!r}; known: {known}")
