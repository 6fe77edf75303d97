"""From the validated file format (spec.py) to the Config model, filling in every default."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import ConfigIssue
from .defaults import (
    default_budget_thresholds,
    default_short_window,
    tidy,
    workbook_burn_rates,
)
from .model import (
    SLI,
    SLO,
    Alerting,
    BackfillColumns,
    BackfillSettings,
    BudgetThreshold,
    BurnRateAlert,
    Config,
    Dashboards,
    DatadogSettings,
    GlobalSettings,
    PrometheusSettings,
    Service,
    TimeWindow,
)
from .policy import DEFAULT_POLICY, AlertMatch, BurnCondition, Policy, PolicyStep, PolicyTrigger
from .spec import AlertingSpec, AlertMatchSpec, ConfigSpec, PolicySpec, SloSpec


def build_config(spec: ConfigSpec, source: str, warnings: list[ConfigIssue]) -> Config:
    g = spec.global_
    prom = g.prometheus
    settings = GlobalSettings(
        default_time_window=g.default_time_window,
        monitoring_backend=_any(g.monitoring_backend),
        alerting_enabled=g.alerting_enabled,
        budget_calculation_interval=g.budget_calculation_interval,
        dashboards=Dashboards(
            auto_generate=g.dashboards.auto_generate,
            platform=g.dashboards.platform,
            folder=g.dashboards.folder,
            tags=tuple(g.dashboards.tags),
        ),
        prometheus=(
            PrometheusSettings(
                url=prom.url,
                headers=dict(prom.headers),
                timeout_seconds=prom.timeout,
                bearer_token=prom.bearer_token,
                basic_auth=(
                    (prom.basic_auth.username, prom.basic_auth.password)
                    if prom.basic_auth
                    else None
                ),
                ca_file=prom.ca_file,
                tls_verify=prom.tls_verify,
            )
            if prom
            else None
        ),
        datadog=(
            DatadogSettings(
                site=g.datadog.site,
                url=g.datadog.url,
                api_key_env=g.datadog.api_key_env,
                app_key_env=g.datadog.app_key_env,
                timeout_seconds=g.datadog.timeout,
            )
            if g.datadog
            else None
        ),
        allow_below_tier=g.allow_below_tier,
    )
    top = _policy(spec.policy, "config") or DEFAULT_POLICY
    services = []
    for svc in spec.services:
        service_policy = _policy(svc.policy, f"service {svc.name}") or top
        slos = [
            _slo(
                s, settings.default_time_window, _policy(s.policy, f"SLO {s.id}") or service_policy
            )
            for s in svc.slos
        ]
        services.append(
            Service(
                name=svc.name,
                tier=svc.tier,
                owner=svc.owner,
                allow_below_tier=svc.allow_below_tier or g.allow_below_tier,
                slos=slos,
            )
        )
    return Config(
        version=spec.version,
        global_=settings,
        services=services,
        backfill=BackfillSettings(
            # the spec's field names are the model's (and Columns'): only the keys differ
            columns=BackfillColumns(**spec.backfill.columns.model_dump()),
            bucket_seconds=spec.backfill.bucket,
        ),
        policy=top,
        source=source,
        warnings=warnings,
    )


def _any(value: str) -> Any:
    """A str already checked against a Literal by the spec; the model re-validates it."""
    return value


def _policy(p: PolicySpec | None, origin: str) -> Policy | None:
    if p is None:
        return None

    def match(m: AlertMatchSpec | None) -> AlertMatch | None:
        return AlertMatch(name=m.name, severity=m.severity) if m else None

    steps = []
    for step in p.steps:
        w = step.when
        burn = w.burn_rate
        steps.append(
            PolicyStep(
                name=step.name,
                when=PolicyTrigger(
                    budget_exhausted=bool(w.budget_exhausted),
                    budget_consumed=tidy(w.budget_consumed) if w.budget_consumed else None,
                    alert_firing=match(w.alert_firing),
                    alert_fired=match(w.alert_fired),
                    burn_rate=(
                        BurnCondition(window=burn.window, above=tidy(burn.above)) if burn else None
                    ),
                ),
                actions=tuple(step.actions),
                text=step.text,
            )
        )
    return Policy(steps=tuple(steps), origin=origin)


def _slo(s: SloSpec, default_window: TimeWindow, policy: Policy = DEFAULT_POLICY) -> SLO:
    window = s.time_window or default_window
    return SLO(
        id=s.id,
        name=s.name or s.id,
        description=s.description,
        target=s.target,
        time_window=window,
        sli=SLI(
            type=_any(s.sli.type),
            id=s.sli.id,
            query=s.sli.query,
            good_query=s.sli.good_query,
            total_query=s.sli.total_query,
            threshold_ms=s.sli.threshold,
        ),
        alerting=_alerting(s.alerting, window),
        policy=policy,
    )


def _alerting(a: AlertingSpec | None, window: TimeWindow) -> Alerting:
    if a is None or a.burn_rate is None:
        burn = list(_workbook(window.seconds))
    else:  # an explicit (possibly empty) mapping replaces the defaults
        burn = [
            BurnRateAlert(
                name=name,
                factor=tidy(p.threshold),
                long_window=p.window,
                short_window=p.short_window or default_short_window(p.window),
                severity=p.severity,
                for_duration=p.for_,
            )
            for name, p in a.burn_rate.items()
        ]
    if a is None or a.budget_exhaustion is None:
        budget = list(_default_thresholds())
    else:
        budget = [
            BudgetThreshold(percentage=tidy(t.percentage), severity=t.severity)
            for t in a.budget_exhaustion.thresholds
        ]
    return Alerting(
        burn_rate=burn,
        budget_exhaustion=budget,
        min_events=a.min_events if a else 0,
        runbook_url=a.runbook_url if a else None,
    )


# The defaults are frozen models: thousands of SLOs share one copy (time and memory).
@lru_cache(maxsize=64)
def _workbook(period_seconds: int) -> tuple[BurnRateAlert, ...]:
    return tuple(workbook_burn_rates(period_seconds))


@lru_cache(maxsize=1)
def _default_thresholds() -> tuple[BudgetThreshold, ...]:
    return tuple(default_budget_thresholds())
