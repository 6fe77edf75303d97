//! `nexus_sre_core::counter` for Python: `WindowedCounter` (in process or in a shared ring
//! file: `WindowedCounter.open_shared`) and `WindowStats`.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_sre_core::clock::Clock;
use nexus_sre_core::counter::WindowedCounter as CoreCounter;
use nexus_sre_core::counter::{check_good_total, BucketRow, CounterSpec, WindowStats as CoreStats};
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;

use crate::arrays::{rows_to_table, table_to_rows};
use crate::errors::{invalid, IntoPyResult};

/// Good and total events over one window.
#[pyclass(frozen, get_all, module = "nexus_sre._core")]
#[derive(Clone)]
pub struct WindowStats {
    pub good: u64,
    pub total: u64,
    pub error_ratio: f64,
    pub has_data: bool,
}

impl From<CoreStats> for WindowStats {
    fn from(s: CoreStats) -> Self {
        WindowStats {
            good: s.good,
            total: s.total,
            error_ratio: s.error_ratio(),
            has_data: s.has_data(),
        }
    }
}

#[pymethods]
impl WindowStats {
    #[getter]
    fn bad(&self) -> u64 {
        self.total - self.good.min(self.total)
    }

    fn __repr__(&self) -> String {
        format!(
            "WindowStats(good={}, total={}, error_ratio={}, has_data={})",
            self.good,
            self.total,
            self.error_ratio,
            if self.has_data { "True" } else { "False" }
        )
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.good == other.good && self.total == other.total
    }
}

fn make_clock(kind: &str, now: Option<f64>) -> PyResult<Clock> {
    match kind {
        "system" => Ok(Clock::system()),
        "event" => Ok(Clock::EventTime),
        "manual" => Ok(Clock::manual(now.unwrap_or(0.0))),
        other => Err(invalid(
            "clock",
            format!("must be 'system', 'event' or 'manual', got {other:?}"),
        )),
    }
}

/// Good/total event counts in fixed time buckets over a horizon.
#[pyclass(frozen, module = "nexus_sre._core")]
pub struct WindowedCounter {
    pub(crate) inner: Arc<CoreCounter>,
}

#[pymethods]
impl WindowedCounter {
    #[new]
    #[pyo3(signature = (bucket_seconds=60, horizon_seconds=2_592_000, future_skew_seconds=60, clock="system", now=None))]
    fn new(
        bucket_seconds: i64,
        horizon_seconds: i64,
        future_skew_seconds: i64,
        clock: &str,
        now: Option<f64>,
    ) -> PyResult<Self> {
        let spec = CounterSpec {
            bucket_seconds,
            horizon_seconds,
            future_skew_seconds,
        };
        let inner = CoreCounter::new(spec, make_clock(clock, now)?).py()?;
        Ok(WindowedCounter {
            inner: Arc::new(inner),
        })
    }

    /// Open the shared counter file at `path`, creating it with these settings if absent.
    /// With `create=False` the file must exist and its own settings are used. Returns
    /// `(counter, created)`. A file whose header is damaged or whose settings differ from
    /// the requested ones raises `InvalidInputError`.
    #[classmethod]
    #[pyo3(signature = (path, bucket_seconds=60, horizon_seconds=2_592_000, future_skew_seconds=60, create=true))]
    fn open_shared(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        path: PathBuf,
        bucket_seconds: i64,
        horizon_seconds: i64,
        future_skew_seconds: i64,
        create: bool,
    ) -> PyResult<(Self, bool)> {
        let spec = create.then_some(CounterSpec {
            bucket_seconds,
            horizon_seconds,
            future_skew_seconds,
        });
        let (counter, created) = crate::storage::open_shared(py, path, spec)?;
        Ok((
            WindowedCounter {
                inner: Arc::new(counter),
            },
            created,
        ))
    }

    /// The file behind a shared counter, or None for an in-process one.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.inner.shared_path().map(|p| p.to_path_buf())
    }

    /// Good and total events ever recorded into the counter's ring: `(good, total)`,
    /// monotonic (Prometheus counters).
    fn cumulative(&self) -> (u64, u64) {
        self.inner.cumulative()
    }

    /// Add to the cumulative totals only (restoring them from a snapshot).
    fn add_cumulative(&self, good: u64, total: u64) -> PyResult<()> {
        check_good_total(good, total).py()?;
        self.inner.add_cumulative(good, total);
        Ok(())
    }

    /// Record one event; False when it was dropped (outside the horizon or skew).
    #[pyo3(signature = (good, timestamp=None))]
    fn record(&self, good: bool, timestamp: Option<f64>) -> PyResult<bool> {
        match timestamp {
            None => {
                self.inner.record_now(good as u64, 1);
                Ok(true)
            }
            Some(ts) => self.inner.record_at(ts, good as u64, 1).py(),
        }
    }

    /// Add `good` of `total` events at once (pre-aggregated data).
    #[pyo3(signature = (good, total, timestamp=None))]
    fn add(&self, good: u64, total: u64, timestamp: Option<f64>) -> PyResult<bool> {
        check_good_total(good, total).py()?;
        match timestamp {
            None => {
                self.inner.record_now(good, total);
                Ok(true)
            }
            Some(ts) => self.inner.record_at(ts, good, total).py(),
        }
    }

    #[pyo3(signature = (seconds, end=None))]
    fn window(&self, seconds: i64, end: Option<f64>) -> PyResult<WindowStats> {
        Ok(self.inner.window(seconds, end).py()?.into())
    }

    #[pyo3(signature = (seconds, end=None))]
    fn windows(&self, seconds: Vec<i64>, end: Option<f64>) -> PyResult<Vec<WindowStats>> {
        Ok(self
            .inner
            .windows(&seconds, end)
            .py()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Burn rate over a window for a target in percent.
    #[pyo3(signature = (seconds, target, end=None))]
    fn burn_rate(&self, seconds: i64, target: f64, end: Option<f64>) -> PyResult<f64> {
        let bf = nexus_sre_core::budget::budget_fraction(target).py()?;
        Ok(self.inner.window(seconds, end).py()?.error_ratio() / bf)
    }

    /// Per-bucket counts for buckets starting in [start, end), as a pyarrow Table.
    fn series<'py>(&self, py: Python<'py>, start: f64, end: f64) -> PyResult<Bound<'py, PyAny>> {
        let (first, good, total) = self.inner.series(start, end).py()?;
        let w = self.inner.spec().bucket_seconds;
        let rows: Vec<BucketRow> = good
            .into_iter()
            .zip(total)
            .enumerate()
            .map(|(i, (g, t))| BucketRow {
                bucket: first + i as i64,
                good: g,
                total: t,
            })
            .collect();
        rows_to_table(py, &rows, w, self.inner.dropped())
    }

    /// Every non-empty bucket as a pyarrow Table (bucket_start, good, total).
    fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rows = self.inner.snapshot();
        rows_to_table(
            py,
            &rows,
            self.inner.spec().bucket_seconds,
            self.inner.dropped(),
        )
    }

    /// Add bucket rows from any Arrow table or batch (pyarrow, polars, DuckDB, ...).
    /// Returns the number of events refused as outside the horizon.
    fn load_arrow(&self, py: Python<'_>, data: AnyRecordBatch) -> PyResult<u64> {
        let (rows, dropped) = table_to_rows(data, self.inner.spec().bucket_seconds)?;
        let inner = self.inner.clone();
        let refused = py.detach(move || inner.load_rows(&rows)).py()?;
        // Events the exporting counter had dropped stay counted as dropped.
        self.inner.add_dropped(dropped);
        Ok(refused)
    }

    /// Add another counter's events to this one.
    fn merge(&self, py: Python<'_>, other: &WindowedCounter) -> PyResult<()> {
        let (a, b) = (self.inner.clone(), other.inner.clone());
        py.detach(move || a.merge(&b)).py()
    }

    /// Set "now" of a counter created with clock="manual".
    fn set_time(&self, now: f64) -> PyResult<()> {
        if !self.inner.clock().set_manual(now) {
            return Err(invalid(
                "set_time",
                "only counters with clock='manual' can be set",
            ));
        }
        Ok(())
    }

    fn now(&self) -> f64 {
        self.inner.now_seconds()
    }

    #[getter]
    fn dropped(&self) -> u64 {
        self.inner.dropped()
    }
    #[getter]
    fn bucket_seconds(&self) -> i64 {
        self.inner.spec().bucket_seconds
    }
    #[getter]
    fn horizon_seconds(&self) -> i64 {
        self.inner.spec().horizon_seconds
    }
    #[getter]
    fn future_skew_seconds(&self) -> i64 {
        self.inner.spec().future_skew_seconds
    }
    #[getter]
    fn clock(&self) -> &'static str {
        self.inner.clock().kind()
    }

    fn __repr__(&self) -> String {
        let s = self.inner.spec();
        format!(
            "WindowedCounter(bucket_seconds={}, horizon_seconds={}, clock='{}', dropped={})",
            s.bucket_seconds,
            s.horizon_seconds,
            self.inner.clock().kind(),
            self.inner.dropped()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WindowedCounter>()?;
    m.add_class::<WindowStats>()?;
    Ok(())
}
