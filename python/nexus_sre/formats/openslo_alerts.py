"""OpenSLO v1 alerting read into nexus-sre burn-rate alerts: AlertPolicy (inline or by
alertPolicyRef) with its one AlertCondition (inline or conditionRef) of kind burnrate, and the
policy's notification targets, kept as metadata of the conversion (see openslo.py)."""

from __future__ import annotations

from typing import Any

from ..config.defaults import default_short_window
from .conversion import Draft, Kept, burn_rate_entry
from .documents import SourceDoc
from .losses import Notes, Where
from .openslo_write import SEVERITY_IN, SEVERITY_OUT

_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Objects:
    """Every named object of the sources by kind, for resolving *Ref fields."""

    def __init__(self, docs: list[SourceDoc]):
        self.by_kind: dict[str, dict[str, SourceDoc]] = {}
        for doc in docs:
            self.by_kind.setdefault(doc.data["kind"], {})[doc.data["metadata"]["name"]] = doc

    def get(self, kind: str, name: str) -> SourceDoc | None:
        return self.by_kind.get(kind, {}).get(name)


def duration(text: str, where: Where, notes: Notes) -> int | None:
    """Seconds of an OpenSLO duration; months, quarters and years are refused."""
    unit, n = text[-1], int(text[:-1])
    if unit not in _UNIT:
        notes.refuse(
            where,
            f"{text}: months, quarters and years have no fixed length; a "
            "rolling window needs m, h, d or w",
        )
        return None
    return n * _UNIT[unit]


def read_alerts(
    doc: SourceDoc,
    objects: Objects,
    notes: Notes,
    runbook: str | None,
    draft: Draft,
    slo_name: str,
) -> dict[str, Any]:
    burn: dict[str, Any] = {}
    fields: dict[tuple[str | int, ...], Where] = {}
    targets: list[Any] = []
    where_targets: Where | None = None
    for i, item in enumerate(doc.get("spec", "alertPolicies") or []):
        if "alertPolicyRef" in item:
            pdoc = objects.get("AlertPolicy", item["alertPolicyRef"])
            if pdoc is None:
                notes.refuse(
                    doc.at("spec", "alertPolicies", i),
                    f"no AlertPolicy named {item['alertPolicyRef']!r} in the sources",
                )
                continue
            pbase: tuple[str | int, ...] = ("spec",)
        else:
            pdoc, pbase = doc, ("spec", "alertPolicies", i, "spec")
        policy = pdoc.get(*pbase)
        pname = pdoc.get(*pbase[:-1], "metadata", "name")
        for flag, default in (("alertWhenNoData", False), ("alertWhenResolved", False)):
            if policy.get(flag, default):
                notes.lost(
                    pdoc.at(*pbase, flag), f"{flag}: nexus-sre alerts fire on burn rates only"
                )
        if policy.get("alertWhenBreaching") is False:
            notes.lost(
                pdoc.at(*pbase, "alertWhenBreaching"),
                f"policy {pname!r} never alerts on breaches; it is left out",
            )
            continue
        cond = policy["conditions"][0]
        if "conditionRef" in cond:
            cdoc = objects.get("AlertCondition", cond["conditionRef"])
            if cdoc is None:
                notes.refuse(
                    pdoc.at(*pbase, "conditions", 0),
                    f"no AlertCondition named {cond['conditionRef']!r} in the sources",
                )
                continue
            cbase: tuple[str | int, ...] = ("spec",)
        else:
            cdoc, cbase = pdoc, (*pbase, "conditions", 0, "spec")
        c = cdoc.get(*cbase)
        cname = cdoc.get(*cbase[:-1], "metadata", "name")
        cat = cdoc.at(*cbase, "condition")
        if c["condition"]["op"] in ("lte", "lt"):
            notes.refuse(
                cat.child("op", positions=cdoc.positions),
                f"op "
                f"{c['condition']['op']}: this alerts when the budget burns *slower* "
                "than the threshold; nexus-sre alerts on fast burns (gte)",
            )
            continue
        if c["condition"]["op"] == "gt":
            notes.lost(
                cat.child("op", positions=cdoc.positions),
                "op gt: nexus-sre fires at a burn rate equal to the threshold too (gte)",
            )
        long_w = duration(
            c["condition"]["lookbackWindow"],
            cat.child("lookbackWindow", positions=cdoc.positions),
            notes,
        )
        if long_w is None:
            continue
        severity = _severity(c["severity"], cdoc.at(*cbase, "severity"), notes)
        after = c["condition"].get("alertAfter")
        seconds = None
        if after:
            seconds = duration(after, cat.child("alertAfter", positions=cdoc.positions), notes)
        burn[cname] = burn_rate_entry(
            c["condition"]["threshold"],
            long_w,
            default_short_window(long_w),
            severity,
            seconds or None,
        )
        fields[("alerting", "burnRate", cname)] = cdoc.at(*cbase)
        for t, tgt in enumerate(policy.get("notificationTargets") or []):
            where_targets = where_targets or pdoc.at(*pbase, "notificationTargets", t)
            if "targetRef" in tgt:
                found = objects.get("AlertNotificationTarget", tgt["targetRef"])
                tgt = (
                    {
                        "kind": "AlertNotificationTarget",
                        "metadata": found.data["metadata"],
                        "spec": found.data["spec"],
                    }
                    if found
                    else tgt
                )
            targets.append({"policy": pname, "condition": cname, "target": tgt})
    alerting: dict[str, Any] = {"burnRate": burn, "budgetExhaustion": {"thresholds": []}}
    if runbook:
        alerting["runbookUrl"] = runbook
    kept = Kept(where_targets, targets) if targets and where_targets else None
    return {"alerting": alerting, "fields": fields, "targets": kept}


def _severity(text: str, where: Where, notes: Notes) -> str:
    mapped = SEVERITY_IN.get(text.lower())
    if mapped is None:
        notes.lost(
            where,
            f"severity {text!r} becomes critical (nexus-sre knows critical, "
            "warning and info; OpenSLO output writes page, ticket, info)",
        )
        return "critical"
    if text not in SEVERITY_OUT.values():
        notes.lost(
            where,
            f"severity {text!r} becomes {mapped}, written back to OpenSLO as "
            f"{SEVERITY_OUT[mapped]!r}",
        )
    return mapped
