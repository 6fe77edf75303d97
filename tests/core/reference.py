"""Small, naive pure-Python references for the Rust core, written from the documented rules.

Nothing here is fast or clever on purpose: a dict of bucket -> [good, total], windows summed
bucket by bucket, rolling windows and backtests re-summed from scratch at every bucket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

NANOS = 1_000_000_000


@dataclass
class RefCounter:
    """What a WindowedCounter should hold, for the 'manual' and 'event' clocks.

    Rules (from the architecture notes and the docstrings):
    * an event at t seconds belongs to bucket floor(t / width);
    * manual clock at `now`: a bucket is kept when it is no older than horizon - 1 buckets
      before now's bucket and no later than the bucket of now + future_skew;
    * event clock: "now" is the newest bucket seen; older than the horizon is dropped,
      nothing is too new;
    * refused events count in `dropped`;
    * a window of w seconds ending at `end` sums the kept buckets that start in
      [end - w, end).
    """

    bucket_seconds: int
    horizon_seconds: int
    future_skew_seconds: int
    clock: str  # "manual" or "event"
    now: float = 0.0
    buckets: dict[int, list[int]] = field(default_factory=dict)
    dropped: int = 0
    newest: int | None = None

    @property
    def horizon_buckets(self) -> int:
        return self.horizon_seconds // self.bucket_seconds

    def _now_ns(self) -> int:
        # The manual clock keeps whole nanoseconds, truncated like an f64 -> i64 cast.
        return int(self.now * 1e9)

    def now_bucket(self) -> int | None:
        if self.clock == "manual":
            return self._now_ns() // (self.bucket_seconds * NANOS)
        return self.newest

    def oldest_kept(self) -> int | None:
        nb = self.now_bucket()
        return None if nb is None else nb - self.horizon_buckets + 1

    def now_seconds(self) -> float:
        if self.clock == "manual":
            return self._now_ns() / 1e9
        assert self.newest is not None, "no event yet: an event-time counter reads the wall clock"
        return float((self.newest + 1) * self.bucket_seconds)

    def set_time(self, now: float) -> None:
        assert self.clock == "manual"
        self.now = now

    def add(self, good: int, total: int, timestamp: float | None = None) -> bool:
        assert 0 <= good <= total
        if timestamp is None:
            assert self.clock == "manual"
            bucket = self._now_ns() // (self.bucket_seconds * NANOS)
        else:
            bucket = math.floor(timestamp / self.bucket_seconds)
            if self.clock == "manual":
                ns = self._now_ns()
                lo = ns // (self.bucket_seconds * NANOS) - self.horizon_buckets + 1
                hi = (ns + self.future_skew_seconds * NANOS) // (self.bucket_seconds * NANOS)
            else:
                self.newest = bucket if self.newest is None else max(self.newest, bucket)
                lo = self.newest - self.horizon_buckets + 1
                hi = bucket
            if not lo <= bucket <= hi:
                self.dropped += total
                return False
        cell = self.buckets.setdefault(bucket, [0, 0])
        cell[0] += good
        cell[1] += total
        return True

    def record(self, good: bool, timestamp: float | None = None) -> bool:
        return self.add(int(good), 1, timestamp)

    def kept(self) -> dict[int, tuple[int, int]]:
        """The buckets still inside the horizon with any counts."""
        lo = self.oldest_kept()
        return {
            b: (g, t)
            for b, (g, t) in sorted(self.buckets.items())
            if (lo is None or b >= lo) and t > 0
        }

    def window(self, seconds: int, end: float | None = None) -> tuple[int, int]:
        if end is None:
            end = self.now_seconds()
        end_bucket = math.ceil(end / self.bucket_seconds)
        k = seconds // self.bucket_seconds
        kept = self.kept()
        good = total = 0
        for b in range(end_bucket - k, end_bucket):
            g, t = kept.get(b, (0, 0))
            good += g
            total += t
        return good, total


def error_ratio(good: int, total: int) -> float:
    return 0.0 if total == 0 else (total - good) / total


def budget_fraction(target: float) -> float:
    """1 - target/100 via exact decimal arithmetic on the target as written."""
    from decimal import Decimal

    return float((Decimal(100) - Decimal(repr(target))) / Decimal(100))


def rolling_burns(good: list[int], total: list[int], k: int, bf: float) -> list[float]:
    """Burn over the k buckets ending at each bucket (fewer at the start), re-summed each time."""
    out = []
    for i in range(len(good)):
        lo = max(0, i + 1 - k)
        g = sum(good[lo : i + 1])
        t = sum(total[lo : i + 1])
        out.append(error_ratio(g, t) / bf)
    return out


def cumulative(
    good: list[int], total: list[int], bf: float
) -> tuple[list[float | None], list[float]]:
    """After each bucket, re-summed each time: the SLI so far (None before any traffic) and
    the burndown, 1 - bad so far / (bf x all the span's events); 1 without any traffic."""
    everything = sum(total)
    sli: list[float | None] = []
    remaining: list[float] = []
    for i in range(len(good)):
        g = sum(good[: i + 1])
        t = sum(total[: i + 1])
        sli.append(None if t == 0 else g / t)
        remaining.append(1.0 if everything == 0 else 1.0 - (t - g) / (bf * everything))
    return sli, remaining


def backtest(
    good: list[int],
    total: list[int],
    bucket_seconds: int,
    target: float,
    tiers: list[tuple[float, int, int]],
    min_events: int = 0,
) -> list[tuple[int, int, int, float]]:
    """Evaluate every tier at the end of every bucket, naively; merge firing runs."""
    from fractions import Fraction

    bf = Fraction(repr(target))
    bf = (100 - bf) / 100
    out: list[tuple[int, int, int, float]] = []
    for ti, (factor, long_s, short_s) in enumerate(tiers):
        kl, ks = long_s // bucket_seconds, short_s // bucket_seconds
        run: list[int] = []
        peak = 0.0
        for i in range(len(good)):

            def sums(k: int, i: int = i) -> tuple[int, int]:
                lo = max(0, i + 1 - k)
                return sum(good[lo : i + 1]), sum(total[lo : i + 1])

            lg, lt = sums(kl)
            sg, st = sums(ks)
            # Exact rational comparison: burn >= factor, with the factor as written.
            f = Fraction(repr(factor))
            fires = (
                lt >= max(min_events, 1)
                and st > 0
                and Fraction(lt - lg, lt) / bf >= f
                and Fraction(st - sg, st) / bf >= f
            )
            if fires:
                burn = ((lt - lg) / lt) / float(bf)
                if not run:
                    run = [i]
                    peak = burn
                else:
                    peak = max(peak, burn)
            elif run:
                out.append((ti, run[0], i, peak))
                run = []
        if run:
            out.append((ti, run[0], len(good), peak))
    return out
