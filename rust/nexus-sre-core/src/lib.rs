//! nexus-sre core: the pure logic behind nexus-sre, free of Python.
//!
//! * [`sli`]: the good-event rule: is this request good for this SLO.
//! * [`counter`]: lock-free windowed good/total counters fed on every request, their
//!   storage (heap or a file shared by processes) and the per-service recorder.
//! * [`budget`]: error-budget figures for a target and a period.
//! * [`burn`]: rolling error ratios and burn rates over bucket series.
//! * [`aggregate`]: request rows (Arrow batches) into per-SLO, per-bucket good/total.
//! * [`alerting`]: multi-window multi-burn-rate alerts, at one instant and as a backtest.

pub mod aggregate;
pub mod alerting;
pub mod budget;
pub mod burn;
pub mod clock;
pub mod counter;
pub mod error;
pub mod sli;

pub use error::{CoreError, CoreResult};
