"""What a rule file costs Prometheus: rules, recorded series, and raw samples read."""

from __future__ import annotations

from dataclasses import dataclass

from .generate import SloRules


@dataclass(frozen=True)
class Cost:
    slos: int
    recording_rules: int
    alerting_rules: int
    recorded_series: int  # one per recording rule: every record is aggregated to one series
    max_alert_series: int  # ALERTS{...} series while everything fires
    longest_window_s: int

    def summary(self) -> str:
        from ..common.durations import format_duration

        longest = format_duration(self.longest_window_s) if self.longest_window_s else "-"
        return (
            f"nexus-sre rules: {self.slos} SLO(s): {self.recording_rules} recording rules "
            f"({self.recorded_series} series), {self.alerting_rules} alerting rules "
            f"(up to {self.max_alert_series} ALERTS series); longest range read: {longest}"
        )


def cost(rules: list[SloRules]) -> Cost:
    recording = alerting = 0
    for r in rules:
        for group in r.groups:
            for rule in group["rules"]:
                if "record" in rule:
                    recording += 1
                else:
                    alerting += 1
    longest = max((w for r in rules for w in r.windows), default=0)
    # An aggregated record yields one series; a firing alert yields one ALERTS series
    # (pending and firing are the same series with a different alertstate label).
    return Cost(len(rules), recording, alerting, recording, alerting, longest)
