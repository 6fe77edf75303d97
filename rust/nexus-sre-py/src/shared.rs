//! Counters shared between processes through a memory-mapped file, and the cumulative
//! totals Prometheus needs. Module functions over `WindowedCounter`, kept apart from
//! `counter.rs`.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_sre_core::clock::Clock;
use nexus_sre_core::counter::{CounterSpec, WindowedCounter as CoreCounter};
use pyo3::prelude::*;

use crate::counter::WindowedCounter;
use crate::errors::IntoPyResult;

/// Open the shared counter file at `path`, creating it with these settings if absent.
/// With `create=False` the file must exist and its own settings are used. Returns
/// `(counter, created)`. A file whose header is damaged or whose settings differ from the
/// requested ones raises `InvalidInputError`.
#[pyfunction]
#[pyo3(signature = (path, bucket_seconds=60, horizon_seconds=2_592_000, future_skew_seconds=60, create=true))]
pub fn open_shared_counter(
    py: Python<'_>,
    path: PathBuf,
    bucket_seconds: i64,
    horizon_seconds: i64,
    future_skew_seconds: i64,
    create: bool,
) -> PyResult<(WindowedCounter, bool)> {
    let spec = create.then_some(CounterSpec {
        bucket_seconds,
        horizon_seconds,
        future_skew_seconds,
    });
    // Opening may wait on another process's file lock: do not hold the GIL meanwhile.
    let (counter, created) = py
        .detach(move || CoreCounter::open_shared(&path, spec, Clock::system()))
        .py()?;
    Ok((
        WindowedCounter {
            inner: Arc::new(counter),
        },
        created,
    ))
}

/// Good and total events ever recorded into the counter's ring: `(good, total)`.
#[pyfunction]
pub fn counter_cumulative(counter: &WindowedCounter) -> (u64, u64) {
    counter.inner.cumulative()
}

/// Add to a counter's cumulative totals only (restoring them from a snapshot).
#[pyfunction]
pub fn add_cumulative(counter: &WindowedCounter, good: u64, total: u64) -> PyResult<()> {
    nexus_sre_core::counter::check_good_total(good, total).py()?;
    counter.inner.add_cumulative(good, total);
    Ok(())
}

/// The file behind a shared counter, or None for an in-process one.
#[pyfunction]
pub fn counter_path(counter: &WindowedCounter) -> Option<PathBuf> {
    counter.inner.shared_path().map(|p| p.to_path_buf())
}
