from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from nexus_sre.backfill import BackfillResult

from .reference import RefSlo


def assert_matches_reference(result: BackfillResult, ref: dict[str, RefSlo]) -> None:
    for s in result.slos:
        r = ref[s.slo_id]
        # Same bucket range: the result spans all SLOs, the reference too.
        assert s.first_bucket == r.first
        np.testing.assert_array_equal(s.good, r.good)
        np.testing.assert_array_equal(s.total, r.total)
        for w, burn in r.burn.items():
            np.testing.assert_allclose(s.burn[w], burn, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(s.budget_remaining, r.budget_remaining, rtol=1e-12, atol=1e-12)
        got = [(a.name, a.start, a.end) for a in s.alerts]
        assert got == [(n, st, e) for n, st, e, _ in r.alerts], s.slo_id
        np.testing.assert_allclose([a.peak_burn for a in s.alerts], [p for *_, p in r.alerts])


def assert_same(a: BackfillResult, b: BackfillResult) -> None:
    assert a.buckets.equals(b.buckets)
    assert a.alerts.equals(b.alerts)
    assert a.summary.equals(b.summary)
    assert a.totals() == b.totals()


def assert_agree(a: Any, b: Any, where: str = "") -> None:
    """Two reports (JSON documents, or `SloEvaluation`s) agree on every figure: integers
    (counts) exactly, other numbers to 1e-12, everything else equal. `where` names the
    first difference."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_agree(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            assert_agree(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_agree(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        if a.dtype.kind in "iu":
            np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=where)
    elif isinstance(a, float) and not isinstance(b, bool):
        assert isinstance(b, float), where
        same = a == b or (math.isnan(a) and math.isnan(b))
        assert same or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12), f"{where}: {a} {b}"
    else:  # counts (int), text, bool, None, datetimes: exactly
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"
