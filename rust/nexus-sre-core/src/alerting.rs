//! Multi-window multi-burn-rate alerting (Google SRE Workbook, chapter 5).
//!
//! A tier fires where both its long and its short window burn at or above its factor and
//! the long window saw at least `min_events` events. The factor of a tier that may spend
//! `budget_share` of the budget over its long window is budget_share * period / long_window.

use crate::budget::budget_fraction;
use crate::burn::check_series;
use crate::counter::WindowedCounter;
use crate::error::{CoreError, CoreResult};

/// Burns within one part in a billion of a factor count as at it: 0.0144 / 0.001 is
/// 14.399999999999999 in binary floating point, and must fire a 14.4 tier. The one
/// definition: Python's alert rules read it as `_core.BURN_TOLERANCE`.
pub const TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq)]
pub struct AlertTier {
    pub factor: f64,
    pub long_seconds: i64,
    pub short_seconds: i64,
}

impl AlertTier {
    pub fn validate(&self) -> CoreResult<()> {
        if !(self.factor.is_finite() && self.factor > 0.0) {
            return Err(CoreError::invalid(
                "factor",
                format!("must be positive, got {}", self.factor),
            ));
        }
        if self.long_seconds <= 0 || self.short_seconds <= 0 {
            return Err(CoreError::window(
                "window",
                format!(
                    "long and short windows must be positive, got {} s and {} s",
                    self.long_seconds, self.short_seconds
                ),
            ));
        }
        if self.short_seconds > self.long_seconds {
            return Err(CoreError::window(
                "short_window",
                format!(
                    "{} s is longer than the long window ({} s)",
                    self.short_seconds, self.long_seconds
                ),
            ));
        }
        Ok(())
    }
}

/// The burn-rate factor that spends `budget_share` of the budget over `long_seconds`.
pub fn workbook_factor(budget_share: f64, period_seconds: i64, long_seconds: i64) -> f64 {
    budget_share * period_seconds as f64 / long_seconds as f64
}

/// One of the SRE Workbook's default alert tiers, as data: the share of the error budget
/// it may spend within its long window (an exact decimal), its windows and its severity.
/// Its burn-rate factor follows from the SLO's period (see [`WorkbookTier::factor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkbookTier {
    pub name: &'static str,
    /// A decimal string, so that Python reads it as an exact `Decimal`.
    pub budget_share: &'static str,
    pub long_seconds: i64,
    pub short_seconds: i64,
    pub severity: &'static str,
}

/// The Workbook's four tiers, the one definition nexus-sre has of them (Python's
/// `config.defaults` reads them from `_core.WORKBOOK_TIERS`). Page: 2 % of the budget in
/// 1h (5m), 5 % in 6h (30m). Ticket: 10 % in 1d (2h), 10 % in 3d (6h).
pub const WORKBOOK_TIERS: [WorkbookTier; 4] = [
    WorkbookTier {
        name: "page-1h",
        budget_share: "0.02",
        long_seconds: 3600,
        short_seconds: 300,
        severity: "critical",
    },
    WorkbookTier {
        name: "page-6h",
        budget_share: "0.05",
        long_seconds: 21_600,
        short_seconds: 1800,
        severity: "critical",
    },
    WorkbookTier {
        name: "ticket-1d",
        budget_share: "0.10",
        long_seconds: 86_400,
        short_seconds: 7200,
        severity: "warning",
    },
    WorkbookTier {
        name: "ticket-3d",
        budget_share: "0.10",
        long_seconds: 259_200,
        short_seconds: 21_600,
        severity: "warning",
    },
];

/// A plain decimal ("0.02") as numerator and power-of-ten denominator; None if malformed.
fn decimal(s: &str) -> Option<(u128, u128)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = format!("{int}{frac}").parse().ok()?;
    Some((num, 10u128.checked_pow(frac.len() as u32)?))
}

impl WorkbookTier {
    /// share * period / long window, rounded once from the exact decimal share (13.44 for
    /// the first tier of a 28-day SLO).
    pub fn factor(&self, period_seconds: i64) -> f64 {
        let (num, den) = decimal(self.budget_share).expect("Workbook shares are decimals");
        match (
            u128::try_from(period_seconds),
            u128::try_from(self.long_seconds),
        ) {
            (Ok(p), Ok(long)) if long > 0 => crate::budget::exact_ratio(num * p, den * long),
            _ => workbook_factor(num as f64 / den as f64, period_seconds, self.long_seconds),
        }
    }

    pub fn alert_tier(&self, period_seconds: i64) -> AlertTier {
        AlertTier {
            factor: self.factor(period_seconds),
            long_seconds: self.long_seconds,
            short_seconds: self.short_seconds,
        }
    }
}

/// The Workbook's four tiers as alert tiers for an SLO period.
pub fn workbook_tiers(period_seconds: i64) -> Vec<AlertTier> {
    WORKBOOK_TIERS
        .iter()
        .map(|t| t.alert_tier(period_seconds))
        .collect()
}

#[inline]
fn burns_at_least(bad: u64, total: u64, budget_fraction: f64, factor: f64) -> bool {
    total > 0 && (bad as f64 / total as f64) / budget_fraction >= factor * (1.0 - TOLERANCE)
}

/// A tier's state at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct TierState {
    pub firing: bool,
    pub long_burn: f64,
    pub short_burn: f64,
    pub long_total: u64,
    pub short_total: u64,
}

/// Evaluate every tier over a live counter at `end` (default: now).
pub fn evaluate(
    counter: &WindowedCounter,
    target_percent: f64,
    tiers: &[AlertTier],
    min_events: u64,
    end: Option<f64>,
) -> CoreResult<Vec<TierState>> {
    let bf = budget_fraction(target_percent)?;
    let mut windows = Vec::with_capacity(tiers.len() * 2);
    for t in tiers {
        t.validate()?;
        windows.push(t.long_seconds);
        windows.push(t.short_seconds);
    }
    let stats = counter.windows(&windows, end)?;
    Ok(tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (l, s) = (stats[2 * i], stats[2 * i + 1]);
            TierState {
                firing: l.total >= min_events.max(1)
                    && burns_at_least(l.bad(), l.total, bf, t.factor)
                    && burns_at_least(s.bad(), s.total, bf, t.factor),
                long_burn: l.error_ratio() / bf,
                short_burn: s.error_ratio() / bf,
                long_total: l.total,
                short_total: s.total,
            }
        })
        .collect())
}

/// An interval of buckets in which a tier fired: `start` is the first bucket at whose end
/// it fired, `end` the first bucket after it stopped (exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct FiringInterval {
    pub tier: usize,
    pub start: usize,
    pub end: usize,
    pub peak_burn: f64,
}

/// Replay the tiers over a per-bucket series: where each would have fired.
/// Evaluation happens at the end of every bucket, over the windows ending there.
pub fn backtest(
    good: &[u64],
    total: &[u64],
    bucket_seconds: i64,
    target_percent: f64,
    tiers: &[AlertTier],
    min_events: u64,
) -> CoreResult<Vec<FiringInterval>> {
    check_series(good, total)?;
    let bf = budget_fraction(target_percent)?;
    if bucket_seconds <= 0 {
        return Err(CoreError::invalid(
            "bucket_seconds",
            format!("must be positive, got {bucket_seconds}"),
        ));
    }
    let mut out = Vec::new();
    for (ti, tier) in tiers.iter().enumerate() {
        tier.validate()?;
        for (name, secs) in [
            ("long_window", tier.long_seconds),
            ("short_window", tier.short_seconds),
        ] {
            if secs % bucket_seconds != 0 {
                return Err(CoreError::window(
                    name,
                    format!("{secs} s is not a whole number of {bucket_seconds}-second buckets"),
                ));
            }
        }
        let kl = (tier.long_seconds / bucket_seconds) as usize;
        let ks = (tier.short_seconds / bucket_seconds) as usize;
        // Fire when bad / total >= factor * budget, i.e. bad >= threshold * total: compare
        // without dividing, in one pass with sliding sums over both windows.
        let threshold = tier.factor * bf * (1.0 - TOLERANCE);
        let min_total = min_events.max(1);
        let (mut long_bad, mut long_total, mut short_bad, mut short_total) =
            (0u64, 0u64, 0u64, 0u64);
        let mut open: Option<FiringInterval> = None;
        for i in 0..good.len() {
            let bad = total[i] - good[i];
            long_bad += bad;
            long_total += total[i];
            short_bad += bad;
            short_total += total[i];
            if i >= kl {
                long_bad -= total[i - kl] - good[i - kl];
                long_total -= total[i - kl];
            }
            if i >= ks {
                short_bad -= total[i - ks] - good[i - ks];
                short_total -= total[i - ks];
            }
            let firing = long_total >= min_total
                && short_total > 0
                && long_bad as f64 >= threshold * long_total as f64
                && short_bad as f64 >= threshold * short_total as f64;
            match (&mut open, firing) {
                (Some(iv), true) => {
                    iv.peak_burn = iv.peak_burn.max(long_bad as f64 / long_total as f64 / bf)
                }
                (Some(iv), false) => {
                    iv.end = i;
                    out.push(open.take().unwrap());
                }
                (None, true) => {
                    open = Some(FiringInterval {
                        tier: ti,
                        start: i,
                        end: i + 1,
                        peak_burn: long_bad as f64 / long_total as f64 / bf,
                    })
                }
                (None, false) => {}
            }
        }
        if let Some(mut iv) = open {
            iv.end = good.len();
            out.push(iv);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_factors_for_30_and_28_days() {
        let f30: Vec<f64> = workbook_tiers(30 * 86_400)
            .iter()
            .map(|t| t.factor)
            .collect();
        let f28: Vec<f64> = workbook_tiers(28 * 86_400)
            .iter()
            .map(|t| t.factor)
            .collect();
        for (got, want) in f30.iter().zip([14.4, 6.0, 3.0, 1.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        for (got, want) in f28.iter().zip([13.44, 5.6, 2.8, 28.0 / 30.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        // Each the double nearest the exact decimal.
        assert_eq!(f28[..3], [13.44, 5.6, 2.8]);
        assert_eq!(f30, [14.4, 6.0, 3.0, 1.0]);
    }

    #[test]
    fn workbook_tiers_as_data() {
        let names: Vec<&str> = WORKBOOK_TIERS.iter().map(|t| t.name).collect();
        assert_eq!(names, ["page-1h", "page-6h", "ticket-1d", "ticket-3d"]);
        for t in WORKBOOK_TIERS {
            let (num, den) = decimal(t.budget_share).unwrap();
            assert!(num > 0 && num < den, "{}", t.budget_share);
            assert!(t.short_seconds < t.long_seconds);
        }
        assert_eq!(decimal("0.10"), Some((10, 100)));
        assert_eq!(decimal("1"), Some((1, 1)));
        assert_eq!(decimal(".5"), None);
        assert_eq!(decimal("0.1e3"), None);
    }

    #[test]
    fn total_outage_fires_page_after_one_minute() {
        // 100 events a minute for 2 hours, all bad from minute 60 to 70.
        let total = vec![100u64; 120];
        let good: Vec<u64> = (0..120)
            .map(|i| if (60..70).contains(&i) { 0 } else { 100 })
            .collect();
        let tiers = workbook_tiers(30 * 86_400);
        let fired = backtest(&good, &total, 60, 99.9, &tiers[..1], 0).unwrap();
        assert_eq!(fired.len(), 1);
        // Fires at the end of the first bad minute (1000x burn in the 5m and 1h windows)
        assert_eq!(fired[0].start, 60);
        // and stops once the 5-minute window is clean again: buckets 70..74 still hold bad
        // events, bucket 74's window (70..=74) is clean.
        assert_eq!(fired[0].end, 74);
    }

    #[test]
    fn exactly_at_factor_fires() {
        // 14.4x exactly: 144 bad of 10,000 at 99.9 %.
        let tiers = [AlertTier {
            factor: 14.4,
            long_seconds: 60,
            short_seconds: 60,
        }];
        let fired = backtest(&[10_000 - 144], &[10_000], 60, 99.9, &tiers, 0).unwrap();
        assert_eq!(fired.len(), 1);
        let below = backtest(&[10_000 - 143], &[10_000], 60, 99.9, &tiers, 0).unwrap();
        assert!(below.is_empty());
    }

    #[test]
    fn min_events_suppresses() {
        let tiers = [AlertTier {
            factor: 1.0,
            long_seconds: 60,
            short_seconds: 60,
        }];
        assert!(backtest(&[0], &[5], 60, 99.0, &tiers, 10)
            .unwrap()
            .is_empty());
        assert_eq!(backtest(&[0], &[5], 60, 99.0, &tiers, 5).unwrap().len(), 1);
    }
}
