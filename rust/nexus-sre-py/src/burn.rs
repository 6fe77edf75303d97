//! `nexus_sre_core::burn` for Python: rolling burn rates over per-bucket arrays (Arrow or
//! numpy in, pyarrow out), GIL released.

use nexus_sre_core::{budget, burn};
use pyo3::prelude::*;
use pyo3_arrow::PyArray;

use crate::arrays::{counts, f64_array};
use crate::errors::IntoPyResult;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rolling_burn_rates, m)?)?;
    Ok(())
}
