//! The shape of a counter ([`CounterSpec`]: bucket width, horizon, future skew, ring
//! length) and the plain values it hands out ([`WindowStats`], [`BucketRow`]).

use crate::error::{CoreError, CoreResult};

/// The longest horizon accepted: a year, well past the 90 days users need.
pub const MAX_HORIZON_SECONDS: i64 = 366 * 86_400;
/// Most buckets a counter may hold (about 100 MB of slots).
pub const MAX_BUCKETS: i64 = 4_000_000;

/// The shape of a counter: bucket width, how far back it keeps, how far ahead it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterSpec {
    pub bucket_seconds: i64,
    pub horizon_seconds: i64,
    pub future_skew_seconds: i64,
}

impl Default for CounterSpec {
    fn default() -> Self {
        CounterSpec {
            bucket_seconds: 60,
            horizon_seconds: 30 * 86_400,
            future_skew_seconds: 60,
        }
    }
}

impl CounterSpec {
    pub fn validate(&self) -> CoreResult<()> {
        if self.bucket_seconds <= 0 {
            return Err(CoreError::invalid(
                "bucket_seconds",
                format!("must be positive, got {}", self.bucket_seconds),
            ));
        }
        if self.horizon_seconds <= 0 || self.horizon_seconds > MAX_HORIZON_SECONDS {
            return Err(CoreError::window(
                "horizon_seconds",
                format!(
                    "must be between 1 and {MAX_HORIZON_SECONDS} seconds, got {}",
                    self.horizon_seconds
                ),
            ));
        }
        if self.horizon_seconds % self.bucket_seconds != 0 {
            return Err(CoreError::window(
                "horizon_seconds",
                format!(
                    "{} is not a whole number of {}-second buckets",
                    self.horizon_seconds, self.bucket_seconds
                ),
            ));
        }
        if self.future_skew_seconds < 0 || self.future_skew_seconds > self.horizon_seconds {
            return Err(CoreError::invalid(
                "future_skew_seconds",
                format!(
                    "must be between 0 and the horizon, got {}",
                    self.future_skew_seconds
                ),
            ));
        }
        if self.ring_len() > MAX_BUCKETS {
            return Err(CoreError::invalid(
                "bucket_seconds",
                format!(
                    "{} buckets of {} s over {} s is more than the {MAX_BUCKETS} a counter may hold; \
                     use wider buckets",
                    self.horizon_buckets(),
                    self.bucket_seconds,
                    self.horizon_seconds
                ),
            ));
        }
        Ok(())
    }

    pub fn horizon_buckets(&self) -> i64 {
        self.horizon_seconds / self.bucket_seconds
    }

    fn skew_buckets(&self) -> i64 {
        (self.future_skew_seconds + self.bucket_seconds - 1) / self.bucket_seconds
    }

    /// Slots in the ring: the horizon, the accepted future, and a guard of two so that
    /// the oldest accepted bucket and the newest never share a slot; rounded up to a power
    /// of two so that finding a bucket's slot is a mask, not a division, on the hot path.
    pub fn ring_len(&self) -> i64 {
        ((self.horizon_buckets() + self.skew_buckets() + 2) as u64).next_power_of_two() as i64
    }
}

/// Good and total events over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowStats {
    pub good: u64,
    pub total: u64,
}

impl WindowStats {
    /// Bad events over total; 0 with no traffic (never NaN). See `has_data`.
    pub fn error_ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.total - self.good.min(self.total)) as f64 / self.total as f64
        }
    }

    pub fn bad(&self) -> u64 {
        self.total - self.good.min(self.total)
    }

    pub fn has_data(&self) -> bool {
        self.total > 0
    }
}

/// One bucket of a counter's state: its number (start time / width), good and total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketRow {
    pub bucket: i64,
    pub good: u64,
    pub total: u64,
}

pub fn check_good_total(good: u64, total: u64) -> CoreResult<()> {
    if good > total {
        return Err(CoreError::invalid(
            "good",
            format!("good events ({good}) cannot exceed total events ({total})"),
        ));
    }
    Ok(())
}
