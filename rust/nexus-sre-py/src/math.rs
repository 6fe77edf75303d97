//! Budget, burn-rate and alerting functions, scalar and over arrays.

use nexus_sre_core::alerting::{self, AlertTier};
use nexus_sre_core::budget::{self, ErrorBudget as CoreBudget, StatusThresholds};
use nexus_sre_core::burn;
use pyo3::prelude::*;
use pyo3_arrow::PyArray;

use crate::arrays::{counts, f64_array, opt_f64_array};
use crate::counter::WindowedCounter;
use crate::errors::IntoPyResult;

/// The error budget of one SLO over one period.
#[pyclass(frozen, get_all, module = "nexus_sre._core")]
pub struct ErrorBudget {
    budget_fraction: f64,
    total_minutes: f64,
    total_events: f64,
    bad_events: u64,
    consumed_fraction: f64,
    remaining_fraction: f64,
    consumed_minutes: f64,
    remaining_minutes: f64,
    burn_rate: f64,
    status: &'static str,
    has_data: bool,
}

impl From<CoreBudget> for ErrorBudget {
    fn from(b: CoreBudget) -> Self {
        ErrorBudget {
            budget_fraction: b.budget_fraction,
            total_minutes: b.total_minutes,
            total_events: b.total_events,
            bad_events: b.bad_events,
            consumed_fraction: b.consumed_fraction,
            remaining_fraction: b.remaining_fraction,
            consumed_minutes: b.consumed_minutes,
            remaining_minutes: b.remaining_minutes,
            burn_rate: b.burn_rate,
            status: b.status.as_str(),
            has_data: b.has_data,
        }
    }
}

#[pymethods]
impl ErrorBudget {
    fn __repr__(&self) -> String {
        format!(
            "ErrorBudget(consumed_fraction={}, remaining_minutes={}, status='{}')",
            self.consumed_fraction, self.remaining_minutes, self.status
        )
    }
}

fn thresholds(t: (f64, f64, f64)) -> StatusThresholds {
    StatusThresholds {
        warning: t.0,
        critical: t.1,
        exhausted: t.2,
    }
}

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
pub fn budget_fraction(target: f64) -> PyResult<f64> {
    budget::budget_fraction(target).py()
}

#[pyfunction]
pub fn burn_rate(error_ratio: f64, target: f64) -> PyResult<f64> {
    if !(0.0..=1.0).contains(&error_ratio) {
        return Err(crate::errors::invalid(
            "error_ratio",
            format!("must be a fraction between 0 and 1, got {error_ratio}"),
        ));
    }
    Ok(budget::burn_rate(
        error_ratio,
        budget::budget_fraction(target).py()?,
    ))
}

#[pyfunction]
pub fn time_to_exhaustion(
    remaining_fraction: f64,
    burn_rate: f64,
    period_seconds: f64,
) -> Option<f64> {
    budget::time_to_exhaustion(remaining_fraction, burn_rate, period_seconds)
}

#[pyfunction]
pub fn budget_spent(burn_rate: f64, duration_seconds: f64, period_seconds: f64) -> f64 {
    budget::budget_spent(burn_rate, duration_seconds, period_seconds)
}

/// Budget figures from event counts.
#[pyfunction]
#[pyo3(signature = (target, period_seconds, good, total, thresholds=(0.75, 0.9, 1.0)))]
pub fn error_budget(
    target: f64,
    period_seconds: f64,
    good: u64,
    total: u64,
    thresholds: (f64, f64, f64),
) -> PyResult<ErrorBudget> {
    let t = self::thresholds(thresholds);
    Ok(
        CoreBudget::from_counts(target, period_seconds, good, total, &t)
            .py()?
            .into(),
    )
}

/// Budget figures from an achieved SLI in percent.
#[pyfunction]
#[pyo3(signature = (target, period_seconds, actual_percent, thresholds=(0.75, 0.9, 1.0)))]
pub fn error_budget_from_sli(
    target: f64,
    period_seconds: f64,
    actual_percent: f64,
    thresholds: (f64, f64, f64),
) -> PyResult<ErrorBudget> {
    let t = self::thresholds(thresholds);
    Ok(
        CoreBudget::from_sli(target, period_seconds, actual_percent, &t)
            .py()?
            .into(),
    )
}

#[pyfunction]
#[pyo3(signature = (consumed_fraction, thresholds=(0.75, 0.9, 1.0)))]
pub fn budget_status(
    consumed_fraction: f64,
    thresholds: (f64, f64, f64),
) -> PyResult<&'static str> {
    let t = self::thresholds(thresholds);
    t.validate().py()?;
    Ok(t.status(consumed_fraction).as_str())
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

/// Rolling burn rates over `window_buckets` buckets ending at each bucket, one pyarrow
/// float64 array per window. Event-weighted; 0 where a window had no traffic.
#[pyfunction]
pub fn rolling_burn_rates(
    py: Python<'_>,
    good: PyArray,
    total: PyArray,
    window_buckets: Vec<usize>,
    target: f64,
) -> PyResult<Vec<Py<PyAny>>> {
    let (g, t) = (counts(&good, "good")?, counts(&total, "total")?);
    let bf = budget::budget_fraction(target).py()?;
    let results = py
        .detach(move || {
            window_buckets
                .iter()
                .map(|&k| burn::rolling_burn_rates(&g, &t, k, bf))
                .collect::<Result<Vec<_>, _>>()
        })
        .py()?;
    results.into_iter().map(|v| f64_array(py, v)).collect()
}

/// Period-to-date SLI (fraction; null before any traffic) and budget remaining (fraction).
#[pyfunction]
pub fn cumulative(
    py: Python<'_>,
    good: PyArray,
    total: PyArray,
    target: f64,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let (g, t) = (counts(&good, "good")?, counts(&total, "total")?);
    let bf = budget::budget_fraction(target).py()?;
    let (sli, remaining) = py.detach(move || burn::cumulative(&g, &t, bf)).py()?;
    Ok((opt_f64_array(py, sli)?, f64_array(py, remaining)?))
}
