"""Round trips: X -> nexus -> X gives the source back except where a loss was listed (at the
source's file and line); nexus -> X -> nexus keeps every figure the target can hold."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus_sre.config import load_config
from nexus_sre.config.loader import format_path
from nexus_sre.errors import ConfigIssue
from nexus_sre.formats import convert

from . import samples


def _leaves(value: Any, path: tuple) -> list[tuple]:
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _same(a: Any, b: Any) -> bool:
    numbers = (int, float, Decimal)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return bool(a == b)


def differences(a: Any, b: Any, path: tuple = ()) -> list[str]:
    """The leaf paths where two documents differ (a missing branch: each of its leaves)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in dict.fromkeys([*a, *b]):
            if k not in b:
                out += [format_path(p) for p in _leaves(a[k], (*path, k))]
            elif k not in a:
                out += [format_path(p) for p in _leaves(b[k], (*path, k))]
            else:
                out += differences(a[k], b[k], (*path, k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, (*path, i))
        ]
    return [] if _same(a, b) else [format_path(path)]


def uncovered(diffs: list[str], warnings: list[ConfigIssue], file: Path) -> list[str]:
    """Differences no warning about `file` accounts for (a warning covers its path's subtree)."""
    paths = [w.path for w in warnings if w.file == str(file)]

    def covered(d: str) -> bool:
        return any(d == p or d.startswith(p + ".") or d.startswith(p + "[") for p in paths)

    return [d for d in diffs if not covered(d)]


def _there_and_back(
    tmp: Path, name: str, text: str, fmt: str, extra: dict[str, str] | None = None
) -> tuple[Path, Any, list[ConfigIssue]]:
    src = tmp / name
    src.write_text(text)
    paths = [src]
    for other, body in (extra or {}).items():
        (tmp / other).write_text(body)
        paths.append(tmp / other)
    there = convert(paths, "nexus")
    middle = tmp / "nexus.yaml"
    middle.write_text(there.text)
    load_config(middle)  # what was written is a valid nexus-sre config
    back = convert([middle], fmt)
    return src, back.documents, there.warnings + back.warnings


def test_sloth_round_trip(tmp_path: Path) -> None:
    src, docs, warnings = _there_and_back(tmp_path, "sloth.yaml", samples.SLOTH_V1, "sloth")
    original = yaml.safe_load(samples.SLOTH_V1)
    diffs = differences(original, docs[0])
    assert diffs  # something was lost (labels, names) ...
    assert uncovered(diffs, warnings, src) == []  # ... and every bit of it was listed
    assert {w.line for w in warnings if w.file == str(src)} >= {4, 10, 16, 18, 20, 24}


def test_sloth_crd_round_trip_normalised_to_prometheus_v1(tmp_path: Path) -> None:
    src, docs, warnings = _there_and_back(tmp_path, "crd.yaml", samples.SLOTH_CRD, "sloth")
    crd = yaml.safe_load(samples.SLOTH_CRD)
    slo = crd["spec"]["slos"][0]
    raw = slo["sli"]["raw"].pop("errorRatioQuery")
    slo["sli"]["raw"]["error_ratio_query"] = raw
    slo["alerting"] = {
        "page_alert": slo["alerting"]["pageAlert"],
        "ticket_alert": slo["alerting"]["ticketAlert"],
    }
    # prometheus/v1 requires an alert name, which the CRD may leave out: one is made up
    slo["alerting"]["name"] = docs[0]["slos"][0]["alerting"]["name"]
    as_v1 = {"version": "prometheus/v1", "service": crd["spec"]["service"], "slos": [slo]}
    diffs = differences(as_v1, docs[0])
    # the CRD's camelCase paths name the same fields as the v1 snake_case ones
    renamed = [
        w.path.replace("spec.", "")
        .replace("errorRatioQuery", "error_ratio_query")
        .replace("ticketAlert", "ticket_alert")
        for w in warnings
    ]
    fake = [ConfigIssue(str(src), p, "") for p in renamed]
    assert diffs and uncovered(diffs, fake, src) == [], diffs


def test_pyrra_round_trip(tmp_path: Path) -> None:
    src, docs, warnings = _there_and_back(tmp_path, "pyrra.yaml", samples.PYRRA, "pyrra")
    originals = list(yaml.safe_load_all(samples.PYRRA))
    assert len(docs) == len(originals) == 3
    for k, (original, back) in enumerate(zip(originals, docs, strict=True)):
        mine = [w for w in warnings if w.file == str(src) and w.line is not None]
        bounds = _doc_lines(samples.PYRRA)
        in_doc = [w for w in mine if bounds[k] <= w.line < bounds[k + 1]]
        assert uncovered(differences(original, back), in_doc, src) == [], k
    first = docs[0]["spec"]
    assert first["target"] == "99" and first["window"] == "2w"


def _doc_lines(text: str) -> list[int]:
    starts = [1] + [i + 1 for i, ln in enumerate(text.splitlines()) if ln.startswith("---")]
    return [*starts, 10**9]


def _inline(docs: list[dict]) -> dict:
    """An OpenSLO SLO with every *Ref replaced by the object it names (the normal form)."""
    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    slo = next(d for d in docs if d["kind"] == "SLO")
    spec = slo["spec"]
    if "indicatorRef" in spec:
        sli = by[("SLI", spec.pop("indicatorRef"))]
        spec["indicator"] = {"metadata": sli["metadata"], "spec": sli["spec"]}
    policies = []
    for p in spec.get("alertPolicies", []):
        if "alertPolicyRef" in p:
            d = by[("AlertPolicy", p["alertPolicyRef"])]
            p = {"kind": "AlertPolicy", "metadata": d["metadata"], "spec": d["spec"]}
        conds = []
        for c in p["spec"]["conditions"]:
            if "conditionRef" in c:
                d = by[("AlertCondition", c["conditionRef"])]
                c = {"kind": "AlertCondition", "metadata": d["metadata"], "spec": d["spec"]}
            conds.append(c)
        targets = []
        for t in p["spec"].get("notificationTargets", []):
            if "targetRef" in t:
                d = by[("AlertNotificationTarget", t["targetRef"])]
                t = {
                    "kind": "AlertNotificationTarget",
                    "metadata": d["metadata"],
                    "spec": d["spec"],
                }
            targets.append(t)
        p["spec"] = p["spec"] | {"conditions": conds, "notificationTargets": targets}
        policies.append(p)
    spec["alertPolicies"] = policies
    return slo


def test_openslo_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "openslo.yaml"
    src.write_text(samples.OPENSLO)
    there = convert([src], "nexus")
    back = convert([src], "openslo")  # notification targets kept as metadata come back
    original = _inline(list(yaml.safe_load_all(samples.OPENSLO)))
    mine = _inline(back.documents)
    diffs = differences(original, mine)
    # inlining moved the SLI document (the second) under spec.indicator: so do its warnings
    lines = _doc_lines(samples.OPENSLO)
    moved = [
        ConfigIssue(w.file, "spec.indicator." + w.path, w.message)
        for w in back.warnings
        if w.line and lines[1] <= w.line < lines[2]
    ]
    assert diffs and uncovered(diffs, back.warnings + moved, src) == [], diffs
    # OpenSLO to OpenSLO keeps the notification targets (metadata); to nexus they are a loss
    fast = next(p for p in mine["spec"]["alertPolicies"] if p["metadata"]["name"] == "fast-burn")
    assert fast["spec"]["notificationTargets"][0]["spec"]["target"] == "slack"
    lost = [w for w in there.warnings if w.message.startswith("notificationTargets")]
    assert [(w.file, w.line) for w in lost] == [(str(src), 55)]


def test_slo_generator_round_trip(tmp_path: Path) -> None:
    src, docs, warnings = _there_and_back(
        tmp_path,
        "slos.yaml",
        samples.SLO_GENERATOR,
        "slo-generator",
        {"config.yaml": samples.SLO_GENERATOR_SHARED},
    )
    shared, *slos = docs
    originals = list(yaml.safe_load_all(samples.SLO_GENERATOR))
    for original, back in zip(originals, slos, strict=True):
        policy = back["spec"].pop("error_budget_policy")
        assert policy == back["metadata"]["name"]
        assert uncovered(differences(original, back), warnings, src) == []
        steps = shared["error_budget_policies"][policy]["steps"]
        assert [(s["window"], s["burn_rate_threshold"]) for s in steps] == [
            (3600, 9),
            (43200, 3),
            (2419200, 1),
        ]
    cfg = tmp_path / "config.yaml"
    assert any(w.file == str(cfg) and "7 days" in w.message for w in warnings)


# --- nexus -> X -> nexus keeps every figure ------------------------------------------------

NEXUS = """\
version: "1.0"
services:
  - name: api
    tier: tier-1
    slos:
      - id: availability
        name: availability
        target: {target}
        timeWindow: {window}
        sli: {sli}
        alerting:
          burnRate: {burn}
          budgetExhaustion: {{thresholds: [{{percentage: 80, severity: warning}}]}}
"""

WORKBOOK_30D = (
    "{page-1h: {threshold: 14.4, window: 1h, shortWindow: 5m, severity: critical}, "
    "page-6h: {threshold: 6, window: 6h, shortWindow: 30m, severity: critical}, "
    "ticket-1d: {threshold: 3, window: 1d, shortWindow: 2h, severity: warning}, "
    "ticket-3d: {threshold: 1, window: 3d, shortWindow: 6h, severity: warning}}"
)
PYRRA_28D = (
    "{critical-1: {threshold: 14, window: 1h, shortWindow: 5m, severity: critical, "
    "for: 2m}, critical-2: {threshold: 7, window: 6h, shortWindow: 30m, "
    "severity: critical, for: 15m}, warning-1: {threshold: 2, window: 1d, "
    "shortWindow: 2h, severity: warning, for: 1h}, warning-2: {threshold: 1, "
    "window: 4d, shortWindow: 6h, severity: warning, for: 3h}}"
)
TWELFTHS = (
    "{fast: {threshold: 13.44, window: 1h, shortWindow: 5m, severity: critical, "
    "for: 2m}, slow: {threshold: 2.8, window: 1d, shortWindow: 2h, severity: warning}}"
)
STEPS = (
    "{fast: {threshold: 9, window: 1h, shortWindow: 5m, severity: critical}, "
    "month: {threshold: 1, window: 28d, shortWindow: 56h, severity: critical}}"
)


RATIO_SLI = (
    '{type: ratio, goodQuery: \'http_requests_total{job="api",code!~"5.."}\', '
    "totalQuery: 'http_requests_total{job=\"api\"}'}"
)
LATENCY_SLI = (
    "{type: latency, threshold: 300ms, goodQuery: "
    '\'http_request_duration_seconds_bucket{job="api",le="0.3"}\', '
    "totalQuery: 'http_request_duration_seconds_count{job=\"api\"}'}"
)


def _figures(path: Path) -> list[Any]:
    config = load_config(path, allow_below_tier_floor=True)
    out = []
    for _, slo in config.slos():
        out.append(
            (
                slo.target,
                slo.time_window,
                slo.sli.threshold_ms,
                [
                    (a.factor, a.long_window, a.short_window, a.for_duration, a.severity)
                    for a in slo.alerting.burn_rate
                ],
            )
        )
    return out


@pytest.mark.parametrize(
    ("fmt", "target", "window", "burn"),
    [
        ("sloth", "99.9", "30d", WORKBOOK_30D),
        ("pyrra", "99.5", "28d", PYRRA_28D),
        ("openslo", "99.95", "28d", TWELFTHS),
        ("openslo", "99.5", "{calendar: month, timezone: Europe/Berlin}", TWELFTHS),
        ("slo-generator", "99.9", "28d", STEPS),
    ],
)
def test_nexus_round_trip_keeps_every_figure(
    tmp_path: Path, fmt: str, target: str, window: str, burn: str
) -> None:
    start = tmp_path / "start.yaml"
    sli = LATENCY_SLI if fmt == "pyrra" else RATIO_SLI
    start.write_text(NEXUS.format(target=target, window=window, burn=burn, sli=sli))
    out = convert([start], fmt)
    middle = tmp_path / f"as-{fmt}.yaml"
    middle.write_text(out.text)
    back = convert([middle], "nexus")
    end = tmp_path / "end.yaml"
    end.write_text(back.text)
    assert _figures(end) == _figures(start)
    # the one thing none of them holds, budget-exhaustion alerts, is listed at its line
    lost = [w for w in out.warnings if "budget-exhaustion" in w.message]
    assert [(w.file, w.line) for w in lost] == [(str(start), 13)]
