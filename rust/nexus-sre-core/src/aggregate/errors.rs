//! Why a batch could not be aggregated: a missing or mistyped column, or a bad row with its
//! column, reason (one of [`REASONS`]) and row.

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
pub(super) const R_NULL_TS: usize = 0;
pub(super) const R_TS_RANGE: usize = 1;
pub(super) const R_NULL_SERVICE: usize = 2;
pub(super) const R_UNKNOWN_SERVICE: usize = 3;
pub(super) const R_NULL_OUTCOME: usize = 4;
pub(super) const R_NULL_LATENCY: usize = 5;
pub(super) const R_NAN_LATENCY: usize = 6;
pub(super) const R_NEG_LATENCY: usize = 7;
pub(super) const R_NULL_COUNT: usize = 8;
pub(super) const R_NEG_COUNT: usize = 9;
pub(super) const R_INVALID_STATUS: usize = 10;

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

pub(super) fn col_err(column: &str, message: impl Into<String>) -> AggError {
    AggError::Column {
        column: column.to_string(),
        message: message.into(),
    }
}
