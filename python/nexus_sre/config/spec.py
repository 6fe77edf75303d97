"""The config *file format* as pydantic models: camelCase keys exactly as written.

These models check shape and single values (types, ranges, durations, unknown keys); the
JSON Schema in schemas/config.schema.json is generated from them. Checks that span several
values (duplicate ids, windows vs. the SLO period, tier floors) live in checks.py, and
build.py turns a validated `ConfigSpec` into the `Config` model everyone else reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from . import values
from .model import TimeWindow
from .policy import ACTIONS
from .tiers import DEFAULT_TIER, TIERS

SUPPORTED_VERSIONS = ("1.0",)
BACKENDS = ("embedded", "prometheus", "parquet", "datadog")
SLI_TYPES = ("availability", "latency", "ratio")
SEVERITIES = ("critical", "warning", "info")
LATENCY_UNITS = ("ms", "s")
EPOCH_UNITS = ("s", "ms")
# Datadog's regional sites (the API is https://api.<site>); `url` overrides it for proxies.
DATADOG_SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "datadoghq.eu",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "ddog-gov.com",
    "us2.ddog-gov.com",
)
# Dashboard platforms with a generator; "datadog" joins once Datadog dashboards exist.
DASHBOARD_PLATFORMS = ("grafana",)


def _checked(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap a values.* parser so its problems become pydantic errors with our own message."""

    def run(value: Any) -> Any:
        try:
            return parse(value)
        except values.ValueProblem as exc:
            raise PydanticCustomError(
                "nexus", "{msg}", {"msg": exc.message, "sub": exc.sub}
            ) from None

    return run


def _choice(what: str, options: tuple[str, ...]) -> Callable[[Any], Any]:
    return _checked(lambda v: values.choice(v, what, options))


def _enum(options: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(options)})


_DURATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "string",
            "pattern": r"^(\d+(ms|s|m|h|d|w|y))+$",
            "maxLength": 64,
            "examples": ["5m", "1h", "30d"],
            "description": "at most 366d",
        },
        {"type": "integer", "minimum": 1, "maximum": values.MAX_SECONDS, "description": "seconds"},
    ]
}


def _ident(value: Any) -> str:
    if not isinstance(value, str):
        raise values.ValueProblem(f"expected a name, got {values.describe(value)}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]*", value):
        raise values.ValueProblem(
            f"{value!r} is not a valid name; use letters, digits and - _ . : (no spaces)"
        )
    return value


def _version(value: Any) -> str:
    if not isinstance(value, str):
        raise values.ValueProblem(
            f'expected a version string such as "1.0" (quote it), got {values.describe(value)}'
        )
    if value not in SUPPORTED_VERSIONS:
        raise values.ValueProblem(
            f"unsupported config version {value!r}; this nexus-sre reads "
            f"{values.one_of(repr(v) for v in SUPPORTED_VERSIONS)}"
        )
    return value


Ident = Annotated[
    str,
    BeforeValidator(_checked(_ident)),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"}),
]
Text = Annotated[str, Field(min_length=1)]
Version = Annotated[str, BeforeValidator(_checked(_version)), _enum(SUPPORTED_VERSIONS)]
Tier = Annotated[str, BeforeValidator(_choice("tier", tuple(TIERS))), _enum(tuple(TIERS))]
Backend = Annotated[str, BeforeValidator(_choice("monitoring backend", BACKENDS)), _enum(BACKENDS)]
SliType = Annotated[str, BeforeValidator(_choice("SLI type", SLI_TYPES)), _enum(SLI_TYPES)]
Severity = Annotated[str, BeforeValidator(_choice("severity", SEVERITIES)), _enum(SEVERITIES)]
Duration = Annotated[
    int, BeforeValidator(_checked(values.duration)), WithJsonSchema(_DURATION_SCHEMA)
]
Window = Annotated[
    TimeWindow,
    BeforeValidator(_checked(values.time_window)),
    WithJsonSchema(
        {
            "anyOf": [
                _DURATION_SCHEMA,
                {
                    "type": "object",
                    "description": "a calendar-aligned period",
                    "properties": {
                        "calendar": {"type": "string", "enum": ["month", "week"]},
                        "timezone": {"type": "string", "default": "UTC"},
                    },
                    "required": ["calendar"],
                    "additionalProperties": False,
                },
            ]
        }
    ),
]
Target = Annotated[
    Decimal,
    BeforeValidator(_checked(values.target)),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": float(100 - values.MIN_BUDGET_PERCENT),
            "examples": [99.9],
        }
    ),
]
Factor = Annotated[
    Decimal,
    BeforeValidator(_checked(lambda v: _factor(v))),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": int(values.MAX_FACTOR)}),
]
Percentage = Annotated[
    Decimal,
    BeforeValidator(_checked(lambda v: _budget_percent(v))),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100}),
]
Latency = Annotated[
    float,
    BeforeValidator(_checked(values.latency_ms)),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d+(\.\d+)?(ms|s)$", "examples": ["300ms"]},
                {"type": "number", "exclusiveMinimum": 0, "description": "milliseconds"},
            ]
        }
    ),
]
_CODE = r"\s*(\d{3}(\s*-\s*\d{3})?|[1-5][xX]{2})\s*"
_CODES_ITEM: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": rf"^{_CODE}(,{_CODE})*$", "examples": ["5xx", "500-599"]},
        {"type": "integer", "minimum": 100, "maximum": 999},
    ]
}
FailureCodes = Annotated[
    tuple[tuple[int, int], ...],
    BeforeValidator(_checked(values.failure_codes)),
    WithJsonSchema(
        {
            "anyOf": [
                _CODES_ITEM,
                {"type": "array", "items": _CODES_ITEM, "minItems": 1, "examples": [["5xx", 429]]},
            ],
            "description": "status codes that are failures (default 5xx)",
        }
    ),
]
LatencyUnit = Annotated[
    str, BeforeValidator(_choice("latency unit", LATENCY_UNITS)), _enum(LATENCY_UNITS)
]
EpochUnit = Annotated[str, BeforeValidator(_choice("epoch unit", EPOCH_UNITS)), _enum(EPOCH_UNITS)]
DatadogSite = Annotated[
    str, BeforeValidator(_choice("Datadog site", DATADOG_SITES)), _enum(DATADOG_SITES)
]
EnvName = Annotated[
    str,
    Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="the NAME of an environment variable"),
]
Url = Annotated[
    str,
    BeforeValidator(_checked(values.http_url)),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}),
]
Platform = Annotated[
    str,
    BeforeValidator(_choice("dashboard platform", DASHBOARD_PLATFORMS)),
    _enum(DASHBOARD_PLATFORMS),
]
Action = Annotated[
    str, BeforeValidator(_choice("policy action", tuple(ACTIONS))), _enum(tuple(ACTIONS))
]
Count = Annotated[int, Field(strict=True, ge=0, le=values.MAX_COUNT)]
Minutes = Annotated[int, Field(strict=True, gt=0, le=values.MAX_SECONDS // 60)]


def _positive(value: Any, what: str) -> Decimal:
    d = values.number(value, what)
    if d <= 0:
        raise values.ValueProblem(f"must be positive, got {values.describe(value)}")
    return d


def _factor(value: Any) -> Decimal:
    d = _positive(value, "a burn-rate factor such as 14.4")
    if d > values.MAX_FACTOR:
        raise values.ValueProblem(
            f"a burn-rate factor must be at most {values.MAX_FACTOR:,}, "
            f"got {values.describe(value)}"
        )
    return d


def _budget_percent(value: Any) -> Decimal:
    d = values.number(value, "a percentage of the error budget")
    if d <= 0 or d > 100:
        raise values.ValueProblem(
            f"a budget percentage must be above 0 and at most 100, got {values.describe(value)}"
        )
    return d


class _Spec(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=False, frozen=True
    )


class DashboardsSpec(_Spec):
    auto_generate: StrictBool = Field(
        default=False, description="`nexus-sre rules -o FILE` also writes the dashboards"
    )
    platform: Platform = "grafana"
    folder: Text = Field(default="SLOs", description="the Grafana folder of the dashboards")
    tags: list[Text] = Field(
        default_factory=lambda: ["nexus-sre", "slo"], description="tags on every dashboard"
    )


class BasicAuthSpec(_Spec):
    username: Text
    password: Text


class PrometheusSpec(_Spec):
    url: Text
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: Duration = 30
    bearer_token: Text | None = None  # e.g. "${PROM_TOKEN}"
    basic_auth: BasicAuthSpec | None = None
    ca_file: Text | None = None  # a CA bundle to verify the server with
    tls_verify: StrictBool = True


class DatadogSpec(_Spec):
    """Where to reach Datadog. The keys are never in the file: only the names of the
    environment variables that hold them."""

    site: DatadogSite = "datadoghq.com"
    url: Url | None = Field(default=None, description="API base URL instead of the site's")
    api_key_env: EnvName = "DD_API_KEY"
    app_key_env: EnvName = "DD_APP_KEY"
    timeout: Duration = 30


class GlobalSpec(_Spec):
    default_time_window: Window = Field(default="30d", validate_default=True)
    monitoring_backend: Backend = "embedded"
    alerting_enabled: StrictBool = True
    budget_calculation_interval: Minutes = 15
    dashboards: DashboardsSpec = DashboardsSpec()
    prometheus: PrometheusSpec | None = None
    datadog: DatadogSpec | None = None
    allow_below_tier: StrictBool = Field(
        default=False,
        description="availability targets under their tier's floor are warnings, not errors",
    )


class SliSpec(_Spec):
    id: Ident | None = Field(default=None, description="names the SLI in reports and rules")
    type: SliType
    query: Text | None = None
    good_query: Text | None = None
    total_query: Text | None = None
    threshold: Latency | None = None


class BurnRatePairSpec(_Spec):
    threshold: Factor = Field(description="the burn-rate factor, e.g. 14.4")
    window: Duration = Field(description="the long window")
    short_window: Duration | None = Field(default=None, description="default: window / 12")
    severity: Severity
    for_: Duration | None = Field(default=None, alias="for")


class BudgetThresholdSpec(_Spec):
    percentage: Percentage
    severity: Severity


class BudgetExhaustionSpec(_Spec):
    thresholds: list[BudgetThresholdSpec]


class AlertingSpec(_Spec):
    burn_rate: dict[str, BurnRatePairSpec] | None = None
    budget_exhaustion: BudgetExhaustionSpec | None = None
    min_events: Count = 0
    runbook_url: Url | None = Field(default=None, description="an http(s) URL")


class AlertMatchSpec(_Spec):
    """Burn-rate alert tiers by name (`page-1h`, `fast`), severity, or both."""

    name: Ident | None = None
    severity: Severity | None = None


class BurnConditionSpec(_Spec):
    window: Duration = Field(description="one of the SLO's alert windows (long or short)")
    above: Factor = Field(description="a burn-rate factor, e.g. 14.4")


class TriggerSpec(_Spec):
    """A step is in force when any one of these holds."""

    budget_exhausted: StrictBool | None = Field(
        default=None,
        description="true: more than the whole error budget spent (the target missed)",
    )
    budget_consumed: Percentage | None = Field(
        default=None, description="at least this percent of the period's error budget consumed"
    )
    alert_firing: AlertMatchSpec | None = Field(
        default=None, description="such a burn-rate alert is firing now (at the period's end)"
    )
    alert_fired: AlertMatchSpec | None = Field(
        default=None, description="such a burn-rate alert fired at any time in the period"
    )
    burn_rate: BurnConditionSpec | None = Field(
        default=None, description="the burn rate over the window, now, is above the factor"
    )


class PolicyStepSpec(_Spec):
    name: Ident
    when: TriggerSpec
    actions: list[Action] = Field(
        default_factory=list, description="freezeReleases makes the release gate fail"
    )
    text: Text | None = Field(default=None, description="free text: what the team does")


class PolicySpec(_Spec):
    """The error budget policy; replaces the defaults (the seed's four steps) whole."""

    steps: list[PolicyStepSpec] = Field(min_length=1)


class SloSpec(_Spec):
    id: Ident
    name: Text | None = None
    description: str | None = None
    target: Target
    time_window: Window | None = None
    sli: SliSpec
    alerting: AlertingSpec | None = None
    policy: PolicySpec | None = None


class ServiceSpec(_Spec):
    name: Ident
    tier: Tier = DEFAULT_TIER
    owner: Text | None = None
    slos: list[SloSpec] = Field(min_length=1)
    allow_below_tier: StrictBool = Field(
        default=False, description="as global.allowBelowTier, for this service only"
    )
    policy: PolicySpec | None = None


class BackfillColumnsSpec(_Spec):
    """Which columns of request exports hold what; a key per flag of `nexus-sre backfill`
    (--timestamp-column: timestamp, --latency-unit: latencyUnit)."""

    timestamp: Text | None = Field(default=None, description="default: timestamp")
    epoch_unit: EpochUnit | None = Field(default=None, description="integer timestamps; default s")
    service: Text | None = Field(default=None, description="default: service")
    success: Text | None = Field(default=None, description="a boolean column (not with status)")
    status: Text | None = Field(default=None, description="a status-code column")
    failure_codes: FailureCodes | None = None
    latency: Text | None = Field(default=None, description="default: latency_ms")
    latency_unit: LatencyUnit | None = Field(default=None, description="default: ms")
    count: Text | None = Field(default=None, description="events per row (pre-aggregated rows)")


class BackfillSpec(_Spec):
    """Defaults of `nexus-sre backfill` and of the report's parquet source; flags override."""

    bucket: Duration | None = Field(default=None, description="bucket width; default 1m")
    columns: BackfillColumnsSpec = BackfillColumnsSpec()


class ConfigSpec(_Spec):
    """A nexus-sre SLO config file."""

    model_config = ConfigDict(title="nexus-sre SLO config")

    version: Version = "1.0"
    global_: GlobalSpec = Field(default_factory=GlobalSpec, alias="global")
    services: list[ServiceSpec] = Field(min_length=1)
    backfill: BackfillSpec = BackfillSpec()
    policy: PolicySpec | None = None
