//! Rolling error ratios and burn rates over per-bucket series.
//!
//! Every window is event-weighted: the ratio of the bad and total sums over the window,
//! never an average of per-bucket ratios. Sums come from prefix sums, so any number of
//! windows costs one pass each.

use crate::error::{CoreError, CoreResult};

/// Prefix sums with a leading zero: `p[i]` is the sum of `v[..i]`.
pub fn prefix_sums(values: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(values.len() + 1);
    let mut acc = 0u64;
    out.push(0);
    for &v in values {
        acc += v;
        out.push(acc);
    }
    out
}

pub fn check_series(good: &[u64], total: &[u64]) -> CoreResult<()> {
    if good.len() != total.len() {
        return Err(CoreError::LengthMismatch {
            names: "good/total",
            lengths: (good.len(), total.len()),
        });
    }
    if let Some(i) = good.iter().zip(total).position(|(g, t)| g > t) {
        return Err(CoreError::invalid(
            "good",
            format!(
                "good ({}) exceeds total ({}) at position {i}",
                good[i], total[i]
            ),
        ));
    }
    Ok(())
}

/// Sums over the window of `k` buckets ending at (and including) each bucket.
/// Early buckets see a shorter window: only what exists is summed.
pub fn rolling_sums(prefix: &[u64], k: usize) -> Vec<u64> {
    let n = prefix.len() - 1;
    (0..n)
        .map(|i| prefix[i + 1] - prefix[(i + 1).saturating_sub(k)])
        .collect()
}

/// Burn rate over the window of `k` buckets ending at each bucket, from a sliding sum.
/// 0 where the window had no traffic.
pub fn rolling_burn_rates(
    good: &[u64],
    total: &[u64],
    k: usize,
    budget_fraction: f64,
) -> CoreResult<Vec<f64>> {
    check_series(good, total)?;
    if k == 0 {
        return Err(CoreError::window(
            "window",
            "must cover at least one bucket",
        ));
    }
    if !(budget_fraction > 0.0 && budget_fraction <= 1.0) {
        return Err(CoreError::invalid(
            "budget_fraction",
            format!("must be in (0, 1], got {budget_fraction}"),
        ));
    }
    // Per chunk, two passes: the sliding sums (sequential), then the ratios, a loop with no
    // carried state that compiles to packed divisions. Same arithmetic as one pass:
    // bad / total / budget fraction. Chunks keep the temporaries on the stack.
    const CHUNK: usize = 256;
    let n = good.len();
    let mut out = Vec::with_capacity(n);
    // Window sums never exceed the series' total; when that fits an i64 the conversion to
    // f64 is one instruction instead of the unsigned sequence (same value either way).
    let fits_i64 = total
        .iter()
        .try_fold(0u64, |a, &t| a.checked_add(t))
        .is_some_and(|s| s <= i64::MAX as u64);
    let as_f64 = |v: u64| if fits_i64 { v as i64 as f64 } else { v as f64 };
    let (mut bad_w, mut total_w) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
    let (mut bad_sum, mut total_sum) = (0u64, 0u64);
    for from in (0..n).step_by(CHUNK) {
        let m = CHUNK.min(n - from);
        for j in 0..m {
            let i = from + j;
            bad_sum += total[i] - good[i];
            total_sum += total[i];
            if i >= k {
                bad_sum -= total[i - k] - good[i - k];
                total_sum -= total[i - k];
            }
            bad_w[j] = as_f64(bad_sum);
            total_w[j] = as_f64(total_sum);
        }
        // Sums are whole numbers and bad <= total: with no traffic both are 0, and 0 / 1
        // gives the 0 this function promises, without a branch (so the loop vectorises).
        out.extend(bad_w[..m].iter().zip(&total_w[..m]).map(|(&b, &t)| {
            let t = if t < 1.0 { 1.0 } else { t };
            b / t / budget_fraction
        }));
    }
    Ok(out)
}

/// Per-bucket rolling window figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RollingWindow {
    pub good: Vec<u64>,
    pub total: Vec<u64>,
}

impl RollingWindow {
    pub fn compute(good: &[u64], total: &[u64], k: usize) -> CoreResult<Self> {
        check_series(good, total)?;
        if k == 0 {
            return Err(CoreError::window(
                "window",
                "must cover at least one bucket",
            ));
        }
        Ok(RollingWindow {
            good: rolling_sums(&prefix_sums(good), k),
            total: rolling_sums(&prefix_sums(total), k),
        })
    }

    /// Error ratio per bucket; 0 where the window had no traffic.
    pub fn error_ratios(&self) -> Vec<f64> {
        self.good
            .iter()
            .zip(&self.total)
            .map(|(&g, &t)| {
                if t == 0 {
                    0.0
                } else {
                    (t - g) as f64 / t as f64
                }
            })
            .collect()
    }

    pub fn burn_rates(&self, budget_fraction: f64) -> Vec<f64> {
        self.error_ratios()
            .into_iter()
            .map(|r| r / budget_fraction)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_is_event_weighted() {
        // Bucket 0: 1 of 1 bad; bucket 1: 0 of 99 bad. Over both: 1 %, not 50 %.
        let w = RollingWindow::compute(&[0, 99], &[1, 99], 2).unwrap();
        assert_eq!(w.total, vec![1, 100]);
        assert_eq!(w.error_ratios(), vec![1.0, 0.01]);
    }

    #[test]
    fn one_pass_burn_rates_equal_the_rolling_window() {
        let good = [5u64, 0, 9, 10, 3, 0, 0, 7];
        let total = [5u64, 0, 10, 10, 4, 2, 0, 7];
        for k in 1..=9 {
            let a = rolling_burn_rates(&good, &total, k, 0.01).unwrap();
            let b = RollingWindow::compute(&good, &total, k)
                .unwrap()
                .burn_rates(0.01);
            assert_eq!(a, b, "k={k}");
        }
    }

    #[test]
    fn mismatched_lengths_are_errors() {
        assert!(matches!(
            RollingWindow::compute(&[1], &[1, 2], 1),
            Err(CoreError::LengthMismatch { .. })
        ));
        assert!(RollingWindow::compute(&[3], &[2], 1).is_err());
    }

    #[test]
    fn budget_fraction_outside_0_1_is_an_error_not_nan() {
        for bf in [0.0, -0.001, 1.5, f64::NAN] {
            let err = rolling_burn_rates(&[0, 9], &[0, 10], 1, bf).unwrap_err();
            assert!(err.to_string().contains("budget_fraction"), "{err}");
            assert!(err.to_string().contains("must be in (0, 1]"), "{err}");
        }
        // Zero traffic in a window is a burn rate of 0, not 0/0.
        assert_eq!(
            rolling_burn_rates(&[0, 9], &[0, 10], 1, 0.001).unwrap()[0],
            0.0
        );
    }
}
