from __future__ import annotations

import numpy as np

from nexus_sre.bulk import BackfillResult

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
