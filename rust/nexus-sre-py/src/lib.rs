//! `nexus_sre._core`: the PyO3 binding of nexus-sre-core. Argument conversion, Arrow I/O,
//! GIL release and error mapping only; the logic lives in the core crate.
//!
//! Each file exposes the core module of the same name (`budget`, `burn`, `alerting`,
//! `counter`, `recorder` for `counter::ServiceRecorder`, `storage` for
//! `counter::storage`, `aggregate`) and registers it below; `parquet_io` decodes Parquet
//! for `aggregate`, `promql` reads PromQL for the rules (no core module behind it),
//! `arrays` converts Arrow data, `errors` maps every error.

use pyo3::prelude::*;

// mimalloc for every Rust allocation of the extension (Python's and pyarrow's own allocators
// are unaffected): decode buffers are reused from row group to row group and task to task
// whatever glibc's settings (Dask workers set MALLOC_TRIM_THRESHOLD_, which made glibc map
// and page-fault each buffer again: a third of a task's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Arenas committed on demand, not eagerly: with eager commit, freed pages are only reset
/// (MADV_FREE), which Linux still counts as resident, and the backfill's peak RSS grew
/// 15-20 MB over glibc's. A user's MIMALLOC_* environment still wins (it is read first).
fn allocator_options() {
    use libmimalloc_sys as mi;
    // mi_option_arena_eager_commit: its place in the v2 header's enum (the crate has no
    // constant for it; the version is pinned in Cargo.lock).
    const ARENA_EAGER_COMMIT: mi::mi_option_t = 4;
    if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
        // SAFETY: setting an option is thread-safe and only changes later allocations.
        unsafe { mi::mi_option_set(ARENA_EAGER_COMMIT, 0) };
    }
}

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
    allocator_options();
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
