//! `nexus_sre_core::aggregate` for Python: `BackfillAggregator`, Arrow record batches in
//! (PyCapsule, no copy) or Parquet row groups decoded in Rust (`parquet_io`), per-SLO
//! per-bucket good/total out. This file only converts arguments and releases the GIL; a
//! bad row is raised as `BadRowError` by `errors.rs`.

use std::sync::Arc;

use arrow_array::{ArrayRef, UInt64Array};
use nexus_sre_core::aggregate::{
    Accumulator, Aggregator, EpochUnit, Outcome, Plan, SliKind, SloSpec, DEFAULT_VALID_FROM,
    DEFAULT_VALID_TO, REASONS,
};
use pyo3::prelude::*;
use pyo3_arrow::{PyArray, PyRecordBatch};

use crate::errors::{self, invalid, IntoPyResult, Place};
use crate::parquet_io::{self, ReadError};

#[pyclass(module = "nexus_sre._core")]
pub struct BackfillAggregator {
    agg: Aggregator,
    /// One accumulator per worker thread; merged on `state()`.
    accs: Vec<Accumulator>,
    /// Threads for `push` (the Parquet reader may add accumulators for its own threads).
    threads: usize,
}

fn u64_array(py: Python<'_>, v: Vec<u64>) -> PyResult<Py<PyAny>> {
    let arr: ArrayRef = Arc::new(UInt64Array::from(v));
    Ok(PyArray::from_array_ref(arr).to_pyarrow(py)?.unbind())
}

#[pymethods]
impl BackfillAggregator {
    /// `slos`: (service index, latency threshold in ms or None for availability).
    /// Exactly one of `success` (bool column) and `status` (integer codes, failing when in
    /// one of `failure_codes`, inclusive ranges) names the outcome.
    #[new]
    #[pyo3(signature = (
        *, bucket_seconds, services, slos, timestamp, service, success=None, status=None,
        failure_codes=vec![(500, 599)], latency=None, latency_unit="ms", count=None,
        epoch_unit="s", start=None, end=None, skip_bad_rows=false, threads=2,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        bucket_seconds: i64,
        services: Vec<String>,
        slos: Vec<(usize, Option<f64>)>,
        timestamp: String,
        service: String,
        success: Option<String>,
        status: Option<String>,
        failure_codes: Vec<(i64, i64)>,
        latency: Option<String>,
        latency_unit: &str,
        count: Option<String>,
        epoch_unit: &str,
        start: Option<i64>,
        end: Option<i64>,
        skip_bad_rows: bool,
        threads: usize,
    ) -> PyResult<Self> {
        let outcome = match (success, status) {
            (Some(c), None) => Outcome::Success(c),
            (None, Some(c)) => Outcome::Status {
                column: c,
                failures: failure_codes,
            },
            _ => {
                return Err(invalid(
                    "columns",
                    "give exactly one of a success column and a status column",
                ))
            }
        };
        let latency_scale = match latency_unit {
            "ms" => 1.0,
            "s" => 1000.0,
            other => {
                return Err(invalid(
                    "latency_unit",
                    format!("must be ms or s, got {other:?}"),
                ))
            }
        };
        let epoch_unit = match epoch_unit {
            "s" => EpochUnit::Seconds,
            "ms" => EpochUnit::Milliseconds,
            other => {
                return Err(invalid(
                    "epoch_unit",
                    format!("must be s or ms, got {other:?}"),
                ))
            }
        };
        let mut specs = Vec::with_capacity(slos.len());
        for (i, (svc, threshold)) in slos.into_iter().enumerate() {
            let kind = SliKind::from_threshold(i, threshold).py()?;
            specs.push(SloSpec { service: svc, kind });
        }
        let plan = Plan {
            bucket_seconds,
            services,
            slos: specs,
            timestamp,
            service,
            outcome,
            latency,
            latency_scale,
            count,
            epoch_unit,
            start,
            end,
            valid_from: DEFAULT_VALID_FROM,
            valid_to: DEFAULT_VALID_TO,
            skip_bad_rows,
        };
        let agg = Aggregator::new(plan).map_err(|e| invalid("columns", e))?;
        let threads = threads.max(1);
        let accs = (0..threads).map(|_| agg.accumulator()).collect();
        Ok(BackfillAggregator { agg, accs, threads })
    }

    /// Aggregate one record batch (anything with `__arrow_c_array__`), GIL released, on
    /// the worker threads. The batch is number `batch_index` of `source` and starts at its
    /// row `first_row`; `row_groups` gives the rows per row group of a Parquet source.
    /// These only name a bad row: it raises `BadRowError` (a bad column `DataError`).
    #[pyo3(signature = (batch, *, source="<batch>", batch_index=0, first_row=0, row_groups=None))]
    fn push(
        &mut self,
        py: Python<'_>,
        batch: PyRecordBatch,
        source: &str,
        batch_index: usize,
        first_row: usize,
        row_groups: Option<Vec<usize>>,
    ) -> PyResult<()> {
        let batch = batch.into_inner();
        let (agg, accs) = (&self.agg, &mut self.accs[..self.threads]);
        py.detach(move || agg.push_parallel(accs, &batch))
            .map_err(|e| {
                errors::aggregation(e, |row| {
                    Place::in_batch(source, batch_index, first_row, row_groups.as_deref(), row)
                })
            })
    }

    /// Aggregate row groups `row_groups` of the Parquet file `path` (only `columns`
    /// decoded), decoding in Rust on `threads` threads with the GIL released. A bad row
    /// raises `BadRowError` (file, row group, row); a file that cannot be read raises
    /// `BadFileError` naming it and the row group.
    #[pyo3(signature = (path, columns, row_groups, *, threads=2, batch_rows=65_536))]
    fn push_parquet(
        &mut self,
        py: Python<'_>,
        path: String,
        columns: Vec<String>,
        row_groups: Vec<usize>,
        threads: usize,
        batch_rows: usize,
    ) -> PyResult<()> {
        let threads = threads.clamp(1, row_groups.len().max(1));
        while self.accs.len() < threads {
            self.accs.push(self.agg.accumulator());
        }
        let (agg, accs) = (&self.agg, &mut self.accs[..threads]);
        let result = py.detach(|| {
            let r =
                parquet_io::aggregate(agg, accs, &path, &columns, &row_groups, batch_rows.max(1));
            // Fold the other threads' counts into the first after every call: with
            // time-ordered row groups they then only ever span one call's rows, not the
            // whole range (one full-range accumulator instead of one per thread).
            let (first, rest) = accs.split_at_mut(1);
            for other in rest {
                first[0].merge(other);
                *other = agg.accumulator();
            }
            parquet_io::release_free_memory();
            r
        });
        match result {
            Ok(()) => Ok(()),
            Err(ReadError::Agg {
                error,
                group,
                group_start,
            }) => Err(errors::aggregation(error, |row| {
                Place::in_row_group(&path, group, group_start, row)
            })),
            Err(ReadError::Io(message)) => {
                Err(errors::bad_file(py, format!("{path}{message}"), &path))
            }
        }
    }

    /// Hands over the state so far and starts again from zero: ([(base bucket, good,
    /// total) per SLO], rows_read, rows_outside, {reason: skipped rows}). Arrays are
    /// pyarrow uint64.
    #[allow(clippy::type_complexity)]
    fn state(
        &mut self,
        py: Python<'_>,
    ) -> PyResult<(
        Vec<(i64, Py<PyAny>, Py<PyAny>)>,
        u64,
        u64,
        Vec<(String, u64)>,
    )> {
        let (first, rest) = self.accs.split_at_mut(1);
        for other in rest.iter_mut() {
            first[0].merge(other);
            *other = self.agg.accumulator();
        }
        let acc = std::mem::replace(&mut first[0], self.agg.accumulator());
        let mut series = Vec::with_capacity(acc.series.len());
        // Each series is freed as soon as it is copied out: no second full copy at once.
        for s in acc.series {
            series.push((s.base, u64_array(py, s.good())?, u64_array(py, s.total())?));
        }
        parquet_io::release_free_memory();
        let skipped = REASONS
            .iter()
            .zip(acc.skipped)
            .map(|(r, n)| (r.to_string(), n))
            .collect();
        Ok((series, acc.rows_read, acc.rows_outside, skipped))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BackfillAggregator>()?;
    // The backfill's bad-row reasons, so Python never keeps its own copy of the list.
    m.add("BACKFILL_REASONS", REASONS.to_vec())?;
    // Timestamps (epoch seconds, [from, to)) a request or bucket may have: the core's one
    // definition, which Python's checks of counts tables use too.
    m.add("VALID_TIME_RANGE", nexus_sre_core::clock::VALID_TIME_RANGE)?;
    Ok(())
}
