//! The kernel's running state: per-SLO bucket series and row accounting, mergeable in any
//! order (states of disjoint parts of the data add up to the state of the whole).

use super::errors::REASONS;
use super::plan::Plan;

/// Good/total counts over consecutive buckets starting at bucket index `base`
/// (bucket index = floor(epoch seconds / bucket_seconds)). Good and total of a bucket sit
/// side by side: one cache line per row update.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub base: i64,
    pub counts: Vec<[u64; 2]>,
}

impl Series {
    /// A zeroed series covering [first, last] bucket indices.
    pub fn zeroed(first: i64, last: i64) -> Self {
        let n = (last - first + 1).max(0) as usize;
        Series {
            base: first,
            counts: vec![[0, 0]; n],
        }
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn good(&self) -> Vec<u64> {
        self.counts.iter().map(|c| c[0]).collect()
    }

    pub fn total(&self) -> Vec<u64> {
        self.counts.iter().map(|c| c[1]).collect()
    }

    /// Make room for bucket `b`; grows by at least half again so appends amortise.
    pub(super) fn reserve_for(&mut self, b: i64) {
        if self.counts.is_empty() {
            self.base = b;
            self.counts.push([0, 0]);
            return;
        }
        let len = self.counts.len() as i64;
        if b < self.base {
            let grow = (self.base - b).max(len / 2).max(64) as usize;
            let mut c = vec![[0, 0]; grow];
            c.extend_from_slice(&self.counts);
            self.counts = c;
            self.base -= grow as i64;
        } else if b >= self.base + len {
            let need = (b - self.base + 1) as usize;
            let new_len = need.max(self.counts.len() + self.counts.len() / 2);
            self.counts.resize(new_len, [0, 0]);
        }
    }

    #[inline]
    pub(super) fn add(&mut self, b: i64, good: u64, total: u64) {
        let mut i = b.wrapping_sub(self.base);
        if i < 0 || i >= self.counts.len() as i64 {
            self.reserve_for(b);
            i = b - self.base;
        }
        let c = &mut self.counts[i as usize];
        c[0] += good;
        c[1] += total;
    }

    /// Add another series bucket by bucket.
    pub fn merge(&mut self, other: &Series) {
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            *self = other.clone();
            return;
        }
        self.reserve_for(other.base);
        self.reserve_for(other.base + other.counts.len() as i64 - 1);
        let off = (other.base - self.base) as usize;
        for (mine, theirs) in self.counts[off..].iter_mut().zip(&other.counts) {
            mine[0] += theirs[0];
            mine[1] += theirs[1];
        }
    }

    /// The first and last bucket that saw traffic, if any.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self.counts.iter().position(|c| c[1] > 0)?;
        let last = self.counts.iter().rposition(|c| c[1] > 0)?;
        Some((self.base + first as i64, self.base + last as i64))
    }

    /// The counts over bucket indices [first, last], zero where nothing was seen.
    pub fn dense(&self, first: i64, last: i64) -> Series {
        let mut out = Series::zeroed(first, last);
        for (i, c) in self.counts.iter().enumerate() {
            let b = self.base + i as i64;
            if c[1] > 0 && b >= first && b <= last {
                out.counts[(b - first) as usize] = *c;
            }
        }
        out
    }
}

/// The running state: per-SLO series plus row accounting.
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulator {
    pub series: Vec<Series>,
    pub rows_read: u64,
    /// Rows whose timestamp fell outside [start, end).
    pub rows_outside: u64,
    /// Skipped rows per reason, indexed like [`REASONS`].
    pub skipped: [u64; REASONS.len()],
}

impl Accumulator {
    pub fn new(plan: &Plan) -> Self {
        let series = match (plan.start, plan.end) {
            (Some(s), Some(e)) if e > s => {
                let first = s.div_euclid(plan.bucket_seconds);
                let last = (e - 1).div_euclid(plan.bucket_seconds);
                vec![Series::zeroed(first, last); plan.slos.len()]
            }
            _ => vec![Series::default(); plan.slos.len()],
        };
        Accumulator {
            series,
            rows_read: 0,
            rows_outside: 0,
            skipped: [0; REASONS.len()],
        }
    }

    pub fn merge(&mut self, other: &Accumulator) {
        for (a, b) in self.series.iter_mut().zip(&other.series) {
            a.merge(b);
        }
        self.rows_read += other.rows_read;
        self.rows_outside += other.rows_outside;
        for (a, b) in self.skipped.iter_mut().zip(other.skipped) {
            *a += b;
        }
    }

    pub fn rows_skipped(&self) -> u64 {
        self.skipped.iter().sum()
    }
}
