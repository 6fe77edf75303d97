//! `nexus_sre._core`: the PyO3 binding of nexus-sre-core. Argument conversion, Arrow I/O,
//! GIL release and error mapping only; the logic lives in the core crate.
//!
//! Each file exposes the core module of the same name (`budget`, `burn`, `alerting`,
//! `counter`, `recorder` for `counter::ServiceRecorder`, `storage` for
//! `counter::storage`, `aggregate`) and registers it below; `parquet_io` decodes Parquet
//! for `aggregate`, `promql` reads PromQL for the rules (no core module behind it),
//! `arrays` converts Arrow data, `errors` maps every error.

use pyo3::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod aggregate;
mod alerting;
mod arrays;
mod budget;
mod burn;
mod counter;
mod errors;
mod parquet_io;
mod promql;
mod recorder;
mod storage;

/// An empty function with `ServiceRecorder.record`'s arguments: the floor a PyO3 call
/// costs, for benchmarks.
#[pyfunction]
fn _empty_call(_ok: bool, _duration_ms: f64) {}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    counter::register(m)?;
    recorder::register(m)?;
    budget::register(m)?;
    burn::register(m)?;
    alerting::register(m)?;
    aggregate::register(m)?;
    parquet_io::register(m)?;
    m.add_function(wrap_pyfunction!(_empty_call, m)?)?;
    m.add_function(wrap_pyfunction!(promql::promql_sli, m)?)?;
    Ok(())
}
