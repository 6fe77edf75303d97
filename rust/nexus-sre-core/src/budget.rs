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
    Ok(budget_units(target_percent)? as f64 / FRACTION_UNITS as f64)
}

/// Units of 1e-11 in which a budget fraction is exact: 100 * 10^TARGET_DECIMALS.
const FRACTION_UNITS: u128 = 100_000_000_000;

/// The budget fraction of a target in units of 1e-11: an exact integer, since a target has
/// at most 9 decimals (99.9 -> 100,000,000, i.e. 0.001).
fn budget_units(target_percent: f64) -> CoreResult<u64> {
    if !target_percent.is_finite() || target_percent <= 0.0 || target_percent >= 100.0 {
        return Err(CoreError::invalid(
            "target",
            format!("must be a percentage strictly between 0 and 100, got {target_percent}"),
        ));
    }
    // Round the complement to the decimals a target can have: an integer count of units.
    let scaled = ((100.0 - target_percent) * TARGET_DECIMALS).round();
    if scaled <= 0.0 {
        return Err(CoreError::invalid(
            "target",
            format!("{target_percent} leaves no error budget at 9 decimal places"),
        ));
    }
    Ok(scaled as u64)
}

/// An achieved SLI in percent as its error ratio in units of 1e-11 (exact, like a target).
fn error_units(actual_percent: f64) -> u64 {
    ((100.0 - actual_percent) * TARGET_DECIMALS).round() as u64
}

/// `num / den` as the nearest double (ties to even): one rounding of the exact quotient,
/// where computing it from rounded factors could land a step off. `den` must be positive
/// and below 2^127.
pub fn exact_ratio(num: u128, den: u128) -> f64 {
    assert!(
        den > 0 && den < 1 << 127,
        "exact_ratio: denominator out of range"
    );
    if num == 0 {
        return 0.0;
    }
    // value = (q + r / den) * 2^exp, with q brought to 54 significant bits.
    let (mut q, mut r) = (num / den, num % den);
    let mut exp: i32 = 0;
    let sticky;
    let bits = 128 - q.leading_zeros() as i32;
    if bits > 54 {
        let shift = bits - 54;
        sticky = r != 0 || q & ((1u128 << shift) - 1) != 0;
        q >>= shift;
        exp += shift;
    } else {
        while q < 1 << 53 {
            r <<= 1;
            q <<= 1;
            if r >= den {
                r -= den;
                q |= 1;
            }
            exp -= 1;
        }
        sticky = r != 0;
    }
    // 54 bits: the 53 kept and one rounding bit; round half to even.
    let mut mantissa = (q >> 1) as u64;
    exp += 1;
    if q & 1 == 1 && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
    }
    mantissa as f64 * pow2(exp)
}

/// 2^exp exactly (for the exponents `exact_ratio` meets: normal doubles).
fn pow2(exp: i32) -> f64 {
    let half = exp / 2;
    let p = |e: i32| f64::from_bits(((1023 + e.clamp(-1022, 1023)) as u64) << 52);
    p(half) * p(exp - half)
}

/// A period in whole seconds, when it is one (the exact paths need an integer).
fn whole_seconds(period_seconds: f64) -> Option<u128> {
    (period_seconds.fract() == 0.0 && period_seconds <= (1u64 << 53) as f64)
        .then_some(period_seconds as u128)
}

/// `units * 1e-11 * period / 60` minutes, rounded once; a float product for a period
/// that is not a whole number of seconds.
fn minutes(units: i128, period_seconds: f64) -> f64 {
    let exact = whole_seconds(period_seconds).and_then(|p| {
        let num = units.unsigned_abs().checked_mul(p)?;
        let m = exact_ratio(num, FRACTION_UNITS * 60);
        Some(if units < 0 { -m } else { m })
    });
    exact.unwrap_or_else(|| units as f64 / FRACTION_UNITS as f64 * period_seconds / 60.0)
}

fn check_period(period_seconds: f64) -> CoreResult<()> {
    if !(period_seconds.is_finite() && period_seconds > 0.0) {
        return Err(CoreError::window(
            "period",
            format!("must be a positive number of seconds, got {period_seconds}"),
        ));
    }
    Ok(())
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
        let units = budget_units(target_percent)?;
        let bf = units as f64 / FRACTION_UNITS as f64;
        check_period(period_seconds)?;
        crate::counter::check_good_total(good, total)?;
        thresholds.validate()?;
        let bad = total - good;
        let total_minutes = minutes(units as i128, period_seconds);
        let (consumed, ratio) = if total == 0 {
            (0.0, 0.0)
        } else {
            let ratio = bad as f64 / total as f64;
            (ratio / bf, ratio)
        };
        // Spent and left in minutes, each one rounding of its exact value: spent is
        // bad / total of the period, left is (units * total - bad * 10^11) / total of it.
        let (consumed_minutes, remaining_minutes) = match whole_seconds(period_seconds) {
            Some(p) if total > 0 => {
                let den = total as u128 * 60;
                let spent = exact_ratio(bad as u128 * p, den);
                let left = units as i128 * total as i128 - bad as i128 * FRACTION_UNITS as i128;
                let left = left
                    .unsigned_abs()
                    .checked_mul(p)
                    .and_then(|n| den.checked_mul(FRACTION_UNITS).map(|d| (n, d)))
                    .map(|(n, d)| exact_ratio(n, d).copysign(left as f64))
                    .unwrap_or((1.0 - consumed) * total_minutes);
                (spent, left)
            }
            _ => (consumed * total_minutes, (1.0 - consumed) * total_minutes),
        };
        Ok(ErrorBudget {
            budget_fraction: bf,
            total_minutes,
            total_events: exact_ratio(units as u128 * total as u128, FRACTION_UNITS),
            bad_events: bad,
            consumed_fraction: consumed,
            remaining_fraction: 1.0 - consumed,
            consumed_minutes,
            remaining_minutes,
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
        let units = budget_units(target_percent)?;
        let bf = units as f64 / FRACTION_UNITS as f64;
        check_period(period_seconds)?;
        thresholds.validate()?;
        // The error ratio as an exact decimal complement, like the target.
        let errors = error_units(actual_percent);
        let consumed = errors as f64 / units as f64;
        Ok(ErrorBudget {
            budget_fraction: bf,
            total_minutes: minutes(units as i128, period_seconds),
            total_events: 0.0,
            bad_events: 0,
            consumed_fraction: consumed,
            remaining_fraction: 1.0 - consumed,
            consumed_minutes: minutes(errors as i128, period_seconds),
            remaining_minutes: minutes(units as i128 - errors as i128, period_seconds),
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

    /// Budget minutes are the doubles nearest the exact decimal answers, for the common
    /// targets and periods (the products of floats were a step off for 5 of these 15).
    #[test]
    fn budget_minutes_are_the_nearest_doubles() {
        // (target, days, (100 - target) / 100 * days * 1440 written out in decimal)
        let cases = [
            (99.0, 7.0, 100.8),
            (99.0, 28.0, 403.2),
            (99.0, 30.0, 432.0),
            (99.5, 7.0, 50.4),
            (99.5, 28.0, 201.6),
            (99.5, 30.0, 216.0),
            (99.9, 7.0, 10.08),
            (99.9, 28.0, 40.32),
            (99.9, 30.0, 43.2),
            (99.95, 7.0, 5.04),
            (99.95, 28.0, 20.16),
            (99.95, 30.0, 21.6),
            (99.99, 7.0, 1.008),
            (99.99, 28.0, 4.032),
            (99.99, 30.0, 4.32),
        ];
        let t = StatusThresholds::default();
        for (target, days, want) in cases {
            let b = ErrorBudget::from_counts(target, days * DAY, 0, 0, &t).unwrap();
            assert_eq!(b.total_minutes, want, "{target} % over {days} d");
            assert_eq!(b.remaining_minutes, want, "{target} % over {days} d");
            assert_eq!(b.consumed_minutes, 0.0);
            // Half the budget spent: bad = total * budget fraction / 2.
            let total = 2_000_000u64;
            let bad = (budget_fraction(target).unwrap() * total as f64 / 2.0).round() as u64;
            let b = ErrorBudget::from_counts(target, days * DAY, total - bad, total, &t).unwrap();
            assert_eq!(b.consumed_minutes, want / 2.0, "{target} % over {days} d");
            assert_eq!(b.remaining_minutes, want / 2.0, "{target} % over {days} d");
            let b = ErrorBudget::from_sli(target, days * DAY, 100.0 - (100.0 - target) / 2.0, &t)
                .unwrap();
            assert_eq!(b.total_minutes, want, "{target} % over {days} d");
            assert_eq!(b.consumed_minutes, want / 2.0, "{target} % over {days} d");
            assert_eq!(b.remaining_minutes, want / 2.0, "{target} % over {days} d");
        }
    }

    proptest::proptest! {
        /// Where both operands are exact doubles, IEEE division is the reference.
        #[test]
        fn exact_ratio_rounds_like_ieee_division(num in 0u64..1 << 53, den in 1u64..1 << 53) {
            proptest::prop_assert_eq!(exact_ratio(num as u128, den as u128), num as f64 / den as f64);
        }

        /// Whole quotients beyond 2^53: the integer's own rounding to a double is the reference.
        #[test]
        fn exact_ratio_rounds_whole_quotients(k in 0u128..1 << 100, den in 1u128..1 << 26) {
            proptest::prop_assert_eq!(exact_ratio(k * den, den), k as f64);
        }
    }

    #[test]
    fn no_traffic_no_nan() {
        let b = ErrorBudget::from_counts(99.0, DAY, 0, 0, &StatusThresholds::default()).unwrap();
        assert_eq!(b.consumed_fraction, 0.0);
        assert!(!b.has_data);
        assert!(b.burn_rate.is_finite());
    }
}
