//! [`ServiceRecorder`]: one call per request feeds every SLO counter of a service, each
//! SLO judging the request by the core's good-event rule ([`crate::sli`]).

use std::sync::Arc;

use super::windowed::WindowedCounter;
use crate::error::CoreResult;
use crate::sli::{check_duration, SliKind};

/// The counters of one service's SLOs and what each counts as good: the live hot path.
#[derive(Debug)]
pub struct ServiceRecorder {
    slos: Vec<(Arc<WindowedCounter>, SliKind)>,
    /// All counters run on the system clock with one bucket width: read the clock and
    /// compute the bucket once per call for all of them.
    shared_bucket_nanos: Option<i64>,
}

impl ServiceRecorder {
    pub fn new(slos: Vec<(Arc<WindowedCounter>, SliKind)>) -> Self {
        let width = slos.first().map(|(c, _)| c.spec().bucket_seconds);
        let shared = slos
            .iter()
            .all(|(c, _)| c.clock().kind() == "system" && Some(c.spec().bucket_seconds) == width);
        ServiceRecorder {
            slos,
            shared_bucket_nanos: if shared {
                width.map(|w| w * 1_000_000_000)
            } else {
                None
            },
        }
    }

    /// Record one request now: did it succeed, and how long did it take (ms).
    #[inline]
    pub fn record(&self, ok: bool, duration_ms: f64) -> CoreResult<()> {
        check_duration(duration_ms)?;
        let bucket = match (self.shared_bucket_nanos, self.slos.first()) {
            (Some(width), Some((c, _))) => c.clock().now_nanos().map(|ns| ns.div_euclid(width)),
            _ => None,
        };
        for (counter, sli) in &self.slos {
            let good = sli.is_good(ok, duration_ms) as u64;
            match bucket {
                Some(b) => counter.record_current_bucket(b, good, 1),
                None => counter.record_now(good, 1),
            }
        }
        Ok(())
    }

    /// Record one request at `timestamp` (seconds since the epoch). False if any SLO's
    /// counter dropped it (outside its horizon or skew).
    pub fn record_at(&self, ok: bool, duration_ms: f64, timestamp: f64) -> CoreResult<bool> {
        check_duration(duration_ms)?;
        let mut kept = true;
        for (counter, sli) in &self.slos {
            let good = sli.is_good(ok, duration_ms) as u64;
            kept &= counter.record_at(timestamp, good, 1)?;
        }
        Ok(kept)
    }

    /// The SLOs fed.
    pub fn len(&self) -> usize {
        self.slos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slos.is_empty()
    }
}
