//! The fast path for the common batch, straight from the Arrow buffers: one availability
//! SLO per service, nothing null, unknown, invalid or out of range, a few buckets wide.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use super::columns::{min_max, UNKNOWN_SERVICE};
use super::errors::VALID_STATUS;
use super::plan::Outcome;
use super::series::Accumulator;
use super::tile::{Bucketer, Tile};
use super::Aggregator;

impl Aggregator {
    /// The fast path for the common batch, straight from the Arrow buffers: every service
    /// has at most one SLO and it is an availability SLO, no count column, nothing null,
    /// unknown or out of range, and the batch spans few buckets. False (nothing counted)
    /// when any of that does not hold; the general path then checks row by row.
    pub(super) fn push_clean(
        &self,
        acc: &mut Accumulator,
        batch: &RecordBatch,
        ts: &[i64],
        ts_arr: &dyn Array,
        per_s: i64,
        svc_arr: &dyn Array,
    ) -> bool {
        let p = &self.plan;
        let Some(col_of) = &self.single_availability else {
            return false;
        };
        if p.count.is_some() || ts.is_empty() || ts_arr.logical_nulls().is_some() {
            return false;
        }
        let (tmin, tmax) = min_max(ts);
        let from = p
            .valid_from
            .saturating_mul(per_s)
            .max(p.start.map_or(i64::MIN, |s| s.saturating_mul(per_s)));
        let to = p
            .valid_to
            .saturating_mul(per_s)
            .min(p.end.map_or(i64::MAX, |e| e.saturating_mul(per_s)));
        if tmin < from || tmax >= to {
            return false;
        }
        let width = p.bucket_seconds * per_s;
        let bucketer = Bucketer::new(width);
        let Some(mut tile) = Tile::for_range(
            bucketer.bucket(tmin),
            bucketer.bucket(tmax),
            p.slos.len(),
            ts.len(),
        ) else {
            return false;
        };
        let Some((origin, scale)) = tile.reciprocal(width) else {
            tile.give_back();
            return false;
        };
        let known = |id: u32| (id < UNKNOWN_SERVICE).then(|| col_of[id as usize]);
        // Services as tile columns: through the dictionary when there is one (its few
        // values are looked up once), else one lookup per row.
        enum Cols<'a> {
            Dict(&'a [i32], Vec<u32>),
            Ids(Vec<u32>),
        }
        let cols = match svc_arr.data_type() {
            _ if svc_arr.logical_nulls().is_some() => None,
            DataType::Dictionary(k, _) if **k == DataType::Int32 => {
                let dict = svc_arr.as_dictionary::<Int32Type>();
                match self.service_ids(dict.values().as_ref()) {
                    Ok(ids) => ids
                        .into_iter()
                        .map(known)
                        .collect::<Option<Vec<u32>>>()
                        .map(|lut| (dict.keys().values(), lut))
                        // Keys past the dictionary (an unvalidated array) are null services:
                        // the general path reports or skips them.
                        .filter(|(keys, lut)| {
                            // One max over the keys (negative ones wrap to huge): vectorises.
                            let top = keys.iter().fold(0u32, |m, &k| m.max(k as u32));
                            (top as usize) < lut.len()
                        })
                        .map(|(keys, lut)| Cols::Dict(keys, lut)),
                    Err(_) => None,
                }
            }
            _ => match self.service_ids(svc_arr) {
                Ok(ids) => ids
                    .into_iter()
                    .map(known)
                    .collect::<Option<Vec<u32>>>()
                    .map(Cols::Ids),
                Err(_) => None,
            },
        };
        // Outcomes: a status column with one failing range, or a success column.
        enum Oks<'a> {
            I16(&'a [i16], i32, u32),
            I32(&'a [i32], i64, u64),
            Bool(&'a arrow_buffer::BooleanBuffer),
        }
        let outcome = match &p.outcome {
            Outcome::Status { column, failures } if failures.len() == 1 => {
                let (lo, hi) = failures[0];
                match batch.column_by_name(column) {
                    Some(a) if a.logical_nulls().is_none() && lo <= hi => match a.data_type() {
                        DataType::Int16 if lo >= i16::MIN as i64 && hi <= i16::MAX as i64 => {
                            Some(Oks::I16(
                                a.as_primitive::<Int16Type>().values(),
                                lo as i32,
                                hi.wrapping_sub(lo) as u32,
                            ))
                        }
                        DataType::Int32 => Some(Oks::I32(
                            a.as_primitive::<Int32Type>().values(),
                            lo,
                            hi.wrapping_sub(lo) as u64,
                        )),
                        _ => None,
                    },
                    _ => None,
                }
            }
            Outcome::Success(column) => match batch.column_by_name(column) {
                Some(a) if a.logical_nulls().is_none() && *a.data_type() == DataType::Boolean => {
                    Some(Oks::Bool(a.as_boolean().values()))
                }
                _ => None,
            },
            _ => None,
        };
        // Codes outside VALID_STATUS are invalid rows: the general path skips or reports
        // them. One min/max pass (it vectorises) over the codes.
        let valid = |lo: i64, hi: i64| VALID_STATUS.contains(&lo) && VALID_STATUS.contains(&hi);
        let outcome = outcome.filter(|o| match o {
            Oks::I16(v, ..) => {
                let (lo, hi) = v
                    .iter()
                    .fold((i16::MAX, i16::MIN), |(a, b), &c| (a.min(c), b.max(c)));
                valid(lo as i64, hi as i64)
            }
            Oks::I32(v, ..) => {
                let (lo, hi) = v
                    .iter()
                    .fold((i32::MAX, i32::MIN), |(a, b), &c| (a.min(c), b.max(c)));
                valid(lo as i64, hi as i64)
            }
            Oks::Bool(_) => true,
        });
        let (Some(cols), Some(outcome)) = (cols, outcome) else {
            tile.give_back();
            return false;
        };
        let n = tile.cols;
        let cells = &mut tile.cells[..];
        // One loop per column-type pair, so each compiles to straight-line code.
        macro_rules! scatter {
            ($col:expr, $ok:expr) => {
                for (i, &t) in ts.iter().enumerate() {
                    // SAFETY: t is in [origin, origin + span) with span < 2^48 (checked
                    // above), so the product is finite, non-negative and below 2^48.
                    let k = unsafe { ((t - origin) as f64 * scale).to_int_unchecked::<i64>() };
                    // Every SLO here is an availability SLO: good is the outcome (the
                    // rule of `SliKind::Availability`, written out: routing it through
                    // `is_good_with` cost this loop 2 % more instructions).
                    let good: bool = $ok(i);
                    cells[k as usize * n + $col(i)] += 1 | (good as u64) << 32;
                }
            };
        }
        match (&cols, &outcome) {
            (Cols::Dict(keys, lut), Oks::I16(v, lo, span)) => {
                scatter!(
                    |i: usize| lut[keys[i] as usize] as usize,
                    |i: usize| (v[i] as i32).wrapping_sub(*lo) as u32 > *span
                )
            }
            (Cols::Dict(keys, lut), Oks::I32(v, lo, span)) => {
                scatter!(
                    |i: usize| lut[keys[i] as usize] as usize,
                    |i: usize| (v[i] as i64).wrapping_sub(*lo) as u64 > *span
                )
            }
            (Cols::Dict(keys, lut), Oks::Bool(b)) => {
                scatter!(|i: usize| lut[keys[i] as usize] as usize, |i: usize| b
                    .value(i))
            }
            (Cols::Ids(ids), Oks::I16(v, lo, span)) => {
                scatter!(|i: usize| ids[i] as usize, |i: usize| (v[i] as i32 - *lo)
                    as u32
                    > *span)
            }
            (Cols::Ids(ids), Oks::I32(v, lo, span)) => {
                scatter!(|i: usize| ids[i] as usize, |i: usize| (v[i] as i64 - *lo)
                    as u64
                    > *span)
            }
            (Cols::Ids(ids), Oks::Bool(b)) => {
                scatter!(|i: usize| ids[i] as usize, |i: usize| b.value(i))
            }
        }
        acc.rows_read += ts.len() as u64;
        tile.fold_into(&mut acc.series);
        true
    }
}
