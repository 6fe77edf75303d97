//! The good-event rule: whether one request counts as good for one SLO. The live recorder
//! (`counter::ServiceRecorder`) and the backfill kernel (`aggregate`) both ask it here, so
//! a request is judged the same way live and in a backfill.

use crate::error::{CoreError, CoreResult};

/// What makes a request good for one SLO.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SliKind {
    /// Good when the request succeeded.
    Availability,
    /// Good when it took at most this many milliseconds (whether or not it succeeded: a
    /// latency SLO measures speed, as a histogram's `le` bucket counts every request).
    Latency(f64),
}

impl SliKind {
    /// The kind of SLO number `index` from its latency threshold in ms (None: availability).
    /// A threshold must be a positive, finite number of milliseconds.
    pub fn from_threshold(index: usize, threshold_ms: Option<f64>) -> CoreResult<SliKind> {
        match threshold_ms {
            None => Ok(SliKind::Availability),
            Some(t) if t.is_finite() && t > 0.0 => Ok(SliKind::Latency(t)),
            Some(t) => Err(CoreError::invalid(
                "threshold_ms",
                format!("SLO {index}: latency threshold must be a positive number of ms, got {t}"),
            )),
        }
    }

    /// Whether a request that succeeded (`ok`) or not and took `duration_ms` is good.
    /// A NaN duration is never good for a latency SLO (callers check durations first).
    #[inline(always)]
    pub fn is_good(self, ok: bool, duration_ms: f64) -> bool {
        self.is_good_with(|| ok, || duration_ms)
    }

    /// The same rule with the request's outcome and duration read only when this kind
    /// needs them: the backfill kernel's loops then load an availability SLO's outcome
    /// and a latency SLO's duration, never both (as fast as a hand-written match).
    #[inline(always)]
    pub fn is_good_with(
        self,
        ok: impl FnOnce() -> bool,
        duration_ms: impl FnOnce() -> f64,
    ) -> bool {
        match self {
            SliKind::Availability => ok(),
            SliKind::Latency(threshold) => duration_ms() <= threshold,
        }
    }

    /// Whether judging a request needs its duration.
    pub fn needs_duration(self) -> bool {
        matches!(self, SliKind::Latency(_))
    }
}

/// A request's duration must be a non-negative number of milliseconds. Inlined into the
/// per-request path of the binding crate (no LTO across crates), the error built out of line.
#[inline(always)]
pub fn check_duration(duration_ms: f64) -> CoreResult<()> {
    if duration_ms.is_nan() || duration_ms < 0.0 {
        return Err(bad_duration(duration_ms));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn bad_duration(duration_ms: f64) -> CoreError {
    CoreError::invalid(
        "duration_ms",
        format!("must be a non-negative number, got {duration_ms}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_is_the_outcome_latency_the_duration() {
        let a = SliKind::Availability;
        assert!(a.is_good(true, 10_000.0));
        assert!(!a.is_good(false, 0.0));
        let l = SliKind::Latency(300.0);
        assert!(l.is_good(true, 300.0)); // at the threshold: good
        assert!(!l.is_good(true, 300.000_001));
        assert!(l.is_good(false, 12.0)); // a fast failure is fast
        assert!(!l.is_good(true, f64::NAN));
    }

    #[test]
    fn thresholds_and_durations_are_checked() {
        assert_eq!(
            SliKind::from_threshold(0, None).unwrap(),
            SliKind::Availability
        );
        assert_eq!(
            SliKind::from_threshold(0, Some(250.0)).unwrap(),
            SliKind::Latency(250.0)
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = SliKind::from_threshold(3, Some(bad)).unwrap_err();
            assert!(err.to_string().contains("SLO 3"), "{err}");
        }
        assert!(check_duration(0.0).is_ok());
        assert!(check_duration(-0.5).is_err());
        assert!(check_duration(f64::NAN).is_err());
    }
}
