//! What a backfill aggregates: the plan (columns, SLOs per service, bucket width, time
//! range) the kernel checks once and then follows for every batch.

pub use crate::sli::SliKind;

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

/// The valid range of request timestamps (epoch seconds): the core's one
/// [`crate::clock::VALID_TIME_RANGE`].
pub const DEFAULT_VALID_FROM: i64 = crate::clock::VALID_TIME_RANGE.0;
pub const DEFAULT_VALID_TO: i64 = crate::clock::VALID_TIME_RANGE.1;
