//! The general path: every batch the fast path declines, checked row by row (nulls, time
//! range, unknown services, bad latencies and counts), bad rows reported or skipped by reason.

use arrow_array::{Array, RecordBatch};
use arrow_buffer::NullBuffer;

use super::columns::{
    batch_column, describe_service, ints, latencies_ms, min_max, NO_SERVICE, UNKNOWN_SERVICE,
};
use super::errors::*;
use super::series::Accumulator;
use super::tile::{Bucketer, Tile};
use super::Aggregator;

impl Aggregator {
    /// Add one batch row by row (`ts`: the time column in its own unit, `per_s` of them a
    /// second). On a bad row (when not skipping) returns the first one.
    #[inline(never)] // its own frame: push keeps registers for the fast path's loop
    pub(super) fn push_general(
        &self,
        acc: &mut Accumulator,
        batch: &RecordBatch,
        ts: &[i64],
        ts_arr: &dyn Array,
        per_s: i64,
        svc_arr: &dyn Array,
    ) -> Result<(), AggError> {
        let p = &self.plan;
        let svc = self.service_ids(svc_arr)?;
        let (outcome_name, ok, ok_arr, status_codes) = self.outcomes(batch)?;
        let lat = match (&p.latency, self.needs_latency) {
            (Some(c), true) => {
                let arr = batch_column(batch, c)?;
                let v = latencies_ms(arr.as_ref(), p.latency_scale).ok_or_else(|| {
                    col_err(
                        c,
                        format!(
                            "expected numbers or durations, got Arrow type {}",
                            arr.data_type()
                        ),
                    )
                })?;
                Some((c.as_str(), v, arr.logical_nulls()))
            }
            _ => None,
        };
        let cnt = match &p.count {
            Some(c) => {
                let arr = batch_column(batch, c)?;
                let v = ints(arr.as_ref()).ok_or_else(|| {
                    col_err(
                        c,
                        format!(
                            "expected integer counts, got Arrow type {}",
                            arr.data_type()
                        ),
                    )
                })?;
                Some((c.as_str(), v, arr.logical_nulls()))
            }
            None => None,
        };

        // Every bound in the column's own unit, so rows need no conversion.
        let (valid_lo, valid_hi) = (
            p.valid_from.saturating_mul(per_s),
            p.valid_to.saturating_mul(per_s),
        );
        let lo = p.start.map_or(i64::MIN, |s| s.saturating_mul(per_s));
        let hi = p.end.map_or(i64::MAX, |e| e.saturating_mul(per_s));
        let bucketer = Bucketer::new(p.bucket_seconds * per_s);
        let ts_nulls = ts_arr.logical_nulls();
        let ok_nulls = ok_arr.logical_nulls();
        let null_at = |n: &Option<NullBuffer>, i: usize| n.as_ref().is_some_and(|n| n.is_null(i));

        // Per-row checks beyond time range and service only when some column can be bad.
        let checks_needed = ts_nulls.is_some()
            || ok_nulls.is_some()
            || status_codes.is_some()
            || lat.is_some()
            || cnt.is_some();
        let (mut read, mut outside) = (0u64, 0u64);
        let mut skipped = [0u64; REASONS.len()];
        // Rows are counted in a tile when the batch spans few buckets (pre-aggregated rows
        // can carry counts past the tile's 32-bit halves, so they go straight to the series).
        let mut tile = if cnt.is_none() && !ts.is_empty() {
            let (tmin, tmax) = min_max(ts);
            // Only rows in [max(lo, valid_lo), min(hi, valid_hi)) are counted.
            let from = tmin.max(lo).max(valid_lo);
            let to = tmax
                .min(hi.saturating_sub(1))
                .min(valid_hi.saturating_sub(1));
            if from <= to {
                Tile::for_range(
                    bucketer.bucket(from),
                    bucketer.bucket(to),
                    p.slos.len(),
                    batch.num_rows(),
                )
            } else {
                None
            }
        } else {
            None
        };
        // The common batch: nothing null, bad or out of range, and a tile fits. Checked with
        // a few passes over whole columns, then counted by a loop with no per-row checks.
        if let Some(t) = tile.as_mut() {
            let in_range = ts.first().is_some_and(|_| {
                let (tmin, tmax) = min_max(ts);
                tmin >= lo.max(valid_lo) && tmax < hi.min(valid_hi)
            });
            let clean = in_range
                && t.reciprocal(p.bucket_seconds * per_s).is_some()
                && ts_nulls.is_none()
                && ok_nulls.is_none()
                && status_codes.is_none()
                && svc.iter().all(|&s| s < UNKNOWN_SERVICE)
                && lat.as_ref().is_none_or(|(_, v, nulls)| {
                    nulls.is_none() && v.iter().all(|&x| x >= 0.0) // NaN fails too
                });
            if clean {
                let lat = lat.as_ref().map(|l| &l.1[..]);
                self.count_clean(t, ts, &svc, &ok, lat, p.bucket_seconds * per_s);
                acc.rows_read += ts.len() as u64;
                tile.take().expect("tile").fold_into(&mut acc.series);
                return Ok(());
            }
        }
        // A row's duration for the good-event rule: `lat` is present whenever a latency SLO
        // exists (checked in new()); without one no SLO asks for it.
        let duration = |i: usize| lat.as_ref().map_or(f64::NAN, |l| l.1[i]);
        // A bad latency or count: its reason, checked in that order.
        let lat_bad = |i: usize| -> Option<usize> {
            let (_, v, nulls) = lat.as_ref()?;
            if null_at(nulls, i) {
                Some(R_NULL_LATENCY)
            } else if v[i].is_nan() {
                Some(R_NAN_LATENCY)
            } else {
                (v[i] < 0.0).then_some(R_NEG_LATENCY)
            }
        };
        let cnt_bad = |i: usize| -> Option<usize> {
            let (_, v, nulls) = cnt.as_ref()?;
            if null_at(nulls, i) {
                Some(R_NULL_COUNT)
            } else {
                (v[i] < 0).then_some(R_NEG_COUNT)
            }
        };
        let result = (|| {
            for i in 0..batch.num_rows() {
                let t = ts[i];
                let s = svc[i];
                // Most rows are clean: one cheap test skips the column-by-column checks.
                let suspect =
                    checks_needed || t < valid_lo || t >= valid_hi || s >= UNKNOWN_SERVICE;
                // The first problem of a row decides its reason, checked column by column.
                // Only the reason: a skipped row costs no message (built below, on error).
                let bad: Option<usize> = if !suspect {
                    None
                } else if null_at(&ts_nulls, i) {
                    Some(R_NULL_TS)
                } else if t < valid_lo || t >= valid_hi {
                    Some(R_TS_RANGE)
                } else if s == NO_SERVICE {
                    Some(R_NULL_SERVICE)
                } else if s == UNKNOWN_SERVICE {
                    Some(R_UNKNOWN_SERVICE)
                } else if null_at(&ok_nulls, i) {
                    Some(R_NULL_OUTCOME)
                } else if status_codes
                    .as_ref()
                    .is_some_and(|c| !VALID_STATUS.contains(&c[i]))
                {
                    Some(R_INVALID_STATUS)
                } else {
                    lat_bad(i).or_else(|| cnt_bad(i))
                };
                if let Some(reason) = bad {
                    if p.skip_bad_rows {
                        skipped[reason] += 1;
                        continue;
                    }
                    let (column, detail): (&str, String) = match reason {
                        R_NULL_TS => (&p.timestamp, "null timestamp".into()),
                        R_TS_RANGE => (
                            &p.timestamp,
                            format!(
                                "timestamp {} s since the epoch is outside {} (wrong unit?)",
                                t.div_euclid(per_s),
                                crate::clock::VALID_YEARS
                            ),
                        ),
                        R_NULL_SERVICE => (&p.service, "null service".into()),
                        R_UNKNOWN_SERVICE => (
                            &p.service,
                            format!(
                                "service {} is not in the config",
                                describe_service(svc_arr, i)
                            ),
                        ),
                        R_NULL_OUTCOME => (&outcome_name, "null outcome".into()),
                        R_INVALID_STATUS => (
                            &outcome_name,
                            format!(
                                "status code {} is outside {}..{}",
                                status_codes.as_ref().map_or(0, |c| c[i]),
                                VALID_STATUS.start(),
                                VALID_STATUS.end()
                            ),
                        ),
                        R_NULL_LATENCY | R_NAN_LATENCY | R_NEG_LATENCY => {
                            let (name, v, _) = lat.as_ref().expect("a latency reason");
                            let detail = match reason {
                                R_NULL_LATENCY => "null latency".into(),
                                R_NAN_LATENCY => "NaN latency".into(),
                                _ => format!("negative latency {} ms", v[i]),
                            };
                            (name, detail)
                        }
                        _ => {
                            let (name, v, _) = cnt.as_ref().expect("a count reason");
                            let detail = if reason == R_NULL_COUNT {
                                "null count".into()
                            } else {
                                format!("negative count {}", v[i])
                            };
                            (name, detail)
                        }
                    };
                    return Err(AggError::Row {
                        column: column.to_string(),
                        reason: REASONS[reason],
                        row: i,
                        detail,
                    });
                }
                read += 1;
                if t < lo || t >= hi {
                    outside += 1;
                    continue;
                }
                let b = bucketer.bucket(t);
                if let Some(tile) = tile.as_mut() {
                    let row = tile.row(b);
                    for &(slo, kind) in &self.by_service[s as usize] {
                        let good = kind.is_good_with(|| ok[i], || duration(i));
                        tile.cells[row + slo] += 1 | (good as u64) << 32;
                    }
                    continue;
                }
                let n = cnt.as_ref().map_or(1, |c| c.1[i] as u64);
                for &(slo, kind) in &self.by_service[s as usize] {
                    let good = kind.is_good_with(|| ok[i], || duration(i));
                    acc.series[slo].add(b, if good { n } else { 0 }, n);
                }
            }
            Ok(())
        })();
        if let Some(tile) = tile {
            // Also after an error: the rows before the bad one are counted, as without a tile.
            tile.fold_into(&mut acc.series);
        }
        acc.rows_read += read;
        acc.rows_outside += outside;
        for (a, b) in acc.skipped.iter_mut().zip(skipped) {
            *a += b;
        }
        result
    }

    /// Count rows already known to be clean and inside the tile: no per-row checks.
    fn count_clean(
        &self,
        tile: &mut Tile,
        ts: &[i64],
        svc: &[u32],
        ok: &[bool],
        lat: Option<&[f64]>,
        width: i64,
    ) {
        let cols = tile.cols;
        let (origin, scale) = tile.reciprocal(width).expect("checked by the caller");
        let offset = |t: i64| ((t - origin) as f64 * scale) as usize;
        let duration = |i: usize| lat.map_or(f64::NAN, |l| l[i]);
        let cells = &mut tile.cells[..];
        for i in 0..ts.len() {
            let row = offset(ts[i]) * cols;
            for &(slo, kind) in &self.by_service[svc[i] as usize] {
                let good = kind.is_good_with(|| ok[i], || duration(i));
                cells[row + slo] += 1 | (good as u64) << 32;
            }
        }
    }
}
