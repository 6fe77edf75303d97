"""An independent pure-numpy/Python reference of a backfill, written from the spec and not
from the Rust code: per-row loops for bucketing, explicit window sums, a plain state
machine for the alert backtest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nexus_sre.config.model import Config


@dataclass
class RefSlo:
    first: int  # bucket index of good[0]
    good: np.ndarray
    total: np.ndarray
    burn: dict[int, np.ndarray]
    budget_remaining: np.ndarray
    alerts: list[tuple[str, int, int | None, float]]  # name, start s, end s or None, peak


def reference(
    config: Config,
    ts: np.ndarray,  # epoch seconds (int)
    service: list[str],
    ok: np.ndarray,  # bool
    latency_ms: np.ndarray,
    count: np.ndarray | None = None,
    bucket_seconds: int = 60,
) -> dict[str, RefSlo]:
    n = len(ts)
    count = np.ones(n, dtype=np.int64) if count is None else count
    buckets = np.floor_divide(ts, bucket_seconds)
    first, last = int(buckets.min()), int(buckets.max())
    nb = last - first + 1
    windows = sorted(
        {
            w
            for _, s in config.slos()
            for a in s.alerting.burn_rate
            for w in (a.long_window, a.short_window)
        }
    )
    out = {}
    for svc, slo in config.slos():
        good = np.zeros(nb, dtype=np.int64)
        total = np.zeros(nb, dtype=np.int64)
        for i in range(n):
            if service[i] != svc.name:
                continue
            if slo.sli.type == "latency":
                is_good = latency_ms[i] <= slo.sli.threshold_ms
            else:
                is_good = bool(ok[i])
            b = int(buckets[i]) - first
            total[b] += int(count[i])
            good[b] += int(count[i]) if is_good else 0
        bf = (100.0 - float(slo.target)) / 100.0

        def burn_over(
            k: int, good: np.ndarray = good, total: np.ndarray = total, bf: float = bf
        ) -> np.ndarray:
            res = np.zeros(nb)
            for i in range(nb):
                lo = max(0, i - k + 1)
                t = total[lo : i + 1].sum()
                g = good[lo : i + 1].sum()
                res[i] = 0.0 if t == 0 else (t - g) / t / bf
            return res

        burn = {w: burn_over(w // bucket_seconds) for w in windows}
        remaining = 1.0 - burn_over(slo.time_window.seconds // bucket_seconds)
        alerts = []
        for a in slo.alerting.burn_rate:
            kl, ks = a.long_window // bucket_seconds, a.short_window // bucket_seconds
            long_b, short_b = burn_over(kl), burn_over(ks)
            factor = float(a.factor) * (1 - 1e-9)  # "at the factor" fires, float noise aside
            start = None
            peak = 0.0
            for i in range(nb):
                lt = total[max(0, i - kl + 1) : i + 1].sum()
                firing = (
                    i >= kl - 1  # the whole long window is data: no cold start
                    and lt >= max(1, slo.alerting.min_events)
                    and long_b[i] >= factor
                    and short_b[i] >= factor
                )
                if firing and start is None:
                    start, peak = i, long_b[i]
                elif firing:
                    peak = max(peak, long_b[i])
                elif start is not None:
                    alerts.append(
                        (
                            a.name,
                            (first + start + 1) * bucket_seconds,
                            (first + i + 1) * bucket_seconds,
                            peak,
                        )
                    )
                    start = None
            if start is not None:
                alerts.append((a.name, (first + start + 1) * bucket_seconds, None, peak))
        out[slo.id] = RefSlo(first, good, total, burn, remaining, alerts)
    return out
