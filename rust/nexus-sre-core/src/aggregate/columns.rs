//! Reading a batch's columns: the time column in its own unit, integer and latency values of
//! any Arrow type (plain or dictionary-encoded), services resolved to ids (dictionaries once
//! per batch) and outcomes.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

use super::errors::{col_err, AggError, VALID_STATUS};
use super::plan::{EpochUnit, Outcome};
use super::Aggregator;

pub(super) fn batch_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a ArrayRef, AggError> {
    batch.column_by_name(name).ok_or_else(|| {
        let have: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        col_err(
            name,
            format!("missing; the data has columns {}", have.join(", ")),
        )
    })
}

/// A dictionary-encoded column's values per row: `lut` holds its dictionary's values already
/// converted, rows go through their keys. Null keys (and keys past the dictionary, in Arrow
/// data that was never validated) get `T::default()`; callers read nulls from
/// `logical_nulls()`, which for a dictionary covers null keys and null values.
fn through_keys<T: Copy + Default>(arr: &dyn Array, lut: &[T]) -> Option<Vec<T>> {
    let DataType::Dictionary(key_type, _) = arr.data_type() else {
        return None;
    };
    let keys = arr.as_any_dictionary().keys();
    macro_rules! map {
        ($t:ty) => {
            keys.as_primitive::<$t>()
                .values()
                .iter()
                .map(|&k| {
                    usize::try_from(k)
                        .ok()
                        .and_then(|k| lut.get(k))
                        .copied()
                        .unwrap_or_default()
                })
                .collect()
        };
    }
    Some(match key_type.as_ref() {
        DataType::Int8 => map!(Int8Type),
        DataType::Int16 => map!(Int16Type),
        DataType::Int32 => map!(Int32Type),
        DataType::Int64 => map!(Int64Type),
        DataType::UInt8 => map!(UInt8Type),
        DataType::UInt16 => map!(UInt16Type),
        DataType::UInt32 => map!(UInt32Type),
        DataType::UInt64 => map!(UInt64Type),
        _ => return None,
    })
}

/// The dictionary of a dictionary-encoded column.
fn dictionary_values(arr: &dyn Array) -> Option<&ArrayRef> {
    matches!(arr.data_type(), DataType::Dictionary(_, _)).then(|| arr.as_any_dictionary().values())
}

/// Integer values of any Arrow integer type as i64 (u64 beyond i64 saturates), plain or
/// dictionary-encoded. Borrowed when the column already is Int64.
pub(super) fn ints(arr: &dyn Array) -> Option<Cow<'_, [i64]>> {
    if let Some(values) = dictionary_values(arr) {
        return through_keys(arr, &ints(values.as_ref())?).map(Cow::Owned);
    }
    macro_rules! conv {
        ($t:ty) => {
            Cow::Owned(
                arr.as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| v as i64)
                    .collect(),
            )
        };
    }
    Some(match arr.data_type() {
        DataType::Int64 => Cow::Borrowed(&arr.as_primitive::<Int64Type>().values()[..]),
        DataType::Int32 => conv!(Int32Type),
        DataType::Int16 => conv!(Int16Type),
        DataType::Int8 => conv!(Int8Type),
        DataType::UInt8 => conv!(UInt8Type),
        DataType::UInt16 => conv!(UInt16Type),
        DataType::UInt32 => conv!(UInt32Type),
        DataType::UInt64 => Cow::Owned(
            arr.as_primitive::<UInt64Type>()
                .values()
                .iter()
                .map(|&v| v.min(i64::MAX as u64) as i64)
                .collect(),
        ),
        _ => return None,
    })
}

/// A time column in its own unit (no per-row conversion): the values and units per second.
pub(super) fn epoch_values(arr: &dyn Array, unit: EpochUnit) -> Option<(Cow<'_, [i64]>, i64)> {
    if let Some(values) = dictionary_values(arr) {
        let (lut, per_s) = epoch_values(values.as_ref(), unit)?;
        return Some((Cow::Owned(through_keys(arr, &lut)?), per_s));
    }
    Some(match arr.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampSecondType>().values()[..]),
            1,
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampMillisecondType>().values()[..]),
            1000,
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampMicrosecondType>().values()[..]),
            1_000_000,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampNanosecondType>().values()[..]),
            1_000_000_000,
        ),
        _ => {
            let v = ints(arr)?;
            let per_s = match unit {
                EpochUnit::Seconds => 1,
                EpochUnit::Milliseconds => 1000,
            };
            (v, per_s)
        }
    })
}

/// Latencies in ms; None for unsupported types. Durations carry their own unit.
pub(super) fn latencies_ms(arr: &dyn Array, scale: f64) -> Option<Vec<f64>> {
    if let Some(values) = dictionary_values(arr) {
        return through_keys(arr, &latencies_ms(values.as_ref(), scale)?);
    }
    macro_rules! dur {
        ($t:ty, $per_ms:expr) => {
            arr.as_primitive::<$t>()
                .values()
                .iter()
                .map(|&v| v as f64 / $per_ms)
                .collect()
        };
    }
    Some(match arr.data_type() {
        DataType::Float64 => arr
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|&v| v * scale)
            .collect(),
        DataType::Float32 => arr
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&v| v as f64 * scale)
            .collect(),
        DataType::Duration(TimeUnit::Second) => dur!(DurationSecondType, 1e-3),
        DataType::Duration(TimeUnit::Millisecond) => dur!(DurationMillisecondType, 1.0),
        DataType::Duration(TimeUnit::Microsecond) => dur!(DurationMicrosecondType, 1e3),
        DataType::Duration(TimeUnit::Nanosecond) => dur!(DurationNanosecondType, 1e6),
        _ => ints(arr)?.iter().map(|&v| v as f64 * scale).collect(),
    })
}

#[inline]
pub(super) fn min_max(v: &[i64]) -> (i64, i64) {
    v.iter()
        .fold((i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)))
}

pub(super) const NO_SERVICE: u32 = u32::MAX; // null
pub(super) const UNKNOWN_SERVICE: u32 = u32::MAX - 1;

impl Aggregator {
    /// Service ids per row: dictionary values are resolved once per batch, then rows map
    /// through their codes.
    pub(super) fn service_ids(&self, arr: &dyn Array) -> Result<Vec<u32>, AggError> {
        let name = &self.plan.service;
        let resolve = |s: &str| self.lookup.get(s).map_or(UNKNOWN_SERVICE, |&i| i as u32);
        let strings = |a: &dyn Array| -> Option<Vec<u32>> {
            let ids = match a.data_type() {
                DataType::Utf8 => a
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map_or(NO_SERVICE, resolve))
                    .collect(),
                DataType::LargeUtf8 => a
                    .as_string::<i64>()
                    .iter()
                    .map(|v| v.map_or(NO_SERVICE, resolve))
                    .collect(),
                DataType::Utf8View => a
                    .as_string_view()
                    .iter()
                    .map(|v| v.map_or(NO_SERVICE, resolve))
                    .collect(),
                _ => return None,
            };
            Some(ids)
        };
        let wrong = || {
            col_err(
                name,
                format!("expected strings, got Arrow type {}", arr.data_type()),
            )
        };
        let DataType::Dictionary(key_type, _) = arr.data_type() else {
            return strings(arr).ok_or_else(wrong);
        };
        let dict = arr.as_any_dictionary();
        // The dictionary's values map to services once; rows then go through their codes.
        let lut = strings(dict.values().as_ref()).ok_or_else(wrong)?;
        let nulls = arr.logical_nulls();
        macro_rules! through {
            ($t:ty) => {{
                let keys = dict.keys().as_primitive::<$t>().values();
                keys.iter()
                    .enumerate()
                    .map(|(i, &k)| {
                        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                            NO_SERVICE
                        } else {
                            lut.get(k as usize).copied().unwrap_or(NO_SERVICE)
                        }
                    })
                    .collect()
            }};
        }
        Ok(match key_type.as_ref() {
            DataType::Int8 => through!(Int8Type),
            DataType::Int16 => through!(Int16Type),
            DataType::Int32 => through!(Int32Type),
            DataType::Int64 => through!(Int64Type),
            DataType::UInt8 => through!(UInt8Type),
            DataType::UInt16 => through!(UInt16Type),
            DataType::UInt32 => through!(UInt32Type),
            DataType::UInt64 => through!(UInt64Type),
            _ => return Err(wrong()),
        })
    }

    /// Per row: whether the request succeeded; plus, when some status code is outside
    /// [`VALID_STATUS`], every row's code (those rows are invalid, not good).
    #[allow(clippy::type_complexity)]
    pub(super) fn outcomes(
        &self,
        batch: &RecordBatch,
    ) -> Result<(String, Vec<bool>, ArrayRef, Option<Vec<i64>>), AggError> {
        match &self.plan.outcome {
            Outcome::Success(c) => {
                let arr = batch_column(batch, c)?;
                let bools = |a: &dyn Array| -> Option<Vec<bool>> {
                    (*a.data_type() == DataType::Boolean)
                        .then(|| a.as_boolean().values().iter().collect())
                };
                let v = match dictionary_values(arr.as_ref()) {
                    Some(values) => {
                        bools(values.as_ref()).and_then(|lut| through_keys(arr.as_ref(), &lut))
                    }
                    None => bools(arr.as_ref()),
                };
                match v {
                    Some(v) => Ok((c.clone(), v, arr.clone(), None)),
                    None => Err(col_err(
                        c,
                        format!(
                            "expected booleans (success), got Arrow type {}",
                            arr.data_type()
                        ),
                    )),
                }
            }
            Outcome::Status { column, failures } => {
                let arr = batch_column(batch, column)?;
                let fails = |c: i64| failures.iter().any(|&(lo, hi)| c >= lo && c <= hi);
                let codes = ints(arr.as_ref()).ok_or_else(|| {
                    col_err(
                        column,
                        format!(
                            "expected integer status codes, got Arrow type {}",
                            arr.data_type()
                        ),
                    )
                })?;
                let ok = codes.iter().map(|&c| !fails(c)).collect();
                let (lo, hi) = min_max(&codes);
                let valid = |c: i64| VALID_STATUS.contains(&c);
                // An empty batch has no codes (its min/max are the fold's start values).
                let all_valid = codes.is_empty() || (valid(lo) && valid(hi));
                let codes = (!all_valid).then(|| codes.into_owned());
                Ok((column.clone(), ok, arr.clone(), codes))
            }
        }
    }
}

pub(super) fn describe_service(arr: &dyn Array, i: usize) -> String {
    let s = match arr.data_type() {
        DataType::Dictionary(_, _) => {
            // The one row's key (normalized_keys() would convert the whole batch's).
            let d = arr.as_any_dictionary();
            let Some(k) = ints(d.keys().slice(i, 1).as_ref()).and_then(|k| k.first().copied())
            else {
                return "?".into();
            };
            let v = d.values();
            return match usize::try_from(k) {
                Ok(k) if k < v.len() => describe_service(v.as_ref(), k),
                _ => "?".into(),
            };
        }
        DataType::Utf8 => arr.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => arr.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => arr.as_string_view().value(i).to_string(),
        _ => return "?".into(),
    };
    format!("'{s}'")
}
