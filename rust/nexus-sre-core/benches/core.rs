//! Criterion benches of the core: recording, window queries, vectorised burn rates.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    DictionaryArray, Float64Array, Int16Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use nexus_sre_core::aggregate::{
    Aggregator, EpochUnit, Outcome, Plan, SliKind, SloSpec, DEFAULT_VALID_FROM, DEFAULT_VALID_TO,
};
use nexus_sre_core::alerting::{backtest, workbook_tiers};
use nexus_sre_core::burn::RollingWindow;
use nexus_sre_core::clock::Clock;
use nexus_sre_core::counter::{CounterSpec, WindowedCounter};

fn bench_record(c: &mut Criterion) {
    let counter = WindowedCounter::new(CounterSpec::default(), Clock::system()).unwrap();
    c.bench_function("record_now", |b| {
        b.iter(|| counter.record_now(black_box(1), 1))
    });
    let ts = nexus_sre_core::clock::wall_nanos() as f64 / 1e9;
    c.bench_function("record_at", |b| {
        b.iter(|| counter.record_at(black_box(ts), 1, 1).unwrap())
    });
}

fn bench_windows(c: &mut Criterion) {
    let counter = WindowedCounter::new(CounterSpec::default(), Clock::EventTime).unwrap();
    for m in 0..(30 * 1440) {
        counter.record_at(m as f64 * 60.0, 99, 100).unwrap();
    }
    let windows = [300, 1800, 3600, 7200, 21_600, 86_400, 259_200, 2_592_000];
    c.bench_function("windows_8_over_30d_minutes", |b| {
        b.iter(|| counter.windows(black_box(&windows), None).unwrap())
    });
}

fn bench_vectorised(c: &mut Criterion) {
    let n = 30 * 1440;
    let total: Vec<u64> = (0..n).map(|i| 1000 + (i % 7) as u64).collect();
    let good: Vec<u64> = total
        .iter()
        .enumerate()
        .map(|(i, t)| t - (i % 3) as u64)
        .collect();
    c.bench_function("rolling_burn_1h_30d_minutes", |b| {
        b.iter(|| {
            RollingWindow::compute(&good, &total, 60)
                .unwrap()
                .burn_rates(0.001)
        })
    });
    let tiers = workbook_tiers(30 * 86_400);
    c.bench_function("backtest_workbook_30d_minutes", |b| {
        b.iter(|| backtest(&good, &total, 60, 99.9, &tiers, 0).unwrap())
    });
}

/// One 64k-row batch shaped like benches/make_export.py's rows: unsorted times within a
/// 14.4-hour slice, 20 services with Zipf-skewed traffic, int16 status, 0.1 % failures.
fn export_batch(rows: usize, sorted: bool) -> RecordBatch {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let t0 = 1_767_225_600_000i64;
    let mut ts: Vec<i64> = (0..rows)
        .map(|_| t0 + (next() % 51_840_000) as i64)
        .collect();
    if sorted {
        ts.sort_unstable(); // as most exports are: rows in time order
    }
    let svc: Vec<i32> = (0..rows)
        .map(|_| {
            let u = (next() % 1000) as f64 / 1000.0;
            ((20f64.powf(u) - 1.0) as i32).min(19)
        })
        .collect();
    let status: Vec<i16> = (0..rows)
        .map(|_| if next() % 1000 == 0 { 503 } else { 200 })
        .collect();
    let latency: Vec<f64> = (0..rows).map(|_| (next() % 600) as f64).collect();
    let names: Vec<String> = (0..20).map(|i| format!("svc-{i:02}")).collect();
    let dict = DictionaryArray::<Int32Type>::try_new(
        svc.into(),
        Arc::new(StringArray::from(names.clone())),
    )
    .unwrap();
    RecordBatch::try_from_iter([
        (
            "timestamp",
            Arc::new(TimestampMillisecondArray::from(ts).with_timezone("UTC")) as _,
        ),
        ("service", Arc::new(dict) as _),
        ("status", Arc::new(Int16Array::from(status)) as _),
        ("latency_ms", Arc::new(Float64Array::from(latency)) as _),
    ])
    .unwrap()
}

fn bench_aggregate(c: &mut Criterion) {
    let rows = 65_536;
    let plan = Plan {
        bucket_seconds: 60,
        services: (0..20).map(|i| format!("svc-{i:02}")).collect(),
        slos: (0..20)
            .map(|i| SloSpec {
                service: i,
                kind: SliKind::Availability,
            })
            .collect(),
        timestamp: "timestamp".into(),
        service: "service".into(),
        outcome: Outcome::Status {
            column: "status".into(),
            failures: vec![(500, 599)],
        },
        latency: None,
        latency_scale: 1.0,
        count: None,
        epoch_unit: EpochUnit::Seconds,
        start: None,
        end: None,
        valid_from: DEFAULT_VALID_FROM,
        valid_to: DEFAULT_VALID_TO,
        skip_bad_rows: false,
    };
    let agg = Aggregator::new(plan).unwrap();
    let mut acc = agg.accumulator();
    let mut group = c.benchmark_group("aggregate");
    group.throughput(Throughput::Elements(rows as u64));
    for (name, sorted) in [
        ("push_64k_rows_20_services", false),
        ("push_64k_sorted_rows", true),
    ] {
        let batch = export_batch(rows, sorted);
        group.bench_function(name, |b| {
            b.iter(|| agg.push(&mut acc, black_box(&batch)).unwrap())
        });
    }
    // Availability and latency SLOs on half the services (so the tile fits): per-service SLO lists, each
    // row judged by the good-event rule twice.
    let mut plan = agg.plan().clone();
    plan.slos = (0..20)
        .map(|i| SloSpec {
            service: i / 2,
            kind: if i % 2 == 0 {
                SliKind::Availability
            } else {
                SliKind::Latency(300.0)
            },
        })
        .collect();
    plan.latency = Some("latency_ms".into());
    let agg = Aggregator::new(plan).unwrap();
    let mut acc = agg.accumulator();
    let batch = export_batch(rows, false);
    group.bench_function("push_64k_rows_availability_and_latency", |b| {
        b.iter(|| agg.push(&mut acc, black_box(&batch)).unwrap())
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_record,
    bench_windows,
    bench_vectorised,
    bench_aggregate
);
criterion_main!(benches);
