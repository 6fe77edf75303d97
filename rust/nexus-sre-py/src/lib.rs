//! `nexus_sre._core`: the PyO3 binding of nexus-sre-core. Argument conversion, Arrow I/O,
//! GIL release and error mapping only; the logic lives in the core crate.

use pyo3::prelude::*;

mod arrays;
mod backfill;
mod counter;
mod errors;
mod math;
mod parquet_io;
mod promql;
mod shared;

/// An empty function with `ServiceRecorder.record`'s arguments: the floor a PyO3 call
/// costs, for benchmarks.
#[pyfunction]
fn _empty_call(_ok: bool, _duration_ms: f64) {}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<counter::WindowedCounter>()?;
    m.add_class::<counter::WindowStats>()?;
    m.add_class::<counter::ServiceRecorder>()?;
    m.add_class::<math::ErrorBudget>()?;
    m.add_class::<backfill::BackfillAggregator>()?;
    m.add_function(wrap_pyfunction!(math::budget_fraction, m)?)?;
    m.add_function(wrap_pyfunction!(math::burn_rate, m)?)?;
    m.add_function(wrap_pyfunction!(math::time_to_exhaustion, m)?)?;
    m.add_function(wrap_pyfunction!(math::budget_spent, m)?)?;
    m.add_function(wrap_pyfunction!(math::error_budget, m)?)?;
    m.add_function(wrap_pyfunction!(math::error_budget_from_sli, m)?)?;
    m.add_function(wrap_pyfunction!(math::budget_status, m)?)?;
    m.add_function(wrap_pyfunction!(math::workbook_factor, m)?)?;
    m.add_function(wrap_pyfunction!(math::workbook_tiers, m)?)?;
    m.add_function(wrap_pyfunction!(math::evaluate_alerts, m)?)?;
    m.add_function(wrap_pyfunction!(math::backtest, m)?)?;
    m.add_function(wrap_pyfunction!(math::rolling_burn_rates, m)?)?;
    m.add_function(wrap_pyfunction!(math::cumulative, m)?)?;
    m.add_function(wrap_pyfunction!(_empty_call, m)?)?;
    m.add_function(wrap_pyfunction!(parquet_io::parquet_layout, m)?)?;
    m.add_function(wrap_pyfunction!(promql::promql_sli, m)?)?;
    m.add_function(wrap_pyfunction!(shared::open_shared_counter, m)?)?;
    m.add_function(wrap_pyfunction!(shared::counter_cumulative, m)?)?;
    m.add_function(wrap_pyfunction!(shared::add_cumulative, m)?)?;
    m.add_function(wrap_pyfunction!(shared::counter_path, m)?)?;
    // The backfill's bad-row reasons, so Python never keeps its own copy of the list.
    m.add(
        "BACKFILL_REASONS",
        nexus_sre_core::aggregate::REASONS.to_vec(),
    )?;
    Ok(())
}
