//! `nexus_sre_core::budget` for Python: `ErrorBudget` and the budget functions.

use nexus_sre_core::budget::{self, ErrorBudget as CoreBudget, StatusThresholds};
use pyo3::prelude::*;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ErrorBudget>()?;
    m.add_function(wrap_pyfunction!(budget_fraction, m)?)?;
    m.add_function(wrap_pyfunction!(burn_rate, m)?)?;
    m.add_function(wrap_pyfunction!(time_to_exhaustion, m)?)?;
    m.add_function(wrap_pyfunction!(budget_spent, m)?)?;
    m.add_function(wrap_pyfunction!(error_budget, m)?)?;
    m.add_function(wrap_pyfunction!(error_budget_from_sli, m)?)?;
    m.add_function(wrap_pyfunction!(budget_status, m)?)?;
    Ok(())
}
