"""Grafana dashboard JSON pieces (schema version 41, Grafana 11.6) as plain dicts.

Small pure builders: a Prometheus target, thresholds, and the panel kinds the generated
dashboards use (timeseries, stat, table, state timeline, row). Every data source reference is
the `${datasource}` template variable, never a fixed uid. Shapes follow Grafana's published
JSON Schema (tests validate every generated dashboard against it).
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 41
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SEVERITY_COLOURS = {"critical": "red", "warning": "orange", "info": "yellow"}
# Grafana reads a thresholds list's first step as "from minus infinity" whatever its value;
# the published schema wants a number there (Grafana itself writes null).
BASE = -1e308

Json = dict[str, Any]


def target(ref: str, expr: str, legend: str = "", *, instant: bool = False) -> Json:
    """One Prometheus query of a panel. Instant targets come back as a table (one row per
    series), range targets as time series."""
    out: Json = {
        "datasource": DATASOURCE,
        "refId": ref,
        "expr": expr,
        "editorMode": "code",
        "range": not instant,
        "instant": instant,
        "format": "table" if instant else "time_series",
    }
    if legend:
        out["legendFormat"] = legend
    return out


def steps(*pairs: tuple[float | None, str]) -> Json:
    """Absolute thresholds: (from value, colour); the first value is None (minus infinity)."""
    return {
        "mode": "absolute",
        "steps": [{"value": BASE if v is None else v, "color": c} for v, c in pairs],
    }


def _legend() -> Json:
    return {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []}


def timeseries(
    title: str,
    targets: list[Json],
    *,
    unit: str,
    description: str = "",
    thresholds: Json | None = None,
    threshold_style: str = "off",
    log_scale: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Json:
    custom: Json = {
        "drawStyle": "line",
        "lineWidth": 2,
        "fillOpacity": 0,
        "showPoints": "never",
        "spanNulls": False,
        "thresholdsStyle": {"mode": threshold_style},
    }
    if log_scale:
        custom["scaleDistribution"] = {"type": "log", "log": 10}
    defaults: Json = {"unit": unit, "custom": custom, "color": {"mode": "palette-classic"}}
    if thresholds is not None:
        defaults["thresholds"] = thresholds
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": _legend(), "tooltip": {"mode": "multi", "sort": "none"}},
    }


def stat(
    title: str,
    targets: list[Json],
    *,
    unit: str,
    thresholds: Json,
    description: str = "",
    decimals: int | None = None,
    mappings: list[Json] | None = None,
    text_mode: str = "value",
) -> Json:
    defaults: Json = {"unit": unit, "thresholds": thresholds, "color": {"mode": "thresholds"}}
    if decimals is not None:
        defaults["decimals"] = decimals
    if mappings:
        defaults["mappings"] = mappings
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "graphMode": "none",
            "colorMode": "background",
            "justifyMode": "center",
            "textMode": text_mode,
            "wideLayout": True,
            "showPercentChange": False,
            "percentChangeColorMode": "standard",
            "orientation": "auto",
            "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""},
        },
    }


def table(
    title: str,
    targets: list[Json],
    *,
    columns: dict[str, str],
    hidden: tuple[str, ...] = (),
    decimals: int | None = None,
    mappings: list[Json] | None = None,
    description: str = "",
) -> Json:
    """Instant targets joined on their labels (the `merge` transformation), columns renamed
    by `columns` ({field: header}) and in that order; `hidden` fields left out.

    No per-column overrides: the published schema types an override's matcher options and
    values as objects, where Grafana stores strings and numbers. So numbers share one format
    (headers carry the units) and text columns are coloured by value mappings."""
    order = {name: i for i, name in enumerate(columns)}
    defaults: Json = {
        "unit": "none",
        "color": {"mode": "thresholds"},
        "thresholds": steps((None, "text")),
        "custom": {"align": "auto", "cellOptions": {"type": "color-text"}},
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    if mappings:
        defaults["mappings"] = mappings
    return {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "transformations": [
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": dict.fromkeys(
                        ("Time", "window", "__name__", "level", *hidden), True
                    ),
                    "indexByName": order,
                    "renameByName": columns,
                },
            },
        ],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"frameIndex": 0, "showHeader": True, "cellHeight": "sm"},
    }


def state_timeline(title: str, targets: list[Json], *, description: str = "") -> Json:
    return {
        "type": "state-timeline",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {
            "defaults": {
                "color": {"mode": "fixed", "fixedColor": "red"},
                "custom": {"fillOpacity": 80, "lineWidth": 0},
                "mappings": [
                    {"type": "value", "options": {"1": {"text": "firing", "color": "red"}}}
                ],
            },
            "overrides": [],
        },
        "options": {
            "showValue": "never",
            "rowHeight": 0.8,
            "mergeValues": True,
            "alignValue": "left",
            "legend": {**_legend(), "showLegend": False},
            "tooltip": {"mode": "single", "sort": "none"},
        },
    }


def row(title: str) -> Json:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def layout(panels: list[tuple[Json, int, int]]) -> list[Json]:
    """Place (panel, width, height) left to right, wrapping at Grafana's 24 columns; a row
    panel starts a new line. Ids are assigned in order."""
    out: list[Json] = []
    x = y = line_height = 0
    for i, (panel, width, height) in enumerate(panels, start=1):
        if panel["type"] == "row" or x + width > 24:
            x, y, line_height = 0, y + line_height, 0
        panel = {**panel, "id": i, "gridPos": {"h": height, "w": width, "x": x, "y": y}}
        out.append(panel)
        if panel["type"] == "row":
            y += height
        else:
            x += width
            line_height = max(line_height, height)
    return out


def dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    tags: list[str],
    panels: list[Json],
    variables: list[Json],
    annotations: list[Json],
    links: list[Json],
    time_from: str,
) -> Json:
    builtin = {
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    }
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "time": {"from": time_from, "to": "now"},
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "panels": panels,
        "templating": {"list": [datasource_variable(), *variables]},
        "annotations": {"list": [builtin, *annotations]},
        "links": links,
    }


def datasource_variable() -> Json:
    return {
        "type": "datasource",
        "name": "datasource",
        "label": "Data source",
        "query": "prometheus",
        "hide": 0,
        "refresh": 1,
        "includeAll": False,
        "multi": False,
    }


def query_variable(name: str, label: str, query: str) -> Json:
    """A multi-value variable of label values, 'All' by default (matched with `=~`)."""
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DATASOURCE,
        "query": query,
        "refresh": 2,
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "hide": 0,
    }


def link(title: str, url: str, tooltip: str = "") -> Json:
    return {
        "title": title,
        "type": "link",
        "icon": "dashboard",
        "tooltip": tooltip,
        "url": url,
        "tags": [],
        "asDropdown": False,
        "targetBlank": False,
        "includeVars": False,
        "keepTime": True,
    }


def annotation(name: str, expr: str, colour: str) -> Json:
    """Prometheus annotations: a marker wherever the query returns a series."""
    return {
        "name": name,
        "datasource": DATASOURCE,
        "enable": True,
        "iconColor": colour,
        "expr": expr,
    }
