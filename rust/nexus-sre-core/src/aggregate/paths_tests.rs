//! Every path through `Aggregator::push` against a naive reference, over what the fast
//! paths read: every timestamp type and unit, bucket widths 1 s to 1 h, times at the edges
//! of the valid range, plain and dictionary services (with and without unknown values),
//! int16/int32 status and bool outcomes, nulls, start/end, split and sliced batches; plus
//! an unvalidated dictionary whose keys point past its values.

mod paths {
    use super::super::errors::*;
    use super::super::*;
    use arrow_array::types::Int32Type as I32T;
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_array::{
        BooleanArray, DictionaryArray, Int16Array, Int32Array, Int64Array, StringArray,
        TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
        TimestampSecondArray,
    };
    use std::collections::HashMap;
    use std::sync::Arc;

    fn base_plan() -> Plan {
        Plan {
            services: vec!["a".into(), "b".into(), "c".into()],
            slos: vec![
                SloSpec {
                    service: 0,
                    kind: SliKind::Availability,
                },
                SloSpec {
                    service: 1,
                    kind: SliKind::Availability,
                },
            ],
            outcome: Outcome::Status {
                column: "status".into(),
                failures: vec![(500, 599)],
            },
            latency: None,
            skip_bad_rows: true,
            ..super::super::tests::plan()
        }
    }

    fn series_map(acc: &Accumulator) -> HashMap<(usize, i64), (u64, u64)> {
        let mut got = HashMap::new();
        for (i, series) in acc.series.iter().enumerate() {
            for (k, c) in series.counts.iter().enumerate() {
                if c[1] > 0 {
                    got.insert((i, series.base + k as i64), (c[0], c[1]));
                }
            }
        }
        got
    }

    /// Out-of-range dictionary keys (Arrow data not validated, e.g. imported over FFI or
    /// built with new_unchecked): the general path maps them to a null service; the fast
    /// path indexes `lut` with them.
    #[test]
    fn dictionary_key_out_of_range() {
        let agg = Aggregator::new(base_plan()).unwrap();
        let keys = Int32Array::from(vec![0, 1, 7]);
        let values = Arc::new(StringArray::from(vec!["a", "b", "c"]));
        let dict = unsafe { DictionaryArray::<I32T>::new_unchecked(keys, values) };
        let t0 = 1_700_000_040i64;
        let b = RecordBatch::try_from_iter([
            (
                "ts",
                Arc::new(Int64Array::from(vec![t0, t0, t0])) as ArrayRef,
            ),
            ("svc", Arc::new(dict) as ArrayRef),
            (
                "status",
                Arc::new(Int16Array::from(vec![200i16, 200, 200])) as ArrayRef,
            ),
        ])
        .unwrap();
        let mut acc = agg.accumulator();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| agg.push(&mut acc, &b)));
        assert!(r.is_ok(), "push panicked on an out-of-range dictionary key");
        assert_eq!(acc.skipped[R_NULL_SERVICE], 1);
    }

    #[derive(Debug, Clone, Copy)]
    enum TsKind {
        I64S,
        I64Ms,
        TsS,
        TsMs,
        TsUs,
        TsNs,
    }

    fn per_s(k: TsKind) -> i64 {
        match k {
            TsKind::I64S | TsKind::TsS => 1,
            TsKind::I64Ms | TsKind::TsMs => 1000,
            TsKind::TsUs => 1_000_000,
            TsKind::TsNs => 1_000_000_000,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, .. proptest::prelude::ProptestConfig::default() })]
        /// Wider reference check: every timestamp type, bucket widths incl. 1 s, times at the
        /// valid-range edges, dictionaries without unknown values (the Dict fast path), nulls,
        /// several batches, slices.
        #[test]
        fn every_path_matches_a_reference_widely(
            rows in proptest::collection::vec((0i64..4000, 0usize..4, 0usize..5, 0u8..20), 1..200),
            kind in 0usize..6,
            bucket in proptest::sample::select(vec![1i64, 60, 3600]),
            anchor in 0usize..4,
            dict_mode in 0usize..3,
            status_type in 0u8..3,
            ranged in proptest::bool::ANY,
            split in 0usize..200,
            slice_off in 0usize..3,
            dirty in 0u8..4,
        ) {
            let kind = [TsKind::I64S, TsKind::I64Ms, TsKind::TsS, TsKind::TsMs, TsKind::TsUs, TsKind::TsNs][kind];
            let ps = per_s(kind);
            // Anchor in seconds; rows spread over `spread` column units.
            let (anchor_s, spread_units): (i64, i64) = match anchor {
                0 => (DEFAULT_VALID_FROM, 500 * ps + 1),           // lower edge
                1 => (DEFAULT_VALID_TO - 3600 * (1 + (bucket == 3600) as i64), 3600 * ps - 1),              // upper edge, some rows beyond
                2 => (1_700_000_000, if bucket == 1 { 100 * ps } else { 4000 * ps }),
                _ => (DEFAULT_VALID_FROM - 10, 20 * ps),              // around the lower edge
            };
            let codes = [200i64, 499, 500, 599, 600];
            let names = ["a", "b", "c", "zzz"];
            // rows: (t in column unit, service idx (3 = unknown), code, null flags)
            // dirty 0: clean rows (no nulls, no unknown); 1: unknown services; 2: nulls; 3: both
            let rows: Vec<(i64, usize, i64, u8)> = rows.into_iter().map(|(t, s, c, nf)| {
                let t = anchor_s * ps + (t * 7919 * ps / 3) % spread_units.max(1);
                let s = if dirty & 1 == 1 { s } else { s % 3 };
                let nf = if dirty & 2 == 2 { nf } else { 0 };
                (t, s, codes[c], nf)
            }).collect();
            let nulls = |r: &(i64, usize, i64, u8), which: u8| r.3 == which; // 1 ts, 2 svc, 3 status
            let (start, end) = if ranged { (Some(anchor_s + 5), Some(anchor_s + 40)) } else { (None, None) };
            let plan = Plan {
                bucket_seconds: bucket,
                epoch_unit: if matches!(kind, TsKind::I64Ms) { EpochUnit::Milliseconds } else { EpochUnit::Seconds },
                outcome: if status_type == 2 { Outcome::Success("status".into()) } else { Outcome::Status { column: "status".into(), failures: vec![(500, 599)] } },
                start, end,
                ..base_plan()
            };
            let ts_vals: Vec<Option<i64>> = rows.iter().map(|r| if nulls(r, 1) { None } else { Some(r.0) }).collect();
            let ts: ArrayRef = match kind {
                TsKind::I64S | TsKind::I64Ms => Arc::new(Int64Array::from(ts_vals)),
                TsKind::TsS => Arc::new(TimestampSecondArray::from(ts_vals)),
                TsKind::TsMs => Arc::new(TimestampMillisecondArray::from(ts_vals)),
                TsKind::TsUs => Arc::new(TimestampMicrosecondArray::from(ts_vals)),
                TsKind::TsNs => Arc::new(TimestampNanosecondArray::from(ts_vals)),
            };
            let svc: ArrayRef = match dict_mode {
                0 => Arc::new(StringArray::from(rows.iter().map(|r| if nulls(r, 2) { None } else { Some(names[r.1]) }).collect::<Vec<_>>())),
                _ => {
                    // dict_mode 1: values only the used names, in a shuffled order; 2: with "zzz"
                    let vals: Vec<&str> = if dict_mode == 1 { vec!["c", "a", "b", "zzz"] } else { vec!["b", "zzz", "a", "c"] };
                    let vals: Vec<&str> = if dict_mode == 1 && rows.iter().all(|r| r.1 != 3) { vec!["c", "a", "b"] } else { vals };
                    let keys: Vec<Option<i32>> = rows.iter().map(|r| if nulls(r, 2) { None } else { Some(vals.iter().position(|v| *v == names[r.1]).unwrap() as i32) }).collect();
                    Arc::new(DictionaryArray::<I32T>::try_new(keys.into(), Arc::new(StringArray::from(vals))).unwrap())
                }
            };
            let st: ArrayRef = match status_type {
                0 => Arc::new(Int16Array::from(rows.iter().map(|r| if nulls(r, 3) { None } else { Some(r.2 as i16) }).collect::<Vec<_>>())),
                1 => Arc::new(Int32Array::from(rows.iter().map(|r| if nulls(r, 3) { None } else { Some(r.2 as i32) }).collect::<Vec<_>>())),
                _ => Arc::new(BooleanArray::from(rows.iter().map(|r| if nulls(r, 3) { None } else { Some(!(500..=599).contains(&r.2)) }).collect::<Vec<_>>())),
            };
            let whole = RecordBatch::try_from_iter([("ts", ts), ("svc", svc), ("status", st)]).unwrap();
            let off = slice_off.min(whole.num_rows());
            let b = whole.slice(off, whole.num_rows() - off);
            let rows = &rows[off..];
            let agg = Aggregator::new(plan).unwrap();
            let mut acc = agg.accumulator();
            let cut = split.min(b.num_rows());
            agg.push(&mut acc, &b.slice(0, cut)).unwrap();
            agg.push(&mut acc, &b.slice(cut, b.num_rows() - cut)).unwrap();

            let (vlo, vhi) = (DEFAULT_VALID_FROM * ps, DEFAULT_VALID_TO * ps);
            let (lo, hi) = (start.map_or(i64::MIN, |s| s * ps), end.map_or(i64::MAX, |e| e * ps));
            let mut want: HashMap<(usize, i64), (u64, u64)> = HashMap::new();
            let mut skipped = [0u64; REASONS.len()];
            let (mut read, mut outside) = (0u64, 0u64);
            for r in rows {
                let (t, s, code, _) = *r;
                if nulls(r, 1) { skipped[R_NULL_TS] += 1; continue; }
                if t < vlo || t >= vhi { skipped[R_TS_RANGE] += 1; continue; }
                if nulls(r, 2) { skipped[R_NULL_SERVICE] += 1; continue; }
                if s == 3 { skipped[R_UNKNOWN_SERVICE] += 1; continue; }
                if nulls(r, 3) { skipped[R_NULL_OUTCOME] += 1; continue; }
                // 600 is no HTTP status: an invalid row where the column holds codes.
                if status_type != 2 && !VALID_STATUS.contains(&code) { skipped[R_INVALID_STATUS] += 1; continue; }
                read += 1;
                if t < lo || t >= hi { outside += 1; continue; }
                if s < 2 {
                    let e = want.entry((s, t.div_euclid(bucket * ps))).or_default();
                    e.0 += !(500..=599).contains(&code) as u64;
                    e.1 += 1;
                }
            }
            proptest::prop_assert_eq!(series_map(&acc), want);
            proptest::prop_assert_eq!(acc.skipped, skipped);
            proptest::prop_assert_eq!(acc.rows_outside, outside);
            proptest::prop_assert_eq!(acc.rows_read, read);
        }
    }
}
