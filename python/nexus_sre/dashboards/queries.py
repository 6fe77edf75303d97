"""The PromQL behind every dashboard panel, built on the series `nexus-sre rules` records.

Panels read recorded series (cheap, and the same figures the alerts use): the error ratio
per window, the objective and budget metadata, the remaining budget and `ALERTS`. Only the
event-rate panel reads the raw SLI counters, through the same good/total templates as the
rules (`rules.sli`), so custom good/total queries and histograms work alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..common.durations import format_duration
from ..common.figures import fmt_number
from ..config.model import SLO, Service
from ..rules.generate import (
    BUDGET_ALERT,
    BUDGET_REMAINING,
    BURN_RATE_CURRENT,
    BURN_RATE_PERIOD,
    ERROR_BUDGET,
    ERROR_RATIO,
    OBJECTIVE,
    period_label,
)
from ..rules.sli import CounterSli, quote, sli_queries, slo_matchers

# Every alert `nexus-sre rules` writes: one name per burn-rate tier, one for the budget.
ALERT_NAMES = f"SLOBurnRate.+|{BUDGET_ALERT}"
SEVERITIES = ("critical", "warning", "info")
EVENT_WINDOW = 300  # the event-rate panel's rate window (5m)
STATUS_EXHAUSTED = 4
SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}


def firing(matchers: str) -> str:
    """The firing SLO alerts among `ALERTS`, narrowed by extra label matchers."""
    return f'ALERTS{{alertstate="firing",alertname=~{quote(ALERT_NAMES)}{matchers}}}'


@dataclass(frozen=True)
class SloQueries:
    """The PromQL of one SLO's panels."""

    service: Service
    slo: SLO

    @property
    def m(self) -> str:
        return "{" + slo_matchers(self.service, self.slo) + "}"

    def ratio(self, window: int | str) -> str:
        """The recorded error ratio over a window (seconds, or a calendar window's label)."""
        label = window if isinstance(window, str) else format_duration(window)
        return ERROR_RATIO.format(w=label) + self.m

    @property
    def period(self) -> int:
        return self.slo.time_window.seconds

    @property
    def period_window(self) -> int | str:
        """The SLO window as the rules record it: seconds, or "month"/"week" (so far)."""
        label = period_label(self.slo)
        return label if self.slo.time_window.calendar else self.period

    def sli_percent(self, window: int | str) -> str:
        return f"100 * (1 - {self.ratio(window)})"

    def objective_percent(self) -> str:
        return f"100 * {OBJECTIVE}{self.m}"

    def budget_remaining_percent(self) -> str:
        return f"100 * {BUDGET_REMAINING}{self.m}"

    def burn_rate(self, window_s: int) -> str:
        """Burn rate over a window: its error ratio over the SLO's (recorded) budget."""
        return f"{self.ratio(window_s)} / ignoring(window) {ERROR_BUDGET}{self.m}"

    def long_windows(self) -> list[int]:
        """The long window of each burn-rate tier, shortest first (one line each)."""
        return sorted({a.long_window for a in self.slo.alerting.burn_rate})

    def sli_windows(self) -> list[int | str]:
        """SLI lines: over the period, and over the shortest alert long window."""
        longs = [w for w in self.long_windows() if w < self.period]
        return [self.period_window, *longs[:1]]

    def event_rates(self) -> tuple[str, str] | None:
        """(events/s, failed events/s) over the last 5m; None for a percent-query SLI,
        which has no event counts."""
        q = sli_queries(self.service, self.slo)
        if not isinstance(q, CounterSli):
            return None
        total, good = q.total_expr(EVENT_WINDOW), q.good_expr(EVENT_WINDOW)
        return (
            f"{total} / {EVENT_WINDOW}",
            f"clamp_min({total} - ({good} or vector(0)), 0) / {EVENT_WINDOW}",
        )

    def alerts(self) -> str:
        """Firing alerts of this SLO, one series per alert (tier or budget level)."""
        return firing("," + slo_matchers(self.service, self.slo))

    def status(self) -> str:
        """The SLO's budget status from its own levels: 0 none crossed, else the rank of
        the most severe level crossed (info 1, warning 2, critical 3), 4 exhausted.
        A level (percent of budget consumed) is crossed when remaining <= 1 - level."""
        remaining = BUDGET_REMAINING + self.m
        parts = [f'label_replace(0 * {remaining}, "level", "none", "", "")']
        for level in self.slo.alerting.budget_exhaustion:
            limit = fmt_number(1 - level.percentage / Decimal(100))
            rank = SEVERITY_RANK.get(level.severity, 1)
            parts.append(
                f'label_replace({rank} * ({remaining} <= bool {limit}), "level", '
                f'{quote(fmt_number(level.percentage))}, "", "")'
            )
        parts.append(
            f'label_replace({STATUS_EXHAUSTED} * ({remaining} <= bool 0), "level", '
            '"exhausted", "", "")'
        )
        return "max by (service, slo) (\n  " + "\n  or ".join(parts) + "\n)"


def overview_queries(service_filter: str) -> dict[str, str]:
    """Per-SLO figures for the overview tables, one series per (service, slo); the period
    SLI is 1 - burn rate x budget, both recorded with the period's window label."""
    f = f"{{service=~{quote(service_filter)}}}"
    by = "max by (service, slo)"
    return {
        "target": f"{by} (100 * {OBJECTIVE}{f})",
        "sli": f"{by} (100 * (1 - {BURN_RATE_PERIOD}{f} * {ERROR_BUDGET}{f}))",
        "remaining": f"{by} (100 * {BUDGET_REMAINING}{f})",
        "consumed": f"{by} (100 * (1 - {BUDGET_REMAINING}{f}))",
        "budget": f"{by} (100 * {ERROR_BUDGET}{f})",
        "burn": f"{by} ({BURN_RATE_CURRENT}{f})",
        "burn_period": f"{by} ({BURN_RATE_PERIOD}{f})",
    }


def alert_count(severity: str, service_filter: str) -> str:
    """How many SLO alerts of a severity fire now (0, not "no data", when none)."""
    return (
        f"count({firing(f',service=~{quote(service_filter)},severity={quote(severity)}')})"
        " or vector(0)"
    )
