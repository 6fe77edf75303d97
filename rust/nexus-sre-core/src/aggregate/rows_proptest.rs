//! The kernel's row checks against a naive reference: random rows with every kind of bad
//! value (null or out-of-range timestamps, null or unknown services, null or invalid status
//! codes, null/NaN/negative latencies, null/negative counts), plain and dictionary-encoded
//! columns. Skipping, every row is counted or skipped with the right reason and the counts
//! equal the reference; not skipping, the run stops at the first bad row with its reason and
//! has counted exactly the rows before it.

mod rows {
    use super::super::errors::*;
    use super::super::*;
    use arrow_array::types::{Int16Type as I16T, Int32Type as I32T, Int8Type as I8T};
    use arrow_array::{
        ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    };
    use proptest::prelude::*;
    use std::collections::HashMap;
    use std::sync::Arc;

    const T0: i64 = 1_700_000_040;
    const SERVICES: [Option<&str>; 5] = [None, Some("a"), Some("b"), Some("c"), Some("zzz")];
    const CODES: [Option<i64>; 12] = [
        None,
        Some(200),
        Some(100),
        Some(404),
        Some(500),
        Some(503),
        Some(599),
        Some(-1),
        Some(0),
        Some(99),
        Some(600),
        Some(99_999),
    ];
    const LATENCIES: [Option<f64>; 8] = [
        None,
        Some(f64::NAN),
        Some(-2.5),
        Some(0.0),
        Some(50.0),
        Some(100.0),
        Some(150.0),
        Some(1e6),
    ];

    /// One row: indices into the tables above, a time choice and a count choice.
    #[derive(Debug, Clone, Copy)]
    struct Row {
        ts: Option<i64>,
        svc: usize,
        code: usize,
        lat: usize,
        count: Option<i64>,
    }

    fn row() -> impl Strategy<Value = Row> {
        (
            prop_oneof![
                1 => Just(None),
                1 => Just(Some(DEFAULT_VALID_FROM - 100)),
                1 => Just(Some(DEFAULT_VALID_TO)),
                12 => (0i64..7200).prop_map(|d| Some(T0 + d)),
            ],
            0usize..SERVICES.len(),
            0usize..CODES.len(),
            0usize..LATENCIES.len(),
            prop_oneof![1 => Just(None), 1 => Just(Some(-3i64)), 6 => (0i64..5).prop_map(Some)],
        )
            .prop_map(|(ts, svc, code, lat, count)| Row {
                ts,
                svc,
                code,
                lat,
                count,
            })
    }

    fn plan(with_count: bool, skip: bool) -> Plan {
        Plan {
            services: vec!["a".into(), "b".into(), "c".into()],
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
            outcome: Outcome::Status {
                column: "status".into(),
                failures: vec![(500, 599)],
            },
            count: with_count.then(|| "n".into()),
            skip_bad_rows: skip,
            ..super::super::tests::plan()
        }
    }

    /// The batch, each column plain or dictionary-encoded as `dict` says (bit per column).
    fn batch(rows: &[Row], with_count: bool, dict: u8) -> RecordBatch {
        let ts: Vec<Option<i64>> = rows.iter().map(|r| r.ts).collect();
        let ts: ArrayRef = if dict & 1 != 0 {
            let values: Vec<Option<i64>> = ts.clone();
            let keys: Vec<Option<i32>> = (0..rows.len() as i32).map(Some).collect();
            Arc::new(
                DictionaryArray::<I32T>::try_new(keys.into(), Arc::new(Int64Array::from(values)))
                    .unwrap(),
            )
        } else {
            Arc::new(Int64Array::from(ts))
        };
        let svc: ArrayRef = if dict & 2 != 0 {
            let keys: Vec<Option<i32>> = rows
                .iter()
                .map(|r| SERVICES[r.svc].map(|_| r.svc as i32))
                .collect();
            let values = StringArray::from(
                SERVICES
                    .iter()
                    .map(|s| s.unwrap_or("-"))
                    .collect::<Vec<_>>(),
            );
            Arc::new(DictionaryArray::<I32T>::try_new(keys.into(), Arc::new(values)).unwrap())
        } else {
            Arc::new(StringArray::from(
                rows.iter().map(|r| SERVICES[r.svc]).collect::<Vec<_>>(),
            ))
        };
        let status: ArrayRef = if dict & 4 != 0 {
            let keys: Vec<Option<i8>> = rows.iter().map(|r| Some(r.code as i8)).collect();
            let values = Int32Array::from(
                CODES
                    .iter()
                    .map(|c| c.map(|c| c as i32))
                    .collect::<Vec<_>>(),
            );
            Arc::new(DictionaryArray::<I8T>::try_new(keys.into(), Arc::new(values)).unwrap())
        } else {
            Arc::new(Int32Array::from(
                rows.iter()
                    .map(|r| CODES[r.code].map(|c| c as i32))
                    .collect::<Vec<_>>(),
            ))
        };
        let lat: ArrayRef = if dict & 8 != 0 {
            let keys: Vec<Option<i16>> = rows.iter().map(|r| Some(r.lat as i16)).collect();
            let values = Float64Array::from(LATENCIES.to_vec());
            Arc::new(DictionaryArray::<I16T>::try_new(keys.into(), Arc::new(values)).unwrap())
        } else {
            Arc::new(Float64Array::from(
                rows.iter().map(|r| LATENCIES[r.lat]).collect::<Vec<_>>(),
            ))
        };
        let mut cols = vec![("ts", ts), ("svc", svc), ("status", status), ("lat", lat)];
        if with_count {
            let n: ArrayRef = Arc::new(Int64Array::from(
                rows.iter().map(|r| r.count).collect::<Vec<_>>(),
            ));
            cols.push(("n", n));
        }
        RecordBatch::try_from_iter(cols).unwrap()
    }

    /// Why a row is bad, checked in the documented order; None for a good row.
    fn reason_of(r: &Row, with_count: bool) -> Option<usize> {
        let Some(t) = r.ts else {
            return Some(R_NULL_TS);
        };
        if !(DEFAULT_VALID_FROM..DEFAULT_VALID_TO).contains(&t) {
            return Some(R_TS_RANGE);
        }
        match SERVICES[r.svc] {
            None => return Some(R_NULL_SERVICE),
            Some("zzz") => return Some(R_UNKNOWN_SERVICE),
            _ => {}
        }
        match CODES[r.code] {
            None => return Some(R_NULL_OUTCOME),
            Some(c) if !(100..=599).contains(&c) => return Some(R_INVALID_STATUS),
            _ => {}
        }
        match LATENCIES[r.lat] {
            None => return Some(R_NULL_LATENCY),
            Some(l) if l.is_nan() => return Some(R_NAN_LATENCY),
            Some(l) if l < 0.0 => return Some(R_NEG_LATENCY),
            _ => {}
        }
        if with_count {
            match r.count {
                None => return Some(R_NULL_COUNT),
                Some(n) if n < 0 => return Some(R_NEG_COUNT),
                _ => {}
            }
        }
        None
    }

    type Counts = HashMap<(usize, i64), (u64, u64)>;

    /// The reference: per (SLO, minute) good and total, skipped per reason, rows read.
    fn reference(rows: &[Row], with_count: bool) -> (Counts, [u64; REASONS.len()], u64) {
        let mut want = Counts::new();
        let mut skipped = [0u64; REASONS.len()];
        let mut read = 0;
        for r in rows {
            if let Some(reason) = reason_of(r, with_count) {
                skipped[reason] += 1;
                continue;
            }
            read += 1;
            let n = if with_count {
                r.count.unwrap() as u64
            } else {
                1
            };
            let ok = !(500..=599).contains(&CODES[r.code].unwrap());
            let fast = LATENCIES[r.lat].unwrap() <= 100.0;
            let bucket = r.ts.unwrap().div_euclid(60);
            let slos: &[(usize, bool)] = match SERVICES[r.svc] {
                Some("a") => &[(0, ok), (1, fast)],
                Some("b") => &[(2, ok)],
                _ => &[],
            };
            for &(slo, good) in slos {
                let e = want.entry((slo, bucket)).or_default();
                e.0 += if good { n } else { 0 };
                e.1 += n;
            }
        }
        want.retain(|_, c| c.1 > 0);
        (want, skipped, read)
    }

    fn counts(acc: &Accumulator) -> Counts {
        let mut got = Counts::new();
        for (i, series) in acc.series.iter().enumerate() {
            for (k, c) in series.counts.iter().enumerate() {
                if c[1] > 0 {
                    got.insert((i, series.base + k as i64), (c[0], c[1]));
                }
            }
        }
        got
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]
        #[test]
        fn row_checks_match_a_naive_reference(
            rows in proptest::collection::vec(row(), 1..120),
            with_count in any::<bool>(),
            dict in 0u8..16,
            split in 0usize..120,
        ) {
            let b = batch(&rows, with_count, dict);
            let cut = split.min(rows.len());

            // Skipping: every row counted or skipped with its reason.
            let agg = Aggregator::new(plan(with_count, true)).unwrap();
            let mut acc = agg.accumulator();
            agg.push(&mut acc, &b.slice(0, cut)).unwrap();
            agg.push(&mut acc, &b.slice(cut, rows.len() - cut)).unwrap();
            let (want, skipped, read) = reference(&rows, with_count);
            prop_assert_eq!(counts(&acc), want);
            prop_assert_eq!(acc.skipped, skipped);
            prop_assert_eq!(acc.rows_read, read);
            prop_assert_eq!(acc.rows_read + acc.rows_skipped(), rows.len() as u64);

            // Not skipping: the first bad row stops the run, the rows before it are counted.
            let agg = Aggregator::new(plan(with_count, false)).unwrap();
            let mut acc = agg.accumulator();
            let first_bad = rows.iter().position(|r| reason_of(r, with_count).is_some());
            match (agg.push(&mut acc, &b), first_bad) {
                (Ok(()), None) => {}
                (Err(AggError::Row { reason, row, detail, .. }), Some(i)) => {
                    prop_assert_eq!(row, i);
                    prop_assert_eq!(reason, REASONS[reason_of(&rows[i], with_count).unwrap()]);
                    prop_assert!(!detail.is_empty());
                    let (want, _, read) = reference(&rows[..i], with_count);
                    prop_assert_eq!(counts(&acc), want);
                    prop_assert_eq!(acc.rows_read, read);
                }
                (got, want) => prop_assert!(false, "push gave {:?}, first bad row {:?}", got, want),
            }
        }
    }

    /// The message of an invalid status names the code and the valid range.
    #[test]
    fn invalid_status_message() {
        let rows = [Row {
            ts: Some(T0),
            svc: 1,
            code: 11, // 99999
            lat: 4,
            count: None,
        }];
        let agg = Aggregator::new(plan(false, false)).unwrap();
        let err = agg
            .push(&mut agg.accumulator(), &batch(&rows, false, 4))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "column 'status': status code 99999 is outside 100..599 (invalid_status) at row 0"
        );
    }
}
