//! Lock-free windowed good/total counters.
//!
//! A counter is a ring of fixed-width time buckets. Each slot holds the bucket number it
//! currently counts (its epoch) and two atomic counts. Recording into the current bucket is
//! two relaxed `fetch_add`s: no lock, no allocation, O(1). A slot is reused for a newer
//! bucket only once the old bucket has left the horizon; the thread that claims it resets
//! it under a short per-slot claim (`LOCKED` epoch) that other writers of that slot wait out.
//!
//! Memory is `ring_len * 24` bytes, fixed at creation: it depends on the horizon and the
//! bucket width, never on traffic.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::clock::{wall_nanos, Clock};
use crate::error::{CoreError, CoreResult};
use crate::storage::{SlotStorage, Totals};

const NANOS: i64 = 1_000_000_000;
/// The epoch of a slot that never counted anything.
const EMPTY: i64 = i64::MIN;
pub(crate) const EMPTY_EPOCH: i64 = EMPTY;
/// The epoch of a slot being reset for a newer bucket.
const LOCKED: i64 = i64::MIN + 1;
/// The epoch of a slot whose claimer died mid-reset (a killed process, shared rings): its
/// counts belong to no known bucket any more but still to the cumulative totals, and the
/// next claimer retires them there. Older than every real bucket.
const STALE: i64 = i64::MIN + 2;
/// How long a claim may be held before it is taken for a dead writer's.
const CLAIM_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);
/// How long `cumulative` waits out rotations under way before it reads anyway.
const READ_WAIT: std::time::Duration = std::time::Duration::from_millis(200);
/// The longest horizon accepted: a year, well past the 90 days users need.
pub const MAX_HORIZON_SECONDS: i64 = 366 * 86_400;
/// Most buckets a counter may hold (about 100 MB of slots).
pub const MAX_BUCKETS: i64 = 4_000_000;

#[repr(C)]
#[derive(Debug)]
pub struct Slot {
    epoch: AtomicI64,
    good: AtomicU64,
    total: AtomicU64,
}

impl Slot {
    #[cfg(test)]
    pub(crate) fn epoch(&self) -> i64 {
        self.epoch.load(Ordering::Relaxed)
    }

    pub(crate) fn new() -> Self {
        Slot {
            epoch: AtomicI64::new(EMPTY),
            good: AtomicU64::new(0),
            total: AtomicU64::new(0),
        }
    }
}

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

#[derive(Debug)]
pub struct WindowedCounter {
    spec: CounterSpec,
    bucket_nanos: i64,
    horizon_buckets: i64,
    ring: SlotStorage,
    dropped: AtomicU64,
    /// The newest bucket that ever counted; "now" for event-time counters.
    newest: AtomicI64,
    clock: Clock,
    /// The highest (good, total) `cumulative` returned: it never returns less, even when
    /// it had to read past a rotation that did not finish.
    reported: [AtomicU64; 2],
}

impl WindowedCounter {
    pub fn new(spec: CounterSpec, clock: Clock) -> CoreResult<Self> {
        spec.validate()?;
        Ok(Self::with_storage(
            spec,
            clock,
            SlotStorage::heap(spec.ring_len() as usize),
        ))
    }

    /// A counter whose ring lives in the shared file at `path` (see `storage`), created
    /// with `spec` if absent. Returns the counter and whether this call created the file.
    pub fn open_shared(
        path: &std::path::Path,
        spec: Option<CounterSpec>,
        clock: Clock,
    ) -> CoreResult<(Self, bool)> {
        let opened = SlotStorage::open_shared(path, spec)?;
        Ok((
            Self::with_storage(opened.spec, clock, opened.storage),
            opened.created,
        ))
    }

    fn with_storage(spec: CounterSpec, clock: Clock, ring: SlotStorage) -> Self {
        WindowedCounter {
            spec,
            bucket_nanos: spec.bucket_seconds * NANOS,
            horizon_buckets: spec.horizon_buckets(),
            ring,
            dropped: AtomicU64::new(0),
            newest: AtomicI64::new(EMPTY),
            reported: [AtomicU64::new(0), AtomicU64::new(0)],
            clock,
        }
    }

    /// Good and total events ever counted (monotonic, for Prometheus counters): the
    /// buckets retired from the ring plus the ring itself. Recording never touches the
    /// retired totals; only the rare slot rotation does, so a reader re-reads when a
    /// rotation ran meanwhile. O(ring length), for scrapes, not the hot path.
    pub fn cumulative(&self) -> (u64, u64) {
        let t = self.ring.totals();
        let began = std::time::Instant::now();
        let (good, total) = loop {
            let generation = t.rotations.load(Ordering::Acquire);
            let busy = t.rotating.load(Ordering::Acquire) != 0;
            // A writer stalled (or killed) mid-rotation must not stall scrapes: after a
            // while read anyway; `reported` below keeps the result from going down.
            let patient = began.elapsed() < READ_WAIT;
            if busy && patient {
                std::thread::yield_now();
                continue;
            }
            let (mut good, mut total) = (
                t.good.load(Ordering::Relaxed),
                t.total.load(Ordering::Relaxed),
            );
            for slot in self.ring.iter() {
                let epoch = slot.epoch.load(Ordering::Acquire);
                if epoch != EMPTY && epoch != LOCKED {
                    good += slot.good.load(Ordering::Relaxed);
                    total += slot.total.load(Ordering::Relaxed);
                }
            }
            // Pairs with the writers' release fence after raising `rotating`: a value of
            // theirs read above means their mark (or their finished rotation) is seen here.
            std::sync::atomic::fence(Ordering::Acquire);
            let settled = t.rotating.load(Ordering::Acquire) == 0
                && t.rotations.load(Ordering::Relaxed) == generation;
            if settled || !patient {
                break (good, total);
            }
        };
        let good = self.reported[0].fetch_max(good, Ordering::AcqRel).max(good);
        let total = self.reported[1]
            .fetch_max(total, Ordering::AcqRel)
            .max(total);
        (good.min(total), total)
    }

    /// Add to the cumulative totals only (restoring them from a snapshot).
    pub fn add_cumulative(&self, good: u64, total: u64) {
        let t = self.ring.totals();
        t.rotating.fetch_add(1, Ordering::AcqRel);
        std::sync::atomic::fence(Ordering::Release); // see `cumulative`
        t.good.fetch_add(good, Ordering::Relaxed);
        t.total.fetch_add(total, Ordering::Relaxed);
        t.rotations.fetch_add(1, Ordering::Release);
        lower_mark(t);
    }

    /// The file of a counter opened with `open_shared`.
    pub fn shared_path(&self) -> Option<&std::path::Path> {
        self.ring.path()
    }

    pub fn spec(&self) -> CounterSpec {
        self.spec
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Events refused because they were older than the horizon or too far in the future.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// "Now" in seconds: the clock, or for event time the end of the newest bucket.
    pub fn now_seconds(&self) -> f64 {
        match self.clock.now_nanos() {
            Some(ns) => ns as f64 / NANOS as f64,
            None => {
                let newest = self.newest.load(Ordering::Relaxed);
                if newest == EMPTY {
                    wall_nanos() as f64 / NANOS as f64
                } else {
                    ((newest + 1) * self.spec.bucket_seconds) as f64
                }
            }
        }
    }

    /// Record `good` of `total` events now. The hot path: one clock read, two atomic adds.
    #[inline]
    pub fn record_now(&self, good: u64, total: u64) {
        let ns = self.clock.now_nanos().unwrap_or_else(wall_nanos);
        self.record_current_nanos(ns, good, total);
    }

    /// Record into the bucket containing `now_ns`, which must be the clock's present
    /// (so it can be neither too old nor in the future). Used by recorders that read the
    /// clock once for several counters.
    #[inline]
    pub fn record_current_nanos(&self, now_ns: i64, good: u64, total: u64) {
        self.record_current_bucket(now_ns.div_euclid(self.bucket_nanos), good, total);
    }

    /// Record into bucket number `bucket`, which must be the present bucket (recorders
    /// sharing one clock and bucket width compute it once for all their counters).
    #[inline]
    pub fn record_current_bucket(&self, bucket: i64, good: u64, total: u64) {
        if matches!(self.clock, Clock::EventTime) {
            self.newest.fetch_max(bucket, Ordering::Relaxed);
        }
        if !self.add_to_slot(bucket, good, total) {
            self.dropped.fetch_add(total, Ordering::Relaxed);
        }
    }

    /// Record `good` of `total` events at `timestamp` (seconds since the epoch).
    /// Returns false (and counts them as dropped) when the time is outside what the
    /// counter keeps: older than the horizon or further ahead than the allowed skew.
    pub fn record_at(&self, timestamp: f64, good: u64, total: u64) -> CoreResult<bool> {
        if !timestamp.is_finite() {
            return Err(CoreError::invalid(
                "timestamp",
                format!("must be finite, got {timestamp}"),
            ));
        }
        check_good_total(good, total)?;
        let bucket = (timestamp / self.spec.bucket_seconds as f64).floor();
        if bucket.abs() > (i64::MAX / 4) as f64 {
            return Err(CoreError::invalid(
                "timestamp",
                format!("out of range: {timestamp}"),
            ));
        }
        Ok(self.add_bucket(bucket as i64, good, total))
    }

    /// Add counts to bucket number `bucket` (start time / width) if it is inside the horizon.
    pub fn add_bucket(&self, bucket: i64, good: u64, total: u64) -> bool {
        let (oldest, newest_allowed) = match self.clock.now_nanos() {
            Some(ns) => {
                let now_b = ns.div_euclid(self.bucket_nanos);
                let upper =
                    (ns + self.spec.future_skew_seconds * NANOS).div_euclid(self.bucket_nanos);
                (now_b - self.horizon_buckets + 1, upper)
            }
            None => {
                let prev = self.newest.fetch_max(bucket, Ordering::Relaxed);
                let now_b = prev.max(bucket);
                (now_b - self.horizon_buckets + 1, i64::MAX)
            }
        };
        if bucket < oldest || bucket > newest_allowed || !self.add_to_slot(bucket, good, total) {
            self.dropped.fetch_add(total, Ordering::Relaxed);
            return false;
        }
        true
    }

    #[inline]
    fn slot(&self, bucket: i64) -> &Slot {
        // ring_len is a power of two: the mask is rem_euclid, negative buckets included.
        &self.ring[(bucket & (self.ring.len() as i64 - 1)) as usize]
    }

    /// Count into the slot of `bucket`, claiming and resetting it when it still holds an
    /// older bucket. False when the slot already holds a newer bucket (ours is gone).
    #[inline]
    fn add_to_slot(&self, bucket: i64, good: u64, total: u64) -> bool {
        let slot = self.slot(bucket);
        let mut spins = 0u32;
        let mut waiting_since = None;
        loop {
            let epoch = slot.epoch.load(Ordering::Acquire);
            if epoch == bucket {
                slot.good.fetch_add(good, Ordering::Relaxed);
                slot.total.fetch_add(total, Ordering::Relaxed);
                return true;
            }
            if epoch == LOCKED {
                spins = spins.wrapping_add(1);
                wait_for_claim(slot, self.ring.totals(), spins, &mut waiting_since);
                continue;
            }
            if epoch > bucket {
                return false;
            }
            // The old bucket's counts move to the retired totals as the slot is reset,
            // marked so that `cumulative` readers never see them twice or not at all. The
            // mark goes up before the claim: a reader that finds the slot LOCKED (and skips
            // it) must then find the mark and read again.
            let t = self.ring.totals();
            t.rotating.fetch_add(1, Ordering::AcqRel);
            std::sync::atomic::fence(Ordering::Release); // see `cumulative`
            if slot
                .epoch
                .compare_exchange(epoch, LOCKED, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
            {
                lower_mark(t);
                continue;
            }
            if epoch != EMPTY {
                t.good
                    .fetch_add(slot.good.swap(good, Ordering::Relaxed), Ordering::Relaxed);
                t.total
                    .fetch_add(slot.total.swap(total, Ordering::Relaxed), Ordering::Relaxed);
            } else {
                slot.good.store(good, Ordering::Relaxed);
                slot.total.store(total, Ordering::Relaxed);
            }
            slot.epoch.store(bucket, Ordering::Release);
            t.rotations.fetch_add(1, Ordering::Release);
            lower_mark(t);
            return true;
        }
    }

    /// The bucket "now" falls in: the clock's, or the newest counted for event time.
    fn now_bucket(&self) -> i64 {
        match self.clock.now_nanos() {
            Some(ns) => ns.div_euclid(self.bucket_nanos),
            None => match self.newest.load(Ordering::Relaxed) {
                EMPTY => wall_nanos().div_euclid(self.bucket_nanos),
                newest => newest,
            },
        }
    }

    /// The oldest bucket the counter still keeps; older slots are stale, whatever they hold.
    fn oldest_kept(&self) -> i64 {
        self.now_bucket() - self.horizon_buckets + 1
    }

    fn read_slot(&self, bucket: i64, oldest: i64) -> WindowStats {
        let slot = self.slot(bucket);
        if bucket < oldest || slot.epoch.load(Ordering::Acquire) != bucket {
            return WindowStats::default();
        }
        WindowStats {
            good: slot.good.load(Ordering::Relaxed),
            total: slot.total.load(Ordering::Relaxed),
        }
    }

    /// The bucket after the last one a window ending at `end` (seconds) covers: windows are
    /// `[end - w, end)`, and a bucket counts when it starts before `end`.
    fn end_bucket(&self, end: Option<f64>) -> CoreResult<i64> {
        let end = match end {
            Some(e) if !e.is_finite() => {
                return Err(CoreError::invalid(
                    "end",
                    format!("must be finite, got {e}"),
                ))
            }
            Some(e) => e,
            None => self.now_seconds(),
        };
        Ok((end / self.spec.bucket_seconds as f64).ceil() as i64)
    }

    fn window_buckets(&self, name: &'static str, seconds: i64) -> CoreResult<i64> {
        if seconds <= 0 {
            return Err(CoreError::window(
                name,
                format!("must be positive, got {seconds} s"),
            ));
        }
        if seconds % self.spec.bucket_seconds != 0 {
            return Err(CoreError::window(
                name,
                format!(
                    "{seconds} s is not a whole number of the counter's {}-second buckets",
                    self.spec.bucket_seconds
                ),
            ));
        }
        if seconds > self.spec.horizon_seconds {
            return Err(CoreError::window(
                name,
                format!(
                    "{seconds} s is longer than the counter's horizon of {} s",
                    self.spec.horizon_seconds
                ),
            ));
        }
        Ok(seconds / self.spec.bucket_seconds)
    }

    /// Good and total over the window of `seconds` ending at `end` (default: now).
    pub fn window(&self, seconds: i64, end: Option<f64>) -> CoreResult<WindowStats> {
        Ok(self.windows(&[seconds], end)?[0])
    }

    /// Several windows ending at the same time, in one pass over the longest.
    pub fn windows(&self, seconds: &[i64], end: Option<f64>) -> CoreResult<Vec<WindowStats>> {
        let mut lens = Vec::with_capacity(seconds.len());
        for &s in seconds {
            lens.push(self.window_buckets("window", s)?);
        }
        let end_b = self.end_bucket(end)?;
        let mut order: Vec<usize> = (0..lens.len()).collect();
        order.sort_by_key(|&i| lens[i]);
        let mut out = vec![WindowStats::default(); lens.len()];
        let mut acc = WindowStats::default();
        let mut covered = 0i64;
        let oldest = self.oldest_kept();
        for i in order {
            while covered < lens[i] {
                let s = self.read_slot(end_b - 1 - covered, oldest);
                acc.good += s.good;
                acc.total += s.total;
                covered += 1;
            }
            out[i] = acc;
        }
        Ok(out)
    }

    /// Per-bucket good and total for the buckets starting in `[start, end)`, oldest first,
    /// as (first bucket number, good, total). Buckets the counter no longer keeps read 0.
    pub fn series(&self, start: f64, end: f64) -> CoreResult<(i64, Vec<u64>, Vec<u64>)> {
        if !(start.is_finite() && end.is_finite()) || end < start {
            return Err(CoreError::invalid(
                "start/end",
                format!("need finite start <= end, got {start} and {end}"),
            ));
        }
        let w = self.spec.bucket_seconds as f64;
        let first = (start / w).ceil() as i64;
        let last = (end / w).ceil() as i64;
        let n = (last - first).max(0);
        if n > self.ring.len() as i64 {
            return Err(CoreError::window(
                "start/end",
                format!(
                    "{} s spans more than the counter's horizon of {} s",
                    end - start,
                    self.spec.horizon_seconds
                ),
            ));
        }
        let mut good = Vec::with_capacity(n as usize);
        let mut total = Vec::with_capacity(n as usize);
        let oldest = self.oldest_kept();
        for b in first..last {
            let s = self.read_slot(b, oldest);
            good.push(s.good);
            total.push(s.total);
        }
        Ok((first, good, total))
    }

    /// Every bucket that holds counts, oldest first.
    pub fn snapshot(&self) -> Vec<BucketRow> {
        let mut rows: Vec<BucketRow> = self
            .ring
            .iter()
            .filter_map(|slot| {
                let epoch = slot.epoch.load(Ordering::Acquire);
                if epoch == EMPTY || epoch == LOCKED || epoch == STALE {
                    return None;
                }
                let row = BucketRow {
                    bucket: epoch,
                    good: slot.good.load(Ordering::Relaxed),
                    total: slot.total.load(Ordering::Relaxed),
                };
                (row.total > 0 || row.good > 0).then_some(row)
            })
            .collect();
        rows.sort_by_key(|r| r.bucket);
        // An event-time counter may still hold buckets that fell out of its horizon.
        if let Some(newest) = rows.last().map(|r| r.bucket) {
            let now_b = match self.clock.now_nanos() {
                // Buckets a little in the future (clock skew) do not push old ones out.
                Some(ns) => ns.div_euclid(self.bucket_nanos),
                None => newest,
            };
            rows.retain(|r| r.bucket > now_b - self.horizon_buckets);
        }
        rows
    }

    /// Add another counter's buckets (and its dropped count) to this one: the result is the
    /// state of the union of both event streams. Buckets outside this horizon are dropped.
    pub fn merge(&self, other: &WindowedCounter) -> CoreResult<()> {
        if other.spec.bucket_seconds != self.spec.bucket_seconds {
            return Err(CoreError::Incompatible {
                message: format!(
                    "cannot merge counters with {}-second and {}-second buckets",
                    self.spec.bucket_seconds, other.spec.bucket_seconds
                ),
            });
        }
        for row in other.snapshot() {
            self.add_bucket(row.bucket, row.good, row.total);
        }
        self.dropped.fetch_add(other.dropped(), Ordering::Relaxed);
        Ok(())
    }

    /// Load rows (as from `snapshot` or an Arrow export), adding to what is there.
    pub fn load_rows(&self, rows: &[BucketRow]) -> CoreResult<u64> {
        let mut refused = 0;
        for row in rows {
            check_good_total(row.good, row.total)?;
            if !self.add_bucket(row.bucket, row.good, row.total) {
                refused += row.total;
            }
        }
        Ok(refused)
    }

    pub fn add_dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }
}

/// Lower a rotation mark, never below zero: a mark a dead writer left is lowered by the
/// writer that breaks its claim, and the two must not wrap the count around.
fn lower_mark(t: &Totals) {
    let _ = t
        .rotating
        .fetch_update(Ordering::Release, Ordering::Relaxed, |v| v.checked_sub(1));
}

/// Wait out another writer's claim of `slot`. In a shared ring that writer may be a process
/// killed mid-claim (a few stores long): after `CLAIM_STALE_AFTER` the claim is broken, the
/// slot marked STALE (its counts stay in the cumulative totals until the next claimer
/// retires them) and the dead writer's rotation mark lowered, so survivors never hang.
#[cold]
fn wait_for_claim(
    slot: &Slot,
    t: &Totals,
    spins: u32,
    waiting_since: &mut Option<std::time::Instant>,
) {
    if spins < 64 {
        spin_loop();
        return;
    }
    std::thread::yield_now();
    let since = *waiting_since.get_or_insert_with(std::time::Instant::now);
    if spins % 1024 == 0
        && since.elapsed() >= CLAIM_STALE_AFTER
        && slot
            .epoch
            .compare_exchange(LOCKED, STALE, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    {
        lower_mark(t);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An event-time counter (buckets follow the recorded timestamps), no future skew.
    fn event_time(bucket: i64, horizon: i64) -> WindowedCounter {
        let spec = CounterSpec {
            bucket_seconds: bucket,
            horizon_seconds: horizon,
            future_skew_seconds: 0,
        };
        WindowedCounter::new(spec, Clock::EventTime).unwrap()
    }

    fn manual(now: f64, bucket: i64, horizon: i64) -> WindowedCounter {
        let spec = CounterSpec {
            bucket_seconds: bucket,
            horizon_seconds: horizon,
            future_skew_seconds: 60,
        };
        WindowedCounter::new(spec, Clock::manual(now)).unwrap()
    }

    #[test]
    fn counts_into_windows() {
        let c = manual(10_000.0, 60, 3600);
        assert!(c.record_at(9_990.0, 1, 1).unwrap());
        assert!(c.record_at(9_000.0, 0, 1).unwrap());
        assert!(c.record_at(7_000.0, 1, 1).unwrap());
        let w = c.windows(&[60, 3600], None).unwrap();
        assert_eq!(w[0], WindowStats { good: 1, total: 1 });
        assert_eq!(w[1], WindowStats { good: 2, total: 3 });
        assert!((w[1].error_ratio() - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn drops_too_old_and_too_new() {
        let c = manual(10_000.0, 60, 3600);
        assert!(!c.record_at(10_000.0 - 3700.0, 1, 5).unwrap());
        assert!(!c.record_at(10_000.0 + 200.0, 1, 2).unwrap());
        assert!(c.record_at(10_000.0 + 30.0, 1, 1).unwrap());
        assert_eq!(c.dropped(), 7);
    }

    #[test]
    fn zero_traffic_is_not_nan() {
        let c = manual(10_000.0, 60, 3600);
        let w = c.window(3600, None).unwrap();
        assert_eq!(w.error_ratio(), 0.0);
        assert!(!w.has_data());
    }

    #[test]
    fn rejects_bad_windows() {
        let c = manual(10_000.0, 60, 3600);
        assert!(matches!(
            c.window(0, None),
            Err(CoreError::InvalidWindow { .. })
        ));
        assert!(matches!(
            c.window(90, None),
            Err(CoreError::InvalidWindow { .. })
        ));
        assert!(matches!(
            c.window(7200, None),
            Err(CoreError::InvalidWindow { .. })
        ));
        assert!(c.record_at(f64::NAN, 1, 1).is_err());
        assert!(c.record_at(100.0, 2, 1).is_err());
    }

    #[test]
    fn slots_are_reused_after_the_horizon() {
        let c = event_time(10, 100);
        for t in 0..1000 {
            assert!(c.record_at(t as f64, 1, 1).unwrap());
        }
        // now = 1000: the last 100 s hold 100 events.
        assert_eq!(c.window(100, None).unwrap().total, 100);
        assert_eq!(c.snapshot().len(), 10);
        // An event from long ago is refused, not counted into a reused slot.
        assert!(!c.record_at(5.0, 1, 1).unwrap());
        assert_eq!(c.window(100, None).unwrap().total, 100);
    }

    #[test]
    fn merge_adds_buckets() {
        let a = manual(10_000.0, 60, 3600);
        let b = manual(10_000.0, 60, 3600);
        a.record_at(9_000.0, 1, 2).unwrap();
        b.record_at(9_000.0, 3, 3).unwrap();
        b.record_at(9_500.0, 0, 1).unwrap();
        b.record_at(1_000.0, 0, 1).unwrap(); // dropped in b
        a.merge(&b).unwrap();
        assert_eq!(
            a.window(3600, None).unwrap(),
            WindowStats { good: 4, total: 6 }
        );
        assert_eq!(a.dropped(), 1);
    }

    #[test]
    fn cumulative_counts_every_event_across_rotations() {
        let c = event_time(10, 100);
        for t in 0..10_000u64 {
            c.record_at(t as f64, (t % 3 != 0) as u64, 1).unwrap();
        }
        // 1000 buckets went through a ring of 16 slots.
        let good = (0..10_000u64).filter(|t| t % 3 != 0).count() as u64;
        assert_eq!(c.cumulative(), (good, 10_000));
        c.add_cumulative(5, 7);
        assert_eq!(c.cumulative(), (good + 5, 10_007));
    }

    #[test]
    fn cumulative_never_decreases_while_slots_rotate() {
        let c = std::sync::Arc::new(event_time(1, 8));
        let writer = {
            let c = c.clone();
            std::thread::spawn(move || {
                for t in 0..200_000u64 {
                    // Ten events a bucket: a rotation every ten records.
                    c.record_at((t / 10) as f64, 1, 1).unwrap();
                }
            })
        };
        let mut last = 0;
        while !writer.is_finished() {
            let (_, total) = c.cumulative();
            assert!(total >= last, "cumulative went from {last} down to {total}");
            last = total;
        }
        writer.join().unwrap();
        assert_eq!(c.cumulative().1, 200_000);
    }

    #[test]
    fn many_threads_lose_nothing() {
        let c = std::sync::Arc::new(manual(10_000.0, 60, 3600));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for k in 0..50_000u64 {
                        c.record_now((k + i) % 2, 1);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let w = c.window(3600, None).unwrap();
        assert_eq!(w.total, 400_000);
        assert_eq!(w.good, 200_000);
    }

    /// Two writers rotating slots at once while a scrape reads: never a decrease, and every
    /// event counted once at the end.
    #[test]
    fn cumulative_is_exact_and_monotonic_with_two_writers() {
        let c = std::sync::Arc::new(event_time(1, 8));
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for t in 0..100_000u64 {
                        // Both move through the same buckets: rotations race each other.
                        let _ = c.record_at((t / 10) as f64, (t % 2 == w) as u64, 1);
                    }
                })
            })
            .collect();
        let mut last = (0, 0);
        while writers.iter().any(|h| !h.is_finished()) {
            let now = c.cumulative();
            assert!(now.0 >= last.0 && now.1 >= last.1, "{last:?} -> {now:?}");
            last = now;
        }
        for h in writers {
            h.join().unwrap();
        }
        // Events for a bucket the ring already moved past are dropped, and counted so.
        let (good, total) = c.cumulative();
        assert_eq!(total + c.dropped(), 200_000);
        // Half of each writer's events are good; the dropped ones may be of either kind.
        assert!(good <= 100_000 && good >= 100_000u64.saturating_sub(c.dropped()));
    }

    /// A writer stalled mid-rotation (claim taken, counts not yet retired): a scrape waits a
    /// while, then reads without going below what it saw, and leaves the writer's mark be.
    #[test]
    fn stalled_rotation_never_lowers_cumulative() {
        let c = event_time(10, 100);
        c.record_at(0.0, 5, 5).unwrap(); // bucket 0, slot 0
        assert_eq!(c.cumulative(), (5, 5));
        let bucket = c.ring.len() as i64; // the same slot, a newer bucket
        let slot = c.slot(bucket);
        let t = c.ring.totals();
        // add_to_slot's first steps, then the writer stalls.
        t.rotating.fetch_add(1, Ordering::AcqRel);
        slot.epoch
            .compare_exchange(0, LOCKED, Ordering::AcqRel, Ordering::Relaxed)
            .unwrap();
        assert_eq!(c.cumulative(), (5, 5)); // the LOCKED slot skipped, the mark waited out
                                            // The writer resumes and finishes.
        t.good
            .fetch_add(slot.good.swap(1, Ordering::Relaxed), Ordering::Relaxed);
        t.total
            .fetch_add(slot.total.swap(1, Ordering::Relaxed), Ordering::Relaxed);
        slot.epoch.store(bucket, Ordering::Release);
        t.rotations.fetch_add(1, Ordering::Release);
        lower_mark(t);
        assert_eq!(t.rotating.load(Ordering::Relaxed), 0);
        let began = std::time::Instant::now();
        assert_eq!(c.cumulative(), (6, 6));
        assert!(began.elapsed() < READ_WAIT); // no mark left behind to wait on
    }

    /// A writer killed after claiming a slot, before retiring its counts: the survivor
    /// breaks the claim and retires them, so the cumulative totals keep every event.
    #[test]
    fn killed_claimer_loses_no_cumulative_counts() {
        let c = event_time(10, 100);
        c.record_at(0.0, 5, 5).unwrap();
        let ring = c.ring.len() as i64;
        let t = c.ring.totals();
        t.rotating.fetch_add(1, Ordering::AcqRel);
        c.slot(ring)
            .epoch
            .compare_exchange(0, LOCKED, Ordering::AcqRel, Ordering::Relaxed)
            .unwrap();
        // ... killed here. Another writer counts into the same slot's next bucket.
        c.record_at((ring * 10) as f64, 1, 1).unwrap();
        assert_eq!(c.cumulative(), (6, 6));
        assert_eq!(t.rotating.load(Ordering::Relaxed), 0);
        assert_eq!(c.window(10, None).unwrap().total, 1); // the new bucket alone
    }
}
