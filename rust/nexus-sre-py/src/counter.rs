//! `WindowedCounter` and `ServiceRecorder`: the Python face of the lock-free counters.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch, TimestampSecondArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use nexus_sre_core::clock::Clock;
use nexus_sre_core::counter::WindowedCounter as CoreCounter;
use nexus_sre_core::counter::{BucketRow, CounterSpec, WindowStats as CoreStats};
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::{PyArray, PyTable};

use crate::arrays::counts;
use crate::errors::{arrow_type, invalid, IntoPyResult};

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
        nexus_sre_core::counter::check_good_total(good, total).py()?;
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

fn state_schema(bucket_seconds: i64, dropped: u64) -> Arc<Schema> {
    let meta = [
        (
            "nexus_sre.bucket_seconds".to_string(),
            bucket_seconds.to_string(),
        ),
        ("nexus_sre.dropped".to_string(), dropped.to_string()),
    ]
    .into_iter()
    .collect();
    Arc::new(
        Schema::new(vec![
            Field::new(
                "bucket_start",
                DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
                false,
            ),
            Field::new("good", DataType::UInt64, false),
            Field::new("total", DataType::UInt64, false),
        ])
        .with_metadata(meta),
    )
}

fn rows_to_table<'py>(
    py: Python<'py>,
    rows: &[BucketRow],
    bucket_seconds: i64,
    dropped: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let schema = state_schema(bucket_seconds, dropped);
    let starts = TimestampSecondArray::from(
        rows.iter()
            .map(|r| r.bucket * bucket_seconds)
            .collect::<Vec<_>>(),
    )
    .with_timezone("UTC");
    let good = UInt64Array::from(rows.iter().map(|r| r.good).collect::<Vec<_>>());
    let total = UInt64Array::from(rows.iter().map(|r| r.total).collect::<Vec<_>>());
    let columns: Vec<ArrayRef> = vec![Arc::new(starts), Arc::new(good), Arc::new(total)];
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| arrow_type("state", e.to_string()))?;
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}

/// Bucket start times as whole seconds, from any timestamp unit or integer seconds.
fn bucket_starts(col: &ArrayRef) -> PyResult<Vec<i64>> {
    let secs: Vec<i64> = match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            col.as_primitive::<TimestampSecondType>().values().to_vec()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => col
            .as_primitive::<TimestampMillisecondType>()
            .values()
            .iter()
            .map(|v| v.div_euclid(1000))
            .collect(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => col
            .as_primitive::<TimestampMicrosecondType>()
            .values()
            .iter()
            .map(|v| v.div_euclid(1_000_000))
            .collect(),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => col
            .as_primitive::<TimestampNanosecondType>()
            .values()
            .iter()
            .map(|v| v.div_euclid(1_000_000_000))
            .collect(),
        DataType::Int64 => col.as_primitive::<Int64Type>().values().to_vec(),
        other => {
            return Err(arrow_type(
                "bucket_start",
                format!("expected a timestamp or int64 seconds column, got Arrow type {other}"),
            ))
        }
    };
    Ok(secs)
}

fn table_to_rows(data: AnyRecordBatch, bucket_seconds: i64) -> PyResult<(Vec<BucketRow>, u64)> {
    let reader = data.into_reader()?;
    let schema = reader.schema();
    let idx =
        |name: &str| {
            schema.index_of(name).map_err(|_| {
                arrow_type(
                    name,
                    format!(
                    "missing column; counter state needs bucket_start, good and total, got {:?}",
                    schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>()
                ),
                )
            })
        };
    let (i_start, i_good, i_total) = (idx("bucket_start")?, idx("good")?, idx("total")?);
    if let Some(w) = schema.metadata().get("nexus_sre.bucket_seconds") {
        if w.parse::<i64>().ok() != Some(bucket_seconds) {
            return Err(invalid(
                "bucket_seconds",
                format!(
                    "the data has {w}-second buckets, this counter {bucket_seconds}-second ones"
                ),
            ));
        }
    }
    let dropped = match schema.metadata().get("nexus_sre.dropped") {
        None => 0,
        Some(d) => d.parse::<u64>().map_err(|_| {
            arrow_type(
                "nexus_sre.dropped",
                format!("metadata must be a whole number, got {d:?}"),
            )
        })?,
    };
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| arrow_type("data", e.to_string()))?;
        let start_col = batch.column(i_start);
        if start_col.null_count() > 0 {
            return Err(arrow_type("bucket_start", "has null values"));
        }
        let starts = bucket_starts(start_col)?;
        let good = counts(
            &PyArray::from_array_ref(batch.column(i_good).clone()),
            "good",
        )?;
        let total = counts(
            &PyArray::from_array_ref(batch.column(i_total).clone()),
            "total",
        )?;
        for (i, ((s, g), t)) in starts.into_iter().zip(good).zip(total).enumerate() {
            if s.rem_euclid(bucket_seconds) != 0 {
                return Err(arrow_type(
                    "bucket_start",
                    format!("row {i}: {s} is not aligned to {bucket_seconds}-second buckets"),
                ));
            }
            if g > t {
                return Err(invalid(
                    "good",
                    format!("row {i}: good ({g}) exceeds total ({t})"),
                ));
            }
            rows.push(BucketRow {
                bucket: s.div_euclid(bucket_seconds),
                good: g,
                total: t,
            });
        }
    }
    Ok((rows, dropped))
}

/// What one SLO of a service counts as good.
enum Sli {
    Availability,
    /// Good when the request took at most this many milliseconds.
    Latency(f64),
}

/// Feeds every SLO of one service from one call: the hot path of `record_request`.
#[pyclass(frozen, module = "nexus_sre._core")]
pub struct ServiceRecorder {
    slos: Vec<(Arc<CoreCounter>, Sli)>,
    /// All counters run on the system clock with one bucket width: read the clock and
    /// compute the bucket once per call for all of them.
    shared_bucket_nanos: Option<i64>,
}

#[pymethods]
impl ServiceRecorder {
    /// `slos`: (counter, latency threshold in ms or None for availability) per SLO.
    #[new]
    fn new(slos: Vec<(Py<WindowedCounter>, Option<f64>)>) -> PyResult<Self> {
        let mut out = Vec::with_capacity(slos.len());
        for (i, (counter, threshold)) in slos.into_iter().enumerate() {
            let sli = match threshold {
                None => Sli::Availability,
                Some(t) if t.is_finite() && t > 0.0 => Sli::Latency(t),
                Some(t) => {
                    return Err(invalid(
                        "threshold_ms",
                        format!(
                            "SLO {i}: latency threshold must be a positive number of ms, got {t}"
                        ),
                    ))
                }
            };
            out.push((counter.get().inner.clone(), sli));
        }
        let width = out.first().map(|(c, _)| c.spec().bucket_seconds);
        let shared = out
            .iter()
            .all(|(c, _)| c.clock().kind() == "system" && Some(c.spec().bucket_seconds) == width);
        Ok(ServiceRecorder {
            slos: out,
            shared_bucket_nanos: if shared {
                width.map(|w| w * 1_000_000_000)
            } else {
                None
            },
        })
    }

    /// Record one request: did it succeed, and how long did it take (ms).
    fn record(&self, ok: bool, duration_ms: f64) -> PyResult<()> {
        if duration_ms.is_nan() || duration_ms < 0.0 {
            return Err(invalid(
                "duration_ms",
                format!("must be a non-negative number, got {duration_ms}"),
            ));
        }
        let bucket = match (self.shared_bucket_nanos, self.slos.first()) {
            (Some(width), Some((c, _))) => c.clock().now_nanos().map(|ns| ns.div_euclid(width)),
            _ => None,
        };
        for (counter, sli) in &self.slos {
            let good = match sli {
                Sli::Availability => ok,
                Sli::Latency(t) => duration_ms <= *t,
            } as u64;
            match bucket {
                Some(b) => counter.record_current_bucket(b, good, 1),
                None => counter.record_now(good, 1),
            }
        }
        Ok(())
    }

    /// Record one request at a given time (seconds since the epoch). False if dropped.
    fn record_at(&self, ok: bool, duration_ms: f64, timestamp: f64) -> PyResult<bool> {
        if duration_ms.is_nan() || duration_ms < 0.0 {
            return Err(invalid(
                "duration_ms",
                format!("must be a non-negative number, got {duration_ms}"),
            ));
        }
        let mut kept = true;
        for (counter, sli) in &self.slos {
            let good = match sli {
                Sli::Availability => ok,
                Sli::Latency(t) => duration_ms <= *t,
            } as u64;
            kept &= counter.record_at(timestamp, good, 1).py()?;
        }
        Ok(kept)
    }

    fn __len__(&self) -> usize {
        self.slos.len()
    }
}
