//! `nexus_sre_core::alerting` for Python: the Workbook tiers (as data and as factors),
//! alert evaluation over a live counter, and backtests over per-bucket arrays.

use nexus_sre_core::alerting::{self, AlertTier, WORKBOOK_TIERS};
use pyo3::prelude::*;
use pyo3_arrow::PyArray;

use crate::arrays::counts;
use crate::counter::WindowedCounter;
use crate::errors::IntoPyResult;

fn tiers(raw: &[(f64, i64, i64)]) -> Vec<AlertTier> {
    raw.iter()
        .map(|&(factor, long_seconds, short_seconds)| AlertTier {
            factor,
            long_seconds,
            short_seconds,
        })
        .collect()
}

#[pyfunction]
pub fn workbook_factor(budget_share: f64, period_seconds: i64, long_seconds: i64) -> f64 {
    alerting::workbook_factor(budget_share, period_seconds, long_seconds)
}

/// The Workbook's four tiers for a period as (factor, long_seconds, short_seconds).
#[pyfunction]
pub fn workbook_tiers(period_seconds: i64) -> Vec<(f64, i64, i64)> {
    alerting::workbook_tiers(period_seconds)
        .into_iter()
        .map(|t| (t.factor, t.long_seconds, t.short_seconds))
        .collect()
}

/// (firing, long_burn, short_burn, long_total, short_total)
type TierStateTuple = (bool, f64, f64, u64, u64);

/// Evaluate tiers (factor, long_s, short_s) over a counter at `end` (default now).
/// Returns per tier (firing, long_burn, short_burn, long_total, short_total).
#[pyfunction]
#[pyo3(signature = (counter, target, tiers, min_events=0, end=None))]
pub fn evaluate_alerts(
    counter: &WindowedCounter,
    target: f64,
    tiers: Vec<(f64, i64, i64)>,
    min_events: u64,
    end: Option<f64>,
) -> PyResult<Vec<TierStateTuple>> {
    let states = alerting::evaluate(
        &counter.inner,
        target,
        &self::tiers(&tiers),
        min_events,
        end,
    )
    .py()?;
    Ok(states
        .into_iter()
        .map(|s| {
            (
                s.firing,
                s.long_burn,
                s.short_burn,
                s.long_total,
                s.short_total,
            )
        })
        .collect())
}

/// Replay tiers over per-bucket good/total arrays (Arrow or numpy).
/// Returns (tier index, first firing bucket, end bucket exclusive, peak long-window burn).
#[pyfunction]
#[pyo3(signature = (good, total, bucket_seconds, target, tiers, min_events=0))]
pub fn backtest(
    py: Python<'_>,
    good: PyArray,
    total: PyArray,
    bucket_seconds: i64,
    target: f64,
    tiers: Vec<(f64, i64, i64)>,
    min_events: u64,
) -> PyResult<Vec<(usize, usize, usize, f64)>> {
    let (g, t) = (counts(&good, "good")?, counts(&total, "total")?);
    let tiers = self::tiers(&tiers);
    let out = py
        .detach(move || alerting::backtest(&g, &t, bucket_seconds, target, &tiers, min_events))
        .py()?;
    Ok(out
        .into_iter()
        .map(|iv| (iv.tier, iv.start, iv.end, iv.peak_burn))
        .collect())
}

/// `WORKBOOK_TIERS`: (name, budget share as a decimal string, long window s, short window
/// s, severity) per tier, the one definition Python's config defaults are built from.
type TierData = (&'static str, &'static str, i64, i64, &'static str);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(workbook_factor, m)?)?;
    m.add_function(wrap_pyfunction!(workbook_tiers, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_alerts, m)?)?;
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    let tiers: Vec<TierData> = WORKBOOK_TIERS
        .iter()
        .map(|t| {
            (
                t.name,
                t.budget_share,
                t.long_seconds,
                t.short_seconds,
                t.severity,
            )
        })
        .collect();
    m.add("WORKBOOK_TIERS", pyo3::types::PyTuple::new(m.py(), tiers)?)?;
    m.add("BURN_TOLERANCE", alerting::TOLERANCE)?;
    Ok(())
}
