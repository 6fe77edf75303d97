"""The nexus-sre config format itself: read a file with the place of every field, and write a
`Config` back as the YAML `nexus-sre validate` reads (every default written out, so the file
means the same to any later nexus-sre whatever its defaults)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from ..common.durations import format_duration
from ..common.figures import fmt_number
from ..config import parse_config
from ..config.model import (
    SLI,
    Alerting,
    BackfillSettings,
    Config,
    GlobalSettings,
    TimeWindow,
)
from .conversion import Conversion, burn_rate_entry
from .documents import SourceDoc
from .losses import FormatError, Notes, Where


def read(docs: list[SourceDoc], notes: Notes) -> Conversion:
    if len(docs) != 1:
        raise FormatError(
            [
                docs[1]
                .at()
                .issue(
                    "a nexus-sre config is one document per file; convert one file at a time",
                    "error",
                )
            ]
        )
    doc = docs[0]
    config = parse_config(doc.data, doc.file, positions=doc.positions, allow_below_tier_floor=True)
    origins = {p: Where(doc.file, p, *doc.positions.locate(p)) for p in doc.positions.values}
    return Conversion(config, origins, notes, {}, "nexus")


def window(w: TimeWindow) -> Any:
    if w.calendar is None:
        return format_duration(w.seconds)
    return {"calendar": w.calendar, "timezone": w.timezone}


def _sli(sli: SLI) -> dict[str, Any]:
    out: dict[str, Any] = {"type": sli.type}
    if sli.query is not None:
        out["query"] = sli.query
    if sli.good_query is not None:
        out["goodQuery"] = sli.good_query
    if sli.total_query is not None:
        out["totalQuery"] = sli.total_query
    if sli.threshold_ms is not None:
        out["threshold"] = f"{fmt_number(sli.threshold_ms)}ms"
    return out


def _alerting(a: Alerting) -> dict[str, Any]:
    burn: dict[str, Any] = {}
    for alert in a.burn_rate:
        burn[alert.name] = burn_rate_entry(
            alert.factor,
            alert.long_window,
            alert.short_window,
            alert.severity,
            alert.for_duration or None,
        )
    out: dict[str, Any] = {
        "burnRate": burn,
        "budgetExhaustion": {
            "thresholds": [
                {"percentage": t.percentage, "severity": t.severity} for t in a.budget_exhaustion
            ]
        },
    }
    if a.min_events:
        out["minEvents"] = a.min_events
    if a.runbook_url:
        out["runbookUrl"] = a.runbook_url
    return out


def _global(g: GlobalSettings) -> dict[str, Any]:
    out: dict[str, Any] = {
        "defaultTimeWindow": window(g.default_time_window),
        "monitoringBackend": g.monitoring_backend,
    }
    if not g.alerting_enabled:
        out["alertingEnabled"] = False
    if g.budget_calculation_interval != GlobalSettings().budget_calculation_interval:
        out["budgetCalculationInterval"] = g.budget_calculation_interval
    if g.dashboards != GlobalSettings().dashboards:
        out["dashboards"] = {
            "autoGenerate": g.dashboards.auto_generate,
            "platform": g.dashboards.platform,
        }
    if g.prometheus is not None:
        p = g.prometheus
        prom: dict[str, Any] = {"url": p.url}
        if p.headers:
            prom["headers"] = dict(p.headers)
        if p.timeout_seconds != 30:
            prom["timeout"] = format_duration(p.timeout_seconds)
        if p.bearer_token:
            prom["bearerToken"] = p.bearer_token
        if p.basic_auth:
            prom["basicAuth"] = {"username": p.basic_auth[0], "password": p.basic_auth[1]}
        if p.ca_file:
            prom["caFile"] = p.ca_file
        if not p.tls_verify:
            prom["tlsVerify"] = False
        out["prometheus"] = prom
    return out


def _backfill(b: BackfillSettings) -> dict[str, Any] | None:
    if b == BackfillSettings():
        return None
    out: dict[str, Any] = {}
    if b.bucket_seconds is not None:
        out["bucket"] = format_duration(b.bucket_seconds)
    names = {
        "epoch_unit": "epochUnit",
        "failure_codes": "failureCodes",
        "latency_unit": "latencyUnit",
    }
    columns: dict[str, Any] = {}
    for key, value in b.columns.given().items():
        if key == "failure_codes":
            value = [f"{lo}-{hi}" if lo != hi else lo for lo, hi in value]
        columns[names.get(key, key)] = value
    if columns:
        out["columns"] = columns
    return out


def to_data(config: Config) -> dict[str, Any]:
    """The config as nexus file data (plain dicts, Decimals for exact figures)."""
    services = []
    for svc in config.services:
        entry: dict[str, Any] = {"name": svc.name, "tier": svc.tier}
        if svc.owner:
            entry["owner"] = svc.owner
        slos = []
        for slo in svc.slos:
            item: dict[str, Any] = {"id": slo.id, "name": slo.name}
            if slo.description is not None:
                item["description"] = slo.description
            item["target"] = slo.target
            item["timeWindow"] = window(slo.time_window)
            item["sli"] = _sli(slo.sli)
            item["alerting"] = _alerting(slo.alerting)
            slos.append(item)
        entry["slos"] = slos
        services.append(entry)
    out: dict[str, Any] = {
        "version": config.version,
        "global": _global(config.global_),
        "services": services,
    }
    backfill = _backfill(config.backfill)
    if backfill:
        out["backfill"] = backfill
    return out


def write(conversion: Conversion, notes: Notes) -> list[dict[str, Any]]:
    return [to_data(conversion.config)]


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = fmt_number(value)
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(str, _str)


def dump_documents(docs: list[dict[str, Any]]) -> str:
    """YAML text: one document, or a `---`-separated stream of several."""
    return yaml.dump_all(
        docs,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=4096,
        explicit_start=len(docs) > 1,
    )
