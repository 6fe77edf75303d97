//! Unit tests of the kernel: counting per SLO and bucket, bad rows, merging, the bucketing
//! arithmetic, and every path against a naive reference.

use super::errors::*;
use super::tile::*;
use super::*;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use std::collections::HashMap;
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
    let b = RecordBatch::try_from_iter([("ts", Arc::new(Int64Array::from(vec![T0])) as ArrayRef)])
        .unwrap();
    let err = agg.push(&mut agg.accumulator(), &b).unwrap_err();
    assert!(err.to_string().contains("column 'svc': missing"), "{err}");
}
