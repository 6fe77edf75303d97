//! Bulk aggregation of request rows (Arrow record batches) into per-SLO, per-bucket
//! good/total counts: the kernel behind `nexus_sre.backfill`.
//!
//! Rows may arrive in any order and any batch split; the state is a sum, so states built
//! from disjoint parts of the data merge (associatively and commutatively) into the state
//! of the whole. Bad rows either stop the run with the column, reason and row, or are
//! skipped and counted by reason: never dropped silently.
//!
//! This file is the operator ([`Aggregator`]); behind it: [`plan`] (what to aggregate),
//! [`errors`], [`series`] (the state), `columns` (reading a batch), `tile` (bucketing and
//! the per-batch tile), `fast` (the fast path for clean single-availability batches) and
//! `general` (row by row). Whether a row is good for an SLO is [`crate::sli`]'s rule.

use std::collections::HashMap;

use arrow_array::RecordBatch;

mod columns;
pub mod errors;
mod fast;
mod general;
pub mod plan;
pub mod series;
mod tile;

pub use errors::{AggError, REASONS, VALID_STATUS};
pub use plan::{EpochUnit, Outcome, Plan, SliKind, SloSpec, DEFAULT_VALID_FROM, DEFAULT_VALID_TO};
pub use series::{Accumulator, Series};

use columns::{batch_column, epoch_values};
use errors::col_err;

/// A plan checked once, with per-service SLO lists resolved.
pub struct Aggregator {
    pub(super) plan: Plan,
    pub(super) by_service: Vec<Vec<(usize, SliKind)>>,
    /// When every service has at most one SLO and each is an availability SLO: per service,
    /// its SLO's index (or the number of SLOs, the tile's spare column, when it has none).
    pub(super) single_availability: Option<Vec<u32>>,
    pub(super) lookup: HashMap<String, usize>,
    pub(super) needs_latency: bool,
}

impl Aggregator {
    pub fn new(plan: Plan) -> Result<Self, AggError> {
        if plan.bucket_seconds <= 0 {
            return Err(col_err(
                "bucket_seconds",
                format!("must be positive, got {}", plan.bucket_seconds),
            ));
        }
        let mut by_service = vec![Vec::new(); plan.services.len()];
        for (i, slo) in plan.slos.iter().enumerate() {
            let list = by_service.get_mut(slo.service).ok_or_else(|| {
                col_err(
                    "slos",
                    format!("SLO {i} names service index {}", slo.service),
                )
            })?;
            list.push((i, slo.kind));
        }
        let lookup = plan
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        let needs_latency = plan.slos.iter().any(|s| s.kind.needs_duration());
        if needs_latency && plan.latency.is_none() {
            return Err(col_err(
                "latency",
                "a latency SLO needs a latency column; none was given",
            ));
        }
        let single_availability = by_service
            .iter()
            .map(|list| match list[..] {
                [] => Some(plan.slos.len() as u32),
                [(slo, SliKind::Availability)] => Some(slo as u32),
                _ => None,
            })
            .collect();
        Ok(Aggregator {
            plan,
            by_service,
            single_availability,
            lookup,
            needs_latency,
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn accumulator(&self) -> Accumulator {
        Accumulator::new(&self.plan)
    }

    /// Add one batch to `acc`. On a bad row (when not skipping) returns the first one.
    pub fn push(&self, acc: &mut Accumulator, batch: &RecordBatch) -> Result<(), AggError> {
        let p = &self.plan;
        let ts_arr = batch_column(batch, &p.timestamp)?;
        let (ts, per_s) = epoch_values(ts_arr.as_ref(), p.epoch_unit).ok_or_else(|| {
            col_err(
                &p.timestamp,
                format!(
                    "expected an Arrow timestamp or integer epoch {}, got Arrow type {}",
                    match p.epoch_unit {
                        EpochUnit::Seconds => "seconds",
                        EpochUnit::Milliseconds => "milliseconds",
                    },
                    ts_arr.data_type()
                ),
            )
        })?;
        let svc_arr = batch_column(batch, &p.service)?;
        if self.push_clean(acc, batch, &ts, ts_arr.as_ref(), per_s, svc_arr.as_ref()) {
            return Ok(());
        }
        self.push_general(acc, batch, &ts, ts_arr.as_ref(), per_s, svc_arr.as_ref())
    }

    /// Aggregate one batch on `threads` threads (row ranges), returning one accumulator
    /// per thread for the caller to keep or merge. Reports the earliest bad row.
    pub fn push_parallel(
        &self,
        accs: &mut [Accumulator],
        batch: &RecordBatch,
    ) -> Result<(), AggError> {
        let n = batch.num_rows();
        let threads = accs.len().max(1);
        // Small batches are not worth a thread.
        if threads == 1 || n < 16_384 {
            return self.push(&mut accs[0], batch);
        }
        let chunk = n.div_ceil(threads);
        let results: Vec<Result<(), AggError>> = std::thread::scope(|s| {
            let handles: Vec<_> = accs
                .iter_mut()
                .enumerate()
                .map(|(k, acc)| {
                    let off = (k * chunk).min(n);
                    let len = chunk.min(n - off);
                    let part = batch.slice(off, len);
                    s.spawn(move || self.push(acc, &part).map_err(|e| e.shifted(off)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("aggregation thread panicked"))
                .collect()
        });
        // Chunks are in row order, so the first error is the earliest bad row.
        results
            .into_iter()
            .collect::<Result<Vec<()>, _>>()
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod paths_tests;

#[cfg(test)]
mod rows_proptest;
