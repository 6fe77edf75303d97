//! Bulk aggregation of request rows (Arrow record batches) into per-SLO, per-bucket
//! good/total counts: the kernel behind `nexus_sre.backfill`.
//!
//! Rows may arrive in any order and any batch split; the state is a sum, so states built
//! from disjoint parts of the data merge (associatively and commutatively) into the state
//! of the whole. Bad rows either stop the run with the column, reason and row, or are
//! skipped and counted by reason: never dropped silently.

use std::borrow::Cow;
use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};

/// What makes a request good for one SLO (as `ServiceRecorder` does live).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SliKind {
    /// Good when the request succeeded.
    Availability,
    /// Good when it took at most this many milliseconds.
    Latency(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloSpec {
    /// Index into [`Plan::services`].
    pub service: usize,
    pub kind: SliKind,
}

/// Where a request's outcome comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A boolean column: true means success.
    Success(String),
    /// An integer status-code column; codes in any of the inclusive ranges are failures.
    Status {
        column: String,
        failures: Vec<(i64, i64)>,
    },
}

/// Unit of integer (non-Arrow-timestamp) time columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EpochUnit {
    Seconds,
    Milliseconds,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub bucket_seconds: i64,
    pub services: Vec<String>,
    pub slos: Vec<SloSpec>,
    pub timestamp: String,
    pub service: String,
    pub outcome: Outcome,
    /// Needed only when some SLO is a latency SLO.
    pub latency: Option<String>,
    /// Multiply plain-number latencies by this to get ms (1 for ms, 1000 for seconds).
    pub latency_scale: f64,
    /// Events per row (pre-aggregated exports); 1 when absent.
    pub count: Option<String>,
    pub epoch_unit: EpochUnit,
    /// Rows outside [start, end) (epoch seconds) are counted as outside the range, not used.
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// Timestamps outside this sane range (epoch seconds) are bad data: almost always a
    /// unit mix-up (milliseconds read as seconds lands in the year 50,000).
    pub valid_from: i64,
    pub valid_to: i64,
    pub skip_bad_rows: bool,
}

/// 1990-01-01 and 2200-01-01 UTC.
pub const DEFAULT_VALID_FROM: i64 = 631_152_000;
pub const DEFAULT_VALID_TO: i64 = 7_258_118_400;

/// Why a row was bad. The order fixes the index into [`Accumulator::skipped`] (new reasons
/// go last, so saved states keep their meaning).
pub const REASONS: [&str; 11] = [
    "null_timestamp",
    "timestamp_out_of_range",
    "null_service",
    "unknown_service",
    "null_outcome",
    "null_latency",
    "nan_latency",
    "negative_latency",
    "null_count",
    "negative_count",
    "invalid_status",
];
const R_NULL_TS: usize = 0;
const R_TS_RANGE: usize = 1;
const R_NULL_SERVICE: usize = 2;
const R_UNKNOWN_SERVICE: usize = 3;
const R_NULL_OUTCOME: usize = 4;
const R_NULL_LATENCY: usize = 5;
const R_NAN_LATENCY: usize = 6;
const R_NEG_LATENCY: usize = 7;
const R_NULL_COUNT: usize = 8;
const R_NEG_COUNT: usize = 9;
const R_INVALID_STATUS: usize = 10;

/// HTTP status codes: anything outside is a broken export (-1, 0, 99999), never a success.
pub const VALID_STATUS: std::ops::RangeInclusive<i64> = 100..=599;

/// Why a batch could not be aggregated.
#[derive(Debug, Clone, PartialEq)]
pub enum AggError {
    /// A missing or mistyped column: never skippable.
    Column { column: String, message: String },
    /// A bad row (when not skipping): `row` is its index in the batch.
    Row {
        column: String,
        reason: &'static str,
        row: usize,
        detail: String,
    },
}

impl AggError {
    /// The same error with its row counted from `offset` rows earlier (a slice of a batch,
    /// or a batch within a row group).
    pub fn shifted(self, offset: usize) -> AggError {
        match self {
            AggError::Row {
                column,
                reason,
                row,
                detail,
            } => AggError::Row {
                column,
                reason,
                row: row + offset,
                detail,
            },
            other => other,
        }
    }
}

impl std::fmt::Display for AggError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AggError::Column { column, message } => write!(f, "column '{column}': {message}"),
            AggError::Row {
                column,
                reason,
                row,
                detail,
            } => write!(f, "column '{column}': {detail} ({reason}) at row {row}"),
        }
    }
}

impl std::error::Error for AggError {}

fn col_err(column: &str, message: impl Into<String>) -> AggError {
    AggError::Column {
        column: column.to_string(),
        message: message.into(),
    }
}

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
    fn reserve_for(&mut self, b: i64) {
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
    fn add(&mut self, b: i64, good: u64, total: u64) {
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

/// A plan checked once, with per-service SLO lists resolved.
pub struct Aggregator {
    plan: Plan,
    by_service: Vec<Vec<(usize, SliKind)>>,
    /// When every service has at most one SLO and each is an availability SLO: per service,
    /// its SLO's index (or the number of SLOs, the tile's spare column, when it has none).
    single_availability: Option<Vec<u32>>,
    lookup: HashMap<String, usize>,
    needs_latency: bool,
}

fn batch_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, AggError> {
    batch.column_by_name(name).ok_or_else(|| {
        let have: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        col_err(
            name,
            format!("missing; the data has columns {}", have.join(", ")),
        )
    })
}

/// A dictionary-encoded column's values per row: `lut` holds its dictionary's values already
/// converted, rows go through their keys. Null keys (and keys past the dictionary, in Arrow
/// data that was never validated) get `T::default()`; callers read nulls from
/// `logical_nulls()`, which for a dictionary covers null keys and null values.
fn through_keys<T: Copy + Default>(arr: &dyn Array, lut: &[T]) -> Option<Vec<T>> {
    let DataType::Dictionary(key_type, _) = arr.data_type() else {
        return None;
    };
    let keys = arr.as_any_dictionary().keys();
    macro_rules! map {
        ($t:ty) => {
            keys.as_primitive::<$t>()
                .values()
                .iter()
                .map(|&k| {
                    usize::try_from(k)
                        .ok()
                        .and_then(|k| lut.get(k))
                        .copied()
                        .unwrap_or_default()
                })
                .collect()
        };
    }
    Some(match key_type.as_ref() {
        DataType::Int8 => map!(Int8Type),
        DataType::Int16 => map!(Int16Type),
        DataType::Int32 => map!(Int32Type),
        DataType::Int64 => map!(Int64Type),
        DataType::UInt8 => map!(UInt8Type),
        DataType::UInt16 => map!(UInt16Type),
        DataType::UInt32 => map!(UInt32Type),
        DataType::UInt64 => map!(UInt64Type),
        _ => return None,
    })
}

/// The dictionary of a dictionary-encoded column.
fn dictionary_values(arr: &dyn Array) -> Option<&ArrayRef> {
    matches!(arr.data_type(), DataType::Dictionary(_, _)).then(|| arr.as_any_dictionary().values())
}

/// Integer values of any Arrow integer type as i64 (u64 beyond i64 saturates), plain or
/// dictionary-encoded. Borrowed when the column already is Int64.
fn ints(arr: &dyn Array) -> Option<Cow<'_, [i64]>> {
    if let Some(values) = dictionary_values(arr) {
        return through_keys(arr, &ints(values.as_ref())?).map(Cow::Owned);
    }
    macro_rules! conv {
        ($t:ty) => {
            Cow::Owned(
                arr.as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| v as i64)
                    .collect(),
            )
        };
    }
    Some(match arr.data_type() {
        DataType::Int64 => Cow::Borrowed(&arr.as_primitive::<Int64Type>().values()[..]),
        DataType::Int32 => conv!(Int32Type),
        DataType::Int16 => conv!(Int16Type),
        DataType::Int8 => conv!(Int8Type),
        DataType::UInt8 => conv!(UInt8Type),
        DataType::UInt16 => conv!(UInt16Type),
        DataType::UInt32 => conv!(UInt32Type),
        DataType::UInt64 => Cow::Owned(
            arr.as_primitive::<UInt64Type>()
                .values()
                .iter()
                .map(|&v| v.min(i64::MAX as u64) as i64)
                .collect(),
        ),
        _ => return None,
    })
}

/// A time column in its own unit (no per-row conversion): the values and units per second.
fn epoch_values(arr: &dyn Array, unit: EpochUnit) -> Option<(Cow<'_, [i64]>, i64)> {
    if let Some(values) = dictionary_values(arr) {
        let (lut, per_s) = epoch_values(values.as_ref(), unit)?;
        return Some((Cow::Owned(through_keys(arr, &lut)?), per_s));
    }
    Some(match arr.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampSecondType>().values()[..]),
            1,
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampMillisecondType>().values()[..]),
            1000,
        ),
        DataType::Timestamp(TimeUnit::Microsecond, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampMicrosecondType>().values()[..]),
            1_000_000,
        ),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => (
            Cow::Borrowed(&arr.as_primitive::<TimestampNanosecondType>().values()[..]),
            1_000_000_000,
        ),
        _ => {
            let v = ints(arr)?;
            let per_s = match unit {
                EpochUnit::Seconds => 1,
                EpochUnit::Milliseconds => 1000,
            };
            (v, per_s)
        }
    })
}

/// floor(v / width) without a 64-bit division per row: a float reciprocal, then an exact
/// correction (the float may be off by one for values beyond 2^53).
#[derive(Clone, Copy)]
struct Bucketer {
    width: i64,
    inv: f64,
}

impl Bucketer {
    fn new(width: i64) -> Self {
        Bucketer {
            width,
            inv: 1.0 / width as f64,
        }
    }

    #[inline(always)]
    fn bucket(self, v: i64) -> i64 {
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

/// Latencies in ms; None for unsupported types. Durations carry their own unit.
fn latencies_ms(arr: &dyn Array, scale: f64) -> Option<Vec<f64>> {
    if let Some(values) = dictionary_values(arr) {
        return through_keys(arr, &latencies_ms(values.as_ref(), scale)?);
    }
    macro_rules! dur {
        ($t:ty, $per_ms:expr) => {
            arr.as_primitive::<$t>()
                .values()
                .iter()
                .map(|&v| v as f64 / $per_ms)
                .collect()
        };
    }
    Some(match arr.data_type() {
        DataType::Float64 => arr
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .map(|&v| v * scale)
            .collect(),
        DataType::Float32 => arr
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&v| v as f64 * scale)
            .collect(),
        DataType::Duration(TimeUnit::Second) => dur!(DurationSecondType, 1e-3),
        DataType::Duration(TimeUnit::Millisecond) => dur!(DurationMillisecondType, 1.0),
        DataType::Duration(TimeUnit::Microsecond) => dur!(DurationMicrosecondType, 1e3),
        DataType::Duration(TimeUnit::Nanosecond) => dur!(DurationNanosecondType, 1e6),
        _ => ints(arr)?.iter().map(|&v| v as f64 * scale).collect(),
    })
}

fn min_max(v: &[i64]) -> (i64, i64) {
    v.iter()
        .fold((i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)))
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
struct Tile {
    first: i64,
    buckets: usize,
    /// Columns per bucket: one per SLO, plus a spare one last that rows of services without
    /// an SLO go to (a store instead of a branch; never folded).
    cols: usize,
    cells: Vec<u64>,
}

impl Tile {
    /// A tile for rows whose buckets fall in [first, last], when that is small enough
    /// (and not much larger than the batch, or folding it would cost more than it saves).
    fn for_range(first: i64, last: i64, slos: usize, rows: usize) -> Option<Tile> {
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
    fn row(&self, b: i64) -> usize {
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
    fn reciprocal(&self, width: i64) -> Option<(i64, f64)> {
        let span = (self.buckets as i64).checked_mul(width)?;
        if width <= 0 || span >= 1 << 48 {
            return None;
        }
        let scale = f64::from_bits((1.0 / width as f64).to_bits() + 4);
        Some((self.first.checked_mul(width)?, scale))
    }

    /// Hand the (still zero) cells back unused.
    fn give_back(self) {
        TILE.with(|t| *t.borrow_mut() = self.cells);
    }

    /// Add the tile into `series` and hand its (zeroed) cells back for the next batch.
    fn fold_into(mut self, series: &mut [Series]) {
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

const NO_SERVICE: u32 = u32::MAX; // null
const UNKNOWN_SERVICE: u32 = u32::MAX - 1;

impl Aggregator {
    pub fn new(plan: Plan) -> Result<Self, AggError> {
        if plan.bucket_seconds <= 0 {
            return Err(col_err(
                "bucket_seconds",
                format!("must be positive, got {}", plan.bucket_seconds),
            ));
        }
        let mut by_service = vec![Vec::new(); plan.services.len()];
        for (i, slo) in plan.slos.iter().enumerate() {
            let list = by_service.get_mut(slo.service).ok_or_else(|| {
                col_err(
                    "slos",
                    format!("SLO {i} names service index {}", slo.service),
                )
            })?;
            list.push((i, slo.kind));
        }
        let lookup = plan
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        let needs_latency = plan
            .slos
            .iter()
            .any(|s| matches!(s.kind, SliKind::Latency(_)));
        if needs_latency && plan.latency.is_none() {
            return Err(col_err(
                "latency",
                "a latency SLO needs a latency column; none was given",
            ));
        }
        let single_availability = by_service
            .iter()
            .map(|list| match list[..] {
                [] => Some(plan.slos.len() as u32),
                [(slo, SliKind::Availability)] => Some(slo as u32),
                _ => None,
            })
            .collect();
        Ok(Aggregator {
            plan,
            by_service,
            single_availability,
            lookup,
            needs_latency,
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn accumulator(&self) -> Accumulator {
        Accumulator::new(&self.plan)
    }

    /// Service ids per row: dictionary values are resolved once per batch, then rows map
    /// through their codes.
    fn service_ids(&self, arr: &dyn Array) -> Result<Vec<u32>, AggError> {
        let name = &self.plan.service;
        let resolve = |s: &str| self.lookup.get(s).map_or(UNKNOWN_SERVICE, |&i| i as u32);
        let strings = |a: &dyn Array| -> Option<Vec<u32>> {
            let ids = match a.data_type() {
                DataType::Utf8 => a
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map_or(NO_SERVICE, resolve))
                    .collect(),
                DataType::LargeUtf8 => a
                    .as_string::<i64>()
                    .iter()
                    .map(|v| v.map_or(NO_SERVICE, resolve))
                    .collect(),
                DataType::Utf8View => a
                    .as_string_view()
                    .iter()
                    .map(|v| v.map_or(NO_SERVICE, resolve))
                    .collect(),
                _ => return None,
            };
            Some(ids)
        };
        let wrong = || {
            col_err(
                name,
                format!("expected strings, got Arrow type {}", arr.data_type()),
            )
        };
        let DataType::Dictionary(key_type, _) = arr.data_type() else {
            return strings(arr).ok_or_else(wrong);
        };
        let dict = arr.as_any_dictionary();
        // The dictionary's values map to services once; rows then go through their codes.
        let lut = strings(dict.values().as_ref()).ok_or_else(wrong)?;
        let nulls = arr.logical_nulls();
        macro_rules! through {
            ($t:ty) => {{
                let keys = dict.keys().as_primitive::<$t>().values();
                keys.iter()
                    .enumerate()
                    .map(|(i, &k)| {
                        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                            NO_SERVICE
                        } else {
                            lut.get(k as usize).copied().unwrap_or(NO_SERVICE)
                        }
                    })
                    .collect()
            }};
        }
        Ok(match key_type.as_ref() {
            DataType::Int8 => through!(Int8Type),
            DataType::Int16 => through!(Int16Type),
            DataType::Int32 => through!(Int32Type),
            DataType::Int64 => through!(Int64Type),
            DataType::UInt8 => through!(UInt8Type),
            DataType::UInt16 => through!(UInt16Type),
            DataType::UInt32 => through!(UInt32Type),
            DataType::UInt64 => through!(UInt64Type),
            _ => return Err(wrong()),
        })
    }

    /// Per row: whether the request succeeded; plus, when some status code is outside
    /// [`VALID_STATUS`], every row's code (those rows are invalid, not good).
    #[allow(clippy::type_complexity)]
    fn outcomes(
        &self,
        batch: &RecordBatch,
    ) -> Result<(String, Vec<bool>, ArrayRef, Option<Vec<i64>>), AggError> {
        match &self.plan.outcome {
            Outcome::Success(c) => {
                let arr = batch_column(batch, c)?;
                let bools = |a: &dyn Array| -> Option<Vec<bool>> {
                    (*a.data_type() == DataType::Boolean)
                        .then(|| a.as_boolean().values().iter().collect())
                };
                let v = match dictionary_values(arr.as_ref()) {
                    Some(values) => {
                        bools(values.as_ref()).and_then(|lut| through_keys(arr.as_ref(), &lut))
                    }
                    None => bools(arr.as_ref()),
                };
                match v {
                    Some(v) => Ok((c.clone(), v, arr.clone(), None)),
                    None => Err(col_err(
                        c,
                        format!(
                            "expected booleans (success), got Arrow type {}",
                            arr.data_type()
                        ),
                    )),
                }
            }
            Outcome::Status { column, failures } => {
                let arr = batch_column(batch, column)?;
                let fails = |c: i64| failures.iter().any(|&(lo, hi)| c >= lo && c <= hi);
                let codes = ints(arr.as_ref()).ok_or_else(|| {
                    col_err(
                        column,
                        format!(
                            "expected integer status codes, got Arrow type {}",
                            arr.data_type()
                        ),
                    )
                })?;
                let ok = codes.iter().map(|&c| !fails(c)).collect();
                let (lo, hi) = min_max(&codes);
                let valid = |c: i64| VALID_STATUS.contains(&c);
                // An empty batch has no codes (its min/max are the fold's start values).
                let all_valid = codes.is_empty() || (valid(lo) && valid(hi));
                let codes = (!all_valid).then(|| codes.into_owned());
                Ok((column.clone(), ok, arr.clone(), codes))
            }
        }
    }

    /// Add one batch to `acc`. On a bad row (when not skipping) returns the first one.
    pub fn push(&self, acc: &mut Accumulator, batch: &RecordBatch) -> Result<(), AggError> {
        let p = &self.plan;
        let ts_arr = batch_column(batch, &p.timestamp)?;
        let (ts, per_s) = epoch_values(ts_arr.as_ref(), p.epoch_unit).ok_or_else(|| {
            col_err(
                &p.timestamp,
                format!(
                    "expected an Arrow timestamp or integer epoch {}, got Arrow type {}",
                    match p.epoch_unit {
                        EpochUnit::Seconds => "seconds",
                        EpochUnit::Milliseconds => "milliseconds",
                    },
                    ts_arr.data_type()
                ),
            )
        })?;
        let svc_arr = batch_column(batch, &p.service)?;
        if self.push_clean(acc, batch, &ts, ts_arr.as_ref(), per_s, svc_arr.as_ref()) {
            return Ok(());
        }
        let svc = self.service_ids(svc_arr.as_ref())?;
        let (outcome_name, ok, ok_arr, status_codes) = self.outcomes(batch)?;
        let lat = match (&p.latency, self.needs_latency) {
            (Some(c), true) => {
                let arr = batch_column(batch, c)?;
                let v = latencies_ms(arr.as_ref(), p.latency_scale).ok_or_else(|| {
                    col_err(
                        c,
                        format!(
                            "expected numbers or durations, got Arrow type {}",
                            arr.data_type()
                        ),
                    )
                })?;
                Some((c.as_str(), v, arr.logical_nulls()))
            }
            _ => None,
        };
        let cnt = match &p.count {
            Some(c) => {
                let arr = batch_column(batch, c)?;
                let v = ints(arr.as_ref()).ok_or_else(|| {
                    col_err(
                        c,
                        format!(
                            "expected integer counts, got Arrow type {}",
                            arr.data_type()
                        ),
                    )
                })?;
                Some((c.as_str(), v, arr.logical_nulls()))
            }
            None => None,
        };

        // Every bound in the column's own unit, so rows need no conversion.
        let (valid_lo, valid_hi) = (
            p.valid_from.saturating_mul(per_s),
            p.valid_to.saturating_mul(per_s),
        );
        let lo = p.start.map_or(i64::MIN, |s| s.saturating_mul(per_s));
        let hi = p.end.map_or(i64::MAX, |e| e.saturating_mul(per_s));
        let bucketer = Bucketer::new(p.bucket_seconds * per_s);
        let ts_nulls = ts_arr.logical_nulls();
        let ok_nulls = ok_arr.logical_nulls();
        let null_at = |n: &Option<NullBuffer>, i: usize| n.as_ref().is_some_and(|n| n.is_null(i));

        // Per-row checks beyond time range and service only when some column can be bad.
        let checks_needed = ts_nulls.is_some()
            || ok_nulls.is_some()
            || status_codes.is_some()
            || lat.is_some()
            || cnt.is_some();
        let (mut read, mut outside) = (0u64, 0u64);
        let mut skipped = [0u64; REASONS.len()];
        // Rows are counted in a tile when the batch spans few buckets (pre-aggregated rows
        // can carry counts past the tile's 32-bit halves, so they go straight to the series).
        let mut tile = if cnt.is_none() && !ts.is_empty() {
            let (tmin, tmax) = min_max(&ts);
            // Only rows in [max(lo, valid_lo), min(hi, valid_hi)) are counted.
            let from = tmin.max(lo).max(valid_lo);
            let to = tmax
                .min(hi.saturating_sub(1))
                .min(valid_hi.saturating_sub(1));
            if from <= to {
                Tile::for_range(
                    bucketer.bucket(from),
                    bucketer.bucket(to),
                    p.slos.len(),
                    batch.num_rows(),
                )
            } else {
                None
            }
        } else {
            None
        };
        // The common batch: nothing null, bad or out of range, and a tile fits. Checked with
        // a few passes over whole columns, then counted by a loop with no per-row checks.
        if let Some(t) = tile.as_mut() {
            let in_range = ts.first().is_some_and(|_| {
                let (tmin, tmax) = min_max(&ts);
                tmin >= lo.max(valid_lo) && tmax < hi.min(valid_hi)
            });
            let clean = in_range
                && t.reciprocal(p.bucket_seconds * per_s).is_some()
                && ts_nulls.is_none()
                && ok_nulls.is_none()
                && status_codes.is_none()
                && svc.iter().all(|&s| s < UNKNOWN_SERVICE)
                && lat.as_ref().is_none_or(|(_, v, nulls)| {
                    nulls.is_none() && v.iter().all(|&x| x >= 0.0) // NaN fails too
                });
            if clean {
                let lat = lat.as_ref().map(|l| &l.1[..]);
                self.count_clean(t, &ts, &svc, &ok, lat, p.bucket_seconds * per_s);
                acc.rows_read += ts.len() as u64;
                tile.take().expect("tile").fold_into(&mut acc.series);
                return Ok(());
            }
        }
        let result = (|| {
            for i in 0..batch.num_rows() {
                let t = ts[i];
                let s = svc[i];
                // Most rows are clean: one cheap test skips the column-by-column checks.
                let suspect =
                    checks_needed || t < valid_lo || t >= valid_hi || s >= UNKNOWN_SERVICE;
                // The first problem of a row decides its reason, checked column by column.
                // Only the reason: a skipped row costs no message (built below, on error).
                let bad: Option<usize> = if !suspect {
                    None
                } else if null_at(&ts_nulls, i) {
                    Some(R_NULL_TS)
                } else if t < valid_lo || t >= valid_hi {
                    Some(R_TS_RANGE)
                } else if s == NO_SERVICE {
                    Some(R_NULL_SERVICE)
                } else if s == UNKNOWN_SERVICE {
                    Some(R_UNKNOWN_SERVICE)
                } else if null_at(&ok_nulls, i) {
                    Some(R_NULL_OUTCOME)
                } else if status_codes
                    .as_ref()
                    .is_some_and(|c| !VALID_STATUS.contains(&c[i]))
                {
                    Some(R_INVALID_STATUS)
                } else if let Some((_, v, nulls)) = &lat {
                    if null_at(nulls, i) {
                        Some(R_NULL_LATENCY)
                    } else if v[i].is_nan() {
                        Some(R_NAN_LATENCY)
                    } else if v[i] < 0.0 {
                        Some(R_NEG_LATENCY)
                    } else {
                        None
                    }
                } else {
                    None
                };
                let bad = bad.or_else(|| match &cnt {
                    Some((_, _, nulls)) if suspect && null_at(nulls, i) => Some(R_NULL_COUNT),
                    Some((_, v, _)) if suspect && v[i] < 0 => Some(R_NEG_COUNT),
                    _ => None,
                });
                if let Some(reason) = bad {
                    if p.skip_bad_rows {
                        skipped[reason] += 1;
                        continue;
                    }
                    let (column, detail): (&str, String) = match reason {
                        R_NULL_TS => (&p.timestamp, "null timestamp".into()),
                        R_TS_RANGE => (
                            &p.timestamp,
                            format!(
                                "timestamp {} s since the epoch is outside 1990..2200 (wrong unit?)",
                                t.div_euclid(per_s)
                            ),
                        ),
                        R_NULL_SERVICE => (&p.service, "null service".into()),
                        R_UNKNOWN_SERVICE => (
                            &p.service,
                            format!(
                                "service {} is not in the config",
                                describe_service(svc_arr.as_ref(), i)
                            ),
                        ),
                        R_NULL_OUTCOME => (&outcome_name, "null outcome".into()),
                        R_INVALID_STATUS => (
                            &outcome_name,
                            format!(
                                "status code {} is outside {}..{}",
                                status_codes.as_ref().map_or(0, |c| c[i]),
                                VALID_STATUS.start(),
                                VALID_STATUS.end()
                            ),
                        ),
                        R_NULL_LATENCY | R_NAN_LATENCY | R_NEG_LATENCY => {
                            let (name, v, _) = lat.as_ref().expect("a latency reason");
                            let detail = match reason {
                                R_NULL_LATENCY => "null latency".into(),
                                R_NAN_LATENCY => "NaN latency".into(),
                                _ => format!("negative latency {} ms", v[i]),
                            };
                            (name, detail)
                        }
                        _ => {
                            let (name, v, _) = cnt.as_ref().expect("a count reason");
                            let detail = if reason == R_NULL_COUNT {
                                "null count".into()
                            } else {
                                format!("negative count {}", v[i])
                            };
                            (name, detail)
                        }
                    };
                    return Err(AggError::Row {
                        column: column.to_string(),
                        reason: REASONS[reason],
                        row: i,
                        detail,
                    });
                }
                read += 1;
                if t < lo || t >= hi {
                    outside += 1;
                    continue;
                }
                let b = bucketer.bucket(t);
                if let Some(tile) = tile.as_mut() {
                    let row = tile.row(b);
                    for &(slo, kind) in &self.by_service[s as usize] {
                        let good = match kind {
                            SliKind::Availability => ok[i],
                            SliKind::Latency(th) => lat.as_ref().is_some_and(|l| l.1[i] <= th),
                        };
                        tile.cells[row + slo] += 1 | (good as u64) << 32;
                    }
                    continue;
                }
                let n = cnt.as_ref().map_or(1, |c| c.1[i] as u64);
                for &(slo, kind) in &self.by_service[s as usize] {
                    let good = match kind {
                        SliKind::Availability => ok[i],
                        // `lat` is present whenever a latency SLO exists (checked in new()).
                        SliKind::Latency(th) => lat.as_ref().is_some_and(|l| l.1[i] <= th),
                    };
                    acc.series[slo].add(b, if good { n } else { 0 }, n);
                }
            }
            Ok(())
        })();
        if let Some(tile) = tile {
            // Also after an error: the rows before the bad one are counted, as without a tile.
            tile.fold_into(&mut acc.series);
        }
        acc.rows_read += read;
        acc.rows_outside += outside;
        for (a, b) in acc.skipped.iter_mut().zip(skipped) {
            *a += b;
        }
        result
    }

    /// The fast path for the common batch, straight from the Arrow buffers: every service
    /// has at most one SLO and it is an availability SLO, no count column, nothing null,
    /// unknown or out of range, and the batch spans few buckets. False (nothing counted)
    /// when any of that does not hold; the general path then checks row by row.
    fn push_clean(
        &self,
        acc: &mut Accumulator,
        batch: &RecordBatch,
        ts: &[i64],
        ts_arr: &dyn Array,
        per_s: i64,
        svc_arr: &dyn Array,
    ) -> bool {
        let p = &self.plan;
        let Some(col_of) = &self.single_availability else {
            return false;
        };
        if p.count.is_some() || ts.is_empty() || ts_arr.logical_nulls().is_some() {
            return false;
        }
        let (tmin, tmax) = min_max(ts);
        let from = p
            .valid_from
            .saturating_mul(per_s)
            .max(p.start.map_or(i64::MIN, |s| s.saturating_mul(per_s)));
        let to = p
            .valid_to
            .saturating_mul(per_s)
            .min(p.end.map_or(i64::MAX, |e| e.saturating_mul(per_s)));
        if tmin < from || tmax >= to {
            return false;
        }
        let width = p.bucket_seconds * per_s;
        let bucketer = Bucketer::new(width);
        let Some(mut tile) = Tile::for_range(
            bucketer.bucket(tmin),
            bucketer.bucket(tmax),
            p.slos.len(),
            ts.len(),
        ) else {
            return false;
        };
        let Some((origin, scale)) = tile.reciprocal(width) else {
            tile.give_back();
            return false;
        };
        let known = |id: u32| (id < UNKNOWN_SERVICE).then(|| col_of[id as usize]);
        // Services as tile columns: through the dictionary when there is one (its few
        // values are looked up once), else one lookup per row.
        enum Cols<'a> {
            Dict(&'a [i32], Vec<u32>),
            Ids(Vec<u32>),
        }
        let cols = match svc_arr.data_type() {
            _ if svc_arr.logical_nulls().is_some() => None,
            DataType::Dictionary(k, _) if **k == DataType::Int32 => {
                let dict = svc_arr.as_dictionary::<Int32Type>();
                match self.service_ids(dict.values().as_ref()) {
                    Ok(ids) => ids
                        .into_iter()
                        .map(known)
                        .collect::<Option<Vec<u32>>>()
                        .map(|lut| (dict.keys().values(), lut))
                        // Keys past the dictionary (an unvalidated array) are null services:
                        // the general path reports or skips them.
                        .filter(|(keys, lut)| {
                            // One max over the keys (negative ones wrap to huge): vectorises.
                            let top = keys.iter().fold(0u32, |m, &k| m.max(k as u32));
                            (top as usize) < lut.len()
                        })
                        .map(|(keys, lut)| Cols::Dict(keys, lut)),
                    Err(_) => None,
                }
            }
            _ => match self.service_ids(svc_arr) {
                Ok(ids) => ids
                    .into_iter()
                    .map(known)
                    .collect::<Option<Vec<u32>>>()
                    .map(Cols::Ids),
                Err(_) => None,
            },
        };
        // Outcomes: a status column with one failing range, or a success column.
        enum Oks<'a> {
            I16(&'a [i16], i32, u32),
            I32(&'a [i32], i64, u64),
            Bool(&'a arrow_buffer::BooleanBuffer),
        }
        let outcome = match &p.outcome {
            Outcome::Status { column, failures } if failures.len() == 1 => {
                let (lo, hi) = failures[0];
                match batch.column_by_name(column) {
                    Some(a) if a.logical_nulls().is_none() && lo <= hi => match a.data_type() {
                        DataType::Int16 if lo >= i16::MIN as i64 && hi <= i16::MAX as i64 => {
                            Some(Oks::I16(
                                a.as_primitive::<Int16Type>().values(),
                                lo as i32,
                                hi.wrapping_sub(lo) as u32,
                            ))
                        }
                        DataType::Int32 => Some(Oks::I32(
                            a.as_primitive::<Int32Type>().values(),
                            lo,
                            hi.wrapping_sub(lo) as u64,
                        )),
                        _ => None,
                    },
                    _ => None,
                }
            }
            Outcome::Success(column) => match batch.column_by_name(column) {
                Some(a) if a.logical_nulls().is_none() && *a.data_type() == DataType::Boolean => {
                    Some(Oks::Bool(a.as_boolean().values()))
                }
                _ => None,
            },
            _ => None,
        };
        // Codes outside VALID_STATUS are invalid rows: the general path skips or reports
        // them. One min/max pass (it vectorises) over the codes.
        let valid = |lo: i64, hi: i64| VALID_STATUS.contains(&lo) && VALID_STATUS.contains(&hi);
        let outcome = outcome.filter(|o| match o {
            Oks::I16(v, ..) => {
                let (lo, hi) = v
                    .iter()
                    .fold((i16::MAX, i16::MIN), |(a, b), &c| (a.min(c), b.max(c)));
                valid(lo as i64, hi as i64)
            }
            Oks::I32(v, ..) => {
                let (lo, hi) = v
                    .iter()
                    .fold((i32::MAX, i32::MIN), |(a, b), &c| (a.min(c), b.max(c)));
                valid(lo as i64, hi as i64)
            }
            Oks::Bool(_) => true,
        });
        let (Some(cols), Some(outcome)) = (cols, outcome) else {
            tile.give_back();
            return false;
        };
        let n = tile.cols;
        let cells = &mut tile.cells[..];
        // One loop per column-type pair, so each compiles to straight-line code.
        macro_rules! scatter {
            ($col:expr, $ok:expr) => {
                for (i, &t) in ts.iter().enumerate() {
                    // SAFETY: t is in [origin, origin + span) with span < 2^48 (checked
                    // above), so the product is finite, non-negative and below 2^48.
                    let k = unsafe { ((t - origin) as f64 * scale).to_int_unchecked::<i64>() };
                    let good: bool = $ok(i);
                    cells[k as usize * n + $col(i)] += 1 | (good as u64) << 32;
                }
            };
        }
        match (&cols, &outcome) {
            (Cols::Dict(keys, lut), Oks::I16(v, lo, span)) => {
                scatter!(
                    |i: usize| lut[keys[i] as usize] as usize,
                    |i: usize| (v[i] as i32).wrapping_sub(*lo) as u32 > *span
                )
            }
            (Cols::Dict(keys, lut), Oks::I32(v, lo, span)) => {
                scatter!(
                    |i: usize| lut[keys[i] as usize] as usize,
                    |i: usize| (v[i] as i64).wrapping_sub(*lo) as u64 > *span
                )
            }
            (Cols::Dict(keys, lut), Oks::Bool(b)) => {
                scatter!(|i: usize| lut[keys[i] as usize] as usize, |i: usize| b
                    .value(i))
            }
            (Cols::Ids(ids), Oks::I16(v, lo, span)) => {
                scatter!(|i: usize| ids[i] as usize, |i: usize| (v[i] as i32 - *lo)
                    as u32
                    > *span)
            }
            (Cols::Ids(ids), Oks::I32(v, lo, span)) => {
                scatter!(|i: usize| ids[i] as usize, |i: usize| (v[i] as i64 - *lo)
                    as u64
                    > *span)
            }
            (Cols::Ids(ids), Oks::Bool(b)) => {
                scatter!(|i: usize| ids[i] as usize, |i: usize| b.value(i))
            }
        }
        acc.rows_read += ts.len() as u64;
        tile.fold_into(&mut acc.series);
        true
    }

    /// Count rows already known to be clean and inside the tile: no per-row checks.
    fn count_clean(
        &self,
        tile: &mut Tile,
        ts: &[i64],
        svc: &[u32],
        ok: &[bool],
        lat: Option<&[f64]>,
        width: i64,
    ) {
        let cols = tile.cols;
        let (origin, scale) = tile.reciprocal(width).expect("checked by the caller");
        let offset = |t: i64| ((t - origin) as f64 * scale) as usize;
        let cells = &mut tile.cells[..];
        for i in 0..ts.len() {
            let row = offset(ts[i]) * cols;
            for &(slo, kind) in &self.by_service[svc[i] as usize] {
                let good = match kind {
                    SliKind::Availability => ok[i],
                    SliKind::Latency(th) => lat.is_some_and(|l| l[i] <= th),
                };
                cells[row + slo] += 1 | (good as u64) << 32;
            }
        }
    }

    /// Aggregate one batch on `threads` threads (row ranges), returning one accumulator
    /// per thread for the caller to keep or merge. Reports the earliest bad row.
    pub fn push_parallel(
        &self,
        accs: &mut [Accumulator],
        batch: &RecordBatch,
    ) -> Result<(), AggError> {
        let n = batch.num_rows();
        let threads = accs.len().max(1);
        // Small batches are not worth a thread.
        if threads == 1 || n < 16_384 {
            return self.push(&mut accs[0], batch);
        }
        let chunk = n.div_ceil(threads);
        let results: Vec<Result<(), AggError>> = std::thread::scope(|s| {
            let handles: Vec<_> = accs
                .iter_mut()
                .enumerate()
                .map(|(k, acc)| {
                    let off = (k * chunk).min(n);
                    let len = chunk.min(n - off);
                    let part = batch.slice(off, len);
                    s.spawn(move || self.push(acc, &part).map_err(|e| e.shifted(off)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("aggregation thread panicked"))
                .collect()
        });
        // Chunks are in row order, so the first error is the earliest bad row.
        results
            .into_iter()
            .collect::<Result<Vec<()>, _>>()
            .map(|_| ())
    }
}

fn describe_service(arr: &dyn Array, i: usize) -> String {
    let s = match arr.data_type() {
        DataType::Dictionary(_, _) => {
            // The one row's key (normalized_keys() would convert the whole batch's).
            let d = arr.as_any_dictionary();
            let Some(k) = ints(d.keys().slice(i, 1).as_ref()).and_then(|k| k.first().copied())
            else {
                return "?".into();
            };
            let v = d.values();
            return match usize::try_from(k) {
                Ok(k) if k < v.len() => describe_service(v.as_ref(), k),
                _ => "?".into(),
            };
        }
        DataType::Utf8 => arr.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => arr.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => arr.as_string_view().value(i).to_string(),
        _ => return "?".into(),
    };
    format!("'{s}'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{BooleanArray, Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    pub(super) fn plan() -> Plan {
        Plan {
            bucket_seconds: 60,
            services: vec!["a".into(), "b".into()],
            slos: vec![
                SloSpec {
                    service: 0,
                    kind: SliKind::Availability,
                },
                SloSpec {
                    service: 0,
                    kind: SliKind::Latency(100.0),
                },
                SloSpec {
                    service: 1,
                    kind: SliKind::Availability,
                },
            ],
            timestamp: "ts".into(),
            service: "svc".into(),
            outcome: Outcome::Success("ok".into()),
            latency: Some("lat".into()),
            latency_scale: 1.0,
            count: None,
            epoch_unit: EpochUnit::Seconds,
            start: None,
            end: None,
            valid_from: DEFAULT_VALID_FROM,
            valid_to: DEFAULT_VALID_TO,
            skip_bad_rows: false,
        }
    }

    fn batch(ts: Vec<i64>, svc: Vec<&str>, ok: Vec<bool>, lat: Vec<f64>) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("ts", Arc::new(Int64Array::from(ts)) as ArrayRef),
            ("svc", Arc::new(StringArray::from(svc)) as ArrayRef),
            ("ok", Arc::new(BooleanArray::from(ok)) as ArrayRef),
            ("lat", Arc::new(Float64Array::from(lat)) as ArrayRef),
        ])
        .unwrap()
    }

    const T0: i64 = 1_700_000_040; // a whole minute

    #[test]
    fn counts_per_slo_and_bucket() {
        let agg = Aggregator::new(plan()).unwrap();
        let mut acc = agg.accumulator();
        let b = batch(
            vec![T0, T0 + 59, T0 + 60, T0 - 1],
            vec!["a", "a", "b", "a"],
            vec![true, false, true, true],
            vec![50.0, 150.0, 1.0, 100.0],
        );
        agg.push(&mut acc, &b).unwrap();
        let avail = acc.series[0].dense(T0 / 60 - 1, T0 / 60);
        assert_eq!(avail.total(), vec![1, 2]);
        assert_eq!(avail.good(), vec![1, 1]);
        let lat = acc.series[1].dense(T0 / 60 - 1, T0 / 60);
        assert_eq!(lat.good(), vec![1, 1]); // 100 ms is at the threshold: good
        assert_eq!(acc.series[2].span(), Some((T0 / 60 + 1, T0 / 60 + 1)));
        assert_eq!(acc.rows_read, 4);
    }

    #[test]
    fn bad_rows_stop_or_are_counted() {
        let b = batch(
            vec![T0, T0],
            vec!["a", "zzz"],
            vec![true, true],
            vec![1.0, -2.0],
        );
        let agg = Aggregator::new(plan()).unwrap();
        let err = agg.push(&mut agg.accumulator(), &b).unwrap_err();
        assert!(
            matches!(
                err,
                AggError::Row {
                    reason: "unknown_service",
                    row: 1,
                    ..
                }
            ),
            "{err}"
        );
        let mut p = plan();
        p.skip_bad_rows = true;
        let agg = Aggregator::new(p).unwrap();
        let mut acc = agg.accumulator();
        agg.push(&mut acc, &b).unwrap();
        assert_eq!(acc.skipped[R_UNKNOWN_SERVICE], 1);
        assert_eq!(acc.rows_read, 1);
    }

    #[test]
    fn merge_equals_whole() {
        let agg = Aggregator::new(plan()).unwrap();
        let b = batch(
            vec![T0 + 600, T0, T0 + 120, T0 - 3600],
            vec!["a", "b", "a", "a"],
            vec![true, false, false, true],
            vec![1.0, 2.0, 3.0, 4.0],
        );
        let mut whole = agg.accumulator();
        agg.push(&mut whole, &b).unwrap();
        let mut parts = [agg.accumulator(), agg.accumulator()];
        agg.push(&mut parts[1], &b.slice(0, 2)).unwrap();
        agg.push(&mut parts[0], &b.slice(2, 2)).unwrap();
        let (first, rest) = parts.split_at_mut(1);
        first[0].merge(&rest[0]);
        for (x, y) in whole.series.iter().zip(&first[0].series) {
            let (lo, hi) = x.span().unwrap();
            assert_eq!(x.dense(lo, hi), y.dense(lo, hi));
        }
    }

    proptest::proptest! {
        #[test]
        fn bucketer_is_floor_division(v in -4_000_000_000_000_000_000i64..4_000_000_000_000_000_000, w in 1i64..10_000_000_000_000) {
            proptest::prop_assert_eq!(Bucketer::new(w).bucket(v), v.div_euclid(w));
        }
    }

    proptest::proptest! {
        /// The tile's multiply-instead-of-divide offset equals floor division over the whole
        /// span it accepts, at and around every multiple of the width.
        #[test]
        fn tile_reciprocal_is_floor_division(
            w in 1i64..100_000_000_000,
            first in -1_000_000i64..40_000_000,
            buckets in 1usize..2000,
            picks in proptest::collection::vec((0u64..u64::MAX, -2i64..3), 64),
        ) {
            let tile = Tile { first, buckets, cols: 1, cells: Vec::new() };
            match tile.reciprocal(w) {
                None => proptest::prop_assert!(buckets as i128 * w as i128 >= 1 << 48),
                Some((origin, scale)) => {
                    let span = buckets as i64 * w;
                    for (u, nudge) in picks {
                        // Offsets spread over the span, many of them next to a multiple.
                        let d = ((u % span as u64) as i64 / w * w + nudge).clamp(0, span - 1);
                        let got = ((origin + d - origin) as f64 * scale) as i64;
                        proptest::prop_assert_eq!(got, d / w, "d={} w={}", d, w);
                    }
                }
            }
        }

        /// Every path through `push` (the clean fast path, the clean path with per-service
        /// SLO lists, the general row-by-row path; tiles or none) counts like a naive
        /// reference, for every column type the fast path reads.
        #[test]
        fn every_path_counts_like_a_reference(
            rows in proptest::collection::vec((0i64..1_000_000, 0usize..4, 0usize..4, 0.0f64..300.0), 0..300),
            span in proptest::sample::select(vec![600i64, 36_000, 5_000_000]),
            dictionary in proptest::bool::ANY,
            status_type in 0u8..3,
            with_latency in proptest::bool::ANY,
            unknown in proptest::bool::ANY,
            ranged in proptest::bool::ANY,
        ) {
            use arrow_array::{DictionaryArray, Int16Array, Int32Array};
            let names = ["a", "b", "c", "zzz"];
            let codes = [200i64, 404, 503, 599];
            // "zzz" is not in the config: without `unknown`, rows never name it.
            let rows: Vec<_> = rows
                .into_iter()
                .map(|(t, s, c, l)| (T0 + t % span, if unknown { s } else { s % 3 }, codes[c], l))
                .collect();
            let mut slos = vec![
                SloSpec { service: 0, kind: SliKind::Availability },
                SloSpec { service: 1, kind: SliKind::Availability },
            ];
            if with_latency {
                slos.push(SloSpec { service: 0, kind: SliKind::Latency(100.0) });
            }
            let (start, end) = if ranged { (Some(T0 + span / 4), Some(T0 + span / 2)) } else { (None, None) };
            let outcome = if status_type == 2 {
                Outcome::Success("ok".into())
            } else {
                Outcome::Status { column: "status".into(), failures: vec![(500, 599)] }
            };
            let plan = Plan {
                services: vec!["a".into(), "b".into(), "c".into()],
                slos: slos.clone(),
                timestamp: "ts".into(),
                service: "svc".into(),
                outcome,
                latency: Some("lat".into()),
                start,
                end,
                skip_bad_rows: true,
                ..plan()
            };
            let svc: ArrayRef = if dictionary {
                let keys: Vec<i32> = rows.iter().map(|r| r.1 as i32).collect();
                Arc::new(DictionaryArray::<Int32Type>::try_new(keys.into(), Arc::new(StringArray::from(names.to_vec()))).unwrap())
            } else {
                Arc::new(StringArray::from(rows.iter().map(|r| names[r.1]).collect::<Vec<_>>()))
            };
            let (outcome_name, outcome_col): (&str, ArrayRef) = match status_type {
                0 => ("status", Arc::new(Int16Array::from(rows.iter().map(|r| r.2 as i16).collect::<Vec<_>>()))),
                1 => ("status", Arc::new(Int32Array::from(rows.iter().map(|r| r.2 as i32).collect::<Vec<_>>()))),
                _ => ("ok", Arc::new(BooleanArray::from(rows.iter().map(|r| r.2 < 500).collect::<Vec<_>>()))),
            };
            let b = RecordBatch::try_from_iter([
                ("ts", Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())) as ArrayRef),
                ("svc", svc),
                (outcome_name, outcome_col),
                ("lat", Arc::new(Float64Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())) as ArrayRef),
            ]).unwrap();
            let agg = Aggregator::new(plan).unwrap();
            let mut acc = agg.accumulator();
            agg.push(&mut acc, &b).unwrap();

            let mut want: HashMap<(usize, i64), (u64, u64)> = HashMap::new();
            let (mut unknown_rows, mut outside) = (0u64, 0u64);
            for &(t, s, code, lat) in &rows {
                if s == 3 {
                    unknown_rows += 1;
                    continue;
                }
                if start.is_some_and(|lo| t < lo) || end.is_some_and(|hi| t >= hi) {
                    outside += 1;
                    continue;
                }
                for (i, slo) in slos.iter().enumerate().filter(|(_, o)| o.service == s) {
                    let good = match slo.kind {
                        SliKind::Availability => code < 500,
                        SliKind::Latency(th) => lat <= th,
                    };
                    let e = want.entry((i, t.div_euclid(60))).or_default();
                    e.0 += good as u64;
                    e.1 += 1;
                }
            }
            let mut got: HashMap<(usize, i64), (u64, u64)> = HashMap::new();
            for (i, series) in acc.series.iter().enumerate() {
                for (k, c) in series.counts.iter().enumerate() {
                    if c[1] > 0 {
                        got.insert((i, series.base + k as i64), (c[0], c[1]));
                    }
                }
            }
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(acc.skipped[R_UNKNOWN_SERVICE], unknown_rows);
            proptest::prop_assert_eq!(acc.rows_outside, outside);
            proptest::prop_assert_eq!(acc.rows_read, rows.len() as u64 - unknown_rows);
        }
    }

    proptest::proptest! {
        /// Small widths (seconds, 1 s buckets) with values anywhere in i64.
        #[test]
        fn bucketer_is_floor_division_for_small_widths(v in proptest::num::i64::ANY, w in 1i64..600) {
            proptest::prop_assert_eq!(Bucketer::new(w).bucket(v), v.div_euclid(w));
        }
    }

    #[test]
    fn bucketer_at_edges() {
        for w in [60i64, 60_000, 60_000_000_000] {
            let b = Bucketer::new(w);
            // 2026-01-01 in the unit whose minute is `w` (seconds, ms, ns).
            let new_year = 1_767_225_600 * (w / 60);
            for v in [0, -1, w - 1, w, -w, -w - 1, new_year, new_year - 1] {
                assert_eq!(b.bucket(v), v.div_euclid(w), "{v} / {w}");
            }
        }
    }

    #[test]
    fn missing_column_is_named() {
        let agg = Aggregator::new(plan()).unwrap();
        let b =
            RecordBatch::try_from_iter([("ts", Arc::new(Int64Array::from(vec![T0])) as ArrayRef)])
                .unwrap();
        let err = agg.push(&mut agg.accumulator(), &b).unwrap_err();
        assert!(err.to_string().contains("column 'svc': missing"), "{err}");
    }
}

#[cfg(test)]
#[path = "aggregate_paths_tests.rs"]
mod paths_tests;

#[cfg(test)]
#[path = "aggregate_rows_proptest.rs"]
mod rows_proptest;
