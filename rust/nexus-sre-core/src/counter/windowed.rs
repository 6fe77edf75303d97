//! [`WindowedCounter`]: a ring of fixed-width time buckets over a horizon, fed on every
//! request, read as windows, series, snapshots and monotonic cumulative totals.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::slot::{is_claim, lower_mark, Slot, EMPTY, STALE};
use super::spec::{check_good_total, BucketRow, CounterSpec, WindowStats};
use super::storage::SlotStorage;
use crate::clock::{wall_nanos, Clock};
use crate::error::{CoreError, CoreResult};

const NANOS: i64 = 1_000_000_000;
/// How long `cumulative` waits out rotations under way before it reads anyway.
pub(super) const READ_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

#[derive(Debug)]
pub struct WindowedCounter {
    spec: CounterSpec,
    bucket_nanos: i64,
    horizon_buckets: i64,
    pub(super) ring: SlotStorage,
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
                if epoch != EMPTY && !is_claim(epoch) {
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

    #[inline]
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
    pub(super) fn slot(&self, bucket: i64) -> &Slot {
        // ring_len is a power of two: the mask is rem_euclid, negative buckets included.
        &self.ring[(bucket & (self.ring.len() as i64 - 1)) as usize]
    }

    /// Count into the slot of `bucket` (see [`Slot::add`]). False when the slot already
    /// holds a newer bucket (ours is gone).
    #[inline]
    fn add_to_slot(&self, bucket: i64, good: u64, total: u64) -> bool {
        self.slot(bucket)
            .add(bucket, good, total, self.ring.totals())
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
                if epoch == EMPTY || epoch == STALE || is_claim(epoch) {
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
