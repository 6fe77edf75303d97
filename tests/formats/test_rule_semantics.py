"""Proof that a conversion means the same: for a Sloth and a Pyrra SLO, the rules
`nexus-sre rules` generates from the converted config fire at the same minutes as rules
written by hand from each tool's documented semantics, on the same promtool input.

Sloth (docs: "Alerting" / SRE Workbook multiwindow multi-burn-rate): the page alert fires when
the error ratio over 1h and 5m both exceed 14.4x the budget, or over 6h and 30m both exceed
6x; the ticket alert when 1d and 2h exceed 3x, or 3d and 6h exceed 1x (30-day period).
Pyrra (docs: "Alerting"): four alerts, short and long window both above factor x (1 -
target), each with a `for`; for a 28-day window 1h/5m 14x for 2m, 6h/30m 7x for 15m,
1d/2h 2x for 1h, 4d/6h 1x for 3h.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_sre.config.model import Config
from nexus_sre.formats import load
from nexus_sre.rules import render, rule_groups

from .firing import firing_minutes, segments

pytestmark = pytest.mark.prometheus

SLOTH = """\
version: "prometheus/v1"
service: checkout
slos:
  - name: requests
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="checkout",code="500"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
    alerting:
      name: CheckoutErrors
"""


def _one_group(config: Config) -> str:
    """nexus-sre's rules as one group, in order (SLI records, meta, alerts).

    Prometheus evaluates separate groups on their own schedules, so an alert may read a
    record one evaluation old; Sloth's own output splits its groups the same way. One group
    takes that scheduling out (promtool otherwise picks an order per run) and compares what
    the expressions mean, minute by minute.
    """
    rules = [rule for group in rule_groups(config) for rule in group["rules"]]
    return render([{"name": "nexus-sre", "rules": rules}])


def _ratio(name: str, window: str, bad: str, total: str) -> str:
    return (
        f"  - record: {name}{window}\n"
        f"    expr: sum(rate({bad}[{window}])) / sum(rate({total}[{window}]))\n"
    )


def _sloth_semantics() -> str:
    """Sloth's rules as its documentation describes them (written here, not generated)."""
    bad, total = (
        'http_requests_total{job="checkout",code="500"}',
        'http_requests_total{job="checkout"}',
    )
    text = "groups:\n- name: sloth-semantics\n  rules:\n"
    for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"):
        text += _ratio("sloth:error_ratio:", w, bad, total)
    b = "0.001"

    def pair(short: str, long: str, factor: str) -> str:
        return (
            f"(sloth:error_ratio:{short} > ({factor} * {b}) and "
            f"sloth:error_ratio:{long} > ({factor} * {b}))"
        )

    text += (
        f"  - alert: SlothPage\n    expr: {pair('5m', '1h', '14.4')} or {pair('30m', '6h', '6')}\n"
    )
    text += (
        f"  - alert: SlothTicket\n    expr: {pair('2h', '1d', '3')} or {pair('6h', '3d', '1')}\n"
    )
    return text


def test_converted_sloth_slo_fires_when_sloth_would(tmp_path: Path) -> None:
    src = tmp_path / "sloth.yaml"
    src.write_text(SLOTH)
    config = load(src)
    nexus_rules = _one_group(config)
    ok, err = (
        'http_requests_total{job="checkout",code="200"}',
        'http_requests_total{job="checkout",code="500"}',
    )
    # 1009 requests a minute (see the Pyrra test): healthy 2h; 2 % errors 1h; total outage
    # 30m; healthy 3h; 0.69 % errors 8h (6.9x: only the 6h page condition); 0.5 % errors 6h
    phases_ok = [(120, 1009), (60, 989), (30, 0), (180, 1009), (480, 1002), (360, 1004)]
    phases_err = [(120, 0), (60, 20), (30, 1009), (180, 0), (480, 7), (360, 5)]
    minutes = sum(m for m, _ in phases_ok)
    fired = firing_minutes(
        tmp_path,
        {"nexus.yaml": nexus_rules, "sloth.yaml": _sloth_semantics()},
        {ok: segments(phases_ok), err: segments(phases_err)},
        [
            "SlothPage",
            "SlothTicket",
            "SLOBurnRatePage1h",
            "SLOBurnRatePage6h",
            "SLOBurnRateTicket1d",
            "SLOBurnRateTicket3d",
        ],
        minutes,
    )
    page = fired["SLOBurnRatePage1h"] | fired["SLOBurnRatePage6h"]
    ticket = fired["SLOBurnRateTicket1d"] | fired["SLOBurnRateTicket3d"]
    assert fired["SlothPage"] and fired["SlothTicket"]  # the scenario exercises both
    assert fired["SlothTicket"] - fired["SlothPage"]  # ... and they differ
    assert fired["SLOBurnRatePage6h"] - fired["SLOBurnRatePage1h"]  # each page condition counts
    assert page == fired["SlothPage"]
    assert ticket == fired["SlothTicket"]


PYRRA = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-errors
  labels:
    pyrra.dev/service: api
spec:
  target: "99"
  window: 28d
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="api",code="500"}
      total:
        metric: http_requests_total{job="api"}
  alerting:
    absent: false
"""

PYRRA_PLAN = (
    ("5m", "1h", "14", "2m"),
    ("30m", "6h", "7", "15m"),
    ("2h", "1d", "2", "1h"),
    ("6h", "4d", "1", "3h"),
)


def _pyrra_semantics() -> str:
    """Pyrra's burn-rate alerts as its documentation describes them (written here)."""
    bad, total = 'http_requests_total{job="api",code="500"}', 'http_requests_total{job="api"}'
    text = "groups:\n- name: pyrra-semantics\n  rules:\n"
    for w in ("5m", "30m", "1h", "2h", "6h", "1d", "4d"):
        text += _ratio("pyrra:burnrate:", w, bad, total)
    for short, long, factor, wait in PYRRA_PLAN:
        text += (
            f"  - alert: Pyrra{long}\n"
            f"    expr: pyrra:burnrate:{short} > ({factor} * (1 - 0.99)) and "
            f"pyrra:burnrate:{long} > ({factor} * (1 - 0.99))\n"
            f"    for: {wait}\n"
        )
    return text


def test_converted_pyrra_slo_fires_when_pyrra_would(tmp_path: Path) -> None:
    src = tmp_path / "pyrra.yaml"
    src.write_text(PYRRA)
    config = load(src)
    nexus_rules = _one_group(config)
    names = [a.name for a in config.services[0].slos[0].alerting.burn_rate]
    assert [a.for_duration for a in config.services[0].slos[0].alerting.burn_rate] == [
        120,
        900,
        3600,
        10800,
    ]
    ok, err = (
        'http_requests_total{job="api",code="200"}',
        'http_requests_total{job="api",code="500"}',
    )
    # 1009 requests a minute (a prime: no window's ratio lands exactly on a threshold,
    # where Pyrra's `>` and nexus-sre's `>=` would differ): healthy 200m; 29.7 % errors 40m;
    # 3.1 % errors 8h; 10.2 % errors 4h; healthy 2h
    phases_ok = [(200, 1009), (40, 709), (480, 978), (240, 906), (120, 1009)]
    phases_err = [(200, 0), (40, 300), (480, 31), (240, 103), (120, 0)]
    minutes = sum(m for m, _ in phases_ok)
    ours = {f"SLOBurnRate{n[0].upper()}{n[1:].replace('-', '')}": n for n in names}
    fired = firing_minutes(
        tmp_path,
        {"nexus.yaml": nexus_rules, "pyrra.yaml": _pyrra_semantics()},
        {ok: segments(phases_ok), err: segments(phases_err)},
        [f"Pyrra{long}" for _, long, _, _ in PYRRA_PLAN] + list(ours),
        minutes,
    )
    for (_, long, _, _), alert in zip(PYRRA_PLAN, ours, strict=True):
        assert fired[f"Pyrra{long}"], f"the scenario never fires Pyrra's {long} alert"
        assert fired[alert] == fired[f"Pyrra{long}"], alert
