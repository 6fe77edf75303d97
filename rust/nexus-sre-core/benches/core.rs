//! Criterion benches of the core: recording, window queries, vectorised burn rates.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
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

criterion_group!(benches, bench_record, bench_windows, bench_vectorised);
criterion_main!(benches);
