//! `nexus_sre_core::counter::storage` for Python: opening a counter whose ring is a file
//! shared by processes (pre-fork web servers), without holding the GIL while it waits on
//! another process's file lock. Python reaches it as `WindowedCounter.open_shared`.

use std::path::PathBuf;

use nexus_sre_core::clock::Clock;
use nexus_sre_core::counter::{CounterSpec, WindowedCounter};
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

/// Open the shared counter file at `path` on the system clock, creating it with `spec`
/// when given and absent. Returns the counter and whether this call created the file.
pub fn open_shared(
    py: Python<'_>,
    path: PathBuf,
    spec: Option<CounterSpec>,
) -> PyResult<(WindowedCounter, bool)> {
    py.detach(move || WindowedCounter::open_shared(&path, spec, Clock::system()))
        .py()
}
