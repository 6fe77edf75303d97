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
//!
//! * [`spec`]: a counter's shape and the values it hands out.
//! * `slot`: one slot and the lock-free protocol on it.
//! * [`storage`]: where the slots live: the heap, or a file shared by processes.
//! * `windowed`: [`WindowedCounter`], the ring read as windows, series and totals.
//! * `recorder`: [`ServiceRecorder`], one request into every SLO of a service.
//!
//! Each depends only on the ones above it.

mod recorder;
mod slot;
pub mod spec;
pub mod storage;
mod windowed;

pub use recorder::ServiceRecorder;
pub use spec::{
    check_good_total, BucketRow, CounterSpec, WindowStats, MAX_BUCKETS, MAX_HORIZON_SECONDS,
};
pub use windowed::WindowedCounter;

#[cfg(test)]
mod tests;
