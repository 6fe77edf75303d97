//! `nexus_sre_core::counter::ServiceRecorder` for Python: the per-request hot path.

use nexus_sre_core::counter::ServiceRecorder as CoreRecorder;
use nexus_sre_core::sli::SliKind;
use pyo3::prelude::*;

use crate::counter::WindowedCounter;
use crate::errors::IntoPyResult;

/// Feeds every SLO of one service from one call: the hot path of `record_request`.
#[pyclass(frozen, module = "nexus_sre._core")]
pub struct ServiceRecorder {
    inner: CoreRecorder,
}

#[pymethods]
impl ServiceRecorder {
    /// `slos`: (counter, latency threshold in ms or None for availability) per SLO.
    #[new]
    fn new(slos: Vec<(Py<WindowedCounter>, Option<f64>)>) -> PyResult<Self> {
        let mut out = Vec::with_capacity(slos.len());
        for (i, (counter, threshold)) in slos.into_iter().enumerate() {
            let sli = SliKind::from_threshold(i, threshold).py()?;
            out.push((counter.get().inner.clone(), sli));
        }
        Ok(ServiceRecorder {
            inner: CoreRecorder::new(out),
        })
    }

    /// Record one request: did it succeed, and how long did it take (ms).
    fn record(&self, ok: bool, duration_ms: f64) -> PyResult<()> {
        self.inner.record(ok, duration_ms).py()
    }

    /// Record one request at a given time (seconds since the epoch). False if dropped.
    fn record_at(&self, ok: bool, duration_ms: f64, timestamp: f64) -> PyResult<bool> {
        self.inner.record_at(ok, duration_ms, timestamp).py()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServiceRecorder>()
}
