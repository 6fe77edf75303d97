//! One slot of a counter's ring and the lock-free protocol on it: recording into the
//! current bucket is two relaxed `fetch_add`s; a slot is reused for a newer bucket under a
//! short per-slot claim (a claim epoch naming the claiming process), its old counts retired
//! into the ring's cumulative [`Totals`]; a claim left by a killed process is broken after a
//! while, a live claimer's (merely descheduled) is waited out.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The epoch of a slot that never counted anything.
pub(super) const EMPTY: i64 = i64::MIN;
/// The epoch of a slot being reset for a newer bucket by a claimer of unknown process (ring
/// files of earlier versions; tests). Claims now carry the process: see [`claim_epoch`].
pub(super) const LOCKED: i64 = i64::MIN + 1;
/// Claim epochs are `CLAIM_BASE + pid`: below every real bucket, above the markers.
const CLAIM_BASE: i64 = i64::MIN + 16;
/// The epoch of a slot whose claimer died mid-reset (a killed process, shared rings): its
/// counts belong to no known bucket any more but still to the cumulative totals, and the
/// next claimer retires them there. Older than every real bucket.
pub(super) const STALE: i64 = i64::MIN + 2;
/// How long a claim of a gone (or unknown) process is waited on before it is broken.
const CLAIM_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);
/// How long a claim of a live process is waited on: a claim lasts a few stores, so only a
/// pid that is not the claimer's any more (reused, or from another pid namespace) holds it
/// this long. Breaking a live claimer's claim could lose its event from the window.
const CLAIM_HELD_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The epoch with which this process claims a slot.
pub(super) fn claim_epoch() -> i64 {
    // getpid, not a cached id: a forked worker must claim under its own pid.
    claim_epoch_of(std::process::id())
}

pub(super) fn claim_epoch_of(pid: u32) -> i64 {
    CLAIM_BASE + i64::from(pid)
}

/// Whether `epoch` is a claim (a slot being reset), by any process.
#[inline]
pub(super) fn is_claim(epoch: i64) -> bool {
    epoch == LOCKED || (CLAIM_BASE..=CLAIM_BASE + i64::from(u32::MAX)).contains(&epoch)
}

/// Whether the process that made `claim` is known to be alive (this one, or one that
/// `kill(pid, 0)` finds). Unknown owners count as gone.
fn claimer_alive(claim: i64) -> bool {
    if claim == LOCKED {
        return false;
    }
    let pid = (claim - CLAIM_BASE) as u32;
    if pid == std::process::id() {
        return true;
    }
    claimer_process_exists(pid)
}

#[cfg(unix)]
fn claimer_process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    // EPERM: it exists, under another user.
    std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn claimer_process_exists(_pid: u32) -> bool {
    false
}

/// What a counter needs for monotonic totals without touching shared state per event: the
/// counts of buckets that have left the ring ("retired" when their slot is reused), and a
/// generation/rotating pair that lets readers see ring + retired consistently (see
/// `WindowedCounter::cumulative`).
#[repr(C)]
#[derive(Debug, Default)]
pub struct Totals {
    pub good: AtomicU64,
    pub total: AtomicU64,
    /// Completed slot rotations: a reader that sees it change re-reads.
    pub rotations: AtomicU64,
    /// Rotations under way (a writer retiring a slot's counts).
    pub rotating: AtomicU64,
}

/// One bucket's counts and the bucket number (epoch) they belong to.
#[repr(C)]
#[derive(Debug)]
pub struct Slot {
    pub(super) epoch: AtomicI64,
    pub(super) good: AtomicU64,
    pub(super) total: AtomicU64,
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

    /// Count into this slot for `bucket`, claiming and resetting it when it still holds an
    /// older bucket. False when the slot already holds a newer bucket (ours is gone).
    #[inline]
    pub(super) fn add(&self, bucket: i64, good: u64, total: u64, t: &Totals) -> bool {
        let slot = self;
        let mut spins = 0u32;
        let mut waiting_since = None;
        loop {
            let epoch = slot.epoch.load(Ordering::Acquire);
            if epoch == bucket {
                slot.good.fetch_add(good, Ordering::Relaxed);
                slot.total.fetch_add(total, Ordering::Relaxed);
                return true;
            }
            if is_claim(epoch) {
                spins = spins.wrapping_add(1);
                wait_for_claim(slot, epoch, t, spins, &mut waiting_since);
                continue;
            }
            if epoch > bucket {
                return false;
            }
            // The old bucket's counts move to the retired totals as the slot is reset,
            // marked so that `cumulative` readers never see them twice or not at all. The
            // mark goes up before the claim: a reader that finds the slot LOCKED (and skips
            // it) must then find the mark and read again.
            t.rotating.fetch_add(1, Ordering::AcqRel);
            std::sync::atomic::fence(Ordering::Release); // see `cumulative`
            if slot
                .epoch
                .compare_exchange(epoch, claim_epoch(), Ordering::AcqRel, Ordering::Relaxed)
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
}

/// Lower a rotation mark, never below zero: a mark a dead writer left is lowered by the
/// writer that breaks its claim, and the two must not wrap the count around.
pub(super) fn lower_mark(t: &Totals) {
    let _ = t
        .rotating
        .fetch_update(Ordering::Release, Ordering::Relaxed, |v| v.checked_sub(1));
}

/// Wait out another writer's `claim` of `slot`. In a shared ring that writer may be a
/// process killed mid-claim (a few stores long): once its process is gone and
/// `CLAIM_STALE_AFTER` has passed, the claim is broken, the slot marked STALE (its counts
/// stay in the cumulative totals until the next claimer retires them) and the dead
/// writer's rotation mark lowered, so survivors never hang. A live claimer (descheduled
/// on a busy machine) is waited for: breaking its claim would let its late stores land
/// on the next claimer's bucket.
#[cold]
fn wait_for_claim(
    slot: &Slot,
    claim: i64,
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
    if spins % 1024 != 0 {
        return;
    }
    let waited = since.elapsed();
    let broken =
        waited >= CLAIM_HELD_LIMIT || (waited >= CLAIM_STALE_AFTER && !claimer_alive(claim));
    if broken
        && slot
            .epoch
            .compare_exchange(claim, STALE, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    {
        lower_mark(t);
    }
}
