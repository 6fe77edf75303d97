//! Arrow (and numpy, through the buffer protocol) arrays in and out: per-bucket counts,
//! float results, and a counter's state as an Arrow table.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, TimestampSecondArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use nexus_sre_core::counter::BucketRow;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::{PyArray, PyTable};

use crate::errors::{arrow_type, invalid};

macro_rules! ints_to_u64 {
    ($arr:expr, $t:ty, $name:expr) => {{
        let a = $arr.as_primitive::<$t>();
        let mut out = Vec::with_capacity(a.len());
        for (i, v) in a.values().iter().enumerate() {
            let v = *v as i128;
            if v < 0 {
                return Err(arrow_type(
                    $name,
                    format!("negative count {v} at position {i}"),
                ));
            }
            out.push(v as u64);
        }
        out
    }};
}

/// A count array (any integer type, or floats holding whole numbers) as u64. Always a copy,
/// taken with the GIL held: the math then runs with the GIL released, while another Python
/// thread may be writing the numpy array it came from.
pub fn counts(array: &PyArray, name: &str) -> PyResult<Vec<u64>> {
    let arr: &ArrayRef = array.array();
    if arr.null_count() > 0 {
        return Err(arrow_type(
            name,
            format!(
                "has {} null values; counts cannot be null",
                arr.null_count()
            ),
        ));
    }
    Ok(match arr.data_type() {
        DataType::UInt64 => arr.as_primitive::<UInt64Type>().values().to_vec(),
        DataType::UInt32 => ints_to_u64!(arr, UInt32Type, name),
        DataType::UInt16 => ints_to_u64!(arr, UInt16Type, name),
        DataType::UInt8 => ints_to_u64!(arr, UInt8Type, name),
        DataType::Int64 => ints_to_u64!(arr, Int64Type, name),
        DataType::Int32 => ints_to_u64!(arr, Int32Type, name),
        DataType::Int16 => ints_to_u64!(arr, Int16Type, name),
        DataType::Int8 => ints_to_u64!(arr, Int8Type, name),
        DataType::Float64 | DataType::Float32 => {
            let vals: Vec<f64> = if matches!(arr.data_type(), DataType::Float64) {
                arr.as_primitive::<Float64Type>().values().to_vec()
            } else {
                arr.as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|v| *v as f64)
                    .collect()
            };
            let mut out = Vec::with_capacity(vals.len());
            for (i, v) in vals.into_iter().enumerate() {
                if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
                    return Err(arrow_type(
                        name,
                        format!(
                            "counts must be whole non-negative numbers, got {v} at position {i}"
                        ),
                    ));
                }
                out.push(v as u64);
            }
            out
        }
        other => {
            return Err(arrow_type(
                name,
                format!("expected an integer array of counts, got Arrow type {other}"),
            ))
        }
    })
}

pub fn f64_array(py: Python<'_>, values: Vec<f64>) -> PyResult<Py<PyAny>> {
    let arr: ArrayRef = Arc::new(Float64Array::from(values));
    Ok(PyArray::from_array_ref(arr).to_pyarrow(py)?.unbind())
}

// --- A counter's state as an Arrow table: bucket_start (timestamp[s, UTC]), good, total

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

pub fn rows_to_table<'py>(
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

pub fn table_to_rows(data: AnyRecordBatch, bucket_seconds: i64) -> PyResult<(Vec<BucketRow>, u64)> {
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
