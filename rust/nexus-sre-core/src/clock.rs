//! Where "now" comes from. Buckets are seconds wide, so the hot path reads a coarse
//! monotonic clock (a vDSO read of a few ns on Linux) mapped once to wall time, instead of
//! a precise wall-clock read per event.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const NANOS: i64 = 1_000_000_000;

/// The times (epoch seconds, [from, to)) an event or bucket may have: 1990-01-01 to
/// 2200-01-01 UTC. Beyond it a timestamp is bad data, almost always a unit mix-up
/// (milliseconds read as seconds lands in the year 50,000).
pub const VALID_TIME_RANGE: (i64, i64) = (631_152_000, 7_258_118_400);
/// [`VALID_TIME_RANGE`] as people read it, for messages.
pub const VALID_YEARS: &str = "1990..2200";

/// Which notion of "now" a counter uses to decide what is too old or too far ahead.
#[derive(Debug)]
pub enum Clock {
    /// Wall time from a coarse monotonic clock (live services).
    System(CoarseClock),
    /// Now is the newest event time seen (backfill, replays): old data is never "too old"
    /// merely because the wall clock has moved on.
    EventTime,
    /// Now is set explicitly (tests, simulations); nanoseconds since the epoch.
    Manual(AtomicI64),
}

impl Clock {
    pub fn system() -> Self {
        Clock::System(CoarseClock::new())
    }

    pub fn manual(now_seconds: f64) -> Self {
        Clock::Manual(AtomicI64::new((now_seconds * NANOS as f64) as i64))
    }

    /// Wall nanoseconds now, or None for event time.
    #[inline]
    pub fn now_nanos(&self) -> Option<i64> {
        match self {
            Clock::System(c) => Some(c.now_nanos()),
            Clock::EventTime => None,
            Clock::Manual(n) => Some(n.load(Ordering::Relaxed)),
        }
    }

    pub fn set_manual(&self, now_seconds: f64) -> bool {
        match self {
            Clock::Manual(n) => {
                n.store((now_seconds * NANOS as f64) as i64, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Clock::System(_) => "system",
            Clock::EventTime => "event",
            Clock::Manual(_) => "manual",
        }
    }
}

/// A coarse monotonic clock anchored to the wall clock at creation.
#[derive(Debug)]
pub struct CoarseClock {
    wall_at_anchor: i64,
    mono_at_anchor: i64,
}

impl Default for CoarseClock {
    fn default() -> Self {
        Self::new()
    }
}

impl CoarseClock {
    pub fn new() -> Self {
        let mono = mono_coarse_nanos();
        let wall = wall_nanos();
        CoarseClock {
            wall_at_anchor: wall,
            mono_at_anchor: mono,
        }
    }

    #[inline]
    pub fn now_nanos(&self) -> i64 {
        self.wall_at_anchor + (mono_coarse_nanos() - self.mono_at_anchor)
    }
}

pub fn wall_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[inline]
fn mono_coarse_nanos() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own; CLOCK_MONOTONIC_COARSE exists
    // on every Linux since 2.6.32.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    ts.tv_sec * NANOS + ts.tv_nsec
}

#[cfg(not(target_os = "linux"))]
#[inline]
fn mono_coarse_nanos() -> i64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_clock_tracks_wall_time() {
        let c = CoarseClock::new();
        let diff = (c.now_nanos() - wall_nanos()).abs();
        // The coarse clock ticks every few milliseconds.
        assert!(diff < 50_000_000, "coarse clock off by {diff} ns");
    }

    #[test]
    fn manual_clock_is_settable() {
        let c = Clock::manual(100.0);
        assert_eq!(c.now_nanos(), Some(100 * NANOS));
        assert!(c.set_manual(200.5));
        assert_eq!(c.now_nanos(), Some(200 * NANOS + NANOS / 2));
        assert_eq!(Clock::EventTime.now_nanos(), None);
    }
}
