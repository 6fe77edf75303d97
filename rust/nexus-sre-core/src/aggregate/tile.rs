//! Bucketing without per-row division, and the per-batch tile: one u64 per (bucket, SLO)
//! over the batch's own bucket range, small enough for L2, folded into the series after.

use super::series::Series;

/// floor(v / width) without a 64-bit division per row: a float reciprocal, then an exact
/// correction (the float may be off by one for values beyond 2^53).
#[derive(Clone, Copy)]
pub(super) struct Bucketer {
    width: i64,
    inv: f64,
}

impl Bucketer {
    pub(super) fn new(width: i64) -> Self {
        Bucketer {
            width,
            inv: 1.0 / width as f64,
        }
    }

    #[inline(always)]
    pub(super) fn bucket(self, v: i64) -> i64 {
        // Beyond 2^52 the float quotient can be off by more than the one step fixed below
        // (never for timestamps in the valid range; a plain division there).
        if v.unsigned_abs() > 1 << 52 {
            return v.div_euclid(self.width);
        }
        // Truncation, not floor(): floor is a libm call here; the fix-up below covers both.
        let mut q = (v as f64 * self.inv) as i64;
        let lo = q.wrapping_mul(self.width);
        if lo > v {
            q -= 1;
        } else if v - lo >= self.width {
            q += 1;
        }
        q
    }
}

/// Most cells a batch's tile may have (256 KiB of u64: it stays in a core's L2 cache).
const TILE_MAX_CELLS: usize = 1 << 15;

std::thread_local! {
    /// Each thread's tile, reused batch after batch (zeroed as it is folded).
    static TILE: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A batch's counts before they reach the per-SLO series: one u64 per (bucket, SLO) over
/// the batch's own bucket range, good in the high half and total in the low half, so a row
/// is one add into a table small enough for L2. The series are spread over the whole
/// period, and adding to them row by row missed the cache on most rows (the kernel's
/// main cost on unsorted exports).
pub(super) struct Tile {
    pub(super) first: i64,
    pub(super) buckets: usize,
    /// Columns per bucket: one per SLO, plus a spare one last that rows of services without
    /// an SLO go to (a store instead of a branch; never folded).
    pub(super) cols: usize,
    pub(super) cells: Vec<u64>,
}

impl Tile {
    /// A tile for rows whose buckets fall in [first, last], when that is small enough
    /// (and not much larger than the batch, or folding it would cost more than it saves).
    pub(super) fn for_range(first: i64, last: i64, slos: usize, rows: usize) -> Option<Tile> {
        if last < first || slos == 0 || rows >= u32::MAX as usize {
            return None;
        }
        let buckets = usize::try_from(last - first + 1).ok()?;
        let cols = slos + 1;
        let n = buckets.checked_mul(cols)?;
        if n > TILE_MAX_CELLS || n > rows.saturating_mul(4) {
            return None;
        }
        let mut cells = TILE.with(|t| std::mem::take(&mut *t.borrow_mut()));
        cells.resize(n, 0);
        Some(Tile {
            first,
            buckets,
            cols,
            cells,
        })
    }

    #[inline(always)]
    pub(super) fn row(&self, b: i64) -> usize {
        (b - self.first) as usize * self.cols
    }

    /// The tile's bucket offset of every timestamp by a multiplication, not a division:
    /// `(origin, scale)` such that `offset(t)` = floor((t - origin) / width) for every t in
    /// [origin, origin + buckets * width). None when that span is too long for the proof
    /// below (2^48 units: 3 days in nanoseconds, 8,900 years in milliseconds).
    ///
    /// `scale` is 1/width rounded up by 4 ulps, so (t - origin) * scale is never below the
    /// true quotient q, and exceeds it by at most q * 11 * 2^-53, which stays under 1/width
    /// (the least distance from q to the next integer) while t - origin < 2^53 / 11.
    pub(super) fn reciprocal(&self, width: i64) -> Option<(i64, f64)> {
        let span = (self.buckets as i64).checked_mul(width)?;
        if width <= 0 || span >= 1 << 48 {
            return None;
        }
        let scale = f64::from_bits((1.0 / width as f64).to_bits() + 4);
        Some((self.first.checked_mul(width)?, scale))
    }

    /// Hand the (still zero) cells back unused.
    pub(super) fn give_back(self) {
        TILE.with(|t| *t.borrow_mut() = self.cells);
    }

    /// Add the tile into `series` and hand its (zeroed) cells back for the next batch.
    pub(super) fn fold_into(mut self, series: &mut [Series]) {
        let last = self.first + self.buckets as i64 - 1;
        for (slo, s) in series.iter_mut().enumerate() {
            let column = self.cells[slo..].iter().step_by(self.cols);
            if column.clone().all(|&v| v == 0) {
                continue; // no rows for this SLO: the series keeps its span
            }
            s.reserve_for(self.first);
            s.reserve_for(last);
            let from = (self.first - s.base) as usize;
            for (c, &v) in s.counts[from..from + self.buckets].iter_mut().zip(column) {
                c[0] += v >> 32;
                c[1] += v & 0xffff_ffff;
            }
        }
        self.cells.fill(0);
        TILE.with(|t| *t.borrow_mut() = self.cells);
    }
}
