"""What the load test sends: a seeded plan of requests (status, latency) and the counts
every SLO must then show, computed here with exact integers and fractions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

# The service under load: one availability and one latency SLO, 99 % over 30 days, so
# the Workbook alert windows (5m .. 3d) all cover the whole run.
SERVICE = "load"
THRESHOLD_MS = 1000
CONFIG = f"""\
version: "1.0"
services:
  - name: {SERVICE}
    tier: tier-2
    slos:
      - id: load-availability
        target: 99
        timeWindow: 30d
        sli: {{type: availability}}
      - id: load-latency
        target: 99
        timeWindow: 30d
        sli: {{type: latency, threshold: {THRESHOLD_MS}ms}}
"""
BUDGET = Fraction(1, 100)  # 1 - 99 %

# The error mix (share of requests per status) and the latency mix: fast requests sleep
# 0-5 ms, slow ones 1.5 s, far on either side of the 1 s threshold, so that a loaded
# machine's scheduling delays (hundreds of ms on 2 busy cores) cannot move a request
# across it; a stall of a whole second in a worker would, and would show as a mismatch.
STATUS_MIX = {200: 0.94, 404: 0.01, 429: 0.01, 500: 0.03, 503: 0.01}
SLOW_SHARE = 0.02
FAST_MS = (0, 5)
SLOW_MS = 1500


@dataclass(frozen=True)
class Request:
    status: int
    sleep_ms: int

    @property
    def path(self) -> str:
        return f"/work?status={self.status}&ms={self.sleep_ms}"


def make_plan(count: int, seed: int = 16) -> list[Request]:
    rng = random.Random(seed)
    statuses, weights = zip(*STATUS_MIX.items(), strict=True)
    out = []
    for _ in range(count):
        status = rng.choices(statuses, weights)[0]
        slow = rng.random() < SLOW_SHARE
        out.append(Request(status, SLOW_MS if slow else rng.randint(*FAST_MS)))
    return out


@dataclass(frozen=True)
class Expected:
    """One SLO's good and total events, and the figures that follow exactly."""

    good: int
    total: int

    @property
    def error_ratio(self) -> Fraction:
        return Fraction(self.total - self.good, self.total) if self.total else Fraction(0)

    @property
    def burn_rate(self) -> Fraction:
        """The same over every window that covers the whole run."""
        return self.error_ratio / BUDGET

    @property
    def budget_remaining(self) -> Fraction:
        return 1 - self.burn_rate


def expected(sent: list[Request]) -> dict[str, Expected]:
    """Per SLO id, from the requests that were answered (the middleware counts 5xx as
    failures; the latency SLO counts every request at or under the threshold as good)."""
    total = len(sent)
    return {
        "load-availability": Expected(sum(1 for r in sent if r.status < 500), total),
        "load-latency": Expected(sum(1 for r in sent if r.sleep_ms <= THRESHOLD_MS), total),
    }
