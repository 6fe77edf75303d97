//! Error-budget figures for a target and a period.
//!
//! Targets are decimal percentages. `budget_fraction` turns one into the exact share of
//! events (or time) allowed to be bad: 99.9 leaves exactly 0.001, not the
//! 0.0009999999999999432 that `(100 - 99.9) / 100` gives in binary floating point.

use crate::error::{CoreError, CoreResult};

/// Digits of a target kept after the decimal point (99.999999999 is the finest target).
const TARGET_DECIMALS: f64 = 1e9;

/// The share of events allowed to be bad for a target in percent: 1 - target / 100.
pub fn budget_fraction(target_percent: f64) -> CoreResult<f64> {
    if !target_percent.is_finite() || target_percent <= 0.0 || target_percent >= 100.0 {
        return Err(CoreError::invalid(
            "target",
            format!("must be a percentage strictly between 0 and 100, got {target_percent}"),
        ));
    }
    // Round the complement to the decimals a target can have, then divide two exactly
    // representable numbers: the result is the double nearest the true decimal.
    let scaled = ((100.0 - target_percent) * TARGET_DECIMALS).round();
    if scaled <= 0.0 {
        return Err(CoreError::invalid(
            "target",
            format!("{target_percent} leaves no error budget at 9 decimal places"),
        ));
    }
    Ok(scaled / (100.0 * TARGET_DECIMALS))
}

/// Burn rate: how many times faster than sustainable the budget is being spent.
pub fn burn_rate(error_ratio: f64, budget_fraction: f64) -> f64 {
    if budget_fraction <= 0.0 {
        return 0.0;
    }
    error_ratio / budget_fraction
}

/// Seconds until the remaining budget is gone at a constant burn rate, or None when the
/// budget is not being spent. Burning at 1x spends the whole budget in exactly one period.
pub fn time_to_exhaustion(remaining_fraction: f64, burn: f64, period_seconds: f64) -> Option<f64> {
    if burn <= 0.0 || !burn.is_finite() {
        return None;
    }
    Some((remaining_fraction.max(0.0) * period_seconds) / burn)
}

/// Share of the period's budget a burn rate spends over `duration_seconds`.
pub fn budget_spent(burn: f64, duration_seconds: f64, period_seconds: f64) -> f64 {
    burn * duration_seconds / period_seconds
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetStatus {
    Healthy,
    Warning,
    Critical,
    Exhausted,
}

impl BudgetStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            BudgetStatus::Healthy => "healthy",
            BudgetStatus::Warning => "warning",
            BudgetStatus::Critical => "critical",
            BudgetStatus::Exhausted => "exhausted",
        }
    }
}

/// Consumption (fractions of the budget) at which the status changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusThresholds {
    pub warning: f64,
    pub critical: f64,
    pub exhausted: f64,
}

impl Default for StatusThresholds {
    /// 75 % consumed is a warning, 90 % critical, 100 % exhausted. (At 50 % the default
    /// budget-exhaustion alerts send an info notice; the status stays healthy.)
    fn default() -> Self {
        StatusThresholds {
            warning: 0.75,
            critical: 0.90,
            exhausted: 1.0,
        }
    }
}

impl StatusThresholds {
    pub fn validate(&self) -> CoreResult<()> {
        let ok = self.warning.is_finite()
            && self.critical.is_finite()
            && self.exhausted.is_finite()
            && 0.0 < self.warning
            && self.warning <= self.critical
            && self.critical <= self.exhausted;
        if !ok {
            return Err(CoreError::invalid(
                "thresholds",
                format!(
                    "need 0 < warning <= critical <= exhausted, got {} / {} / {}",
                    self.warning, self.critical, self.exhausted
                ),
            ));
        }
        Ok(())
    }

    pub fn status(&self, consumed_fraction: f64) -> BudgetStatus {
        // A hair of tolerance so that exactly 75 % computed as 0.7499999999999999 counts.
        let c = consumed_fraction * (1.0 + 1e-12);
        if c >= self.exhausted {
            BudgetStatus::Exhausted
        } else if c >= self.critical {
            BudgetStatus::Critical
        } else if c >= self.warning {
            BudgetStatus::Warning
        } else {
            BudgetStatus::Healthy
        }
    }
}

/// Everything a user reads about one SLO's budget over one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBudget {
    pub budget_fraction: f64,
    /// Allowed bad time: budget_fraction * period.
    pub total_minutes: f64,
    /// Allowed bad events: budget_fraction * total events (0 with no traffic).
    pub total_events: f64,
    pub bad_events: u64,
    /// Bad events over allowed bad events; above 1 when overspent. 0 with no traffic.
    pub consumed_fraction: f64,
    pub remaining_fraction: f64,
    pub consumed_minutes: f64,
    pub remaining_minutes: f64,
    /// Error ratio over the whole period divided by the budget fraction.
    pub burn_rate: f64,
    pub status: BudgetStatus,
    pub has_data: bool,
}

impl ErrorBudget {
    pub fn from_counts(
        target_percent: f64,
        period_seconds: f64,
        good: u64,
        total: u64,
        thresholds: &StatusThresholds,
    ) -> CoreResult<Self> {
        let bf = budget_fraction(target_percent)?;
        if !(period_seconds.is_finite() && period_seconds > 0.0) {
            return Err(CoreError::window(
                "period",
                format!("must be a positive number of seconds, got {period_seconds}"),
            ));
        }
        crate::counter::check_good_total(good, total)?;
        thresholds.validate()?;
        let bad = total - good;
        let total_minutes = bf * period_seconds / 60.0;
        let (consumed, ratio) = if total == 0 {
            (0.0, 0.0)
        } else {
            let ratio = bad as f64 / total as f64;
            (ratio / bf, ratio)
        };
        Ok(ErrorBudget {
            budget_fraction: bf,
            total_minutes,
            total_events: bf * total as f64,
            bad_events: bad,
            consumed_fraction: consumed,
            remaining_fraction: 1.0 - consumed,
            consumed_minutes: consumed * total_minutes,
            remaining_minutes: (1.0 - consumed) * total_minutes,
            burn_rate: burn_rate(ratio, bf),
            status: thresholds.status(consumed),
            has_data: total > 0,
        })
    }

    /// The budget when only the achieved SLI (in percent) is known.
    pub fn from_sli(
        target_percent: f64,
        period_seconds: f64,
        actual_percent: f64,
        thresholds: &StatusThresholds,
    ) -> CoreResult<Self> {
        if !(actual_percent.is_finite() && (0.0..=100.0).contains(&actual_percent)) {
            return Err(CoreError::invalid(
                "actual_percent",
                format!("must be between 0 and 100, got {actual_percent}"),
            ));
        }
        let bf = budget_fraction(target_percent)?;
        if !(period_seconds.is_finite() && period_seconds > 0.0) {
            return Err(CoreError::window(
                "period",
                format!("must be a positive number of seconds, got {period_seconds}"),
            ));
        }
        thresholds.validate()?;
        // The error ratio as an exact decimal complement, like the target.
        let ratio =
            ((100.0 - actual_percent) * TARGET_DECIMALS).round() / (100.0 * TARGET_DECIMALS);
        let consumed = ratio / bf;
        let total_minutes = bf * period_seconds / 60.0;
        Ok(ErrorBudget {
            budget_fraction: bf,
            total_minutes,
            total_events: 0.0,
            bad_events: 0,
            consumed_fraction: consumed,
            remaining_fraction: 1.0 - consumed,
            consumed_minutes: consumed * total_minutes,
            remaining_minutes: (1.0 - consumed) * total_minutes,
            burn_rate: consumed,
            status: thresholds.status(consumed),
            has_data: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400.0;

    #[test]
    fn budget_fraction_is_exact() {
        assert_eq!(budget_fraction(99.9).unwrap(), 0.001);
        assert_eq!(budget_fraction(99.99).unwrap(), 0.0001);
        assert_eq!(budget_fraction(99.5).unwrap(), 0.005);
        assert_eq!(budget_fraction(95.0).unwrap(), 0.05);
        assert!(budget_fraction(100.0).is_err());
        assert!(budget_fraction(0.0).is_err());
        assert!(budget_fraction(f64::NAN).is_err());
    }

    // The SRE Workbook's figures for 99.9 % over 30 days.
    #[test]
    fn workbook_figures() {
        let b =
            ErrorBudget::from_counts(99.9, 30.0 * DAY, 0, 0, &StatusThresholds::default()).unwrap();
        assert!((b.total_minutes - 43.2).abs() < 1e-12);
        // 14.4x for an hour spends 2 %, and the whole budget in 50 hours.
        assert!((budget_spent(14.4, 3600.0, 30.0 * DAY) - 0.02).abs() < 1e-15);
        assert!((time_to_exhaustion(1.0, 14.4, 30.0 * DAY).unwrap() - 50.0 * 3600.0).abs() < 1e-6);
        assert!((time_to_exhaustion(1.0, 6.0, 30.0 * DAY).unwrap() - 5.0 * DAY).abs() < 1e-6);
        // 100 % errors at 99.9 % is a 1000x burn: 43.2 minutes.
        let burn = burn_rate(1.0, budget_fraction(99.9).unwrap());
        assert_eq!(burn, 1000.0);
        assert!((time_to_exhaustion(1.0, burn, 30.0 * DAY).unwrap() - 43.2 * 60.0).abs() < 1e-9);
        assert_eq!(time_to_exhaustion(1.0, 0.0, 30.0 * DAY), None);
    }

    #[test]
    fn half_consumed_at_99_95() {
        let b =
            ErrorBudget::from_sli(99.9, 30.0 * DAY, 99.95, &StatusThresholds::default()).unwrap();
        assert!((b.consumed_fraction - 0.5).abs() < 1e-12);
        assert!((b.remaining_minutes - 21.6).abs() < 1e-9);
        assert_eq!(b.status, BudgetStatus::Healthy);
    }

    #[test]
    fn status_thresholds() {
        let t = StatusThresholds::default();
        assert_eq!(t.status(0.0), BudgetStatus::Healthy);
        assert_eq!(t.status(0.75), BudgetStatus::Warning);
        assert_eq!(t.status(0.7499999999999999), BudgetStatus::Warning);
        assert_eq!(t.status(0.9), BudgetStatus::Critical);
        assert_eq!(t.status(1.2), BudgetStatus::Exhausted);
    }

    #[test]
    fn no_traffic_no_nan() {
        let b = ErrorBudget::from_counts(99.0, DAY, 0, 0, &StatusThresholds::default()).unwrap();
        assert_eq!(b.consumed_fraction, 0.0);
        assert!(!b.has_data);
        assert!(b.burn_rate.is_finite());
    }
}
