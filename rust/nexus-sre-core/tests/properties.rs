//! Property tests against a naive reference: any event stream, any batch split, any window.

use nexus_sre_core::alerting::{backtest, AlertTier};
use nexus_sre_core::clock::Clock;
use nexus_sre_core::counter::{CounterSpec, WindowedCounter};
use proptest::prelude::*;

const BUCKET: i64 = 10;
const HORIZON: i64 = 600;

fn counter() -> WindowedCounter {
    let spec = CounterSpec {
        bucket_seconds: BUCKET,
        horizon_seconds: HORIZON,
        future_skew_seconds: 0,
    };
    WindowedCounter::new(spec, Clock::EventTime).unwrap()
}

/// Events as (timestamp, good) within one horizon, so none is dropped.
fn events() -> impl Strategy<Value = Vec<(u32, bool)>> {
    prop::collection::vec((0u32..(HORIZON as u32), any::<bool>()), 0..300)
}

fn reference(events: &[(u32, bool)], start: i64, end: i64) -> (u64, u64) {
    let mut good = 0;
    let mut total = 0;
    for &(t, g) in events {
        let bucket_start = (t as i64 / BUCKET) * BUCKET;
        if bucket_start >= start && bucket_start < end {
            total += 1;
            good += g as u64;
        }
    }
    (good, total)
}

proptest! {
    #[test]
    fn windows_match_reference(evs in events(), k in 1i64..=(HORIZON / BUCKET)) {
        let c = counter();
        for &(t, g) in &evs {
            c.record_at(t as f64, g as u64, 1).unwrap();
        }
        let end = HORIZON as f64;
        // Pin "now" at the horizon's end so every event is inside it.
        c.record_at(end - 1.0, 0, 0).unwrap();
        let w = c.window(k * BUCKET, Some(end)).unwrap();
        let (g, t) = reference(&evs, HORIZON - k * BUCKET, HORIZON);
        prop_assert_eq!((w.good, w.total), (g, t));
        prop_assert_eq!(c.dropped(), 0);
        prop_assert!(w.error_ratio().is_finite());
    }

    #[test]
    fn merging_splits_equals_union(evs in events(), split in 0usize..300) {
        let whole = counter();
        let (a, b) = (counter(), counter());
        for (i, &(t, g)) in evs.iter().enumerate() {
            whole.record_at(t as f64, g as u64, 1).unwrap();
            let part = if i < split { &a } else { &b };
            part.record_at(t as f64, g as u64, 1).unwrap();
        }
        a.merge(&b).unwrap();
        prop_assert_eq!(a.snapshot(), whole.snapshot());
    }

    #[test]
    fn backtest_matches_naive(
        series in prop::collection::vec((0u64..50, 0u64..50), 1..120),
        factor in 0.5f64..50.0,
        kl in 1usize..20,
        ks in 1usize..20,
    ) {
        let (kl, ks) = (kl.max(ks), kl.min(ks));
        let total: Vec<u64> = series.iter().map(|(a, b)| a + b).collect();
        let good: Vec<u64> = series.iter().map(|(a, _)| *a).collect();
        let tier = AlertTier { factor, long_seconds: kl as i64 * 60, short_seconds: ks as i64 * 60 };
        let got = backtest(&good, &total, 60, 99.0, &[tier], 0).unwrap();
        let mut firing = vec![false; good.len()];
        for iv in &got {
            for f in firing.iter_mut().take(iv.end).skip(iv.start) { *f = true; }
        }
        let burn = |k: usize, i: usize| {
            let lo = (i + 1).saturating_sub(k);
            let t: u64 = total[lo..=i].iter().sum();
            let g: u64 = good[lo..=i].iter().sum();
            if t == 0 { None } else { Some((t - g) as f64 / t as f64 / 0.01) }
        };
        for (i, &fired) in firing.iter().enumerate() {
            let expect = matches!((burn(kl, i), burn(ks, i)), (Some(l), Some(s))
                if l >= factor * (1.0 - 1e-9) && s >= factor * (1.0 - 1e-9));
            prop_assert_eq!(fired, expect, "bucket {}", i);
        }
    }
}
